"""Pure rules of objections (异议, req §3.12): the state machine as data, who may take each step, and the outcomes.

An objection is 已受理 as soon as it is filed (the record shows 异议中 at once). The platform either decides it
itself within its time limit or forwards it (已转办) to the source department, which answers within its own limit.
An objection past its deadline is 已督办: escalated to the credit office, which can still decide or forward it.

The decision is two people's, as in credit repair::

      已受理 / 已转办 / 已督办 ──propose──▶ 待审核 ──decide──▶ 已办结
                    ▲                        │
                    └────────return──────────┘

the handler (the credit office, or once forwarded the source department's staff) proposes the outcome — 更正 with
the corrected fields, 撤销 or 维持 — and a second person who did not propose decides it: another member of the
credit office, or the source department's reviewer (部门审核). The proposer may never decide their own proposal.
"""

from __future__ import annotations

from enum import StrEnum

from xinyong.core.transitions import OFFICE, REVIEWERS, STAFF, SYSTEM, Opens, Transition, TransitionTable, Who


class ObjectionStatus(StrEnum):
    ACCEPTED = "已受理"  # the platform checks it itself
    FORWARDED = "已转办"  # with the source department
    ESCALATED = "已督办"  # overdue: escalated to the credit office
    PROPOSED = "待审核"  # a handler proposed the outcome; a second person decides
    RESOLVED = "已办结"


class Action(StrEnum):
    FILE = "file"  # 提出异议（受理）
    FORWARD = "forward"  # 转办来源部门
    PROPOSE = "propose"  # 经办人拟办处理意见
    DECIDE = "decide"  # 审核人同意拟办意见，作出处理决定
    RETURN = "return"  # 审核人退回重新拟办
    ESCALATE = "escalate"  # 逾期督办 (the sweep)


class Outcome(StrEnum):
    CORRECTED = "更正"  # a new corrected version of the record
    REVOKED = "撤销"  # the record is removed (已撤销)
    UPHELD = "维持"  # the record stands (back to 有效)


class Stage(StrEnum):
    PLATFORM = "platform"
    DEPARTMENT = "department"


HANDLING = frozenset({ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED, ObjectionStatus.ESCALATED})
OPEN_STATUSES = HANDLING | {ObjectionStatus.PROPOSED}

# Who may take a step. The source department (the one that made the record) takes part once the objection has left
# 已受理 (forwarded to it, or escalated): its staff may then propose and its reviewer decide. The service names that
# department in the parties only then.
FILER = Who(
    OFFICE,
    subject=True,
    refusal="only the subject, or the credit office for a person concerned, may object (无权提出异议)",
)
STEP_REFUSAL = "your role may not {step} an objection that is {status} (无权执行该操作)"
HANDLER = Who(OFFICE, STAFF, refusal=STEP_REFUSAL)
DECIDER = Who(
    OFFICE,
    REVIEWERS,
    refusal="only another member of the credit office or a reviewer (部门审核) of the source department decides "
    "(须信用办其他人员或来源部门审核人员审核)",
)

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
        Action.PROPOSE: Transition(frozenset(HANDLING), ObjectionStatus.PROPOSED, HANDLER, event="proposed"),
        Action.DECIDE: Transition(
            frozenset({ObjectionStatus.PROPOSED}),
            ObjectionStatus.RESOLVED,
            DECIDER,
            second_person=True,
            event="resolved",
        ),
        Action.RETURN: Transition(
            frozenset({ObjectionStatus.PROPOSED}),
            None,
            DECIDER,
            second_person=True,
            outcomes=frozenset(HANDLING),
            event="returned",
        ),
        # an overdue objection in hand is escalated (已督办); one waiting for its decision keeps 待审核, marked once
        Action.ESCALATE: Transition(
            frozenset({ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED, ObjectionStatus.PROPOSED}),
            None,
            Who(SYSTEM, refusal=STEP_REFUSAL),
            outcomes=frozenset({ObjectionStatus.ESCALATED, ObjectionStatus.PROPOSED}),
            event="escalated",
        ),
    },
    conflict="an objection that is {status} cannot take the step {step} (当前状态不可执行该操作)",
    conflict_field=None,
    rights_first=False,
    second_person_refusal="the proposer may not decide their own proposal (拟办人不得审核本人的拟办意见)",
    labels={
        Action.FILE: "提出异议",
        Action.FORWARD: "转办",
        Action.PROPOSE: "拟办",
        Action.DECIDE: "审核决定",
        Action.RETURN: "退回重新拟办",
        Action.ESCALATE: "逾期督办",
        "resolve": "处理决定",  # the one-person step of objections decided before the two-person rule
    },
)


def next_status(status: ObjectionStatus, action: Action) -> ObjectionStatus | None:
    return TABLE.next_status(status, action)


def department_in_charge(
    status: ObjectionStatus, source_department: str, proposed_from: ObjectionStatus | None = None
) -> str | None:
    """The department that takes part in the objection now: the source department once it has left 已受理 (for a
    proposal: once the objection it was made on had left 已受理)."""
    if status is ObjectionStatus.PROPOSED:
        status = proposed_from or ObjectionStatus.ACCEPTED
    return None if status is ObjectionStatus.ACCEPTED else source_department


def escalation_outcome(status: ObjectionStatus) -> ObjectionStatus:
    """Where the overdue sweep leaves an objection: 已督办, or still 待审核 for one waiting for its decision."""
    return ObjectionStatus.PROPOSED if status is ObjectionStatus.PROPOSED else ObjectionStatus.ESCALATED


def stage_after(action: Action, current: Stage) -> Stage:
    return Stage.DEPARTMENT if action == Action.FORWARD else current
