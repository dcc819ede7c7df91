"""Console pages of the department scorecards on the hand-made month (tests/support/scorecard_rows.py), signed in
for real, on both databases: the office's ranking, a card and the rows behind a figure; a department sees only its
own card; the XLSX export read back with the same figures; the printable sheet; weight versions through the form;
bad input refused on every route."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import scorecard_rows
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.scorecard_rows import EXPECTED_SCORE, MONTH
from xinyong.core.actor import Role
from xinyong.core.audit import AuditEvent
from xinyong.scorecards import service


@pytest.fixture
def month(db: Session) -> Session:
    scorecard_rows.build_month(db)
    make_user(db, "xyb", Role.CREDIT_OFFICE)
    make_user(db, "shenji", Role.AUDITOR)
    make_user(db, "scjg", Role.DEPT_OPERATOR, "SCJGJ")
    return db


def _client(db: Session, username: str) -> tuple[TestClient, str]:
    client = console_client(db)
    return client, sign_in(client, username)


def test_office_ranking_card_and_rows(month: Session) -> None:
    client, _ = _client(month, "xyb")
    text = client.get(f"/console/scorecards?month={MONTH}", headers=HTML).text
    assert 'id="scorecard-chart"' in text and "信用工作考核" in text
    assert text.index('data-department="SWJ"') < text.index('data-department="SCJGJ"')
    assert f"{EXPECTED_SCORE:.1f}" in text and "无考核数据" in text
    card = client.get(f"/console/scorecards/SCJGJ?month={MONTH}", headers=HTML).text
    assert 'id="card-rank">第 2 名' in card and "按时公示 2 / 应公示 4" in card and 'id="scorecard-trend"' in card
    rows = client.get(f"/console/scorecards/SCJGJ/rows?indicator=publicity_on_time&month={MONTH}", headers=HTML)
    assert rows.status_code == 200
    assert rows.text.count("已逾期未公示") >= 1 and "2026-10-13" in rows.text and "行政处罚" in rows.text
    checks = client.get(f"/console/scorecards/SCJGJ/rows?indicator=check_feedback&month={MONTH}", headers=HTML)
    assert "已执行" in checks.text and "—" in checks.text
    refused = client.get(f"/console/scorecards/SCJGJ/rows?indicator=data_quality&month={MONTH}", headers=HTML).text
    assert "行政相对人名称" in refused and "必填项为空" in refused and "required" not in refused
    auditor, _ = _client(month, "shenji")
    assert auditor.get(f"/console/scorecards/SCJGJ?month={MONTH}", headers=HTML).status_code == 200


def test_a_department_sees_only_its_own_card(month: Session) -> None:
    client, _ = _client(month, "scjg")
    text = client.get(f"/console/scorecards?month={MONTH}", headers=HTML).text
    assert 'data-department="SCJGJ"' in text and 'data-department="SWJ"' not in text
    assert client.get(f"/console/scorecards/SWJ?month={MONTH}", headers=HTML).status_code == 403
    other = f"/console/scorecards/SWJ/rows?indicator=data_volume&month={MONTH}"
    assert client.get(other, headers=HTML).status_code == 403
    sheet = _sheet(client.get(f"/console/scorecards.xlsx?month={MONTH}").content)
    assert [str(line[1]) for line in sheet[1:] if line and line[1]] == ["市市场监管局"]
    assert "/console/scorecards" in client.get("/console", headers=HTML).text  # the menu entry


def _sheet(content: bytes) -> list[list[object]]:
    return list(CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python())


def test_export_reads_back_with_the_same_figures(month: Session) -> None:
    client, _ = _client(month, "xyb")
    answer = client.get(f"/console/scorecards.xlsx?month={MONTH}")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    sheet = _sheet(answer.content)
    titles = [str(t) for t in sheet[0]]
    assert titles[:3] == ["排名", "部门", "综合得分"]
    lines = {str(line[1]): line for line in sheet[1:] if len(line) > 2 and line[1]}
    scores = service.compute(month, MONTH, scorecard_rows.TODAY.date())
    for card in scores.cards:
        line = lines[card.name]
        assert (line[2] or None) == (card.score if card.score is not None else None), card.name
    scjg = lines["市市场监管局"]
    assert scjg[0] == 2 and scjg[2] == pytest.approx(EXPECTED_SCORE)
    assert scjg[titles.index("双公示按时率（权重得分）")] == pytest.approx(10.0)
    assert str(scjg[titles.index("双公示按时率")]).startswith("50.0%")
    event = month.execute(select(AuditEvent).where(AuditEvent.action == "console:scorecards:exported")).scalar_one()
    assert event.actor_id == "user:xyb"
    printed = client.get(f"/console/scorecards/print?month={MONTH}", headers=HTML).text
    assert "共青城市部门信用工作考核表" in printed and 'id="print-button"' in printed and "60.8" in printed


def test_weight_versions_through_the_form(month: Session) -> None:
    client, csrf = _client(month, "xyb")
    form = {"csrf_token": csrf, "effective_month": "2026-10", "note": "十月版"}
    form |= {f"weight_{k}": "10" for k in scorecard_rows.EXPECTED} | {"weight_publicity_on_time": "20"}
    form |= {"param_history_months": "6", "param_overdue_step_percent": "10"}
    form |= {"param_list_decide_working_days": "15", "param_list_publish_working_days": "7"}
    answer = client.post("/console/scorecards/models", data=form, headers=HTML)
    assert answer.status_code == 303 and "done=" in answer.headers["location"]
    page = client.get(answer.headers["location"], headers=HTML).text
    assert "已发布考核权重第" in page and "十月版" in page
    bad = client.post("/console/scorecards/models", data=form | {"weight_data_quality": "90"}, headers=HTML)
    assert "error=" in bad.headers["location"]
    assert "合计应为 100" in client.get(bad.headers["location"], headers=HTML).text
    past = client.post("/console/scorecards/models", data=form | {"effective_month": "2026-09"}, headers=HTML)
    assert "error=" in past.headers["location"]
    department, token = _client(month, "scjg")
    assert department.post("/console/scorecards/models", data=form | {"csrf_token": token}).status_code == 403
    assert "发布新版本" not in department.get("/console/scorecards/models", headers=HTML).text


BAD = [
    "/console/scorecards?month=2026-13",
    "/console/scorecards?month=2099-01",
    "/console/scorecards?month=" + "9" * 50,
    "/console/scorecards?month=2026-09&extra=1",
    "/console/scorecards.xlsx?month=abc",
    "/console/scorecards/print?month=2026-00",
    "/console/scorecards/scjgj?month=2026-09",
    "/console/scorecards/NOPE?month=2026-09",
    "/console/scorecards/%3Cscript%3E?month=2026-09",
    "/console/scorecards/SCJGJ/rows?month=2026-09",
    "/console/scorecards/SCJGJ/rows?month=2026-09&indicator=%27%20OR%201%3D1",
    "/console/scorecards/SCJGJ/rows?month=2026-09&indicator=" + "x" * 100,
    "/console/scorecards/models?done=1&extra=2",
]


def test_bad_input_on_every_route(month: Session) -> None:
    client, csrf = _client(month, "xyb")
    for path in BAD:
        answer = client.get(path, headers=HTML)
        assert answer.status_code == 422, (path, answer.status_code)
        assert "输入有误" in answer.text or "请求有误" in answer.text or answer.status_code == 422
    hostile = {
        "csrf_token": csrf,
        "effective_month": "<b>x</b>",
        "weight_publicity_on_time": "1e9",
        "note": "说" * 9000,
    }
    answer = client.post("/console/scorecards/models", data=hostile, headers=HTML)
    assert answer.status_code == 303 and "error=" in answer.headers["location"]
    assert client.post("/console/scorecards/models", data={"effective_month": "2026-10"}, headers=HTML).status_code in (
        403,
        422,
    )  # no CSRF token
