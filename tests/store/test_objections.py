"""Objections on SQLite and PostgreSQL: deadlines in working days across a holiday, every step allowed or refused,
the record's 异议中 at once, outcomes as record versions that keep the past, and escalation of overdue ones."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import builders
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.objections import service
from xinyong.objections.rules import ObjectionStatus, Outcome
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ResolveIn
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordCorrection

FILED = dt.datetime(2024, 9, 27, 2, 0, tzinfo=dt.UTC)  # Friday before National Day 2024 (Beijing 10:00)
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office-1", name="信用办")
REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev-scjgj", department_code="SCJGJ")


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
        service.resolve(session, REVIEWER, objection_id, ResolveIn(outcome=Outcome.UPHELD, reason="无误"))
    with pytest.raises(Forbidden):
        service.forward(session, entity, objection_id, ForwardIn(note="x"))
    service.forward(session, OFFICE, objection_id, ForwardIn(note="请核实"))
    with pytest.raises(Conflict):
        service.forward(session, OFFICE, objection_id, ForwardIn(note="again"))
    operator = Actor(role=Role.DEPT_OPERATOR, id="op", department_code="SCJGJ")
    with pytest.raises(Forbidden):  # an operator proposes; the reviewer decides
        service.resolve(session, operator, objection_id, ResolveIn(outcome=Outcome.UPHELD, reason="无误"))
    done = service.resolve(session, REVIEWER, objection_id, ResolveIn(outcome=Outcome.UPHELD, reason="经核实无误"))
    assert done.status == ObjectionStatus.RESOLVED and done.outcome == Outcome.UPHELD
    assert records.get_record(session, entity, record_id).status == Status.VALID
    with pytest.raises(Conflict):
        service.resolve(session, OFFICE, objection_id, ResolveIn(outcome=Outcome.REVOKED, reason="理由"))
    assert service.get_objection(session, entity, objection_id).outcome_reason == "经核实无误"


def test_correction_keeps_the_old_version_for_as_of_views(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    clock.freeze(FILED + dt.timedelta(days=1))
    correction = RecordCorrection(title="行政处罚决定书（更正）", reason="金额更正")
    with pytest.raises(InvalidInput):
        service.resolve(session, OFFICE, objection_id, ResolveIn(outcome=Outcome.CORRECTED, reason="理由"))
    done = service.resolve(
        session,
        OFFICE,
        objection_id,
        ResolveIn(outcome=Outcome.CORRECTED, reason="金额有误，已更正", correction=correction),
    )
    now = records.get_record(session, entity, record_id)
    assert now.title == "行政处罚决定书（更正）" and now.status == Status.VALID and done.result_version == now.version
    before = records.get_record(session, entity, record_id, as_of=FILED - dt.timedelta(hours=1))
    assert before.title == "行政处罚决定书" and before.status == Status.VALID and before.version == 1


def test_revoked_record_and_audit(filed: tuple[Session, Actor, int]) -> None:
    session, entity, record_id = filed
    objection_id = _file(session, entity, record_id)
    service.resolve(session, OFFICE, objection_id, ResolveIn(outcome=Outcome.REVOKED, reason="非本主体"))
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
    done = service.resolve(session, OFFICE, objection_id, ResolveIn(outcome=Outcome.UPHELD, reason="督办后核实无误"))
    assert done.status == ObjectionStatus.RESOLVED
