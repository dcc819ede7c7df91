"""The agency API (/api/v1/agency/…): what a credit-service agency calls with its own key. Public data of a subject
without a grant; under the entity's grant in force, the full data and the full report (PDF + JSON twin, marked with
the agency and the grant). Every call is logged and shown to the entity; rate-limited per agency (all its keys
together) on top of the per-key limit; an agency reads only its own grants, calls and notices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from xinyong.agencies import service
from xinyong.agencies.models import Agency, AgencyNotice, AgencyQuery, Grant
from xinyong.agencies.schemas import (
    AckIn,
    AgencyOut,
    GrantOut,
    NoticeOut,
    QueryOut,
    ReportOut,
    SubjectOut,
    SubscriptionIn,
    SubscriptionOut,
)
from xinyong.core.actor import Actor
from xinyong.core.auth.access import AGENCY, require
from xinyong.core.config import get_settings
from xinyong.core.errors import TooManyRequests
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.ratelimit import LimiterUnavailable, client_address, rate_limits
from xinyong.reports import service as reports

router = APIRouter(
    prefix="/api/v1/agency",
    tags=["agencies 信用服务机构"],
    dependencies=[Depends(require(AGENCY)), Depends(reject_unknown_query)],
)
Uscc = Annotated[str, Path(min_length=1, max_length=40)]
PurposeQuery = Annotated[str, Query(min_length=1, max_length=32, description="one of the agency's allowed purposes")]


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: str = Field(max_length=40)
    purpose: str = Field(max_length=32)


def _address(request: Request, session: Session, actor: Actor) -> str:
    """The caller's address, after the per-agency rate limit (all the agency's keys share one bucket)."""
    address = client_address(request)
    agency = service.check_caller(session, actor, address)
    limit = get_settings().agency_requests_per_minute
    limits = rate_limits(request)
    if limits is not None and limit > 0:
        try:
            verdict = limits.limiter.hit(f"agency:{agency.id}", limit, 1)
        except LimiterUnavailable:
            return address  # the limiter's store is down: let the call through, as the platform's limit does
        if not verdict.allowed:
            raise TooManyRequests(
                "too many calls of this agency; please wait a minute (机构调用过于频繁，请稍后再试)",
                retry_after=verdict.retry_after,
            )
    return address


def _agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut(
        id=agency.id,
        name=agency.name,
        uscc=agency.uscc,
        filing_body=agency.filing_body,
        filing_no=agency.filing_no,
        status=agency.status,
        purposes=list(agency.purposes),
        subscribe_all=agency.subscribe_all,
    )


def grant_out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.id,
        agency_id=grant.agency_id,
        subject_uscc=grant.subject_uscc,
        purpose=grant.purpose,
        granted_on=grant.granted_on,
        valid_until=grant.valid_until,
        status=grant.status,
        in_force=service.is_in_force(grant),
    )


def _query_out(row: AgencyQuery) -> QueryOut:
    return QueryOut(
        id=row.id,
        agency_id=row.agency_id,
        grant_id=row.grant_id,
        subject_uscc=row.subject_uscc,
        purpose=row.purpose,
        scope=row.scope,
        report_number=row.report_number,
        at=row.at,
    )


def _notice_out(row: AgencyNotice) -> NoticeOut:
    return NoticeOut(
        id=row.id,
        event=row.event,
        subject_uscc=row.subject_uscc,
        source=row.source,
        source_id=row.source_id,
        on=row.on,
        due_on=row.due_on,
        state=str(service.state_of(row)),
        acknowledged_at=row.acknowledged_at,
        payload=row.payload,
    )


@router.get("/me", response_model=AgencyOut, summary="The calling agency: its registration and allowed purposes")
def me(request: Request, session: DbSession, actor: CurrentActor) -> AgencyOut:
    _address(request, session, actor)
    return _agency_out(service.agency_of(session, actor))


@router.get(
    "/subjects/{uscc}",
    response_model=SubjectOut,
    summary="A subject's credit information: public data, or the full data under the entity's grant in force",
)
def subject(uscc: Uscc, purpose: PurposeQuery, request: Request, session: DbSession, actor: CurrentActor) -> Any:
    address = _address(request, session, actor)
    return service.read_subject(session, actor, uscc, purpose, address)


@router.post(
    "/reports",
    response_model=ReportOut,
    status_code=201,
    summary="Issue the full credit report under a grant in force (JSON twin; the PDF at …/pdf)",
)
def issue_report(body: ReportIn, request: Request, session: DbSession, actor: CurrentActor) -> ReportOut:
    address = _address(request, session, actor)
    row, _pdf, grant = service.issue_report(session, actor, body.uscc, body.purpose, address)
    return ReportOut(
        number=row.number,
        code=row.code,
        pdf_url=f"/api/v1/agency/reports/{row.number}/pdf",
        verify_url=reports.verify_url(row),
        grant_id=grant.id,
        content=row.content,
    )


@router.get("/reports/{report_no}/pdf", summary="The PDF of a report issued to this agency", response_class=Response)
def report_pdf(
    report_no: Annotated[str, Path(min_length=1, max_length=40)],
    request: Request,
    session: DbSession,
    actor: CurrentActor,
) -> Response:
    address = _address(request, session, actor)
    row = service.report_of_agency(session, actor, report_no, address)
    return Response(
        reports.render_pdf(row),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{row.number}.pdf"'},
    )


@router.get("/grants", response_model=list[GrantOut], summary="The grants entities gave this agency (only its own)")
def grants(request: Request, session: DbSession, actor: CurrentActor) -> list[GrantOut]:
    address = _address(request, session, actor)
    return [grant_out(g) for g in service.grants_of_agency(session, actor, address)]


@router.get("/queries", response_model=list[QueryOut], summary="This agency's own call log (newest first)")
def queries(request: Request, session: DbSession, actor: CurrentActor) -> list[QueryOut]:
    address = _address(request, session, actor)
    return [_query_out(q) for q in service.queries_of_agency(session, actor, address)]


@router.get("/subscriptions", response_model=list[SubscriptionOut], summary="Subjects whose changes this agency gets")
def subscriptions(request: Request, session: DbSession, actor: CurrentActor) -> list[SubscriptionOut]:
    address = _address(request, session, actor)
    _agency, rows = service.subscriptions_of(session, actor, address)
    return [SubscriptionOut(id=r.id, subject_uscc=r.subject_uscc, since=r.since) for r in rows]


@router.post(
    "/subscriptions",
    response_model=AgencyOut,
    status_code=201,
    summary="Subscribe to a subject already read, or to every public change (all=true)",
)
def subscribe(body: SubscriptionIn, request: Request, session: DbSession, actor: CurrentActor) -> AgencyOut:
    address = _address(request, session, actor)
    return _agency_out(service.subscribe(session, actor, address, uscc=body.uscc, everything=body.all))


@router.get("/notices", response_model=list[NoticeOut], summary="Change notices to this agency (repairs, withdrawals)")
def notices(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    state: Annotated[str | None, Query(max_length=16, description="open, acknowledged or overdue")] = None,
) -> list[NoticeOut]:
    address = _address(request, session, actor)
    return [_notice_out(n) for n in service.notices_of_agency(session, actor, address, state=state)]


@router.post(
    "/notices/{notice_id}/ack", response_model=NoticeOut, summary="Acknowledge that the copy was taken down or replaced"
)
def acknowledge(
    notice_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    body: AckIn | None = None,
) -> NoticeOut:
    address = _address(request, session, actor)
    return _notice_out(service.acknowledge(session, actor, notice_id, (body or AckIn()).note, address))
