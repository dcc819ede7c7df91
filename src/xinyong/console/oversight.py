"""Console pages for objections (异议处理) and risk alerts (风险预警): the office and departments see what is theirs,
take the next step, and every step is audited by the services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.core.auth.access import DEPARTMENT, OFFICE, STAFF, require
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.objections import service as objections
from xinyong.objections.routes import DECIDERS
from xinyong.objections.schemas import ForwardIn, ResolveIn
from xinyong.records.schemas import RecordCorrection
from xinyong.risk import service as risk
from xinyong.risk.rules import AlertAction
from xinyong.risk.schemas import AlertStepIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=5000)]


@router.get("/objections", dependencies=[Depends(require(STAFF))])
def objection_desk(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    rows = [objections.to_view(row) for row in objections.list_objections(session, actor)]
    context: dict[str, Any] = {"objections": rows, **read_notices(done, error), "actor_role": str(actor.role)}
    return page(request, session, actor, "console/objections.html", context)


@router.post("/objections/{objection_id}/forward", dependencies=[Depends(require(OFFICE))])
def forward_objection(
    objection_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Text,
) -> Response:
    try:
        with session.begin_nested():
            objections.forward(session, actor, objection_id, ForwardIn(note=note))
    except (XinyongError, ValidationError) as refused:
        return back("/console/objections", error=refusal(refused))
    return back("/console/objections", message=f"异议 {objection_id} 已转办来源部门")


@router.post("/objections/{objection_id}/resolve", dependencies=[Depends(require(DECIDERS))])
def resolve_objection(
    objection_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    outcome: Annotated[str, Form(max_length=8)],
    reason: Text,
    new_title: Annotated[str, Form(max_length=300)] = "",
    new_decision_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        correction = None
        if new_title.strip() or new_decision_date.strip():
            fields: dict[str, Any] = {"reason": reason[:500]}
            if new_title.strip():
                fields["title"] = new_title
            if new_decision_date.strip():
                fields["decision_date"] = dt.date.fromisoformat(new_decision_date.strip())
            correction = RecordCorrection(**fields)
        data = ResolveIn.model_validate({"outcome": outcome, "reason": reason, "correction": correction})
        with session.begin_nested():
            objections.resolve(session, actor, objection_id, data)
    except (XinyongError, ValidationError, ValueError) as refused:
        return back("/console/objections", error=refusal(refused))
    return back("/console/objections", message=f"异议 {objection_id} 已办结（{outcome}）")


@router.get("/risk", dependencies=[Depends(require(STAFF))])
def risk_desk(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    rows = [risk.to_view(row) for row in risk.list_alerts(session, actor)]
    context: dict[str, Any] = {"alerts": rows, **read_notices(done, error), "may_handle": actor.is_department}
    return page(request, session, actor, "console/risk.html", context)


def _alert_step(session: DbSession, actor: CurrentActor, alert_id: int, action: AlertAction, note: str) -> Response:
    try:
        with session.begin_nested():
            risk.step(session, actor, alert_id, action, AlertStepIn(note=note))
    except (XinyongError, ValidationError) as refused:
        return back("/console/risk", error=refusal(refused))
    return back("/console/risk", message=f"预警 {alert_id} 已{'确认' if action == AlertAction.ACKNOWLEDGE else '关闭'}")


@router.post("/risk/{alert_id}/acknowledge", dependencies=[Depends(require(DEPARTMENT))])
def acknowledge_alert(
    alert_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Text,
) -> Response:
    return _alert_step(session, actor, alert_id, AlertAction.ACKNOWLEDGE, note)


@router.post("/risk/{alert_id}/close", dependencies=[Depends(require(DEPARTMENT))])
def close_alert(
    alert_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Text,
) -> Response:
    return _alert_step(session, actor, alert_id, AlertAction.CLOSE, note)
