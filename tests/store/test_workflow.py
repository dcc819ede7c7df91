"""The workflow mechanism against both databases: one ``advance`` checks the step, stamps status and time, opens the
working-day deadline on the office's calendar, writes the step row and the audit event — or writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden
from xinyong.core.workflow import PROCEDURES, Parties
from xinyong.remedies.models import RECTIFICATION, RectificationStep, RectificationTask
from xinyong.remedies.rules import TaskStep

OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="op-scjgj", name="经办", department_code="SCJGJ")
OTHER = Actor(role=Role.DEPT_OPERATOR, id="op-zjj", department_code="ZJJ")


def _task(session: Session) -> RectificationTask:
    builders.departments(session)
    uscc = builders.new_uscc()
    builders.entity(session, uscc=uscc)
    now = clock.now()
    task = RectificationTask(
        department="SCJGJ",
        status="",
        subject_uscc=uscc,
        subject_name="共青城测试有限公司",
        requirement="整改",
        issued_on=clock.today(),
        issued_by=OPERATOR.id,
        working_days=5,
        deadline=clock.today(),
        deadline_provisional=False,
        deadline_rule="-",
        escalated=False,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    return task


def _events(session: Session, task_id: int) -> list[audit.AuditEvent]:
    return list(
        session.scalars(
            select(audit.AuditEvent)
            .where(audit.AuditEvent.subject_type == "rectification_task", audit.AuditEvent.subject_id == str(task_id))
            .order_by(audit.AuditEvent.seq)
        )
    )


def test_advance_writes_the_step_the_deadline_and_the_audit_event(db: Session) -> None:
    clock.freeze(dt.datetime(2024, 9, 27, 2, 0, tzinfo=dt.UTC))
    task = _task(db)
    moved = RECTIFICATION.advance(
        db,
        OPERATOR,
        task,
        TaskStep.ISSUE,
        parties=Parties("SCJGJ", subject_uscc=task.subject_uscc),
        reason="逾期未整改",
        documents=["共市监改〔2024〕1号", "  ", "附件-1"],
        details={"on": dt.date(2024, 9, 27)},
        context={"department": "SCJGJ"},
        deadline_days=5,
    )
    assert moved.previous is None and str(moved.status) == "整改中" and task.status == "整改中"
    assert moved.deadline is not None and moved.deadline.date == dt.date(2024, 10, 10), "5 working days over 国庆"
    assert moved.deadline.provisional is False and "5 个工作日" in moved.deadline.rule
    (step,) = RECTIFICATION.steps_of(db, task.id)
    assert isinstance(step, RectificationStep) and step.task_id == task.id
    assert (step.step, step.from_status, step.to_status) == ("issue", None, "整改中")
    assert (step.actor_role, step.actor_id, step.actor_department) == ("department_operator", "op-scjgj", "SCJGJ")
    assert step.on == dt.date(2024, 9, 27) and step.reason == "逾期未整改"
    assert step.documents == ["共市监改〔2024〕1号", "附件-1"]
    assert step.deadline == dt.date(2024, 10, 10) and step.details == {"on": "2024-09-27"}
    (event,) = _events(db, task.id)
    assert event.action == "remedies:rectification:issue"
    assert event.payload == {"department": "SCJGJ", "from": None, "to": "整改中", "on": "2024-09-27"}


def test_a_refused_step_writes_nothing(db: Session) -> None:
    task = _task(db)
    parties = Parties("SCJGJ", subject_uscc=task.subject_uscc)
    with pytest.raises(Forbidden):
        RECTIFICATION.advance(db, OTHER, task, TaskStep.ISSUE, parties=parties, deadline_days=5)
    with pytest.raises(Conflict):
        RECTIFICATION.advance(db, OPERATOR, task, TaskStep.CONFIRM, parties=parties)
    assert task.status == ""
    count = db.scalar(select(func.count()).select_from(RectificationStep).where(RectificationStep.task_id == task.id))
    assert count == 0 and _events(db, task.id) == []


def test_a_step_that_keeps_the_status_is_still_a_step(db: Session) -> None:
    task = _task(db)
    parties = Parties("SCJGJ", subject_uscc=task.subject_uscc)
    RECTIFICATION.advance(db, OPERATOR, task, TaskStep.ISSUE, parties=parties, deadline_days=3)
    moved = RECTIFICATION.advance(db, Actor.system("tick"), task, TaskStep.ESCALATE, parties=parties)
    assert str(moved.previous) == str(moved.status) == "整改中"
    assert [s.step for s in RECTIFICATION.steps_of(db, task.id)] == ["issue", "escalate"]
    assert [e.action for e in _events(db, task.id)][-1] == "remedies:rectification:escalated"


def test_every_registered_procedure_has_its_step_table(db: Session) -> None:
    names = set(inspect(db.connection()).get_table_names())
    assert PROCEDURES, "no procedure registered"
    for name, procedure in PROCEDURES.items():
        table = procedure.history.__table__  # type: ignore[attr-defined]
        assert table.name.endswith("_steps") and table.name in names, name
        assert procedure.history.owner_key in table.c, name
