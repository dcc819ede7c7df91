"""Credit commitments: the catalogue of items (信用承诺事项) and their versioned templates."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.commitments import associations
from xinyong.commitments.models import (
    CommitmentItem,
    CommitmentTemplate,
)
from xinyong.commitments.rights import FIRST_PAGE, require_department
from xinyong.commitments.rules import (
    DEFAULT_CONSEQUENCES,
    CommitmentType,
    Consequence,
    TemplateParts,
    check_parts,
)
from xinyong.commitments.schemas import ItemIn, TemplateIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest


def template_parts(template: CommitmentTemplate) -> TemplateParts:
    return TemplateParts(
        title=template.title,
        conditions=template.conditions,
        undertaking=template.undertaking,
        verification=template.verification,
        liability=template.liability,
        declaration=template.declaration,
        is_public=template.is_public,
    )


def create_item(session: Session, actor: Actor, data: ItemIn) -> CommitmentItem:
    """A new catalogue item with its first letter template (version 1). Audit ``commitments:item:created``."""
    department = get_department(session, data.department or actor.department_code or "").code
    require_department(actor, department, "catalogue changes")
    if session.execute(select(CommitmentItem.id).where(CommitmentItem.code == data.code)).first():
        raise Conflict(f"item code {data.code} is taken (事项编码已存在)", field="code")
    if data.commitment_type == CommitmentType.TOLERANCE and not data.tolerance_days:
        raise InvalidInput("a 容缺受理 item needs tolerance_days (补正期限)", field="tolerance_days")
    consequence = (
        Consequence(**data.consequence.model_dump())
        if data.consequence
        else DEFAULT_CONSEQUENCES[CommitmentType(data.commitment_type)]
    )
    association = None
    if data.association_uscc:
        association = associations.get_association(session, data.association_uscc).uscc
    now = clock.now()
    item = CommitmentItem(
        code=data.code,
        department=department,
        name=data.name,
        commitment_type=data.commitment_type,
        conditions=data.conditions,
        legal_basis=data.legal_basis,
        tolerance_days=data.tolerance_days,
        consequence=consequence.to_dict(),
        association_uscc=association,
        active=True,
        current_template=0,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    audit.record(session, actor, "commitments:item:created", "commitment_item", str(item.id), {"code": item.code})
    publish_template(session, actor, item.id, data.template)
    return item


def publish_template(session: Session, actor: Actor, item_id: int, data: TemplateIn) -> CommitmentTemplate:
    """A new version of an item's letter: earlier versions stay as they were (signed letters name theirs)."""
    item = get_item(session, item_id)
    require_department(actor, item.department, "catalogue changes")
    parts = check_parts(TemplateParts(**data.model_dump(exclude={"note"})))
    template = CommitmentTemplate(
        item_id=item.id,
        version=item.current_template + 1,
        title=parts.title,
        conditions=parts.conditions,
        undertaking=parts.undertaking,
        verification=parts.verification,
        liability=parts.liability,
        declaration=parts.declaration,
        is_public=parts.is_public,
        note=data.note,
        published_at=clock.now(),
        created_by=actor.id,
    )
    session.add(template)
    item.current_template = template.version
    item.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "commitments:template:published",
        "commitment_item",
        str(item.id),
        {"version": template.version},
    )
    return template


def set_item_active(session: Session, actor: Actor, item_id: int, active: bool) -> CommitmentItem:
    item = get_item(session, item_id)
    require_department(actor, item.department, "catalogue changes")
    item.active = active
    item.updated_at = clock.now()
    session.flush()
    audit.record(session, actor, "commitments:item:active", "commitment_item", str(item.id), {"active": active})
    return item


def get_item(session: Session, item_id: int) -> CommitmentItem:
    item = session.get(CommitmentItem, item_id)
    if item is None:
        raise NotFound(f"no commitment item {item_id} (未找到该承诺事项)", field="item_id")
    return item


def list_items(
    session: Session,
    *,
    department: str | None = None,
    commitment_type: str | None = None,
    include_inactive: bool = False,
    page: PageRequest = FIRST_PAGE,
) -> tuple[list[CommitmentItem], int]:
    stmt = select(CommitmentItem)
    if not include_inactive:
        stmt = stmt.where(CommitmentItem.active.is_(True), CommitmentItem.current_template > 0)
    if department:
        stmt = stmt.where(CommitmentItem.department == department.upper())
    if commitment_type:
        stmt = stmt.where(CommitmentItem.commitment_type == commitment_type)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(CommitmentItem.department, CommitmentItem.code).offset(page.offset).limit(page.page_size)
    ).scalars()
    return list(rows), total


def get_template(session: Session, item_id: int, version: int | None = None) -> CommitmentTemplate:
    item = get_item(session, item_id)
    wanted = version or item.current_template
    template = session.execute(
        select(CommitmentTemplate).where(CommitmentTemplate.item_id == item.id, CommitmentTemplate.version == wanted)
    ).scalar_one_or_none()
    if template is None:
        raise NotFound(f"item {item_id} has no template version {wanted} (未找到该版本承诺书)", field="version")
    return template


def template_versions(session: Session, item_id: int) -> list[CommitmentTemplate]:
    return list(
        session.execute(
            select(CommitmentTemplate)
            .where(CommitmentTemplate.item_id == item_id)
            .order_by(CommitmentTemplate.version.desc())
        ).scalars()
    )
