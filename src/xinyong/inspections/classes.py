"""Graded supervision: who acts for which department, each entity's class (key-supervision list in force, else its
public credit grade, else 未评价) and the department's versioned mapping (class -> ratio, frequency).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import Department, get_department
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.pagination import PageRequest
from xinyong.entities import lookup
from xinyong.evaluation.service import current_grades
from xinyong.inspections import rules
from xinyong.inspections.models import (
    SupervisionMapping,
)
from xinyong.inspections.rules import CLASS_LABELS, CLASSES, DEFAULT_CLASSES
from xinyong.inspections.schemas import (
    ClassCount,
    ClassEntity,
    ClassesOut,
    MappingIn,
    MappingOut,
)
from xinyong.lists import service as lists
from xinyong.lists.rules import ListCategory

KEY_SUPERVISION = (ListCategory.WATCH, ListCategory.SERIOUS)

CHUNK = 5000


def acting_department(session: Session, actor: Actor, requested: str | None) -> str:
    """The department an actor writes for: its own for department staff; the one named for the office."""
    if actor.is_department:
        own = actor.department_code or ""
        if requested and requested.upper() != own:
            raise Forbidden("staff act only for their own department (只能维护本部门数据)")
        return own
    if actor.sees_everything and actor.role != Role.AUDITOR:
        if not requested:
            raise InvalidInput("name the department (请指定部门)", field="department")
        return get_department(session, requested.upper()).code
    raise Forbidden("only the department's staff or the credit office may do this (无权操作)")


def reading_department(session: Session, actor: Actor, requested: str | None) -> str | None:
    """The department whose data an actor reads: its own for department staff, any (or all) for the office."""
    if actor.is_department:
        own = actor.department_code or ""
        if requested and requested.upper() != own:
            raise Forbidden("staff see only their own department (只能查看本部门数据)")
        return own
    if actor.sees_everything:
        return get_department(session, requested.upper()).code if requested else None
    raise Forbidden("staff only (无权访问)")


def department_names(session: Session) -> dict[str, str]:
    return {d.code: d.full_name for d in session.scalars(select(Department))}


def grades_of(session: Session, usccs: list[str] | None = None) -> dict[str, str]:
    """USCC → public credit grade (A–D) from ``xinyong.evaluation``; ungraded entities are absent."""
    return current_grades(session, usccs)


def key_supervision(session: Session, on: dt.date) -> set[str]:
    """USCCs on a 重点关注 or serious dishonesty list in force on ``on``."""
    return lists.usccs_in_force(session, on, KEY_SUPERVISION)


def classify(session: Session, usccs: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """USCC → (class, grade) for the given entities."""
    big = len(usccs) > CHUNK
    grades = grades_of(session, None if big else list(usccs))
    watched = key_supervision(session, clock.today())
    return {u: (rules.class_of(grades.get(u), u in watched), grades.get(u)) for u in usccs}


def mapping_out(row: SupervisionMapping) -> MappingOut:
    return MappingOut(
        id=row.id,
        department=row.department,
        version=row.version,
        classes=row.classes,
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def current_mapping(session: Session, department: str) -> SupervisionMapping | None:
    return session.scalars(
        select(SupervisionMapping)
        .where(SupervisionMapping.department == department)
        .order_by(SupervisionMapping.version.desc())
        .limit(1)
    ).first()


def save_mapping(session: Session, actor: Actor, data: MappingIn) -> SupervisionMapping:
    department = acting_department(session, actor, data.department)
    classes = rules.check_classes({k: v.model_dump() for k, v in data.classes.items()})
    last = current_mapping(session, department)
    row = SupervisionMapping(
        department=department,
        version=(last.version if last else 0) + 1,
        classes=classes,
        note=data.note,
        created_by=actor.id,
        created_at=clock.now(),
    )
    payload = {
        "department": department,
        "version": row.version,
        "classes": classes,
        "previous": last.classes if last else None,
    }
    return audit.added(session, actor, row, "inspections:mapping:saved", "supervision_mapping", payload)


def list_mappings(session: Session, actor: Actor, department: str | None) -> list[SupervisionMapping]:
    code = reading_department(session, actor, department)
    stmt = select(SupervisionMapping).order_by(SupervisionMapping.department, SupervisionMapping.version.desc())
    if code:
        stmt = stmt.where(SupervisionMapping.department == code)
    return list(session.scalars(stmt.limit(500)))


def entities_by_class(
    session: Session, actor: Actor, department: str | None, stratum: str | None, page: PageRequest
) -> ClassesOut:
    """Each class's count over the entities in business (存续), with the department's ratio and frequency, and one
    page of the entities of ``stratum`` (all classes when None)."""
    code = reading_department(session, actor, department)
    if code is None:
        raise InvalidInput("name the department whose mapping applies (请选择部门)", field="department")
    if stratum is not None and stratum not in CLASSES:
        raise InvalidInput(f"unknown class {stratum[:32]!r} (未知类别)", field="stratum")
    mapping = current_mapping(session, code)
    classes = mapping.classes if mapping else DEFAULT_CLASSES
    names = lookup.names_in_business(session)
    found = classify(session, list(names))
    counts = Counter(cls for cls, _ in found.values())
    chosen = [u for u in names if stratum is None or found[u][0] == stratum]
    window = chosen[page.offset : page.offset + page.page_size]
    audit.record(
        session, actor, "inspections:classes:read", "department", code, {"stratum": stratum, "page": page.page}
    )
    return ClassesOut(
        department=code,
        mapping_version=mapping.version if mapping else None,
        counts=[
            ClassCount(
                stratum=c,
                label=CLASS_LABELS[c],
                count=counts.get(c, 0),
                ratio=str(classes[c]["ratio"]),
                frequency=int(classes[c]["frequency"]),
            )
            for c in CLASSES
        ],
        stratum=stratum,
        total=len(chosen),
        page=page.page,
        page_size=page.page_size,
        entities=[ClassEntity(uscc=u, name=names[u], stratum=found[u][0], grade=found[u][1]) for u in window],
    )
