"""Credit repair: applications as their applicant, the department and the office see them, history, materials."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import NotFound
from xinyong.core.workflow import StepView, history
from xinyong.repair.eligibility import AREA
from xinyong.repair.models import REPAIR, RepairApplication, RepairMaterial, RepairStep
from xinyong.repair.rules import (
    OPEN_STATUSES,
    AppStatus,
    Method,
    Proposal,
    TargetKind,
)
from xinyong.repair.schemas import (
    ApplicationOut,
    MaterialOut,
    StepOut,
)
from xinyong.selfreport import storage


def visible_to(actor: Actor) -> ColumnElement[bool]:
    a = RepairApplication
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return a.department == (actor.department_code or "")
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return a.subject_uscc == actor.entity_uscc.upper()
    return false()


def get_application(session: Session, actor: Actor, application_id: int) -> RepairApplication:
    row = session.scalars(
        select(RepairApplication).where(RepairApplication.id == application_id, visible_to(actor))
    ).first()
    if row is None:
        raise NotFound(f"no repair application {application_id} (未找到该修复申请)", field="application_id")
    return row


def history_of(session: Session, actor: Actor, application_id: int) -> list[StepView]:
    """The application's steps for whoever may read it; the applicant's own view names departments, not accounts."""
    row = get_application(session, actor, application_id)
    return history(session, REPAIR, row.id, for_subject=actor.role == Role.ENTITY)


def list_applications(
    session: Session, actor: Actor, *, open_only: bool = False, limit: int = 200
) -> list[RepairApplication]:
    stmt = select(RepairApplication).where(visible_to(actor))
    if open_only:
        stmt = stmt.where(RepairApplication.status.in_([str(s) for s in OPEN_STATUSES]))
    return list(session.scalars(stmt.order_by(RepairApplication.id.desc()).limit(limit)))


def _deadline_of(row: RepairApplication) -> dt.date | None:
    if row.status == AppStatus.SUBMITTED:
        return row.accept_deadline
    if row.status in (AppStatus.ACCEPTED, AppStatus.PROPOSED):
        return row.decide_deadline
    return None


def to_view(session: Session, row: RepairApplication, *, details: bool = True) -> ApplicationOut:
    due = _deadline_of(row)
    materials: list[MaterialOut] = []
    steps: list[StepOut] = []
    if details:
        materials = [
            MaterialOut(
                id=m.id, filename=m.filename, media_type=m.media_type, size=m.size, sm3=m.sm3, uploaded_at=m.uploaded_at
            )
            for m in session.scalars(
                select(RepairMaterial).where(RepairMaterial.application_id == row.id).order_by(RepairMaterial.id)
            )
        ]
        steps = [
            StepOut.model_validate(s)
            for s in session.scalars(
                select(RepairStep).where(RepairStep.application_id == row.id).order_by(RepairStep.id)
            )
        ]
    return ApplicationOut(
        id=row.id,
        number=row.number,
        target_kind=TargetKind(row.target_kind),
        record_id=row.record_id,
        list_entry_id=row.list_entry_id,
        department=row.department,
        subject_uscc=row.subject_uscc,
        subject_name=row.subject_name,
        title=row.title,
        methods=[Method(m) for m in row.methods],
        statement=row.statement,
        commitment_number=row.commitment_number,
        status=AppStatus(row.status),
        submitted_at=row.submitted_at,
        accept_deadline=row.accept_deadline,
        accept_deadline_provisional=row.accept_deadline_provisional,
        accepted_on=row.accepted_on,
        refusal_reason=row.refusal_reason,
        decide_deadline=row.decide_deadline,
        decide_deadline_provisional=row.decide_deadline_provisional,
        proposal=Proposal(row.proposal) if row.proposal else None,
        proposal_opinion=row.proposal_opinion,
        proposed_by=row.proposed_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_opinion=row.decision_opinion,
        result_version=row.result_version,
        overdue=due is not None and clock.today() > due,
        escalated_at=row.escalated_at,
        materials=materials,
        steps=steps,
    )


def material_file(session: Session, actor: Actor, application_id: int, material_id: int) -> tuple[RepairMaterial, Path]:
    row = get_application(session, actor, application_id)
    material = session.scalars(
        select(RepairMaterial).where(RepairMaterial.id == material_id, RepairMaterial.application_id == row.id)
    ).first()
    if material is None:
        raise NotFound(f"no material {material_id} (材料不存在)", field="material_id")
    audit.record(session, actor, "repair:material:read", "repair_application", str(row.id), {"material": material.id})
    return material, storage.path_of(material.stored_as, AREA)
