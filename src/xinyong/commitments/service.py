"""Use cases of the commitment catalogue and of signing: items and their versioned templates, eligibility with
recorded refusals, the signed letter (exact text, SM3 hash, signature) and its credit record, and reads with the
caller's rights. Fulfilment (容缺, checks, breaches, the sweep) is in :mod:`xinyong.commitments.fulfilment`.

Services flush, never commit.

Parts below the service: :mod:`~xinyong.commitments.rights` (who acts for which department, the constants),
:mod:`~xinyong.commitments.catalogue` (items and their templates) and :mod:`~xinyong.commitments.reading`
(commitments, letters, 容缺 cases and refusals as their readers see them); the service re-exports them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.commitments import listing
from xinyong.commitments.catalogue import (
    create_item,
    get_item,
    get_template,
    list_items,
    publish_template,
    set_item_active,
    template_parts,
    template_versions,
)
from xinyong.commitments.models import (
    COMMITMENT,
    TOLERANCE,
    AssociationMember,
    Commitment,
    CommitmentCheck,
    CommitmentItem,
    CommitmentRefusal,
    CommitmentSuspension,
    ToleranceCase,
)
from xinyong.commitments.reading import (
    ShownLetter,
    describe,
    get_commitment,
    get_tolerance_case,
    list_commitments,
    public_repair_commitment,
    refusals,
    shown_letter,
    tolerance_of,
    verify_letter,
    visibility,
)
from xinyong.commitments.rights import FIRST_PAGE, SERVICE, UNREPAIRED, records_actor, require_department
from xinyong.commitments.rules import (
    CheckResult,
    CommitmentAction,
    CommitmentType,
    EligibilityFacts,
    LetterFacts,
    ToleranceStep,
    clean_materials,
    compose_letter,
    letter_hash,
    refusal_reasons,
    tolerance_due,
)
from xinyong.commitments.schemas import SignIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.core.workdays import DateResult
from xinyong.core.workflow import Deadline, Parties
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Disclosure, Kind, Severity, Status, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn

__all__ = [
    "FIRST_PAGE",
    "SERVICE",
    "UNREPAIRED",
    "Commitment",
    "CommitmentItem",
    "ShownLetter",
    "SignOutcome",
    "check_eligibility",
    "create_item",
    "describe",
    "eligibility_facts",
    "get_commitment",
    "get_item",
    "get_template",
    "get_tolerance_case",
    "is_member",
    "list_commitments",
    "list_items",
    "public_repair_commitment",
    "publish_template",
    "records_actor",
    "refusals",
    "require_department",
    "set_item_active",
    "shown_letter",
    "sign_commitment",
    "template_parts",
    "template_versions",
    "tolerance_of",
    "verify_letter",
    "visibility",
]


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


def _check_signable(actor: Actor, item: CommitmentItem, data: SignIn) -> None:
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


def _refuse(session: Session, actor: Actor, uscc: str, item: CommitmentItem, reasons: list[str]) -> SignOutcome:
    """The refusal and its reasons recorded (returned, not raised, so the caller commits them)."""
    refusal = CommitmentRefusal(
        uscc=uscc,
        item_id=item.id,
        reasons=reasons,
        refused_at=clock.now(),
        actor_role=str(actor.role),
        actor_id=actor.id,
    )
    session.add(refusal)
    session.flush()
    audit.record(
        session, actor, "commitments:commitment:refused", "entity", uscc, {"item": item.code, "reasons": reasons}
    )
    return SignOutcome(None, refusal)


def _new_commitment(
    session: Session,
    actor: Actor,
    data: SignIn,
    item: CommitmentItem,
    entity_name: str,
    uscc: str,
    letter: tuple[list[str], DateResult | None],
) -> Commitment:
    """The letter filled from the current template version, fixed by its SM3 hash and stored immutably."""
    materials, due = letter
    template = get_template(session, item.id)
    signed_at = clock.now()
    number = _new_number(session, clock.today())
    facts = LetterFacts(
        item_code=item.code,
        item_name=item.name,
        department_name=get_department(session, item.department).full_name,
        commitment_type=item.commitment_type,
        template_version=template.version,
        entity_name=entity_name,
        uscc=uscc,
        legal_representative=_legal_representative(session, uscc),
        signer=data.signer,
        signed_at=signed_at.astimezone(BEIJING),
        number=number,
        missing_materials=materials,
        due_date=due.date if due else None,
    )
    text = compose_letter(template_parts(template), facts)
    commitment = Commitment(
        number=number,
        item_id=item.id,
        template_id=template.id,
        department=item.department,
        commitment_type=item.commitment_type,
        uscc=uscc,
        entity_name=entity_name,
        letter_text=text,
        letter_sm3=letter_hash(text),
        signer=data.signer,
        signed_at=signed_at,
        signed_via="portal" if actor.role == Role.ENTITY else "window",
        signed_by_role=str(actor.role),
        signed_by_id=actor.id,
        is_public=template.is_public,
        status="",
        status_changed_at=signed_at,
    )
    session.add(commitment)
    session.flush()
    return commitment


def _record_commitment(
    session: Session, actor: Actor, item: CommitmentItem, commitment: Commitment, due: DateResult | None
) -> None:
    """The commitment as a credit record (信用承诺及履行), public when its template says so."""
    today = clock.today()
    version, _ = records.upsert_record(
        session,
        records_actor(actor, item.department),
        RecordIn(
            source_department=item.department,
            kind=Kind.COMMITMENT,
            doc_no=commitment.number,
            subject=SubjectIn(type=SubjectType.ENTITY, name=commitment.entity_name, uscc=commitment.uscc),
            title=f"信用承诺书：{item.name}"[:300],
            decision_date=today,
            published_date=today if commitment.is_public else None,
            disclosure=Disclosure.PUBLIC if commitment.is_public else Disclosure.CONDITIONAL,
            content={
                "CNLX": item.commitment_type,
                "SXBM": item.code,
                "SXMC": item.name,
                "CNSBH": commitment.number,
                "QSR": commitment.signer,
                "SM3": commitment.letter_sm3,
                "RQRQ": due.date.isoformat() if due else None,
            },
            provenance={"area": "commitments", "commitment_id": commitment.id, "signed_via": commitment.signed_via},
        ),
    )
    commitment.record_id = version.record_id
    session.flush()


def _open_tolerance_case(
    session: Session,
    actor: Actor,
    item: CommitmentItem,
    commitment: Commitment,
    letter: tuple[list[str], DateResult],
    parties: Parties,
) -> None:
    """A 容缺受理 commitment's case: the missing materials due within the item's working days."""
    materials, due = letter
    days = item.tolerance_days or 5
    case = ToleranceCase(
        commitment_id=commitment.id,
        department=item.department,
        uscc=commitment.uscc,
        missing_materials=materials,
        accepted_on=clock.today(),
        working_days=days,
        due_date=due.date,
        due_provisional=due.provisional,
        due_rule=f"受理之日后第 {days} 个工作日（节假日及调休表）",
        status="",
    )
    session.add(case)
    TOLERANCE.advance(
        session,
        actor,
        case,
        ToleranceStep.ACCEPT,
        parties=parties,
        documents=[commitment.number],
        details={"missing": materials, "due_date": due.date},
        deadline=Deadline(due.date, due.provisional, case.due_rule),
        audit_subject_id=str(commitment.id),
    )


def sign_commitment(session: Session, actor: Actor, data: SignIn) -> SignOutcome:
    """Sign a commitment letter: by the entity on the portal, or by a department window on its behalf.

    Refused when the entity is not eligible: the refusal and its reasons are recorded (and returned, not raised,
    so the caller commits them). Otherwise the letter is filled from the template version, fixed by its SM3 hash,
    stored immutably and recorded as a credit record (信用承诺及履行).
    """
    uscc = _acting_for(actor, data.uscc)
    item = get_item(session, data.item_id)
    _check_signable(actor, item, data)
    entity = entities.get_entity(session, uscc)
    today = clock.today()
    reasons = refusal_reasons(eligibility_facts(session, entity.uscc, item, today))
    if reasons:
        return _refuse(session, actor, entity.uscc, item, reasons)
    materials: list[str] = []
    due = None
    if item.commitment_type == CommitmentType.TOLERANCE:
        materials = clean_materials(data.missing_materials)
        due = tolerance_due(today, item.tolerance_days or 5, load_calendar(session))
    elif data.missing_materials:
        raise InvalidInput("only a 容缺受理 item takes missing materials (非容缺受理事项)", field="missing_materials")
    commitment = _new_commitment(session, actor, data, item, entity.name, entity.uscc, (materials, due))
    _record_commitment(session, actor, item, commitment, due)
    number, via = commitment.number, commitment.signed_via
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
    if due is not None:
        _open_tolerance_case(session, actor, item, commitment, (materials, due), parties)
    return SignOutcome(commitment, None)
