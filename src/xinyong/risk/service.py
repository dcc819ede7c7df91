"""Use cases of risk alerts: the sweep that evaluates the rules, and the department's acknowledge/close steps.
Each step goes through the workflow mechanism (a ``risk_alert_steps`` row and the audit event ``risk:alert:*``);
services flush, never commit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.risk.models import RISK_ALERT, RiskAlert
from xinyong.risk.rules import ACTIVE, RULES, TABLE, AlertAction, AlertRule, AlertStatus
from xinyong.risk.schemas import AlertOut, AlertStepIn

COUNTED = (Status.VALID, Status.OBJECTED)
FIRST_PAGE = PageRequest()


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return RiskAlert.department == (actor.department_code or "")
    return false()


def to_view(row: RiskAlert) -> AlertOut:
    return AlertOut.model_validate(row, from_attributes=True)


def _evaluate(session: Session, actor: Actor, rule: AlertRule, today: dt.date) -> list[RiskAlert]:
    start = today - dt.timedelta(days=rule.window_days)
    rows = records.decided_in_window(session, rule.kind, COUNTED, start, today)
    groups: dict[tuple[str, str], tuple[str, list[int]]] = defaultdict(lambda: ("", []))
    for uscc, department, name, record_id in rows:
        key = (str(uscc), department)
        groups[key] = (name, [*groups[key][1], record_id])
    made: list[RiskAlert] = []
    now = clock.now()
    for (uscc, department), (name, ids) in groups.items():
        if len(ids) < rule.threshold:
            continue
        active = session.execute(
            select(RiskAlert.id).where(
                RiskAlert.rule_code == rule.code,
                RiskAlert.uscc == uscc,
                RiskAlert.department == department,
                RiskAlert.status.in_([str(s) for s in ACTIVE]),
            )
        ).first()
        if active is not None:
            continue
        alert = RiskAlert(
            rule_code=rule.code,
            rule_label=rule.label,
            uscc=uscc,
            subject_name=name,
            department=department,
            status="",
            window_start=start + dt.timedelta(days=1),
            window_end=today,
            count=len(ids),
            evidence=ids,
            created_at=now,
            updated_at=now,
        )
        session.add(alert)
        session.flush()
        RISK_ALERT.advance(
            session,
            actor,
            alert,
            AlertAction.RAISE,
            parties=Parties(department, subject_uscc=uscc),
            reason=rule.label,
            documents=[f"record:{i}" for i in ids[:50]],
            details={"rule": rule.code, "uscc": uscc, "department": department, "count": len(ids), "records": ids[:50]},
        )
        made.append(alert)
    return made


def sweep_risk(session: Session, actor: Actor, today: dt.date | None = None) -> list[int]:
    """Evaluate every alert rule; raise an alert per rule, entity and department unless one is still active.
    Idempotent: a second run the same day raises nothing. Returns the ids raised now."""
    today = today or clock.today()
    return [alert.id for rule in RULES for alert in _evaluate(session, actor, rule, today)]


def list_alerts(session: Session, actor: Actor, *, active_only: bool = False, limit: int = 200) -> list[RiskAlert]:
    stmt = select(RiskAlert).where(_visible(actor))
    if active_only:
        stmt = stmt.where(RiskAlert.status.in_([str(s) for s in ACTIVE]))
    return list(session.execute(stmt.order_by(RiskAlert.id.desc()).limit(limit)).scalars())


def page_alerts(
    session: Session, actor: Actor, *, active_only: bool = False, page: PageRequest = FIRST_PAGE
) -> tuple[list[RiskAlert], int]:
    """One page of the alerts the actor may see, newest first, and how many there are."""
    condition = _visible(actor)
    if active_only:
        condition = condition & RiskAlert.status.in_([str(s) for s in ACTIVE])
    total = session.execute(select(func.count()).select_from(RiskAlert).where(condition)).scalar_one()
    rows = session.execute(
        select(RiskAlert).where(condition).order_by(RiskAlert.id.desc()).offset(page.offset).limit(page.page_size)
    ).scalars()
    return list(rows), int(total)


def get_alert(session: Session, actor: Actor, alert_id: int) -> RiskAlert:
    """One alert for the department in charge, the office and auditors (else 404)."""
    row = session.execute(select(RiskAlert).where(RiskAlert.id == alert_id, _visible(actor))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no alert {alert_id} (未找到该预警)", field="alert_id")
    return row


def step(session: Session, actor: Actor, alert_id: int, action: AlertAction, data: AlertStepIn) -> RiskAlert:
    """Acknowledge or close an alert: staff of the department in charge (or the platform)."""
    row = get_alert(session, actor, alert_id)
    if action is AlertAction.RAISE:
        raise Conflict("alerts are raised by the sweep (预警由系统生成)", field="action")
    parties = Parties(row.department, subject_uscc=row.uscc)
    TABLE.require(action, AlertStatus(row.status), actor, parties)
    row.handled_by, row.note = actor.id, data.note
    RISK_ALERT.advance(session, actor, row, action, parties=parties, reason=data.note, details={"note": data.note})
    return row
