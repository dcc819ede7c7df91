"""The console's 异议处理 and 风险预警 pages over real sessions: the office forwards, the source department's reviewer
decides; the department in charge acknowledges and closes its alerts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.core.actor import Actor, Role
from xinyong.objections import service as objections
from xinyong.objections.schemas import ObjectionIn
from xinyong.records import service as records
from xinyong.risk import service as risk


def test_office_forwards_operator_proposes_and_reviewer_decides(db: Session) -> None:
    office = console_client(db)
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    entity = Actor(role=Role.ENTITY, id="e1", entity_uscc=made.uscc)
    filed = objections.file_objection(db, entity, ObjectionIn(record_id=version.record_id, reasons="金额登记有误"))
    make_user(db, "office1", Role.CREDIT_OFFICE)
    make_user(db, "op1", Role.DEPT_OPERATOR, department="SCJGJ")
    make_user(db, "rev1", Role.DEPT_REVIEWER, department="SCJGJ")
    csrf = sign_in(office, "office1")
    desk = office.get("/console/objections", headers=HTML)
    assert desk.status_code == 200 and "金额登记有误" in desk.text and "异议处理" in desk.text
    assert f'href="/console/objections/{filed.id}#record"' in desk.text and "行政处罚 " in desk.text
    assert "记录 " + str(version.record_id) + "（第" not in desk.text, "the record is named, not numbered"
    detail = office.get(f"/console/objections/{filed.id}", headers=HTML)
    assert detail.status_code == 200 and 'id="forward-form"' in detail.text and 'id="record-versions"' in detail.text
    assert "个工作日" in detail.text and 'id="objection-steps"' in detail.text
    sent = office.post(
        f"/console/objections/{filed.id}/forward", data={"csrf_token": csrf, "note": "请核实"}, headers=HTML
    )
    assert sent.status_code == 303 and "done=" in sent.headers["location"]

    operator = console_client(db)
    csrf = sign_in(operator, "op1")
    page = operator.get(f"/console/objections/{filed.id}", headers=HTML).text
    assert 'id="propose-form"' in page and 'name="content_value"' in page and 'data-key="NR_FK"' in page
    record = records.get_record(db, Actor(role=Role.CREDIT_OFFICE, id="o"), version.record_id)
    keys = list(record.content)
    values = ["0.2" if key == "NR_FK" else _shown(record.content[key]) for key in keys]
    form = {
        "csrf_token": csrf,
        "outcome": "更正",
        "reason": "罚款金额有误",
        "title": "行政处罚决定书（更正）",
        "decision_date": record.decision_date.isoformat(),
        "published_date": "",
        "disclosure": "公开",
        "severity": record.severity or "",
        "content_key": keys,
        "content_value": values,
    }
    answer = operator.post(f"/console/objections/{filed.id}/propose", data=form, headers=HTML)
    assert answer.status_code == 303 and "done=" in answer.headers["location"], answer.headers["location"]
    after = operator.get(answer.headers["location"], headers=HTML).text
    assert "待另一名人员审核" in after and 'id="review-form"' not in after, "the proposer is offered no decision"
    own = operator.post(
        f"/console/objections/{filed.id}/review",
        data={"csrf_token": csrf, "decision": "approve", "opinion": "同意"},
        headers=HTML,
    )
    assert "error=" in own.headers["location"]
    assert records.get_record(db, entity, version.record_id).status == "异议中"

    reviewer = console_client(db)
    csrf = sign_in(reviewer, "rev1")
    assert 'id="review-form"' in reviewer.get(f"/console/objections/{filed.id}", headers=HTML).text
    done = reviewer.post(
        f"/console/objections/{filed.id}/review",
        data={"csrf_token": csrf, "decision": "approve", "opinion": "同意更正"},
        headers=HTML,
    )
    assert done.status_code == 303 and "done=" in done.headers["location"], done.headers["location"]
    now = records.get_record(db, entity, version.record_id)
    assert now.title == "行政处罚决定书（更正）" and now.content["NR_FK"] == 0.2 and now.status == "有效"
    untouched = {k: v for k, v in record.content.items() if k != "NR_FK"}
    assert {k: v for k, v in now.content.items() if k != "NR_FK"} == untouched, "unchanged fields keep their values"
    page = reviewer.get(f"/console/objections/{filed.id}", headers=HTML).text
    assert 'data-version="1"' in page and f'data-version="{now.version}"' in page and "更正" in page
    again = reviewer.post(
        f"/console/objections/{filed.id}/review",
        data={"csrf_token": csrf, "decision": "approve", "opinion": "再次"},
        headers=HTML,
    )
    assert "error=" in again.headers["location"]


def _shown(value: object) -> str:
    return "、".join(map(str, value)) if isinstance(value, list) else str(value)


def test_bad_console_proposals_are_refused_with_a_notice(db: Session) -> None:
    client = console_client(db)
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    entity = Actor(role=Role.ENTITY, id="e1", entity_uscc=made.uscc)
    filed = objections.file_objection(db, entity, ObjectionIn(record_id=version.record_id, reasons="金额登记有误"))
    make_user(db, "office1", Role.CREDIT_OFFICE)
    csrf = sign_in(client, "office1")
    url = f"/console/objections/{filed.id}/propose"
    base = {"csrf_token": csrf, "reason": "理由充分"}
    for form in (
        {**base, "outcome": "删除"},
        {**base, "outcome": "更正"},  # nothing changed
        {**base, "outcome": "更正", "decision_date": "2026-02-30"},
        {**base, "outcome": "更正", "content_key": ["NO_SUCH"], "content_value": ["x"]},
        {**base, "outcome": "更正", "content_key": ["NR_FK", "NR"], "content_value": ["1"]},
        {**base, "outcome": "更正", "content_key": ["NR_FK"], "content_value": ["很多"]},
        {**base, "outcome": "更正", "content_key": ["NR"], "content_value": ["长" * 3000]},
    ):
        answer = client.post(url, data=form, headers=HTML)
        assert answer.status_code == 303 and "error=" in answer.headers["location"], form
    assert objections.get_objection(db, entity, filed.id).status == "已受理"
    assert client.post(url, data={**base, "outcome": "维持" * 5}, headers=HTML).status_code == 422
    assert client.get("/console/objections/0", headers=HTML).status_code == 422
    assert client.get("/console/objections/424242", headers=HTML).status_code == 404


def test_department_handles_its_alerts(db: Session) -> None:
    client = console_client(db)
    made = builders.entity(db)
    for _ in range(2):
        records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    [alert_id] = risk.sweep_risk(db, Actor.system("tick"))
    make_user(db, "op1", Role.DEPT_OPERATOR, department="SCJGJ")
    csrf = sign_in(client, "op1")
    assert "12个月内受到2次及以上行政处罚" in client.get("/console/risk", headers=HTML).text
    for action in ("acknowledge", "close"):
        done = client.post(
            f"/console/risk/{alert_id}/{action}", data={"csrf_token": csrf, "note": "已处置"}, headers=HTML
        )
        assert done.status_code == 303 and "done=" in done.headers["location"]
    assert "已关闭" in client.get("/console/risk", headers=HTML).text
