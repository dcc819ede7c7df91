"""双随机、一公开: each drawn entity's result, written as a 行政检查 credit record through ``records.service``, and the
20-working-day publication deadline ``xinyong tick`` flags.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.departments import get_department
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.workflow import Parties
from xinyong.entities import lookup
from xinyong.inspections.classes import acting_department, reading_department
from xinyong.inspections.draws import assignment_out, get_draw, publish_deadline
from xinyong.inspections.models import (
    INSPECTION_RESULT,
    InspectionAssignment,
    InspectionItem,
    InspectionTask,
)
from xinyong.inspections.rules import RESULT_SEVERITY, ResultStep
from xinyong.inspections.schemas import (
    AssignmentOut,
    ResultIn,
)
from xinyong.records import service as records
from xinyong.records.rules import Disclosure, Kind, Severity, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn


def list_assignments(
    session: Session, actor: Actor, *, department: str | None, task_id: int | None, open_only: bool, limit: int = 500
) -> list[AssignmentOut]:
    code = reading_department(session, actor, department)
    stmt = select(InspectionAssignment).order_by(InspectionAssignment.deadline, InspectionAssignment.id)
    if code:
        stmt = stmt.where(InspectionAssignment.department == code)
    if task_id is not None:
        stmt = stmt.where(InspectionAssignment.task_id == task_id)
    if open_only:
        stmt = stmt.where(InspectionAssignment.published_on.is_(None))
    rows = list(session.scalars(stmt.limit(limit)))
    names = lookup.names_of(session, (r.uscc for r in rows))
    return [assignment_out(r, names.get(r.uscc, "")) for r in rows]


def get_assignment(session: Session, actor: Actor, assignment_id: int) -> InspectionAssignment:
    """One drawn entity for its department's staff, the credit office and auditors (else 404)."""
    row = session.get(InspectionAssignment, assignment_id)
    if row is None or not (actor.sees_everything or (actor.is_department and row.department == actor.department_code)):
        raise NotFound(f"no drawn entity {assignment_id} (未找到该检查对象)", field="assignment_id")
    return row


def record_result(session: Session, actor: Actor, assignment_id: int, data: ResultIn) -> InspectionAssignment:
    """Record a drawn entity's result: it becomes (or corrects) a public 行政检查 credit record, published today."""
    row = session.get(InspectionAssignment, assignment_id)
    if row is None or (actor.is_department and row.department != actor.department_code):
        raise NotFound(f"no drawn entity {assignment_id} (未找到该检查对象)", field="assignment_id")
    acting_department(session, actor, row.department)
    draw = get_draw(session, row.draw_id)
    today = clock.today()
    if data.result_date > today:
        raise InvalidInput("the inspection date is in the future (检查日期不能晚于今天)", field="result_date")
    if data.result_date < draw.drawn_on:
        raise InvalidInput("the inspection date is before the draw (检查日期早于抽取日期)", field="result_date")
    task = session.get(InspectionTask, row.task_id)
    assert task is not None
    items = list(
        session.scalars(
            select(InspectionItem).where(InspectionItem.id.in_(task.item_ids)).order_by(InspectionItem.code)
        )
    )
    department = get_department(session, row.department)
    entity = lookup.find_entity(session, row.uscc)
    name = entity.name if entity else row.uscc
    item_names = "、".join(i.name for i in items)[:200]
    severity = RESULT_SEVERITY[data.result]
    version, outcome = records.upsert_record(
        session,
        actor,
        RecordIn(
            source_department=row.department,
            kind=Kind.INSPECTION,
            doc_no=f"双随机-{task.id}-{draw.round_no}-{row.uscc}",
            subject=SubjectIn(type=SubjectType.ENTITY, name=name, uscc=row.uscc),
            title=f"{item_names}：{data.result}"[:300],
            decision_date=data.result_date,
            published_date=today,
            disclosure=Disclosure.PUBLIC,
            severity=Severity(severity) if severity else None,
            content={
                "JCSX": item_names,
                "JCFS": "双随机、一公开",
                "JCJG": str(data.result),
                "JCRQ": data.result_date.isoformat(),
                "JCJGMC": department.full_name,
                "JCJGDM": department.uscc,
                "RWMC": task.name[:200],
                "CQLC": draw.round_no,
                "JCRY": "、".join(row.inspectors),
                **({"BZ": data.note[:2000]} if data.note else {}),
            },
            provenance={"source": "inspections", "task_id": task.id, "draw_id": draw.id, "assignment_id": row.id},
        ),
    )
    previous = row.result
    deadline, provisional, rule = publish_deadline(session, data.result_date)
    row.result, row.result_date, row.result_note = str(data.result), data.result_date, data.note
    row.deadline, row.deadline_provisional, row.deadline_rule = deadline, provisional, rule
    row.published_on = row.published_on or today
    row.record_id, row.recorded_by, row.recorded_at = version.record_id, actor.id, clock.now()
    INSPECTION_RESULT.advance(
        session,
        actor,
        row,
        ResultStep.RECORD,
        parties=Parties(row.department, subject_uscc=row.uscc),
        reason=data.note,
        documents=[f"双随机-{task.id}-{draw.round_no}-{row.uscc}"],
        details={
            "result": str(data.result),
            "previous": previous,
            "record_id": version.record_id,
            "record": outcome,
            "deadline": deadline,
            "late": today > deadline,
        },
    )
    return row


def sweep_overdue(session: Session, actor: Actor, today: dt.date | None = None) -> list[int]:
    """Flag every drawn entity whose result is still unpublished past its deadline (once each; idempotent)."""
    today = today or clock.today()
    due = list(
        session.scalars(
            select(InspectionAssignment)
            .where(
                InspectionAssignment.published_on.is_(None),
                InspectionAssignment.overdue_at.is_(None),
                InspectionAssignment.deadline < today,
            )
            .order_by(InspectionAssignment.id)
        )
    )
    now = clock.now()
    for row in due:
        row.overdue_at = now
        INSPECTION_RESULT.advance(
            session,
            actor,
            row,
            ResultStep.OVERDUE,
            parties=Parties(row.department, subject_uscc=row.uscc),
            details={"department": row.department, "uscc": row.uscc, "deadline": row.deadline, "today": today},
        )
    return [row.id for row in due]
