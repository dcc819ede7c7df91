"""HTTP API of commitments: the catalogue and its templates, signing (the entity itself, or a department window),
public letters, 容缺 cases, fulfilment checks, integrity education and industry associations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from xinyong.commitments import associations, education, fulfilment, service
from xinyong.commitments.models import (
    Association,
    AssociationEvent,
    Commitment,
    CommitmentCheck,
    CommitmentItem,
    CommitmentTemplate,
    EducationSession,
    ToleranceCase,
)
from xinyong.commitments.rules import CommitmentType
from xinyong.commitments.schemas import (
    AssociationIn,
    AssociationOut,
    CheckIn,
    CheckOut,
    CommitmentOut,
    EducationIn,
    EducationOut,
    EducationReportRow,
    ItemIn,
    ItemOut,
    MemberEventIn,
    MemberEventOut,
    MemberIn,
    MemberOut,
    MembershipEndIn,
    PlanIn,
    RefusalOut,
    SignIn,
    SupplyIn,
    SweepOut,
    TemplateIn,
    TemplateOut,
    ToleranceOut,
    ToleranceRow,
)
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import DEPARTMENT, ENTITY, OFFICE, PUBLIC, SIGNED_IN, STAFF, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.entities import service as entities

router = APIRouter(prefix="/api/v1", tags=["commitments 信用承诺"], dependencies=[Depends(reject_unknown_query)])

Id = Annotated[int, Path(ge=1, le=2**62)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1)]
Text16 = Annotated[str | None, Query(max_length=16)]
Uscc = Annotated[str, Path(max_length=64)]


def page_of(page: int, page_size: int) -> PageRequest:
    return PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)


# ---------------------------------------------------------------- views


def template_out(template: CommitmentTemplate) -> TemplateOut:
    return TemplateOut(
        version=template.version,
        title=template.title,
        conditions=template.conditions,
        undertaking=template.undertaking,
        verification=template.verification,
        liability=template.liability,
        declaration=template.declaration,
        is_public=template.is_public,
        note=template.note,
        published_at=template.published_at,
    )


def item_out(session: Session, item: CommitmentItem, *, with_template: bool = False) -> ItemOut:
    template = service.get_template(session, item.id) if with_template and item.current_template else None
    return ItemOut(
        id=item.id,
        code=item.code,
        department=item.department,
        name=item.name,
        commitment_type=item.commitment_type,
        conditions=item.conditions,
        legal_basis=item.legal_basis,
        tolerance_days=item.tolerance_days,
        consequence=item.consequence,
        association_uscc=item.association_uscc,
        active=item.active,
        current_template=item.current_template,
        template=template_out(template) if template else None,
    )


def tolerance_out(
    case: ToleranceCase | None, state: str | None = None, materials: list[str] | None = None
) -> ToleranceOut | None:
    """``materials``: the missing materials as the reader is shown them (default: as stored, for staff)."""
    if case is None:
        return None
    return ToleranceOut(
        missing_materials=case.missing_materials if materials is None else materials,
        accepted_on=case.accepted_on,
        working_days=case.working_days,
        due_date=case.due_date,
        due_provisional=case.due_provisional,
        due_rule=case.due_rule,
        status=case.status,
        due_state=state,
        supplied_on=case.supplied_on,
    )


def commitment_out(session: Session, actor: Actor, commitment: Commitment) -> CommitmentOut:
    extra = service.describe(session, commitment)
    shown = service.shown_letter(session, actor, commitment)
    return CommitmentOut(
        id=commitment.id,
        number=commitment.number,
        item_id=commitment.item_id,
        department=commitment.department,
        commitment_type=commitment.commitment_type,
        uscc=commitment.uscc,
        entity_name=commitment.entity_name,
        signer=shown.signer,
        signed_at=commitment.signed_at,
        signed_via=commitment.signed_via,
        is_public=commitment.is_public,
        status=commitment.status,
        letter_text=shown.letter_text,
        letter_sm3=commitment.letter_sm3,
        record_id=commitment.record_id,
        tolerance=tolerance_out(service.tolerance_of(session, commitment.id), materials=shown.missing_materials),
        **extra,
    )


def check_out(check: CommitmentCheck) -> CheckOut:
    return CheckOut(
        id=check.id,
        commitment_id=check.commitment_id,
        kind=check.kind,
        status=check.status,
        scheduled_for=check.scheduled_for,
        checked_on=check.checked_on,
        result=check.result,
        finding=check.finding,
        record_id=check.record_id,
        dishonesty_record_id=check.dishonesty_record_id,
        list_proposal=check.list_proposal,
        suspended_until=check.suspended_until,
    )


def education_out(row: EducationSession) -> EducationOut:
    return EducationOut(
        id=row.id,
        department=row.department,
        held_on=row.held_on,
        window=row.window,
        topic=row.topic,
        delivered_by=row.delivered_by,
        reached=row.reached,
        reached_count=row.reached_count,
    )


def association_out(row: Association, members: int) -> AssociationOut:
    return AssociationOut(
        uscc=row.uscc,
        name=row.name,
        supervising_department=row.supervising_department,
        authorised_on=row.authorised_on,
        active=row.active,
        members=members,
    )


def event_out(row: AssociationEvent) -> MemberEventOut:
    return MemberEventOut(
        id=row.id,
        association_uscc=row.association_uscc,
        member_uscc=row.member_uscc,
        event_type=row.event_type,
        decided_on=row.decided_on,
        reason=row.reason,
        record_id=row.record_id,
    )


# ---------------------------------------------------------------- catalogue


@router.get(
    "/commitment-items",
    dependencies=[Depends(require(PUBLIC))],
    response_model=Page[ItemOut],
    summary="The commitment catalogue (事项清单)",
)
def list_items(
    session: DbSession,
    department: Text16 = None,
    commitment_type: Annotated[CommitmentType | None, Query()] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Page[ItemOut]:
    request = page_of(page, page_size)
    items, total = service.list_items(session, department=department, commitment_type=commitment_type, page=request)
    return Page(items=[item_out(session, i) for i in items], total=total, page=page, page_size=page_size)


@router.post(
    "/commitment-items",
    status_code=201,
    dependencies=[Depends(require(STAFF))],
    response_model=ItemOut,
    summary="Add an item to the catalogue with its first letter template",
)
def create_item(body: ItemIn, session: DbSession, actor: CurrentActor) -> ItemOut:
    return item_out(session, service.create_item(session, actor, body), with_template=True)


@router.get(
    "/commitment-items/{item_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=ItemOut,
    summary="One catalogue item with its current letter template",
)
def read_item(item_id: Id, session: DbSession) -> ItemOut:
    return item_out(session, service.get_item(session, item_id), with_template=True)


@router.post(
    "/commitment-items/{item_id}/templates",
    status_code=201,
    dependencies=[Depends(require(STAFF))],
    response_model=TemplateOut,
    summary="Publish a new version of an item's letter template",
)
def publish_template(item_id: Id, body: TemplateIn, session: DbSession, actor: CurrentActor) -> TemplateOut:
    return template_out(service.publish_template(session, actor, item_id, body))


@router.post(
    "/commitment-items/{item_id}/deactivate",
    dependencies=[Depends(require(STAFF))],
    response_model=ItemOut,
    summary="Take an item out of use (停用): no new commitments on it; signed ones stay as they are",
)
def deactivate_item(item_id: Id, session: DbSession, actor: CurrentActor) -> ItemOut:
    return item_out(session, service.set_item_active(session, actor, item_id, False))


@router.post(
    "/commitment-items/{item_id}/activate",
    dependencies=[Depends(require(STAFF))],
    response_model=ItemOut,
    summary="Put an item back in use (启用)",
)
def activate_item(item_id: Id, session: DbSession, actor: CurrentActor) -> ItemOut:
    return item_out(session, service.set_item_active(session, actor, item_id, True))


@router.get(
    "/commitment-items/{item_id}/templates/{version}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=TemplateOut,
    summary="One version of an item's letter template",
)
def read_template(item_id: Id, version: Annotated[int, Path(ge=1, le=100_000)], session: DbSession) -> TemplateOut:
    return template_out(service.get_template(session, item_id, version))


@router.get(
    "/commitment-items/{item_id}/eligibility",
    dependencies=[Depends(require(ENTITY))],
    response_model=RefusalOut,
    summary="May the calling entity use the commitment option for this item today, and if not why",
)
def eligibility(item_id: Id, session: DbSession, actor: CurrentActor) -> RefusalOut:
    reasons = service.check_eligibility(session, actor, None, item_id)
    return RefusalOut(eligible=not reasons, reasons=reasons)


# ---------------------------------------------------------------- signing and reading


def _signed(session: Session, actor: Actor, body: SignIn) -> CommitmentOut | JSONResponse:
    outcome = service.sign_commitment(session, actor, body)
    if outcome.commitment is None:
        # Answered, not raised: the refusal and its reasons are committed with the request (req §3.4).
        refusal_id = outcome.refusal.id if outcome.refusal else None
        refusal = RefusalOut(eligible=False, reasons=outcome.reasons, refusal_id=refusal_id)
        message = "the entity may not use the commitment option (不适用信用承诺): " + "；".join(outcome.reasons)
        return JSONResponse(
            {"error": "ineligible", "message": message, "details": refusal.model_dump()}, status_code=409
        )
    return commitment_out(session, actor, outcome.commitment)


@router.post(
    "/commitments",
    status_code=201,
    dependencies=[Depends(require(ENTITY))],
    response_model=CommitmentOut,
    summary="Sign a commitment letter as the calling entity",
)
def sign(body: SignIn, session: DbSession, actor: CurrentActor) -> CommitmentOut | JSONResponse:
    return _signed(session, actor, body)


@router.post(
    "/commitments/window",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=CommitmentOut,
    summary="Sign a commitment letter at a department's window on the entity's behalf",
)
def sign_at_window(body: SignIn, session: DbSession, actor: CurrentActor) -> CommitmentOut | JSONResponse:
    return _signed(session, actor, body)


@router.get(
    "/commitments",
    dependencies=[Depends(require(PUBLIC))],
    response_model=Page[CommitmentOut],
    summary="Commitments the caller may read (public letters for everyone)",
)
def list_commitments(
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    status: Annotated[str | None, Query(max_length=8)] = None,
    department: Text16 = None,
    item_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Page[CommitmentOut]:
    request = page_of(page, page_size)
    rows, total = service.list_commitments(
        session, actor, uscc=uscc, status=status, department=department, item_id=item_id, page=request
    )
    return Page(items=[commitment_out(session, actor, c) for c in rows], total=total, page=page, page_size=page_size)


@router.get(
    "/commitments/{commitment_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=CommitmentOut,
    summary="One commitment letter, with a check that its text still has its SM3 hash",
)
def read_commitment(commitment_id: Id, session: DbSession, actor: CurrentActor) -> CommitmentOut:
    return commitment_out(session, actor, service.get_commitment(session, actor, commitment_id))


# ---------------------------------------------------------------- fulfilment


@router.get(
    "/commitments/{commitment_id}/checks",
    dependencies=[Depends(require(STAFF))],
    response_model=list[CheckOut],
    summary="A commitment's fulfilment checks",
)
def list_checks(commitment_id: Id, session: DbSession, actor: CurrentActor) -> list[CheckOut]:
    commitment = service.get_commitment(session, actor, commitment_id)
    return [check_out(c) for c in fulfilment.checks_of(session, commitment.id)]


@router.post(
    "/commitments/{commitment_id}/checks",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=CheckOut,
    summary="Record a fulfilment check's result (践诺 / 违诺 / 虚假承诺)",
)
def record_check(commitment_id: Id, body: CheckIn, session: DbSession, actor: CurrentActor) -> CheckOut:
    return check_out(fulfilment.record_check(session, actor, commitment_id, body))


@router.post(
    "/commitments/{commitment_id}/check-plans",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=CheckOut,
    summary="Schedule a fulfilment check",
)
def plan_check(commitment_id: Id, body: PlanIn, session: DbSession, actor: CurrentActor) -> CheckOut:
    return check_out(fulfilment.plan_check(session, actor, commitment_id, body.scheduled_for))


@router.post(
    "/commitments/{commitment_id}/supply",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ToleranceOut,
    summary="容缺: the missing materials were supplied",
)
def supply(commitment_id: Id, body: SupplyIn, session: DbSession, actor: CurrentActor) -> ToleranceOut | None:
    return tolerance_out(fulfilment.supply_materials(session, actor, commitment_id, body))


@router.get(
    "/tolerance-cases",
    dependencies=[Depends(require(STAFF))],
    response_model=list[ToleranceRow],
    summary="容缺 cases in the caller's scope: open, due soon, overdue or all",
)
def tolerance_cases(
    session: DbSession,
    actor: CurrentActor,
    state: Annotated[str, Query(pattern="^(open|due_soon|overdue|all)$")] = "open",
) -> list[ToleranceRow]:
    rows = fulfilment.tolerance_cases(session, actor, clock.today(), state=state)
    return [
        ToleranceRow(
            commitment_id=commitment.id,
            number=commitment.number,
            uscc=commitment.uscc,
            entity_name=commitment.entity_name,
            department=case.department,
            missing_materials=case.missing_materials,
            due_date=case.due_date,
            due_provisional=case.due_provisional,
            status=case.status,
            due_state=label,
        )
        for case, commitment, label in rows
    ]


@router.post(
    "/commitments/sweep",
    dependencies=[Depends(require(OFFICE))],
    response_model=SweepOut,
    summary="Run the commitments sweep now (overdue 容缺 cases become breaches); xinyong tick runs it daily",
)
def sweep(session: DbSession, actor: CurrentActor) -> SweepOut:
    result = fulfilment.sweep_commitments(session, actor, clock.today())
    return SweepOut(examined=result.examined, breached=result.breached)


# ---------------------------------------------------------------- integrity education


@router.post(
    "/education-sessions",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=EducationOut,
    summary="Record an integrity education session at a window (诚信教育; free, never a precondition)",
)
def record_education(body: EducationIn, session: DbSession, actor: CurrentActor) -> EducationOut:
    return education_out(education.record_session(session, actor, body))


@router.get(
    "/education-sessions",
    dependencies=[Depends(require(STAFF))],
    response_model=Page[EducationOut],
    summary="Integrity education sessions",
)
def list_education(
    session: DbSession, actor: CurrentActor, department: Text16 = None, page: PageNo = 1, page_size: PageSize = 20
) -> Page[EducationOut]:
    rows, total = education.list_sessions(session, actor, department=department, page=page_of(page, page_size))
    return Page(items=[education_out(r) for r in rows], total=total, page=page, page_size=page_size)


@router.get(
    "/education-sessions/report",
    dependencies=[Depends(require(STAFF))],
    response_model=list[EducationReportRow],
    summary="Sessions and entities reached per department and month of a year",
)
def education_report(
    session: DbSession,
    actor: CurrentActor,
    year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
    department: Text16 = None,
) -> list[EducationReportRow]:
    return education.report(session, actor, year or clock.today().year, department)


# ---------------------------------------------------------------- industry associations


@router.get(
    "/associations",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[AssociationOut],
    summary="Industry associations keeping member credit records",
)
def list_associations(session: DbSession) -> list[AssociationOut]:
    return [association_out(row, members) for row, members in associations.list_associations(session)]


@router.post(
    "/associations",
    status_code=201,
    dependencies=[Depends(require(STAFF))],
    response_model=AssociationOut,
    summary="Authorise a 社会团体 as an association (its supervising department or the credit office)",
)
def register_association(body: AssociationIn, session: DbSession, actor: CurrentActor) -> AssociationOut:
    return association_out(associations.register(session, actor, body), 0)


@router.get(
    "/associations/{uscc}/members",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[MemberOut],
    summary="An association's current members",
)
def list_members(uscc: Uscc, session: DbSession) -> list[MemberOut]:
    association = associations.get_association(session, uscc)
    members = associations.current_members(session, association.uscc)
    return [
        MemberOut(
            member_uscc=m.member_uscc,
            name=entities.get_entity(session, m.member_uscc).name,
            joined_on=m.joined_on,
            left_on=m.left_on,
        )
        for m in members
    ]


@router.post(
    "/associations/{uscc}/members",
    status_code=201,
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=MemberOut,
    summary="Add a member (the association itself, its supervising department or the credit office)",
)
def add_member(uscc: Uscc, body: MemberIn, session: DbSession, actor: CurrentActor) -> MemberOut:
    member = associations.add_member(session, actor, uscc, body)
    name = entities.get_entity(session, member.member_uscc).name
    return MemberOut(member_uscc=member.member_uscc, name=name, joined_on=member.joined_on, left_on=member.left_on)


@router.post(
    "/associations/{uscc}/members/{member_uscc}/end",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=MemberOut,
    summary="End a membership (退会) on a date (default today); the member's events before it stay on record",
)
def end_member(
    uscc: Uscc, member_uscc: Uscc, body: MembershipEndIn, session: DbSession, actor: CurrentActor
) -> MemberOut:
    member = associations.end_membership(session, actor, uscc, member_uscc, body.left_on)
    name = entities.get_entity(session, member.member_uscc).name
    return MemberOut(member_uscc=member.member_uscc, name=name, joined_on=member.joined_on, left_on=member.left_on)


@router.get(
    "/associations/{uscc}/events",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[MemberEventOut],
    summary="An association's member credit events",
)
def list_events(uscc: Uscc, session: DbSession) -> list[MemberEventOut]:
    association = associations.get_association(session, uscc)
    return [event_out(e) for e in associations.events_of(session, association.uscc)]


@router.post(
    "/associations/{uscc}/events",
    status_code=201,
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=MemberEventOut,
    summary="Record a member credit event (表彰, 通报批评, 公开谴责, 不予接纳, 劝退); it becomes the member's record",
)
def record_event(uscc: Uscc, body: MemberEventIn, session: DbSession, actor: CurrentActor) -> MemberEventOut:
    return event_out(associations.record_event(session, actor, uscc, body))
