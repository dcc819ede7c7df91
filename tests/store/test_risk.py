"""Risk alerts: rules as data evaluated by an idempotent sweep; the department in charge acknowledges and closes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden
from xinyong.records import service as records
from xinyong.risk import service
from xinyong.risk.rules import AlertAction, AlertStatus
from xinyong.risk.schemas import AlertStepIn


def test_repeated_penalties_raise_one_alert_for_the_department(db: Session) -> None:
    builders.departments(db)
    clock.freeze(dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC))
    made = builders.entity(db)
    system = Actor.system("tick")
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    assert service.sweep_risk(db, system) == []
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    raised = service.sweep_risk(db, system)
    assert len(raised) == 1 and service.sweep_risk(db, system) == []
    operator = builders.operator("SCJGJ")
    [alert] = service.list_alerts(db, operator)
    assert alert.rule_code == "penalties_12m" and alert.count == 2
    assert service.list_alerts(db, builders.operator("SWJ")) == []
    with pytest.raises(Forbidden):
        service.step(db, Actor(role=Role.CREDIT_OFFICE, id="o"), alert.id, AlertAction.CLOSE, AlertStepIn(note="x"))
    service.step(db, operator, alert.id, AlertAction.ACKNOWLEDGE, AlertStepIn(note="已安排检查"))
    closed = service.step(db, operator, alert.id, AlertAction.CLOSE, AlertStepIn(note="检查无新问题"))
    assert closed.status == AlertStatus.CLOSED
    with pytest.raises(Conflict):
        service.step(db, operator, alert.id, AlertAction.ACKNOWLEDGE, AlertStepIn(note="x"))
