"""Pure rules of objections (异议, req §3.12): the state machine as data, who may take each step, and the outcomes.

An objection is 已受理 as soon as it is filed (the record shows 异议中 at once). The platform either decides it
itself within its time limit or forwards it (已转办) to the source department, which answers within its own limit.
An objection past its deadline is 已督办: escalated to the credit office, which can still decide or forward it.
"""

from __future__ import annotations

from enum import StrEnum

from xinyong.core.transitions import OFFICE, REVIEWERS, SYSTEM, Opens, Transition, TransitionTable, Who


class ObjectionStatus(StrEnum):
    ACCEPTED = "已受理"  # the platform checks it itself
    FORWARDED = "已转办"  # with the source department
    ESCALATED = "已督办"  # overdue: escalated to the credit office
    RESOLVED = "已办结"


class Action(StrEnum):
    FILE = "file"  # 提出异议（受理）
    FORWARD = "forward"  # 转办来源部门
    RESOLVE = "resolve"  # 作出处理决定
    ESCALATE = "escalate"  # 逾期督办 (the sweep)


class Outcome(StrEnum):
    CORRECTED = "更正"  # a new corrected version of the record
    REVOKED = "撤销"  # the record is removed (已撤销)
    UPHELD = "维持"  # the record stands (back to 有效)


class Stage(StrEnum):
    PLATFORM = "platform"
    DEPARTMENT = "department"


OPEN_STATUSES = frozenset({ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED, ObjectionStatus.ESCALATED})

# Who may take a step. The source department (the one that made the record) takes part once the objection has left
# 已受理 (forwarded to it, or escalated): its reviewer may then decide — a department's answer is approved by its
# reviewer (two people). The service names that department in the parties only then.
FILER = Who(
    OFFICE,
    subject=True,
    refusal="only the subject, or the credit office for a person concerned, may object (无权提出异议)",
)
STEP_REFUSAL = "your role may not {step} an objection that is {status} (无权执行该操作)"

TABLE: TransitionTable[Action, ObjectionStatus] = TransitionTable(
    name="objections:objection",
    subject_type="objection",
    statuses=ObjectionStatus,
    transitions={
        Action.FILE: Transition(
            frozenset({None}), ObjectionStatus.ACCEPTED, FILER, opens=Opens("platform"), event="filed"
        ),
        Action.FORWARD: Transition(
            frozenset({ObjectionStatus.ACCEPTED, ObjectionStatus.ESCALATED}),
            ObjectionStatus.FORWARDED,
            Who(OFFICE, refusal=STEP_REFUSAL),
            opens=Opens("department"),
            event="forwarded",
        ),
        Action.RESOLVE: Transition(
            frozenset(OPEN_STATUSES),
            ObjectionStatus.RESOLVED,
            Who(OFFICE, REVIEWERS, refusal=STEP_REFUSAL),
            event="resolved",
        ),
        Action.ESCALATE: Transition(
            frozenset({ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED}),
            ObjectionStatus.ESCALATED,
            Who(SYSTEM, refusal=STEP_REFUSAL),
            event="escalated",
        ),
    },
    conflict="an objection that is {status} cannot take the step {step} (当前状态不可执行该操作)",
    conflict_field=None,
    rights_first=False,
    labels={Action.FILE: "提出异议", Action.FORWARD: "转办", Action.RESOLVE: "处理决定", Action.ESCALATE: "逾期督办"},
)


def next_status(status: ObjectionStatus, action: Action) -> ObjectionStatus | None:
    return TABLE.next_status(status, action)


def department_in_charge(status: ObjectionStatus, source_department: str) -> str | None:
    """The department that takes part in the objection now: the source department once it has left 已受理."""
    return None if status is ObjectionStatus.ACCEPTED else source_department


def stage_after(action: Action, current: Stage) -> Stage:
    return Stage.DEPARTMENT if action == Action.FORWARD else current
