"""The 双公示 timeliness dashboard over real sessions: a department sees its own month, the office and auditors every
department with a chart of on-time rates; alerts with deadlines; JSON and XLSX twins of the same query."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.records import service as records
from xinyong.records import timeliness

TODAY = dt.date(2024, 3, 20)


@pytest.fixture
def month_of_decisions(db: Session) -> Session:
    """March 2024 as of the 20th: 市场监管局 has one decision on time, one late, one overdue, one due today and one
    pending; 税务局 one on time; a February decision is overdue (another month)."""
    clock.freeze(dt.datetime(2024, 3, 20, 2, tzinfo=dt.UTC))
    builders.departments(db)
    made = builders.entity(db)
    plan = [
        ("SCJGJ", dt.date(2024, 3, 1), dt.date(2024, 3, 5)),  # deadline 03-12: on time
        ("SCJGJ", dt.date(2024, 3, 1), dt.date(2024, 3, 15)),  # late
        ("SCJGJ", dt.date(2024, 3, 4), None),  # deadline 03-13: overdue
        ("SCJGJ", dt.date(2024, 3, 11), None),  # deadline 03-20, today: due soon
        ("SCJGJ", dt.date(2024, 3, 18), None),  # deadline 03-27: pending
        ("SCJGJ", dt.date(2024, 2, 1), None),  # February
        ("SWJ", dt.date(2024, 3, 4), dt.date(2024, 3, 6)),
    ]
    for number, (department, decided, published) in enumerate(plan, start=1):
        data = builders.penalty(
            made.uscc,
            source_department=department,
            doc_no=f"共时效罚〔2024〕{number}号",
            decision_date=decided,
            received_date=published or decided,
            published_date=published,
        )
        records.upsert_record(db, builders.SYSTEM, data)
    return db


def _chart(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="timeliness-chart-data">(.*?)</script>', page, re.S)
    assert found, "the chart's data is embedded in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _signed_in(db: Session, username: str, role: Role, department: str | None = None) -> TestClient:
    client = console_client(db)
    make_user(db, username, role, department)
    sign_in(client, username)
    return client


def test_department_sees_its_own_month(month_of_decisions: Session) -> None:
    db = month_of_decisions
    client = _signed_in(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    page = client.get("/console/timeliness", headers=HTML)
    assert page.status_code == 200
    text = page.text
    assert 'value="2024-03"' in text and "month=2024-02" in text, "this month by default, last month a click away"
    assert re.search(r'id="tile-decisions">5<', text)
    assert re.search(r'id="tile-rate">33.3%<', text), "1 on time of 3 due"
    assert re.search(r'id="tile-due-soon">1<', text) and re.search(r'id="tile-overdue">1<', text)
    chart = _chart(text)
    assert chart["type"] == "statuses" and chart["values"] == [1, 1, 1, 1, 1]
    alerts = text.split('id="alerts-table"')[1].split("</table>")[0]
    assert "2024-03-13" in alerts and "已逾期未公示" in alerts and "2024-03-20" in alerts
    assert "市税务局" not in text.split("</nav>", 1)[1].split('id="departments-table"')[0]
    assert "/static/vendor/echarts-" in text and "cdn" not in text.lower()

    february = client.get("/console/timeliness?month=2024-02", headers=HTML).text
    assert re.search(r'id="tile-decisions">1<', february) and re.search(r'id="tile-overdue">1<', february)
    previous = re.search(r'id="month-previous" href="/console/timeliness\?month=([0-9-]+)"', february)
    following = re.search(r'id="month-next" href="/console/timeliness\?month=([0-9-]+)"', february)
    assert previous and following and (previous.group(1), following.group(1)) == ("2024-01", "2024-03")
    assert "2024年1月" in february and "2024年3月" in february

    assert client.get("/console/timeliness?department=SWJ", headers=HTML).status_code == 403
    assert client.get("/console/timeliness?month=2024-13", headers=HTML).status_code == 422
    assert client.get("/console/timeliness?month=1899-01", headers=HTML).status_code == 422
    assert client.get("/console/timeliness?months=2024-03", headers=HTML).status_code == 422

    body = client.get("/console/timeliness.json?month=2024-03").json()
    expected = timeliness.department_month(db, Actor(role=Role.CREDIT_OFFICE), "SCJGJ", "2024-03", TODAY)
    assert body["department"] == "SCJGJ" and len(body["departments"]) == 1
    assert body["departments"][0] == {"name": "市市场监管局", **json.loads(json.dumps(expected.to_dict()))}


def test_office_and_auditor_see_every_department(month_of_decisions: Session) -> None:
    db = month_of_decisions
    for username, role in (("xinyongban", Role.CREDIT_OFFICE), ("shenji", Role.AUDITOR)):
        client = _signed_in(db, username, role)
        page = client.get("/console/timeliness?month=2024-03", headers=HTML)
        assert page.status_code == 200, username
        text = page.text
        assert "双公示时效" in text and "数据上报" not in text.split('class="sidenav"')[1].split("</nav>")[0]
        table = text.split('id="departments-table"')[1].split("</table>")[0]
        assert "市市场监管局" in table and "市税务局" in table
        assert re.search(r'id="tile-decisions">6<', text) and re.search(r'id="tile-rate">50.0%<', text)
        chart = _chart(text)
        assert chart["type"] == "departments"
        assert dict(zip(chart["labels"], chart["values"], strict=True)) == {"市市场监管局": 33.3, "市税务局": 100.0}
        assert "市市场监管局" in text.split('id="alerts-table"')[1]

    one = client.get("/console/timeliness?month=2024-03&department=SWJ", headers=HTML).text
    assert re.search(r'id="tile-decisions">1<', one) and _chart(one)["type"] == "statuses"
    assert client.get("/console/timeliness?department=NOPE", headers=HTML).status_code == 422

    body = client.get("/console/timeliness.json?month=2024-03").json()
    figures = {d["department"]: d for d in body["departments"]}
    assert figures["SCJGJ"]["on_time"] == 1 and figures["SWJ"]["on_time_rate"] == 1.0
    assert body["total"]["decisions"] == 6 and body["total"]["on_time_rate"] == 0.5

    answer = client.get("/console/timeliness.xlsx?month=2024-03")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(answer.content)).get_sheet_by_index(0).to_python()
    titles = [str(t) for t in sheet[0]]
    assert titles[0] == "部门" and "按时率（%）" in titles and "完整率（%）" in titles
    rows = {str(line[0]): line for line in sheet[1:] if line and line[0]}
    assert rows["市市场监管局"][titles.index("按时率（%）")] == pytest.approx(33.3)
    assert rows["合计"][titles.index("双公示决定数")] == 6
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "console:timeliness:exported")).scalar_one()
    assert event.actor_id == "user:shenji"


def test_quiet_month_and_no_chart(month_of_decisions: Session) -> None:
    client = _signed_in(month_of_decisions, "zhangmin", Role.DEPT_REVIEWER, "SCJGJ")
    text = client.get("/console/timeliness?month=2023-06", headers=HTML).text
    assert 'id="no-chart"' in text and re.search(r'id="tile-rate">—<', text)
    assert "没有即将逾期或已逾期未公示的决定" in text
