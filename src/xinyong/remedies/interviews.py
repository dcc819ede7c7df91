"""Interviews (约谈, req §3.9): "谁认定、谁约谈" — the finding department records a 提示约谈 or 警示约谈, and the
interview becomes a credit record of kind ``interview`` (有条件共享) with that department as source."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.records import service as records
from xinyong.records.rules import Disclosure, Kind, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.remedies.findings import Basis, basis_of, clean_text, require_finder
from xinyong.remedies.models import Interview, RectificationTask
from xinyong.remedies.rules import (
    MAX_ATTENDEES,
    InterviewKind,
)
from xinyong.remedies.schemas import InterviewOut

# ---------------------------------------------------------------- interviews (约谈)


def _interview_basis(
    session: Session, actor: Actor, list_entry_id: int | None, record_id: int | None, task_id: int | None
) -> Basis:
    """What an interview is about: a rectification task of the actor's department, else a list entry or record."""
    if task_id is None:
        return basis_of(session, actor, list_entry_id, record_id)
    task = session.get(RectificationTask, task_id)
    if task is None:
        raise NotFound(f"no rectification task {task_id} (未找到该整改任务)", field="task_id")
    require_finder(actor, task.department)
    return Basis(task.department, task.subject_uscc, task.subject_name, task.list_entry_id, task.record_id)


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
    basis = _interview_basis(session, actor, list_entry_id, record_id, task_id)
    if held_on > clock.today():
        raise InvalidInput("held_on is in the future (约谈日期不能晚于今天)", field="held_on")
    place_text = clean_text(place, "place", 200)
    content_text = clean_text(content, "content", 20_000)
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
