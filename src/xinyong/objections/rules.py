"""Pure rules of objections (异议, SPEC §3.12): the state machine as data, who may take each step, and the outcomes.

An objection is 已受理 as soon as it is filed (the record shows 异议中 at once). The platform either decides it
itself within its time limit or forwards it (已转办) to the source department, which answers within its own limit.
An objection past its deadline is 已督办: escalated to the credit office, which can still decide or forward it.
"""

from __future__ import annotations

from enum import StrEnum

from xinyong.core.actor import Role


class ObjectionStatus(StrEnum):
    ACCEPTED = "已受理"  # the platform checks it itself
    FORWARDED = "已转办"  # with the source department
    ESCALATED = "已督办"  # overdue: escalated to the credit office
    RESOLVED = "已办结"


class Action(StrEnum):
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


# (status, action) -> next status. Anything missing is refused.
TRANSITIONS: dict[tuple[ObjectionStatus, Action], ObjectionStatus] = {
    (ObjectionStatus.ACCEPTED, Action.FORWARD): ObjectionStatus.FORWARDED,
    (ObjectionStatus.ACCEPTED, Action.RESOLVE): ObjectionStatus.RESOLVED,
    (ObjectionStatus.ACCEPTED, Action.ESCALATE): ObjectionStatus.ESCALATED,
    (ObjectionStatus.FORWARDED, Action.RESOLVE): ObjectionStatus.RESOLVED,
    (ObjectionStatus.FORWARDED, Action.ESCALATE): ObjectionStatus.ESCALATED,
    (ObjectionStatus.ESCALATED, Action.FORWARD): ObjectionStatus.FORWARDED,
    (ObjectionStatus.ESCALATED, Action.RESOLVE): ObjectionStatus.RESOLVED,
}

OPEN_STATUSES = frozenset({ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED, ObjectionStatus.ESCALATED})

# Who may take a step, by the objection's status. "source" means: staff of the department that made the record.
OFFICE = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})
SOURCE_REVIEWER = frozenset({Role.DEPT_REVIEWER})  # a department's answer is approved by its reviewer (two people)
MAY: dict[tuple[ObjectionStatus, Action], tuple[frozenset[Role], frozenset[Role]]] = {
    # (roles that may act anywhere, roles that may act only for their own department's record)
    (ObjectionStatus.ACCEPTED, Action.FORWARD): (OFFICE, frozenset()),
    (ObjectionStatus.ACCEPTED, Action.RESOLVE): (OFFICE, frozenset()),
    (ObjectionStatus.ACCEPTED, Action.ESCALATE): (frozenset({Role.SYSTEM}), frozenset()),
    (ObjectionStatus.FORWARDED, Action.RESOLVE): (OFFICE, SOURCE_REVIEWER),
    (ObjectionStatus.FORWARDED, Action.ESCALATE): (frozenset({Role.SYSTEM}), frozenset()),
    (ObjectionStatus.ESCALATED, Action.FORWARD): (OFFICE, frozenset()),
    (ObjectionStatus.ESCALATED, Action.RESOLVE): (OFFICE, SOURCE_REVIEWER),
}


def next_status(status: ObjectionStatus, action: Action) -> ObjectionStatus | None:
    return TRANSITIONS.get((status, action))


def may_act(status: ObjectionStatus, action: Action, role: Role, *, own_department: bool) -> bool:
    anywhere, own = MAY.get((status, action), (frozenset(), frozenset()))
    return role in anywhere or (own_department and role in own)


def stage_after(action: Action, current: Stage) -> Stage:
    return Stage.DEPARTMENT if action == Action.FORWARD else current
