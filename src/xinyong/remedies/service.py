"""Use cases of rectification tasks and interviews (SPEC §3.9). Services flush, never commit.

"谁认定、谁约谈": only the department that listed the entity (a list entry) or recorded its dishonesty (a credit
record) issues a rectification task about it and records the interview; the interview becomes a credit record of
kind ``interview`` with that department as source.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select, true
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.lists import service as lists
from xinyong.lists.rules import EntryStatus
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Disclosure, Kind, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.remedies.models import Interview, RectificationStep, RectificationTask
from xinyong.remedies.rules import (
    MAX_ATTENDEES,
    InterviewKind,
    TaskStatus,
    TaskStep,
    check_task_step,
    is_overdue,
    task_deadline,
)
from xinyong.remedies.schemas import InterviewOut, TaskOut, TaskStepOut

# Record kinds that speak of dishonesty (a rectification or an interview can rest on them).
DISHONEST_KINDS = frozenset(
    {
        Kind.PENALTY,
        Kind.ENFORCEMENT,
        Kind.JUDICIAL,
        Kind.ABNORMAL_OPERATION,
        Kind.SERIOUS_DISHONESTY,
        Kind.CONTRACT,
        Kind.COMMITMENT,
        Kind.COMPLAINT,
    }
)
LISTED_STATUSES = frozenset({EntryStatus.DECIDED, EntryStatus.PUBLISHED})
CHUNK = 500


@dataclass(frozen=True)
class Basis:
    """What a task or an interview rests on: the finding department and the entity it found against."""

    department: str
    uscc: str
    name: str
    list_entry_id: int | None = None
    record_id: int | None = None


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    return plain


def _finder(actor: Actor, department: str) -> None:
    """谁认定、谁约谈: only the finding department (or the platform for it) acts on its finding."""
    if actor.role == Role.SYSTEM:
        return
    if not (actor.is_department and actor.department_code == department):
        raise Forbidden(f"only department {department}, which made the finding, may do this (谁认定、谁约谈)")


def _basis(session: Session, actor: Actor, list_entry_id: int | None, record_id: int | None) -> Basis:
    if (list_entry_id is None) == (record_id is None):
        raise InvalidInput(
            "name one list entry or one credit record (须指定名单条目或信用记录之一)", field="list_entry_id"
        )
    if list_entry_id is not None:
        entry = lists.get_entry_row(session, list_entry_id)
        _finder(actor, entry.department)
        if entry.status not in LISTED_STATUSES:
            raise InvalidInput(
                f"list entry {entry.id} is {entry.status}, not decided or published (名单条目未生效)",
                field="list_entry_id",
            )
        if entry.subject_uscc is None:
            raise InvalidInput(
                "rectification and interviews are for entities (仅适用于市场主体)", field="list_entry_id"
            )
        return Basis(entry.department, entry.subject_uscc, entry.subject_name, list_entry_id=entry.id)
    version = session.scalars(records.visible_versions(actor).where(CreditRecordVersion.record_id == record_id)).first()
    if version is None:
        raise NotFound(f"no credit record {record_id} visible to you (未找到该信用记录)", field="record_id")
    _finder(actor, version.source_department)
    if version.kind not in DISHONEST_KINDS:
        raise InvalidInput(f"a {version.kind} record is no finding of dishonesty (非失信记录)", field="record_id")
    if version.subject_uscc is None:
        raise InvalidInput("rectification and interviews are for entities (仅适用于市场主体)", field="record_id")
    return Basis(version.source_department, version.subject_uscc, version.subject_name, record_id=version.record_id)


def _text(value: str | None, field: str, limit: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required (必填)", field=field)
    if len(text) > limit or "\x00" in text:
        raise InvalidInput(f"{field} must be at most {limit} characters of text (内容不合法)", field=field)
    return text or None


# ---------------------------------------------------------------- rectification tasks


def _advance(session: Session, actor: Actor, task: RectificationTask, step: TaskStep, details: dict[str, Any]) -> None:
    previous = TaskStatus(task.status) if task.status else None
    target = check_task_step(step, previous, actor, department=task.department, subject_uscc=task.subject_uscc)
    now = clock.now()
    if target is not None:
        task.status = target
    task.updated_at = now
    session.add(task)
    session.flush()
    session.add(
        RectificationStep(
            task_id=task.id,
            step=step,
            from_status=previous,
            to_status=task.status,
            on=clock.today(),
            at=now,
            actor_role=str(actor.role),
            actor_id=actor.id,
            actor_department=actor.department_code,
            details=_plain(details),
        )
    )
    session.flush()
    verb = "escalated" if step is TaskStep.ESCALATE else str(step)
    audit.record(
        session,
        actor,
        f"remedies:rectification:{verb}",
        "rectification_task",
        str(task.id),
        {"from": previous, "to": task.status, "department": task.department, **details},
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
    basis = _basis(session, actor, list_entry_id, record_id)
    text = _text(requirement, "requirement", 10_000)
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
    )
    return task


def report_completion(session: Session, actor: Actor, task_id: int, *, report: str) -> RectificationTask:
    """The entity reports it has rectified (its own task only). Audit event ``remedies:rectification:report``."""
    task = _load_task(session, task_id)
    check_task_step(
        TaskStep.REPORT, TaskStatus(task.status), actor, department=task.department, subject_uscc=task.subject_uscc
    )
    text = _text(report, "report", 20_000)
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
    _advance(session, actor, task, TaskStep.CONFIRM, {"note": _text(note, "note", 5000, required=False)})
    return task


def reject_task(session: Session, actor: Actor, task_id: int, *, note: str) -> RectificationTask:
    """The department finds the rectification insufficient: the task is open again, with its original deadline.
    Audit event ``remedies:rectification:reject``."""
    task = _load_task(session, task_id)
    check_task_step(
        TaskStep.REJECT, TaskStatus(task.status), actor, department=task.department, subject_uscc=task.subject_uscc
    )
    _advance(session, actor, task, TaskStep.REJECT, {"note": _text(note, "note", 5000)})
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
        steps=None
        if steps is None
        else [
            TaskStepOut(
                step=s.step,
                from_status=s.from_status,
                to_status=s.to_status,
                on=s.on,
                at=s.at,
                actor_role=s.actor_role,
                actor_id=s.actor_id,
                actor_department=s.actor_department,
                details=dict(s.details),
            )
            for s in steps
        ],
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


# ---------------------------------------------------------------- interviews (约谈)


def record_interview(
    session: Session,
    actor: Actor,
    *,
    kind: InterviewKind,
    held_on: dt.date,
    place: str,
    attendees: list[str],
    content: str,
    list_entry_id: int | None = None,
    record_id: int | None = None,
    task_id: int | None = None,
) -> Interview:
    """约谈: the finding department records a 提示约谈 or 警示约谈 about one of its list entries, records or tasks; the
    interview becomes a credit record (kind ``interview``, 有条件共享, the department as source). Audit event
    ``remedies:interview:recorded``."""
    if not (actor.is_department or actor.role == Role.SYSTEM):
        raise Forbidden("only the finding department records interviews (谁认定、谁约谈)")
    try:
        kind = InterviewKind(kind)
    except ValueError:
        raise InvalidInput(f"kind must be {' or '.join(InterviewKind)} (约谈类型)", field="kind") from None
    if sum(x is not None for x in (list_entry_id, record_id, task_id)) != 1:
        raise InvalidInput("name one list entry, credit record or task (须指定约谈依据之一)", field="list_entry_id")
    if task_id is not None:
        task = session.get(RectificationTask, task_id)
        if task is None:
            raise NotFound(f"no rectification task {task_id} (未找到该整改任务)", field="task_id")
        _finder(actor, task.department)
        basis = Basis(task.department, task.subject_uscc, task.subject_name, task.list_entry_id, task.record_id)
    else:
        basis = _basis(session, actor, list_entry_id, record_id)
    if held_on > clock.today():
        raise InvalidInput("held_on is in the future (约谈日期不能晚于今天)", field="held_on")
    place_text = _text(place, "place", 200)
    content_text = _text(content, "content", 20_000)
    names = [a.strip() for a in attendees if a and a.strip()]
    if not names or len(names) > MAX_ATTENDEES or any(len(a) > 100 for a in names):
        raise InvalidInput(f"attendees are 1–{MAX_ATTENDEES} names (参加人员)", field="attendees")
    entity = entities.get_entity(session, basis.uscc)
    interview = Interview(
        department=basis.department,
        kind=kind,
        subject_uscc=entity.uscc,
        subject_name=entity.name,
        list_entry_id=basis.list_entry_id,
        record_id=basis.record_id,
        task_id=task_id,
        held_on=held_on,
        place=place_text,
        attendees=names,
        content=content_text,
        recorded_by=actor.id,
        recorded_at=clock.now(),
    )
    session.add(interview)
    session.flush()
    version, _ = records.upsert_record(
        session,
        actor,
        RecordIn(
            source_department=basis.department,
            kind=Kind.INTERVIEW,
            doc_no=f"约谈-{held_on.year}-{interview.id}",
            subject=SubjectIn(type=SubjectType.ENTITY, name=entity.name, uscc=entity.uscc),
            title=str(kind),
            decision_date=held_on,
            disclosure=Disclosure.CONDITIONAL,
            content={"YTLX": str(kind), "YTDD": place_text, "YTNR": content_text},
            provenance={"source": "remedies", "interview_id": interview.id},
        ),
    )
    interview.credit_record_id = version.record_id
    session.flush()
    audit.record(
        session,
        actor,
        "remedies:interview:recorded",
        "interview",
        str(interview.id),
        {"kind": kind, "uscc": entity.uscc, "held_on": held_on.isoformat(), "record_id": version.record_id},
    )
    return interview


def interview_out(row: Interview) -> InterviewOut:
    return InterviewOut(
        id=row.id,
        department=row.department,
        kind=InterviewKind(row.kind),
        subject_uscc=row.subject_uscc,
        subject_name=row.subject_name,
        list_entry_id=row.list_entry_id,
        record_id=row.record_id,
        task_id=row.task_id,
        held_on=row.held_on,
        place=row.place,
        attendees=list(row.attendees),
        content=row.content,
        credit_record_id=row.credit_record_id,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def list_interviews(
    session: Session, actor: Actor, *, page: PageRequest, uscc: str | None = None
) -> tuple[list[InterviewOut], int]:
    """Interviews for staff: a department its own, the office, auditors and the platform all."""
    stmt = select(Interview)
    if not actor.sees_everything:
        if not actor.is_department:
            raise Forbidden("only staff read interview records (仅工作人员可查看约谈记录)")
        stmt = stmt.where(Interview.department == (actor.department_code or ""))
    if uscc:
        stmt = stmt.where(Interview.subject_uscc == uscc.strip().upper())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Interview.id.desc()).offset(page.offset).limit(page.page_size))
    return [interview_out(r) for r in rows], total
