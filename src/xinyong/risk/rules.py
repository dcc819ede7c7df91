"""Pure rules of risk alerts (SPEC §3.14): alert rules as data and the alert state machine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class AlertRule:
    code: str
    label: str
    kind: str  # the record kind counted
    window_days: int  # counted back from today, calendar days
    threshold: int  # alert at this many records or more


# Defaults; the office changes these here (a table in the database later).
RULES: tuple[AlertRule, ...] = (
    AlertRule("complaints_90d", "90日内投诉举报达3件及以上", "complaint", 90, 3),
    AlertRule("penalties_12m", "12个月内受到2次及以上行政处罚", "penalty", 365, 2),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


class AlertStatus(StrEnum):
    OPEN = "待处理"
    ACKNOWLEDGED = "已确认"
    CLOSED = "已关闭"


class AlertAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    CLOSE = "close"


TRANSITIONS: dict[tuple[AlertStatus, AlertAction], AlertStatus] = {
    (AlertStatus.OPEN, AlertAction.ACKNOWLEDGE): AlertStatus.ACKNOWLEDGED,
    (AlertStatus.OPEN, AlertAction.CLOSE): AlertStatus.CLOSED,
    (AlertStatus.ACKNOWLEDGED, AlertAction.CLOSE): AlertStatus.CLOSED,
}
ACTIVE = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})


def next_status(status: AlertStatus, action: AlertAction) -> AlertStatus | None:
    return TRANSITIONS.get((status, action))
