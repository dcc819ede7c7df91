"""The console's 异议处理 and 风险预警 pages over real sessions: the office forwards, the source department's reviewer
decides; the department in charge acknowledges and closes its alerts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests import builders
from tests.api.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.core.actor import Actor, Role
from xinyong.objections import service as objections
from xinyong.objections.schemas import ObjectionIn
from xinyong.records import service as records
from xinyong.risk import service as risk


def test_office_forwards_and_reviewer_decides(db: Session) -> None:
    office = console_client(db)
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    entity = Actor(role=Role.ENTITY, id="e1", entity_uscc=made.uscc)
    filed = objections.file_objection(db, entity, ObjectionIn(record_id=version.record_id, reasons="金额登记有误"))
    make_user(db, "office1", Role.CREDIT_OFFICE)
    make_user(db, "rev1", Role.DEPT_REVIEWER, department="SCJGJ")
    csrf = sign_in(office, "office1")
    page = office.get("/console/objections", headers=HTML)
    assert page.status_code == 200 and "金额登记有误" in page.text and "异议处理" in page.text
    sent = office.post(
        f"/console/objections/{filed.id}/forward", data={"csrf_token": csrf, "note": "请核实"}, headers=HTML
    )
    assert sent.status_code == 303 and "done=" in sent.headers["location"]
    reviewer = console_client(db)
    csrf = sign_in(reviewer, "rev1")
    answer = reviewer.post(
        f"/console/objections/{filed.id}/resolve",
        data={"csrf_token": csrf, "outcome": "更正", "reason": "金额有误", "new_title": "行政处罚决定书（更正）"},
        headers=HTML,
    )
    assert answer.status_code == 303 and "done=" in answer.headers["location"], answer.headers["location"]
    assert records.get_record(db, entity, version.record_id).title == "行政处罚决定书（更正）"
    again = reviewer.post(
        f"/console/objections/{filed.id}/resolve",
        data={"csrf_token": csrf, "outcome": "维持", "reason": "再次"},
        headers=HTML,
    )
    assert "error=" in again.headers["location"]


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
