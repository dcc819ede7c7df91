"""Supervision's 典型案例 and the public task list."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.entities import lookup
from xinyong.inspections.classes import acting_department, department_names
from xinyong.inspections.models import (
    InspectionDraw,
    InspectionTask,
    TypicalCase,
)
from xinyong.inspections.rules import CLASSES
from xinyong.inspections.schemas import (
    CaseIn,
    CaseOut,
    PublicTaskOut,
)
from xinyong.privacy import service as privacy


def case_out(row: TypicalCase, names: dict[str, str]) -> CaseOut:
    return CaseOut(
        id=row.id,
        department=row.department,
        department_name=names.get(row.department, row.department),
        title=row.title,
        summary=row.summary,
        body=row.body,
        stratum=row.stratum,
        published_on=row.published_on,
        withdrawn=row.withdrawn_at is not None,
    )


def create_case(session: Session, actor: Actor, data: CaseIn) -> TypicalCase:
    department = acting_department(session, actor, data.department)
    if data.stratum is not None and data.stratum not in CLASSES:
        raise InvalidInput(f"unknown class {data.stratum[:32]!r} (未知类别)", field="stratum")
    row = TypicalCase(
        department=department,
        title=data.title,
        summary=data.summary,
        body=data.body,
        stratum=data.stratum,
        published_on=clock.today(),
        created_by=actor.id,
        created_at=clock.now(),
    )
    payload = {"department": department, "title": data.title}
    return audit.added(session, actor, row, "inspections:case:published", "supervision_case", payload)


def withdraw_case(session: Session, actor: Actor, case_id: int) -> TypicalCase:
    row = session.get(TypicalCase, case_id)
    if row is None:
        raise NotFound(f"no typical case {case_id} (未找到该典型案例)", field="case_id")
    acting_department(session, actor, row.department)
    if row.withdrawn_at is None:
        row.withdrawn_at = clock.now()
        audit.record(
            session, actor, "inspections:case:withdrawn", "supervision_case", str(row.id), {"title": row.title}
        )
    return row


def _public_case(case: CaseOut) -> CaseOut:
    """A typical case as the public reads it: its texts through the one desensitiser, as about a natural person (a
    case names whom it is about only in its text, so names, addresses and numbers are all looked for)."""
    texts = privacy.public(privacy.about(None), {"title": case.title, "summary": case.summary, "body": case.body})
    return case.model_copy(update=texts)


def public_cases(session: Session, limit: int = 200) -> list[CaseOut]:
    names = department_names(session)
    rows = session.scalars(
        select(TypicalCase)
        .where(TypicalCase.withdrawn_at.is_(None))
        .order_by(TypicalCase.published_on.desc(), TypicalCase.id.desc())
        .limit(limit)
    )
    return [_public_case(case_out(r, names)) for r in rows]


def public_case(session: Session, case_id: int) -> CaseOut:
    row = session.get(TypicalCase, case_id)
    if row is None or row.withdrawn_at is not None:
        raise NotFound(f"no typical case {case_id} (未找到该典型案例)", field="case_id")
    return _public_case(case_out(row, department_names(session)))


def entity_name(session: Session, uscc: str) -> str:
    entity = lookup.find_entity(session, uscc)
    return entity.name if entity else ""


def case_view(session: Session, row: TypicalCase) -> CaseOut:
    return case_out(row, department_names(session))


def task_name(session: Session, task_id: int) -> str:
    task = session.get(InspectionTask, task_id)
    return task.name if task else ""


def public_tasks(session: Session, limit: int = 200) -> list[PublicTaskOut]:
    """Frozen tasks with their pool hash, newest first: published at freeze, before anyone knows the public value."""
    names = department_names(session)
    rounds = dict(session.execute(select(InspectionDraw.task_id, func.count()).group_by(InspectionDraw.task_id)).all())
    rows = session.scalars(select(InspectionTask).order_by(InspectionTask.id.desc()).limit(limit))
    return [
        PublicTaskOut(
            id=t.id,
            department=t.department,
            department_name=names.get(t.department, t.department),
            name=t.name,
            pool_size=t.pool_size,
            pool_hash=t.pool_hash,
            strata_sizes=t.strata_sizes,
            ratios=t.ratios,
            frozen_at=t.frozen_at,
            rounds=int(rounds.get(t.id, 0)),
        )
        for t in rows
    ]
