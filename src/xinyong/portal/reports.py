"""Portal pages of credit reports and objections: anyone downloads an entity's public (masked) report; the entity,
signed in, downloads its full report, sees its records and objects to one of them (我的异议)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from xinyong.core.actor import Actor
from xinyong.core.auth.access import ENTITY, require
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.core.web import render
from xinyong.entities import service as entities
from xinyong.objections import service as objections
from xinyong.objections.schemas import ObjectionIn
from xinyong.portal.forms import NO_OUTCOME, Outcome, take_step
from xinyong.portal.web import PortalRoute, own_uscc, portal_router, text_value
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.reports import service as reports

router = portal_router()
entity_router = APIRouter(
    include_in_schema=False, route_class=PortalRoute, dependencies=[Depends(reject_unknown_query)]
)


def _report_page(request: Request, uscc: str = "", error: str | None = None, status_code: int = 200) -> Response:
    context = {"active": "report", "uscc": uscc, "error": error}
    return render(request, "portal/report.html", context, status_code=status_code)


@router.get("/report")
def report_form(request: Request, uscc: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    return _report_page(request, text_value(uscc) or "")


@router.post("/report")
def report_pdf(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str, Form(max_length=40)] = "",
    full: Annotated[str | None, Form(max_length=8)] = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Issue the report and send its PDF: the public version, or the full one for the signed-in entity itself."""
    try:
        if not uscc.strip():
            raise InvalidInput("请填写统一社会信用代码 (uscc required)", field="uscc")
        with session.begin_nested():
            row, pdf = reports.issue_report_pdf(session, actor, uscc.strip(), full=full == "on")
    except XinyongError as refused:
        if refused.status in (401, 403):
            raise
        return _report_page(request, uscc, refused.message, refused.status)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{row.number}.pdf"', "Cache-Control": "no-store"},
    )


def _objections_page(request: Request, session: DbSession, actor: Actor, outcome: Outcome = NO_OUTCOME) -> Response:
    entity = entities.get_entity(session, own_uscc(actor))
    own, _total = records.records_of_entity(session, actor, entity.uscc, page=PageRequest(1, 100))
    mine = objections.list_objections(session, actor)
    labels = objections.record_labels(session, mine)
    context: dict[str, Any] = {
        "entity": entity,
        "records": own,
        "objectable": [r for r in own if r.status == Status.VALID],
        "objections": [objections.to_view(o, label=labels.get(o.record_id), staff=False) for o in mine],
        "histories": {o.id: objections.history_of(session, actor, o.id) for o in mine},
        "notice": outcome.notice,
        "error": outcome.error,
    }
    return render(request, "portal/objections.html", context, status_code=outcome.status_code)


@entity_router.get("/my/objections", dependencies=[Depends(require(ENTITY))])
def my_objections(
    request: Request, session: DbSession, actor: CurrentActor, filed: Annotated[str | None, Query(max_length=2)] = None
) -> Response:
    notice = "异议已受理，该记录已标注为异议中。" if filed else None
    return _objections_page(request, session, actor, Outcome(notice=notice))


@entity_router.post("/my/objections", dependencies=[Depends(require(ENTITY))])
def file_objection(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    record_id: Annotated[int, Form(ge=1, le=2**62)],
    reasons: Annotated[str, Form(max_length=5000)] = "",
    evidence: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    try:
        data = ObjectionIn(record_id=record_id, reasons=reasons, evidence=evidence or None)
    except ValidationError:
        refused = Outcome(error="异议理由至少 5 个字 (reasons too short)", status_code=422)
        return _objections_page(request, session, actor, refused)
    return take_step(
        session,
        lambda: objections.file_objection(session, actor, data),
        "/my/objections?filed=1",
        lambda outcome: _objections_page(request, session, actor, outcome),
        passes=(401, 403),
    )


pages = APIRouter(include_in_schema=False)
pages.include_router(router)
pages.include_router(entity_router)
