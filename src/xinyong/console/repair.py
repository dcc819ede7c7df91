"""Console pages of credit repair (信用修复): the deciding department's desk — accept or refuse, propose, and a
second person approves or returns. Every step goes through the repair service, which audits it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path
from fastapi.responses import HTMLResponse, Response

from xinyong.console.forms import take_step
from xinyong.console.pages import PageState, console_router
from xinyong.core.auth.access import DEPARTMENT, STAFF, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.repair import service as repair
from xinyong.repair.schemas import AcceptIn, ProposeIn, ReviewIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ApplicationId = Annotated[int, Path(ge=1, le=2**62)]
Opinion = Annotated[str, Form(max_length=2000)]
DESK = "/console/repair"


def _outcome(row: Any) -> str:
    return f"修复申请 {row.number} {row.status}"


@router.get("/repair", dependencies=[Depends(require(STAFF))])
def repair_desk(screen: PageState) -> HTMLResponse:
    session, actor = screen.session, screen.actor
    rows = [repair.to_view(session, row) for row in repair.list_applications(session, actor)]
    context: dict[str, Any] = {
        "applications": rows,
        "mine": len(repair.awaiting_decision(session, actor)),  # the dashboard tile's count (reviewer_queue)
        "may_handle": actor.is_department,
        "actor_id": actor.id,
    }
    return screen.show("console/repair.html", context)


@router.post("/repair/{application_id}/accept", dependencies=[Depends(require(DEPARTMENT))])
def accept_application(
    application_id: ApplicationId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    decision: Annotated[str, Form(max_length=8)],
    reason: Opinion = "",
) -> Response:
    return take_step(
        session,
        lambda: repair.accept(
            session, actor, application_id, AcceptIn(accept=decision == "accept", reason=reason or None)
        ),
        DESK,
        _outcome,
    )


@router.post("/repair/{application_id}/propose", dependencies=[Depends(require(DEPARTMENT))])
def propose_application(
    application_id: ApplicationId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    proposal: Annotated[str, Form(max_length=8)],
    opinion: Opinion,
) -> Response:
    given = {"proposal": proposal, "opinion": opinion}
    return take_step(
        session,
        lambda: repair.propose(session, actor, application_id, ProposeIn.model_validate(given)),
        DESK,
        lambda row: f"修复申请 {row.number} 已拟办（{row.proposal}），待另一名审核人员审核",
    )


@router.post("/repair/{application_id}/review", dependencies=[Depends(require(DEPARTMENT))])
def review_application(
    application_id: ApplicationId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    decision: Annotated[str, Form(max_length=8)],
    opinion: Opinion,
) -> Response:
    return take_step(
        session,
        lambda: repair.review(session, actor, application_id, ReviewIn(approve=decision == "approve", opinion=opinion)),
        DESK,
        _outcome,
    )
