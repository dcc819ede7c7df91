"""Credit commitments as their readers see them: lists and one commitment, the letter shown, the 信用修复承诺 on the
portal, 容缺 cases and refusals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from xinyong.commitments.catalogue import get_item
from xinyong.commitments.models import (
    Commitment,
    CommitmentRefusal,
    CommitmentTemplate,
    ToleranceCase,
)
from xinyong.commitments.rights import FIRST_PAGE
from xinyong.commitments.rules import (
    CommitmentStatus,
    CommitmentType,
    letter_hash,
)
from xinyong.core.actor import Actor, Role
from xinyong.core.clock import BEIJING
from xinyong.core.errors import Forbidden, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.privacy import service as privacy
from xinyong.privacy.rules import mask_name


def verify_letter(commitment: Commitment) -> bool:
    """Whether the stored text still has the hash fixed at signing (a changed letter fails)."""
    return letter_hash(commitment.letter_text) == commitment.letter_sm3


def visibility(actor: Actor) -> ColumnElement[bool]:
    """Which commitments an actor may read: public letters for everyone; the entity its own; a department those
    made for its items; the credit office, auditors and jobs all."""
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return or_(Commitment.is_public.is_(True), Commitment.department == (actor.department_code or ""))
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return or_(Commitment.is_public.is_(True), Commitment.uscc == actor.entity_uscc)
    return Commitment.is_public.is_(True)


def _filtered(
    actor: Actor, *, uscc: str | None, status: str | None, department: str | None, item_id: int | None
) -> Select[Commitment]:
    stmt = select(Commitment).where(visibility(actor))
    if uscc:
        stmt = stmt.where(Commitment.uscc == uscc.strip().upper())
    if status:
        stmt = stmt.where(Commitment.status == status)
    if department:
        stmt = stmt.where(Commitment.department == department.upper())
    if item_id:
        stmt = stmt.where(Commitment.item_id == item_id)
    return stmt


def list_commitments(
    session: Session,
    actor: Actor,
    *,
    uscc: str | None = None,
    status: str | None = None,
    department: str | None = None,
    item_id: int | None = None,
    page: PageRequest = FIRST_PAGE,
) -> tuple[list[Commitment], int]:
    stmt = _filtered(actor, uscc=uscc, status=status, department=department, item_id=item_id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Commitment.signed_at.desc(), Commitment.id.desc()).offset(page.offset).limit(page.page_size)
    ).scalars()
    return list(rows), total


def get_commitment(session: Session, actor: Actor, commitment_id: int) -> Commitment:
    found = session.execute(
        select(Commitment).where(Commitment.id == commitment_id, visibility(actor))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no commitment {commitment_id} visible to you (未找到该信用承诺)", field="commitment_id")
    return found


@dataclass(frozen=True, slots=True)
class ShownLetter:
    signer: str
    letter_text: str
    missing_materials: list[str]  # of its 容缺 case, if any


def shown_letter(session: Session, actor: Actor, commitment: Commitment) -> ShownLetter:
    """A letter's texts as ``actor`` reads them: the public through the one desensitiser (``privacy.service.shown``):
    numbers masked in every letter and its 容缺 materials, and a 个体工商户's signer and the persons its letter names
    masked too (a legal person's signer, its representative, is shown as the national standard shows it)."""
    about = privacy.about(commitment.uscc, commitment.entity_name, [commitment.signer])
    signer = commitment.signer
    if about.natural and privacy.is_public(actor, commitment.uscc):
        signer = mask_name(signer)
    case = tolerance_of(session, commitment.id)
    materials = list(case.missing_materials) if case is not None else []
    return ShownLetter(
        signer=signer,
        letter_text=privacy.shown(actor, commitment.uscc, about, commitment.letter_text),
        missing_materials=privacy.shown(actor, commitment.uscc, about, materials),
    )


def public_repair_commitment(session: Session, uscc: str, since: dt.date) -> str | None:
    """The number of the newest public 信用修复承诺 the entity signed on or after ``since`` and has not broken."""
    start = dt.datetime.combine(since, dt.time(0), tzinfo=BEIJING)
    c = Commitment
    return session.scalars(
        select(c.number)
        .where(
            c.uscc == uscc,
            c.commitment_type == CommitmentType.REPAIR,
            c.is_public.is_(True),
            c.status.in_([CommitmentStatus.IN_FORCE, CommitmentStatus.KEPT]),
            c.signed_at >= start,
        )
        .order_by(c.signed_at.desc(), c.id.desc())
        .limit(1)
    ).first()


def get_tolerance_case(session: Session, actor: Actor, case_id: int) -> ToleranceCase:
    """One 容缺 case for its department, the entity itself, the office and auditors (else 404)."""
    case = session.get(ToleranceCase, case_id)
    visible = case is not None and (
        actor.sees_everything
        or (actor.is_department and case.department == actor.department_code)
        or (actor.role == Role.ENTITY and case.uscc == actor.entity_uscc)
    )
    if case is None or not visible:
        raise NotFound(f"no 容缺 case {case_id} visible to you (未找到该容缺事项)", field="case_id")
    return case


def tolerance_of(session: Session, commitment_id: int) -> ToleranceCase | None:
    return session.execute(
        select(ToleranceCase).where(ToleranceCase.commitment_id == commitment_id)
    ).scalar_one_or_none()


def refusals(session: Session, actor: Actor, uscc: str | None = None, limit: int = 50) -> list[CommitmentRefusal]:
    """Recorded refusals: an entity sees its own, staff all (a department's items' refusals are not secret)."""
    stmt = select(CommitmentRefusal).order_by(CommitmentRefusal.refused_at.desc()).limit(limit)
    if actor.role == Role.ENTITY:
        stmt = stmt.where(CommitmentRefusal.uscc == (actor.entity_uscc or ""))
    elif not (actor.is_department or actor.sees_everything):
        raise Forbidden("refusals are not public (不予公开)")
    if uscc:
        stmt = stmt.where(CommitmentRefusal.uscc == uscc.strip().upper())
    return list(session.execute(stmt).scalars())


def describe(session: Session, commitment: Commitment) -> dict[str, Any]:
    """A commitment with its item and template version, for views."""
    item = get_item(session, commitment.item_id)
    template = session.get(CommitmentTemplate, commitment.template_id)
    return {
        "item_code": item.code,
        "item_name": item.name,
        "template_version": template.version if template else 0,
        "hash_ok": verify_letter(commitment),
    }
