"""Rectification tasks (限期整改, req §3.9): issued by the finding department with a working-day deadline stored
with its rule, reported by the entity, confirmed or rejected by the department; the sweep escalates overdue tasks
once. Every step goes through the workflow mechanism (``core.workflow``: table check, stamp, step log, audit
event). Services flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.errors import Forbidden, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Deadline, Parties
from xinyong.remedies.findings import basis_of, clean_text
from xinyong.remedies.models import RECTIFICATION, RectificationStep, RectificationTask
from xinyong.remedies.rules import (
    TaskStatus,
    TaskStep,
    check_task_step,
    is_overdue,
    task_deadline,
)
from xinyong.remedies.schemas import TaskOut, TaskStepOut

CHUNK = 500


# ---------------------------------------------------------------- rectification tasks


def _advance(
    session: Session,
    actor: Actor,
    task: RectificationTask,
    step: TaskStep,
    details: dict[str, Any],
    *,
    reason: str | None = None,
    deadline: Deadline | None = None,
) -> None:
    RECTIFICATION.advance(
        session,
        actor,
        task,
        step,
        parties=Parties(task.department, subject_uscc=task.subject_uscc),
        reason=reason,
        details=details,
        context={"department": task.department},
        deadline=deadline,
    )


def _load_task(session: Session, task_id: int) -> RectificationTask:
    task = session.scalars(select(RectificationTask).where(RectificationTask.id == task_id).with_for_update()).first()
    if task is None:
        raise NotFound(f"no rectification task {task_id} (未找到该整改任务)", field="task_id")
    return task


def issue_task(
    session: Session,
    actor: Actor,
    *,
    requirement: str,
    working_days: int,
    list_entry_id: int | None = None,
    record_id: int | None = None,
) -> RectificationTask:
    """下达整改: the finding department sets the entity a task with a deadline of N working days after today,
    stored with the rule that produced it. Audit event ``remedies:rectification:issue``."""
    if not (actor.is_department or actor.role == Role.SYSTEM):
        raise Forbidden("only a department issues rectification tasks (仅行业主管部门可下达整改)")
    basis = basis_of(session, actor, list_entry_id, record_id)
    text = clean_text(requirement, "requirement", 10_000)
    assert text is not None
    today = clock.today()
    deadline = task_deadline(today, working_days, load_calendar(session))
    task = RectificationTask(
        department=basis.department,
        status="",
        subject_uscc=basis.uscc,
        subject_name=basis.name,
        list_entry_id=basis.list_entry_id,
        record_id=basis.record_id,
        requirement=text,
        issued_on=today,
        issued_by=actor.id,
        working_days=working_days,
        deadline=deadline.date,
        deadline_provisional=deadline.provisional,
        deadline_rule=deadline.rule,
        escalated=False,
        updated_at=clock.now(),
    )
    check_task_step(TaskStep.ISSUE, None, actor, department=basis.department, subject_uscc=basis.uscc)
    session.add(task)
    session.flush()
    _advance(
        session,
        actor,
        task,
        TaskStep.ISSUE,
        {"deadline": deadline.date, "rule": deadline.rule, "list_entry_id": list_entry_id, "record_id": record_id},
        deadline=Deadline(deadline.date, deadline.provisional, deadline.rule),
    )
    return task


def report_completion(session: Session, actor: Actor, task_id: int, *, report: str) -> RectificationTask:
    """The entity reports it has rectified (its own task only). Audit event ``remedies:rectification:report``."""
    task = _load_task(session, task_id)
    check_task_step(
        TaskStep.REPORT, TaskStatus(task.status), actor, department=task.department, subject_uscc=task.subject_uscc
    )
    text = clean_text(report, "report", 20_000)
    late = clock.today() > task.deadline
    _advance(session, actor, task, TaskStep.REPORT, {"report": text, "late": late})
    return task


def confirm_task(session: Session, actor: Actor, task_id: int, *, note: str | None = None) -> RectificationTask:
    """The department confirms the rectification is done. Audit event ``remedies:rectification:confirm``."""
    task = _load_task(session, task_id)
    check_task_step(
        TaskStep.CONFIRM, TaskStatus(task.status), actor, department=task.department, subject_uscc=task.subject_uscc
    )
    task.done_on = clock.today()
    text = clean_text(note, "note", 5000, required=False)
    _advance(session, actor, task, TaskStep.CONFIRM, {"note": text}, reason=text)
    return task


def reject_task(session: Session, actor: Actor, task_id: int, *, note: str) -> RectificationTask:
    """The department finds the rectification insufficient: the task is open again, with its original deadline.
    Audit event ``remedies:rectification:reject``."""
    task = _load_task(session, task_id)
    check_task_step(
        TaskStep.REJECT, TaskStatus(task.status), actor, department=task.department, subject_uscc=task.subject_uscc
    )
    text = clean_text(note, "note", 5000)
    _advance(session, actor, task, TaskStep.REJECT, {"note": text}, reason=text)
    return task


@dataclass(frozen=True)
class EscalationResult:
    examined: int
    escalated: int


def sweep_rectifications(session: Session, actor: Actor, today: dt.date) -> EscalationResult:
    """逾期升级 (``xinyong tick``): tasks still 整改中 after their deadline are flagged escalated once, with a step and
    the audit event ``remedies:rectification:escalated``. Idempotent."""
    if actor.role != Role.SYSTEM:
        raise Forbidden("only the platform's sweep escalates tasks (逾期升级由系统执行)")
    examined = escalated = 0
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(RectificationTask.id)
                .where(
                    RectificationTask.status == TaskStatus.OPEN,
                    RectificationTask.deadline < today,
                    RectificationTask.escalated.is_(False),
                    RectificationTask.id > last_id,
                )
                .order_by(RectificationTask.id)
                .limit(CHUNK)
            )
        )
        if not ids:
            return EscalationResult(examined, escalated)
        last_id = ids[-1]
        for task_id in ids:
            examined += 1
            task = _load_task(session, task_id)
            if task.escalated or not is_overdue(TaskStatus(task.status), task.deadline, today):
                continue
            task.escalated = True
            task.escalated_on = today
            _advance(session, actor, task, TaskStep.ESCALATE, {"deadline": task.deadline, "today": today})
            escalated += 1


def tasks_about(
    session: Session, *, record_id: int | None = None, entry_id: int | None = None
) -> list[RectificationTask]:
    """Every task set on the record or the list entry, oldest first (repair weighs whether they are done)."""
    t = RectificationTask
    conditions = []
    if record_id is not None:
        conditions.append(t.record_id == record_id)
    if entry_id is not None:
        conditions.append(t.list_entry_id == entry_id)
    if not conditions:
        return []
    return list(session.scalars(select(t).where(or_(*conditions)).order_by(t.id)))


def _task_visibility(actor: Actor) -> ColumnElement[bool]:
    t = RectificationTask
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return t.department == (actor.department_code or "")
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return t.subject_uscc == actor.entity_uscc
    return false()


def task_out(task: RectificationTask, today: dt.date, steps: list[RectificationStep] | None = None) -> TaskOut:
    return TaskOut(
        id=task.id,
        department=task.department,
        status=task.status,
        subject_uscc=task.subject_uscc,
        subject_name=task.subject_name,
        list_entry_id=task.list_entry_id,
        record_id=task.record_id,
        requirement=task.requirement,
        issued_on=task.issued_on,
        working_days=task.working_days,
        deadline=task.deadline,
        deadline_provisional=task.deadline_provisional,
        deadline_rule=task.deadline_rule,
        overdue=is_overdue(TaskStatus(task.status), task.deadline, today),
        escalated=task.escalated,
        escalated_on=task.escalated_on,
        done_on=task.done_on,
        steps=None if steps is None else [TaskStepOut.model_validate(s) for s in steps],
    )


def get_task(session: Session, actor: Actor, task_id: int) -> TaskOut:
    """One task with its steps, for its department, the entity, the office and auditors (else 404)."""
    task = session.scalars(
        select(RectificationTask).where(RectificationTask.id == task_id, _task_visibility(actor))
    ).first()
    if task is None:
        raise NotFound(f"no rectification task {task_id} visible to you (未找到该整改任务)", field="task_id")
    steps = list(
        session.scalars(
            select(RectificationStep).where(RectificationStep.task_id == task.id).order_by(RectificationStep.id)
        )
    )
    return task_out(task, clock.today(), steps)


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    page: PageRequest,
    status: TaskStatus | None = None,
    overdue: bool | None = None,
    uscc: str | None = None,
) -> tuple[list[TaskOut], int]:
    """Tasks the actor may see, newest first; ``overdue=true`` lists those past their deadline and not reported."""
    today = clock.today()
    t = RectificationTask
    stmt = select(t).where(_task_visibility(actor))
    if status is not None:
        stmt = stmt.where(t.status == status)
    if overdue is True:
        stmt = stmt.where(t.status == TaskStatus.OPEN, t.deadline < today)
    elif overdue is False:
        stmt = stmt.where(~and_(t.status == TaskStatus.OPEN, t.deadline < today))
    if uscc:
        stmt = stmt.where(t.subject_uscc == uscc.strip().upper())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(t.id.desc()).offset(page.offset).limit(page.page_size))
    return [task_out(task, today) for task in rows], total


def deadline_items(session: Session, first: dt.date, following: dt.date) -> list[dict[str, Any]]:
    """Rectification tasks due in ``[first, following)`` or still open during it, with the day each was confirmed
    done: the rows a department's scorecard counts (req §3.15b)."""
    t = RectificationTask
    rows = session.execute(
        select(t.id, t.department, t.deadline, t.done_on, t.status, t.subject_name)
        .where(t.deadline < following, or_(t.deadline >= first, t.done_on.is_(None), t.done_on >= first))
        .order_by(t.deadline, t.id)
    ).all()
    return [
        {
            "id": row.id,
            "department": row.department,
            "deadline": row.deadline,
            "done_on": row.done_on,
            "status": row.status,
            "subject": row.subject_name,
            "link": None,
        }
        for row in rows
    ]
