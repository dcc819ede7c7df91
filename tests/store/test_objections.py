"""Objections on SQLite and PostgreSQL: deadlines in working days across a holiday, every step allowed or refused,
the record's 异议中 at once, the decision by two people (the proposer never decides), outcomes as record versions
that keep the past (更正 of any published field), and escalation of overdue ones."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.objections import service
from xinyong.objections.models import OBJECTION
from xinyong.objections.rules import ObjectionStatus, Outcome
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ProposeIn, ReviewIn
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordCorrection

FILED = dt.datetime(2024, 9, 27, 2, 0, tzinfo=dt.UTC)  # Friday before National Day 2024 (Beijing 10:00)
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office-1", name="信用办")
OFFICE_2 = Actor(role=Role.CREDIT_OFFICE, id="office-2", name="信用办审核")
REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev-scjgj", department_code="SCJGJ")
OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="op", department_code="SCJGJ")


@pytest.fixture
def filed(db: Session) -> tuple[Session, Actor, int]:
    builders.departments(db)
    clock.freeze(FILED - dt.timedelta(days=5))
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    clock.freeze(FILED)
    return db, Actor(role=Role.ENTITY, id="ent-1", name=made.name, entity_uscc=made.uscc), version.record_id


def _file(session: Session, actor: Actor, record_id: int) -> int:
    return service.file_objection(session, actor, ObjectionIn(record_id=record_id, reasons="罚款金额登记有误")).id


def _decide(
    session: Session,
    objection_id: int,
    outcome: Outcome,
    reason: str,
    *,
    proposer: Actor = OFFICE,
    decider: Actor = OFFICE_2,
    correction: RecordCorrection | None = None,
) -> service.Objection:
    service.propose(session, proposer, objection_id, ProposeIn(outcome=outcome, reason=reason, correction=correction))
    return service.review(session, decider, objection_id, ReviewIn(approve=True, opinion="同意拟办意见"))


def test_deadlines_count_working_days_across_national_day(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    row = service.file_objection(session, entity, ObjectionIn(record_id=record_id, reasons="罚款金额登记有误"))
    # 9-29 (Sunday) is a make-up working day, 9-30 works, 10-1..10-7 are the holiday: the 3rd working day is 10-08
    assert row.deadline == dt.date(2024, 10, 8) and row.deadline_rule == "platform:3wd"
    assert not row.deadline_provisional
    assert records.get_record(session, entity, record_id).status == Status.OBJECTED
    assert records.get_record(session, Actor.public(), record_id).status == Status.OBJECTED
    clock.freeze(dt.datetime(2024, 9, 30, 2, 0, tzinfo=dt.UTC))
    forwarded = service.forward(session, OFFICE, row.id, ForwardIn(note="请核实罚款金额"))
    # from 9-30: 10-8, 9, 10, 11 and 10-12 (a make-up Saturday) are the 1st to 5th, 10-14 and 10-15 the 6th and 7th
    assert forwarded.status == ObjectionStatus.FORWARDED and forwarded.deadline == dt.date(2024, 10, 15)
    assert forwarded.deadline_rule == "department:7wd"


def test_an_entity_cannot_object_for_another(filed: tuple[Session, Actor, int]) -> None:
    session, _entity, record_id = filed
    other = Actor(role=Role.ENTITY, id="ent-2", entity_uscc=builders.new_uscc())
    with pytest.raises(Forbidden):
        _file(session, other, record_id)
    with pytest.raises(Forbidden):
        _file(session, builders.operator(), record_id)
    with pytest.raises(InvalidInput):  # the office registers one for a person concerned, named
        _file(session, OFFICE, record_id)
    assert (
        service.file_objection(
            session, OFFICE, ObjectionIn(record_id=record_id, reasons="本人系被误记的当事人", objector_name="张三")
        ).objector_name
        == "张三"
    )


def test_only_one_open_objection_and_steps_refused_out_of_turn(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    with pytest.raises(Conflict):  # the record is 异议中 already
        _file(session, entity, record_id)
    with pytest.raises(Forbidden):  # the department answers only once the objection is forwarded to it
        service.propose(session, REVIEWER, objection_id, ProposeIn(outcome=Outcome.UPHELD, reason="无误"))
    with pytest.raises(Forbidden):
        service.forward(session, entity, objection_id, ForwardIn(note="x"))
    service.forward(session, OFFICE, objection_id, ForwardIn(note="请核实"))
    with pytest.raises(Conflict):
        service.forward(session, OFFICE, objection_id, ForwardIn(note="again"))
    with pytest.raises(Conflict):  # nothing to decide before a proposal
        service.review(session, REVIEWER, objection_id, ReviewIn(approve=True, opinion="同意"))
    done = _decide(session, objection_id, Outcome.UPHELD, "经核实无误", proposer=OPERATOR, decider=REVIEWER)
    assert done.status == ObjectionStatus.RESOLVED and done.outcome == Outcome.UPHELD
    assert records.get_record(session, entity, record_id).status == Status.VALID
    with pytest.raises(Conflict):
        service.propose(session, OFFICE, objection_id, ProposeIn(outcome=Outcome.REVOKED, reason="理由"))
    assert service.get_objection(session, entity, objection_id).outcome_reason == "经核实无误"


def test_two_people_decide_and_the_proposer_never(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    proposed = service.propose(session, OFFICE, objection_id, ProposeIn(outcome=Outcome.REVOKED, reason="非本主体"))
    assert proposed.status == ObjectionStatus.PROPOSED and proposed.proposed_by == OFFICE.id
    assert records.get_record(session, entity, record_id).status == Status.OBJECTED, "nothing moves on a proposal"
    assert service.steps_for(proposed, OFFICE) == [], "the proposer is offered no decision"
    for refused in (OFFICE, REVIEWER, OPERATOR, entity):  # the proposer; a department not in charge; the subject
        with pytest.raises(Forbidden):
            service.review(session, refused, objection_id, ReviewIn(approve=True, opinion="同意"))
    with pytest.raises(Conflict):  # one proposal at a time
        service.propose(session, OFFICE_2, objection_id, ProposeIn(outcome=Outcome.UPHELD, reason="无误"))
    returned = service.review(session, OFFICE_2, objection_id, ReviewIn(approve=False, opinion="证据不足，请重新拟办"))
    assert returned.status == ObjectionStatus.ACCEPTED and returned.outcome is None
    assert returned.review_opinion == "证据不足，请重新拟办"
    done = _decide(session, objection_id, Outcome.UPHELD, "经核实无误", proposer=OFFICE_2, decider=OFFICE)
    assert done.status == ObjectionStatus.RESOLVED and done.resolver_id == OFFICE.id
    steps = [s.step for s in OBJECTION.steps_of(session, objection_id)]
    assert steps == ["file", "propose", "return", "propose", "decide"]
    actions = set(
        session.execute(
            select(audit.AuditEvent.action).where(audit.AuditEvent.subject_id == str(objection_id))
        ).scalars()
    )
    assert {
        "objections:objection:proposed",
        "objections:objection:returned",
        "objections:objection:resolved",
    } <= actions


def test_a_forwarded_objection_returns_to_the_department(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    service.forward(session, OFFICE, objection_id, ForwardIn(note="请核实"))
    service.propose(session, OPERATOR, objection_id, ProposeIn(outcome=Outcome.UPHELD, reason="无误"))
    back = service.review(session, REVIEWER, objection_id, ReviewIn(approve=False, opinion="请补充核查"))
    assert back.status == ObjectionStatus.FORWARDED
    service.propose(session, REVIEWER, objection_id, ProposeIn(outcome=Outcome.UPHELD, reason="复核无误"))
    with pytest.raises(Forbidden):  # the reviewer proposed this time: the operator may not decide, nor the reviewer
        service.review(session, OPERATOR, objection_id, ReviewIn(approve=True, opinion="同意"))
    with pytest.raises(Forbidden):
        service.review(session, REVIEWER, objection_id, ReviewIn(approve=True, opinion="同意"))
    assert service.review(session, OFFICE, objection_id, ReviewIn(approve=True, opinion="同意")).outcome == "维持"


def test_correction_keeps_the_old_version_for_as_of_views(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    clock.freeze(FILED + dt.timedelta(days=1))
    old = records.get_record(session, OFFICE, record_id)
    content = {**old.content, "NR_FK": 0.3, "WFXW": "未按规定公示年度报告", "SY": "联系电话 13912345678 的当事人"}
    correction = RecordCorrection(
        title="行政处罚决定书（更正）",
        decision_date=old.decision_date - dt.timedelta(days=1),
        severity="轻微",
        content=content,
        reason="金额更正",
    )
    with pytest.raises(InvalidInput):
        service.propose(session, OFFICE, objection_id, ProposeIn(outcome=Outcome.CORRECTED, reason="理由"))
    with pytest.raises(InvalidInput):
        service.propose(
            session, OFFICE, objection_id, ProposeIn(outcome=Outcome.UPHELD, reason="理由", correction=correction)
        )
    same = ProposeIn(
        outcome=Outcome.CORRECTED, reason="理由", correction=RecordCorrection(title=old.title, reason="无变化")
    )
    with pytest.raises(Conflict):  # a correction that changes nothing is refused at the proposal
        service.propose(session, OFFICE, objection_id, same)
    late = RecordCorrection(published_date=old.decision_date - dt.timedelta(days=30), reason="日期")
    with pytest.raises(InvalidInput):  # dates out of order are refused at the proposal, not at the decision
        service.propose(
            session, OFFICE, objection_id, ProposeIn(outcome=Outcome.CORRECTED, reason="理由", correction=late)
        )
    proposed = service.propose(
        session, OFFICE, objection_id, ProposeIn(outcome=Outcome.CORRECTED, reason="金额有误", correction=correction)
    )
    assert "13912345678" not in str(proposed.proposed_correction), "the waiting proposal keeps identifiers encrypted"
    done = service.review(session, OFFICE_2, objection_id, ReviewIn(approve=True, opinion="同意更正"))
    now = records.get_record(session, OFFICE, record_id)
    assert now.title == "行政处罚决定书（更正）" and now.status == Status.VALID and done.result_version == now.version
    assert now.content["NR_FK"] == 0.3 and now.content["WFXW"] == "未按规定公示年度报告"
    assert now.content["SY"] == "联系电话 13912345678 的当事人", "staff read the corrected text as written"
    assert now.severity == "轻微" and now.decision_date == old.decision_date - dt.timedelta(days=1)
    before = records.get_record(session, entity, record_id, as_of=FILED - dt.timedelta(hours=1))
    assert before.title == "行政处罚决定书" and before.status == Status.VALID and before.version == 1
    assert [v.version for v in records.record_history(session, OFFICE, record_id)] == list(range(1, now.version + 1))


def test_revoked_record_and_audit(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    _decide(session, objection_id, Outcome.REVOKED, "非本主体")
    assert records.get_record(session, entity, record_id).status == Status.REVOKED
    actions = set(
        session.execute(
            select(audit.AuditEvent.action).where(audit.AuditEvent.subject_id == str(objection_id))
        ).scalars()
    )
    assert {"objections:objection:filed", "objections:objection:resolved"} <= actions


def test_sweep_escalates_overdue_objections_once(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    system = Actor.system("tick")
    assert service.sweep_objections(session, system, dt.date(2024, 10, 8)) == []  # the deadline day itself
    assert service.sweep_objections(session, system, dt.date(2024, 10, 9)) == [objection_id]
    assert service.sweep_objections(session, system, dt.date(2024, 10, 9)) == []
    row = service.get_objection(session, OFFICE, objection_id)
    assert row.status == ObjectionStatus.ESCALATED and row.escalated_at is not None
    assert [o.id for o in service.list_objections(session, OFFICE, open_only=True)] == [objection_id]
    done = _decide(session, objection_id, Outcome.UPHELD, "督办后核实无误")
    assert done.status == ObjectionStatus.RESOLVED


def test_sweep_marks_a_proposal_waiting_past_the_deadline_once(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    service.propose(session, OFFICE, objection_id, ProposeIn(outcome=Outcome.UPHELD, reason="无误"))
    system = Actor.system("tick")
    assert service.sweep_objections(session, system, dt.date(2024, 10, 9)) == [objection_id]
    assert service.sweep_objections(session, system, dt.date(2024, 10, 10)) == []
    row = service.get_objection(session, OFFICE, objection_id)
    assert row.status == ObjectionStatus.PROPOSED and row.escalated_at is not None, "the proposal still awaits"
    assert service.review(session, OFFICE_2, objection_id, ReviewIn(approve=True, opinion="同意")).outcome == "维持"
