"""Pure rules of risk alerts (req §3.14): alert rules as data and the alert state machine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from xinyong.core.transitions import STAFF, SYSTEM, Transition, TransitionTable, Who


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
    RAISE = "raise"  # 预警生成 (the sweep)
    ACKNOWLEDGE = "acknowledge"
    CLOSE = "close"


IN_CHARGE = Who(SYSTEM, STAFF, refusal="only the department in charge handles its alerts (仅责任部门可处理)")
TABLE: TransitionTable[AlertAction, AlertStatus] = TransitionTable(
    name="risk:alert",
    subject_type="risk_alert",
    statuses=AlertStatus,
    transitions={
        AlertAction.RAISE: Transition(
            frozenset({None}),
            AlertStatus.OPEN,
            Who(SYSTEM, refusal="only the platform's sweep raises alerts (预警由系统生成)"),
            event="raised",
        ),
        AlertAction.ACKNOWLEDGE: Transition(
            frozenset({AlertStatus.OPEN}), AlertStatus.ACKNOWLEDGED, IN_CHARGE, event="acknowledged"
        ),
        AlertAction.CLOSE: Transition(
            frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED}), AlertStatus.CLOSED, IN_CHARGE, event="closed"
        ),
    },
    conflict="an alert that is {status} cannot be {step}d (当前状态不可执行该操作)",
    conflict_field=None,
    labels={AlertAction.RAISE: "生成预警", AlertAction.ACKNOWLEDGE: "确认", AlertAction.CLOSE: "关闭"},
)
ACTIVE = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})


def next_status(status: AlertStatus, action: AlertAction) -> AlertStatus | None:
    return TABLE.next_status(status, action)
