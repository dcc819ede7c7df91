"""HTTP API of insider-misuse alerts: the auditor's queue, an alert with the events behind it, closing it with a
reason; the rule catalogue (auditors and the office read it, the office changes it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.auth.access import AUDIT, AUDITOR, OFFICE, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.misuse import service
from xinyong.misuse.models import MisuseAlert
from xinyong.misuse.rules import SPECS, AlertStatus
from xinyong.misuse.schemas import AlertDetailOut, AlertOut, CheckOut, CloseIn, EventOut, RuleChangeIn, RuleOut, StepOut

router = APIRouter(prefix="/api/v1", tags=["misuse 谋私预警"], dependencies=[Depends(reject_unknown_query)])
AlertId = Annotated[int, Path(ge=1, le=2**62)]
RuleCode = Annotated[str, Path(max_length=32, pattern=r"^[a-z_]+$")]


def alert_out(row: MisuseAlert) -> AlertOut:
    return AlertOut.model_validate(
        {
            **{c: getattr(row, c) for c in AlertOut.model_fields if hasattr(row, c)},
            "rule_label": SPECS[row.rule_code].label,
        }
    )


@router.get(
    "/misuse/alerts",
    dependencies=[Depends(require(AUDITOR))],
    response_model=Page[AlertOut],
    summary="Insider-misuse alerts for auditors, newest first (never those about the caller)",
)
def list_alerts(
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[AlertStatus | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[AlertOut]:
    rows, total = service.page_alerts(session, actor, status=status, page=PageRequest.checked(page, page_size))
    return Page(items=[alert_out(r) for r in rows], total=total, page=page, page_size=page_size)


def detail_out(session: DbSession, row: MisuseAlert) -> AlertDetailOut:
    events = [EventOut.model_validate(e, from_attributes=True) for e in service.alert_events(session, row)]
    checks = [CheckOut.model_validate(c, from_attributes=True) for c in service.alert_checks(session, row)]
    steps = [
        StepOut(
            step=s.step,
            label=s.label,
            actor=s.actor,
            at=s.at,
            from_status=s.from_status,
            to_status=s.to_status,
            reason=s.reason,
        )
        for s in service.alert_steps(session, row)
    ]
    return AlertDetailOut(**alert_out(row).model_dump(), events=events, checks=checks, steps=steps)


@router.get(
    "/misuse/alerts/{alert_id}",
    dependencies=[Depends(require(AUDITOR))],
    response_model=AlertDetailOut,
    summary="One alert with the audit events (or API checks) behind it and its steps",
)
def get_alert(alert_id: AlertId, session: DbSession, actor: CurrentActor) -> AlertDetailOut:
    return detail_out(session, service.get_alert(session, actor, alert_id))


@router.post(
    "/misuse/alerts/{alert_id}/close",
    dependencies=[Depends(require(AUDITOR))],
    response_model=AlertOut,
    summary="Close an alert with the reason found (auditors)",
)
def close_alert(alert_id: AlertId, body: CloseIn, session: DbSession, actor: CurrentActor) -> AlertOut:
    return alert_out(service.close_alert(session, actor, alert_id, body.reason))


@router.get(
    "/misuse/rules",
    dependencies=[Depends(require(AUDIT))],
    response_model=list[RuleOut],
    summary="The misuse rules with their current settings and versions",
)
def list_rules(session: DbSession, actor: CurrentActor) -> list[RuleOut]:
    return [RuleOut.model_validate(s, from_attributes=True) for s in service.rule_settings(session)]


@router.put(
    "/misuse/rules/{code}",
    dependencies=[Depends(require(OFFICE))],
    response_model=RuleOut,
    summary="Change a rule's thresholds or switch it on or off (the office; a new version, audited)",
)
def change_rule(code: RuleCode, body: RuleChangeIn, session: DbSession, actor: CurrentActor) -> RuleOut:
    setting = service.change_rule(session, actor, code, enabled=body.enabled, params=body.params, reason=body.reason)
    return RuleOut.model_validate(setting, from_attributes=True)
