"""Console pages of credit repair (信用修复): the deciding department's desk — accept or refuse, propose, and a
second person approves or returns. Every step goes through the repair service, which audits it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.core.auth.access import DEPARTMENT, STAFF, require
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.repair import service as repair
from xinyong.repair.schemas import AcceptIn, ProposeIn, ReviewIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ApplicationId = Annotated[int, Path(ge=1, le=2**62)]
Opinion = Annotated[str, Form(max_length=2000)]
DESK = "/console/repair"


@router.get("/repair", dependencies=[Depends(require(STAFF))])
def repair_desk(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    rows = [repair.to_view(session, row) for row in repair.list_applications(session, actor)]
    context: dict[str, Any] = {
        "applications": rows,
        "mine": len(repair.awaiting_decision(session, actor)),  # the dashboard tile's count (reviewer_queue)
        **read_notices(done, error),
        "may_handle": actor.is_department,
        "actor_id": actor.id,
    }
    return page(request, session, actor, "console/repair.html", context)


@router.post("/repair/{application_id}/accept", dependencies=[Depends(require(DEPARTMENT))])
def accept_application(
    application_id: ApplicationId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    decision: Annotated[str, Form(max_length=8)],
    reason: Opinion = "",
) -> Response:
    try:
        data = AcceptIn(accept=decision == "accept", reason=reason or None)
        with session.begin_nested():
            row = repair.accept(session, actor, application_id, data)
    except (XinyongError, ValidationError) as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"修复申请 {row.number} {row.status}")


@router.post("/repair/{application_id}/propose", dependencies=[Depends(require(DEPARTMENT))])
def propose_application(
    application_id: ApplicationId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    proposal: Annotated[str, Form(max_length=8)],
    opinion: Opinion,
) -> Response:
    try:
        data = ProposeIn.model_validate({"proposal": proposal, "opinion": opinion})
        with session.begin_nested():
            row = repair.propose(session, actor, application_id, data)
    except (XinyongError, ValidationError) as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"修复申请 {row.number} 已拟办（{row.proposal}），待另一名审核人员审核")


@router.post("/repair/{application_id}/review", dependencies=[Depends(require(DEPARTMENT))])
def review_application(
    application_id: ApplicationId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    decision: Annotated[str, Form(max_length=8)],
    opinion: Opinion,
) -> Response:
    try:
        data = ReviewIn(approve=decision == "approve", opinion=opinion)
        with session.begin_nested():
            row = repair.review(session, actor, application_id, data)
    except (XinyongError, ValidationError) as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"修复申请 {row.number} {row.status}")
