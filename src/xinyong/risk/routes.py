"""HTTP API of risk alerts: the department's list, acknowledge and close."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.auth.access import DEPARTMENT, STAFF, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.risk import service
from xinyong.risk.rules import AlertAction
from xinyong.risk.schemas import AlertOut, AlertStepIn

router = APIRouter(prefix="/api/v1", tags=["risk 风险预警"], dependencies=[Depends(reject_unknown_query)])
AlertId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/risk/alerts",
    dependencies=[Depends(require(STAFF))],
    response_model=Page[AlertOut],
    summary="Risk alerts, newest first: the department's own, or all for the office and auditors (paginated)",
)
def list_alerts(
    session: DbSession,
    actor: CurrentActor,
    active: Annotated[bool, Query()] = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[AlertOut]:
    request = PageRequest.checked(page, page_size)
    rows, total = service.page_alerts(session, actor, active_only=active, page=request)
    return Page(items=[service.to_view(row) for row in rows], total=total, page=page, page_size=page_size)


@router.post(
    "/risk/alerts/{alert_id}/acknowledge",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=AlertOut,
    summary="Acknowledge an alert (the department in charge)",
)
def acknowledge(alert_id: AlertId, body: AlertStepIn, session: DbSession, actor: CurrentActor) -> AlertOut:
    return service.to_view(service.step(session, actor, alert_id, AlertAction.ACKNOWLEDGE, body))


@router.post(
    "/risk/alerts/{alert_id}/close",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=AlertOut,
    summary="Close an alert with a note (the department in charge)",
)
def close(alert_id: AlertId, body: AlertStepIn, session: DbSession, actor: CurrentActor) -> AlertOut:
    return service.to_view(service.step(session, actor, alert_id, AlertAction.CLOSE, body))
