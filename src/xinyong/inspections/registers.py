"""双随机、一公开: a department's item list (检查事项清单) and inspector pool (执法检查人员)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.ids import InvalidUscc, validate_uscc
from xinyong.inspections.classes import acting_department, reading_department
from xinyong.inspections.models import (
    InspectionItem,
    Inspector,
)
from xinyong.inspections.schemas import (
    InspectorIn,
    InspectorOut,
    InspectorUpdate,
    ItemIn,
    ItemOut,
)


def item_out(row: InspectionItem) -> ItemOut:
    return ItemOut(
        id=row.id,
        department=row.department,
        code=row.code,
        name=row.name,
        basis=row.basis,
        subject=row.subject,
        method=row.method,
        active=row.active,
    )


def create_item(session: Session, actor: Actor, data: ItemIn) -> InspectionItem:
    department = acting_department(session, actor, data.department)
    taken = session.scalars(
        select(InspectionItem.id).where(InspectionItem.department == department, InspectionItem.code == data.code)
    ).first()
    if taken:
        raise Conflict(f"item code {data.code} is taken in {department} (事项编码已存在)", field="code")
    now = clock.now()
    row = InspectionItem(
        department=department,
        code=data.code,
        name=data.name,
        basis=data.basis,
        subject=data.subject,
        method=data.method,
        active=True,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    payload = {"department": department, "code": data.code, "name": data.name}
    return audit.added(session, actor, row, "inspections:item:created", "inspection_item", payload)


def _item_for_write(session: Session, actor: Actor, item_id: int) -> InspectionItem:
    row = session.get(InspectionItem, item_id)
    if row is None:
        raise NotFound(f"no inspection item {item_id} (未找到该抽查事项)", field="item_id")
    acting_department(session, actor, row.department)
    return row


def retire_item(session: Session, actor: Actor, item_id: int) -> InspectionItem:
    row = _item_for_write(session, actor, item_id)
    if row.active:
        row.active, row.updated_at = False, clock.now()
        audit.record(session, actor, "inspections:item:retired", "inspection_item", str(row.id), {"code": row.code})
    return row


def list_items(session: Session, actor: Actor, department: str | None) -> list[InspectionItem]:
    code = reading_department(session, actor, department)
    stmt = select(InspectionItem).order_by(InspectionItem.department, InspectionItem.code)
    if code:
        stmt = stmt.where(InspectionItem.department == code)
    return list(session.scalars(stmt.limit(1000)))


def inspector_out(row: Inspector) -> InspectorOut:
    return InspectorOut(
        id=row.id,
        department=row.department,
        name=row.name,
        badge_no=row.badge_no,
        conflicts=list(row.conflicts),
        active=row.active,
    )


def _conflicts(values: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for value in values:
        try:
            out.add(validate_uscc(value, field="conflicts").code)
        except InvalidUscc as bad:
            raise InvalidInput(f"conflicts: {bad.message}", field="conflicts") from None
    return sorted(out)


def create_inspector(session: Session, actor: Actor, data: InspectorIn) -> Inspector:
    department = acting_department(session, actor, data.department)
    badge = data.badge_no.upper()
    if session.scalars(select(Inspector.id).where(Inspector.badge_no == badge)).first():
        raise Conflict(f"badge number {badge} is already registered (执法证号已登记)", field="badge_no")
    now = clock.now()
    row = Inspector(
        department=department,
        name=data.name,
        badge_no=badge,
        conflicts=_conflicts(data.conflicts),
        active=True,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    payload = {"department": department, "badge_no": badge, "conflicts": row.conflicts}
    return audit.added(session, actor, row, "inspections:inspector:created", "inspector", payload)


def update_inspector(session: Session, actor: Actor, inspector_id: int, data: InspectorUpdate) -> Inspector:
    row = session.get(Inspector, inspector_id)
    if row is None:
        raise NotFound(f"no inspector {inspector_id} (未找到该执法检查人员)", field="inspector_id")
    acting_department(session, actor, row.department)
    before = {"conflicts": list(row.conflicts), "active": row.active}
    if data.conflicts is not None:
        row.conflicts = _conflicts(data.conflicts)
    if data.active is not None:
        row.active = data.active
    row.updated_at = clock.now()
    audit.record(
        session,
        actor,
        "inspections:inspector:updated",
        "inspector",
        str(row.id),
        {"before": before, "after": {"conflicts": list(row.conflicts), "active": row.active}},
    )
    return row


def list_inspectors(session: Session, actor: Actor, department: str | None) -> list[Inspector]:
    code = reading_department(session, actor, department)
    stmt = select(Inspector).order_by(Inspector.department, Inspector.badge_no)
    if code:
        stmt = stmt.where(Inspector.department == code)
    return list(session.scalars(stmt.limit(2000)))
