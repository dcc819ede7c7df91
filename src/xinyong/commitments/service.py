"""Use cases of the commitment catalogue and of signing: items and their versioned templates, eligibility with
recorded refusals, the signed letter (exact text, SM3 hash, signature) and its credit record, and reads with the
caller's rights. Fulfilment (容缺, checks, breaches, the sweep) is in :mod:`xinyong.commitments.fulfilment`.

Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from xinyong.commitments import associations, listing
from xinyong.commitments.models import (
    COMMITMENT,
    TOLERANCE,
    AssociationMember,
    Commitment,
    CommitmentCheck,
    CommitmentItem,
    CommitmentRefusal,
    CommitmentSuspension,
    CommitmentTemplate,
    ToleranceCase,
)
from xinyong.commitments.rules import (
    DEFAULT_CONSEQUENCES,
    CheckResult,
    CommitmentAction,
    CommitmentStatus,
    CommitmentType,
    Consequence,
    EligibilityFacts,
    LetterFacts,
    TemplateParts,
    ToleranceStep,
    check_parts,
    clean_materials,
    compose_letter,
    letter_hash,
    may_edit_catalogue,
    refusal_reasons,
    tolerance_due,
)
from xinyong.commitments.schemas import ItemIn, SignIn, TemplateIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Deadline, Parties
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole
from xinyong.privacy import service as privacy
from xinyong.privacy.rules import mask_name
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Disclosure, Kind, Severity, Status, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn

SERVICE = Actor.system("commitments")
FIRST_PAGE = PageRequest()
UNREPAIRED = (Status.VALID, Status.OBJECTED)


# ---------------------------------------------------------------- rights


def require_department(actor: Actor, department: str, what: str = "this") -> None:
    """Department work is done by that department's staff (or the credit office and the platform's jobs)."""
    if not may_edit_catalogue(actor, department):
        raise Forbidden(f"only {department}'s staff may do {what} (仅主管部门可办理)")


def records_actor(actor: Actor, department: str) -> Actor:
    """Who writes a credit record for this area: the source department's own staff, else the platform."""
    if actor.is_department and actor.department_code == department:
        return actor
    return SERVICE


# ---------------------------------------------------------------- catalogue


def _template_parts(template: CommitmentTemplate) -> TemplateParts:
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


# ---------------------------------------------------------------- eligibility


def _serious_records(session: Session, uscc: str) -> list[str]:
    """Unrepaired 严重 dishonesty records (有效 or 异议中), read through the records area's visibility entry."""
    v = CreditRecordVersion
    stmt = (
        records.visible_versions(SERVICE)
        .where(v.subject_uscc == uscc, v.severity == Severity.SERIOUS, v.status.in_(UNREPAIRED))
        .order_by(v.decision_date.desc())
        .limit(10)
    )
    return [f"{row.title}（{row.decision_date.isoformat()}）" for row in session.execute(stmt).scalars()]


def _false_commitments(session: Session, uscc: str) -> list[str]:
    """虚假承诺 whose dishonesty record has not been repaired or revoked."""
    rows = session.execute(
        select(Commitment.number, CommitmentCheck.record_id, CommitmentCheck.dishonesty_record_id)
        .join(CommitmentCheck, CommitmentCheck.commitment_id == Commitment.id)
        .where(Commitment.uscc == uscc, CommitmentCheck.result == CheckResult.FALSE)
    ).all()
    found: list[str] = []
    for number, record_id, dishonesty_id in rows:
        target = dishonesty_id or record_id
        if target is None:
            found.append(number)
            continue
        current = records.get_record(session, SERVICE, target)
        if current.status in UNREPAIRED or current.status == Status.EXPIRED:
            found.append(number)
    return found


def _suspended_until(session: Session, uscc: str, on: dt.date) -> dt.date | None:
    return session.execute(
        select(func.max(CommitmentSuspension.ends_on)).where(
            CommitmentSuspension.uscc == uscc,
            CommitmentSuspension.starts_on <= on,
            CommitmentSuspension.ends_on >= on,
        )
    ).scalar_one_or_none()


def is_member(session: Session, association_uscc: str, uscc: str, on: dt.date) -> bool:
    found = session.execute(
        select(AssociationMember.id).where(
            AssociationMember.association_uscc == association_uscc,
            AssociationMember.member_uscc == uscc,
            AssociationMember.joined_on <= on,
            or_(AssociationMember.left_on.is_(None), AssociationMember.left_on > on),
        )
    ).first()
    return found is not None


def eligibility_facts(session: Session, uscc: str, item: CommitmentItem, on: dt.date) -> EligibilityFacts:
    if item.commitment_type == CommitmentType.REPAIR:
        # a 信用修复承诺 is what a dishonest entity signs to repair: its dishonesty cannot bar it (req §3.11)
        return EligibilityFacts(
            suspended_until=_suspended_until(session, uscc, on),
            member_required=item.association_uscc,
            is_member=is_member(session, item.association_uscc, uscc, on) if item.association_uscc else True,
        )
    return EligibilityFacts(
        serious_records=_serious_records(session, uscc),
        serious_list_entries=listing.serious_list_entries(session, uscc, on),
        false_commitments=_false_commitments(session, uscc),
        suspended_until=_suspended_until(session, uscc, on),
        member_required=item.association_uscc,
        is_member=is_member(session, item.association_uscc, uscc, on) if item.association_uscc else True,
    )


def check_eligibility(session: Session, actor: Actor, uscc: str | None, item_id: int) -> list[str]:
    """Why the entity may not use the commitment option for the item today (empty: it may). A read: nothing is
    recorded; a refused signature is."""
    target = _acting_for(actor, uscc)
    item = get_item(session, item_id)
    entity = entities.get_entity(session, target)
    return refusal_reasons(eligibility_facts(session, entity.uscc, item, clock.today()))


# ---------------------------------------------------------------- signing


@dataclass(frozen=True)
class SignOutcome:
    commitment: Commitment | None
    refusal: CommitmentRefusal | None

    @property
    def reasons(self) -> list[str]:
        return list(self.refusal.reasons) if self.refusal else []


def _acting_for(actor: Actor, uscc: str | None) -> str:
    """The entity a caller acts for: an entity only for itself (403 otherwise); a department for anyone."""
    if actor.role == Role.ENTITY:
        own = (actor.entity_uscc or "").upper()
        if not own:
            raise Forbidden("this account is not linked to an entity (账号未关联市场主体)")
        if uscc and uscc.strip().upper() != own:
            raise Forbidden("an entity may only act for itself (不得代替其他主体办理)", field="uscc")
        return own
    if actor.is_department or actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM):
        if not uscc:
            raise InvalidInput("name the entity's USCC (请填写统一社会信用代码)", field="uscc")
        return uscc.strip().upper()
    raise Forbidden("only the entity itself or a department window may do this (无权办理)")


def _legal_representative(session: Session, uscc: str) -> str:
    for link, person in entities.roles_of_entity(session, uscc, on=clock.today()):
        if link.role in (PersonRole.LEGAL_REPRESENTATIVE, PersonRole.PRINCIPAL):
            return person.name
    return ""


def _new_number(session: Session, day: dt.date) -> str:
    for _ in range(20):
        number = f"GQCN{day:%Y%m%d}{secrets.randbelow(1_000_000):06d}"
        if session.execute(select(Commitment.id).where(Commitment.number == number)).first() is None:
            return number
    raise Conflict("could not allocate a commitment number; try again (请重试)")


def sign_commitment(session: Session, actor: Actor, data: SignIn) -> SignOutcome:
    """Sign a commitment letter: by the entity on the portal, or by a department window on its behalf.

    Refused when the entity is not eligible: the refusal and its reasons are recorded (and returned, not raised,
    so the caller commits them). Otherwise the letter is filled from the template version, fixed by its SM3 hash,
    stored immutably and recorded as a credit record (信用承诺及履行).
    """
    uscc = _acting_for(actor, data.uscc)
    item = get_item(session, data.item_id)
    if actor.is_department and actor.department_code != item.department:
        raise Forbidden(f"item {item.code} belongs to {item.department} (非本部门事项)", field="item_id")
    if actor.role == Role.CREDIT_OFFICE:
        raise Forbidden("commitments are signed by the entity or at the department's window (由主体或受理窗口签署)")
    if not item.active or item.current_template == 0:
        raise Conflict(f"item {item.code} does not accept commitments now (该事项暂停承诺)", field="item_id")
    if not data.accept:
        raise InvalidInput("the declaration must be accepted to sign (须确认承诺声明)", field="accept")
    if data.template_version is not None and data.template_version != item.current_template:
        raise Conflict(
            f"the letter changed (now version {item.current_template}); read it again (承诺书模板已更新)",
            field="template_version",
        )
    entity = entities.get_entity(session, uscc)
    today = clock.today()
    reasons = refusal_reasons(eligibility_facts(session, entity.uscc, item, today))
    if reasons:
        refusal = CommitmentRefusal(
            uscc=entity.uscc,
            item_id=item.id,
            reasons=reasons,
            refused_at=clock.now(),
            actor_role=str(actor.role),
            actor_id=actor.id,
        )
        session.add(refusal)
        session.flush()
        audit.record(
            session,
            actor,
            "commitments:commitment:refused",
            "entity",
            entity.uscc,
            {"item": item.code, "reasons": reasons},
        )
        return SignOutcome(None, refusal)

    materials: list[str] = []
    due = None
    if item.commitment_type == CommitmentType.TOLERANCE:
        materials = clean_materials(data.missing_materials)
        due = tolerance_due(today, item.tolerance_days or 5, load_calendar(session))
    elif data.missing_materials:
        raise InvalidInput("only a 容缺受理 item takes missing materials (非容缺受理事项)", field="missing_materials")

    template = get_template(session, item.id)
    signed_at = clock.now()
    number = _new_number(session, today)
    facts = LetterFacts(
        item_code=item.code,
        item_name=item.name,
        department_name=get_department(session, item.department).full_name,
        commitment_type=item.commitment_type,
        template_version=template.version,
        entity_name=entity.name,
        uscc=entity.uscc,
        legal_representative=_legal_representative(session, entity.uscc),
        signer=data.signer,
        signed_at=signed_at.astimezone(BEIJING),
        number=number,
        missing_materials=materials,
        due_date=due.date if due else None,
    )
    text = compose_letter(_template_parts(template), facts)
    via = "portal" if actor.role == Role.ENTITY else "window"
    commitment = Commitment(
        number=number,
        item_id=item.id,
        template_id=template.id,
        department=item.department,
        commitment_type=item.commitment_type,
        uscc=entity.uscc,
        entity_name=entity.name,
        letter_text=text,
        letter_sm3=letter_hash(text),
        signer=data.signer,
        signed_at=signed_at,
        signed_via=via,
        signed_by_role=str(actor.role),
        signed_by_id=actor.id,
        is_public=template.is_public,
        status="",
        status_changed_at=signed_at,
    )
    session.add(commitment)
    session.flush()
    case: ToleranceCase | None = None
    if due is not None:
        case = ToleranceCase(
            commitment_id=commitment.id,
            department=item.department,
            uscc=entity.uscc,
            missing_materials=materials,
            accepted_on=today,
            working_days=item.tolerance_days or 5,
            due_date=due.date,
            due_provisional=due.provisional,
            due_rule=f"受理之日后第 {item.tolerance_days or 5} 个工作日（节假日及调休表）",
            status="",
        )
        session.add(case)
    version, _ = records.upsert_record(
        session,
        records_actor(actor, item.department),
        RecordIn(
            source_department=item.department,
            kind=Kind.COMMITMENT,
            doc_no=number,
            subject=SubjectIn(type=SubjectType.ENTITY, name=entity.name, uscc=entity.uscc),
            title=f"信用承诺书：{item.name}"[:300],
            decision_date=today,
            published_date=today if template.is_public else None,
            disclosure=Disclosure.PUBLIC if template.is_public else Disclosure.CONDITIONAL,
            content={
                "CNLX": item.commitment_type,
                "SXBM": item.code,
                "SXMC": item.name,
                "CNSBH": number,
                "QSR": data.signer,
                "SM3": commitment.letter_sm3,
                "RQRQ": due.date.isoformat() if due else None,
            },
            provenance={"area": "commitments", "commitment_id": commitment.id, "signed_via": via},
        ),
    )
    commitment.record_id = version.record_id
    session.flush()
    parties = Parties(item.department, subject_uscc=entity.uscc)
    COMMITMENT.advance(
        session,
        actor,
        commitment,
        CommitmentAction.SIGN,
        parties=parties,
        documents=[number],
        details={"number": number, "uscc": entity.uscc, "item": item.code, "sm3": commitment.letter_sm3, "via": via},
    )
    if case is not None and due is not None:
        TOLERANCE.advance(
            session,
            actor,
            case,
            ToleranceStep.ACCEPT,
            parties=parties,
            documents=[number],
            details={"missing": materials, "due_date": due.date},
            deadline=Deadline(due.date, due.provisional, case.due_rule),
            audit_subject_id=str(commitment.id),
        )
    return SignOutcome(commitment, None)


def verify_letter(commitment: Commitment) -> bool:
    """Whether the stored text still has the hash fixed at signing (a changed letter fails)."""
    return letter_hash(commitment.letter_text) == commitment.letter_sm3


# ---------------------------------------------------------------- reading


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
