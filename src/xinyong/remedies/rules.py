"""Pure rules of rectification (限期整改) and interviews (约谈), req §3.9 and clause (9) of the notice.

A rectification task moves through a small transition table::

    整改中 ──report──▶ 待确认 ──confirm──▶ 已完成
       ▲                 │
       └────reject───────┘

The issuing department (the one that listed the entity or recorded its dishonesty) issues, confirms and rejects;
the entity reports completion of its own task. A task still 整改中 after its working-day deadline is overdue and is
escalated once by the sweep (a flag, a step and an audit event), after which "谁认定、谁约谈": the same department
holds a 提示约谈 or 警示约谈.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput
from xinyong.core.transitions import STAFF, SYSTEM, Opens, Parties, Transition, TransitionTable, Who
from xinyong.core.workdays import WorkCalendar

MAX_WORKING_DAYS = 250


class TaskStatus(StrEnum):
    OPEN = "整改中"
    REPORTED = "待确认"
    DONE = "已完成"


class TaskStep(StrEnum):
    ISSUE = "issue"  # 下达整改
    REPORT = "report"  # 报告整改完成
    CONFIRM = "confirm"  # 确认整改完成
    REJECT = "reject"  # 退回（整改不到位）
    ESCALATE = "escalate"  # 逾期升级（sweep; the status does not move)


# Who may take each step of a rectification task.
DEPARTMENT = Who(SYSTEM, STAFF, refusal="only department {department} handles this task (仅下达整改的部门可办理)")
PARTY = Who(subject=True, refusal="only the entity itself reports its rectification (仅整改主体本身可报告)")
PLATFORM = Who(SYSTEM, refusal="only the platform's sweep escalates tasks (逾期升级由系统执行)")

TASK_TABLE: TransitionTable[TaskStep, TaskStatus] = TransitionTable(
    name="remedies:rectification",
    subject_type="rectification_task",
    statuses=TaskStatus,
    transitions={
        TaskStep.ISSUE: Transition(frozenset({None}), TaskStatus.OPEN, DEPARTMENT, opens=Opens("rectify")),
        TaskStep.REPORT: Transition(frozenset({TaskStatus.OPEN}), TaskStatus.REPORTED, PARTY),
        TaskStep.CONFIRM: Transition(frozenset({TaskStatus.REPORTED}), TaskStatus.DONE, DEPARTMENT),
        TaskStep.REJECT: Transition(frozenset({TaskStatus.REPORTED}), TaskStatus.OPEN, DEPARTMENT),
        TaskStep.ESCALATE: Transition(frozenset({TaskStatus.OPEN}), None, PLATFORM, event="escalated"),
    },
    conflict="a task that is {status} cannot take the step {step} (当前状态不可办理)",
    labels={
        TaskStep.ISSUE: "下达整改",
        TaskStep.REPORT: "报告整改完成",
        TaskStep.CONFIRM: "确认整改完成",
        TaskStep.REJECT: "退回整改",
        TaskStep.ESCALATE: "逾期升级",
    },
)
TASK_TRANSITIONS = TASK_TABLE.transitions


def check_task_step(
    step: TaskStep, current: TaskStatus | None, actor: Actor, *, department: str, subject_uscc: str
) -> TaskStatus | None:
    """The status ``step`` leads to (``None``: unchanged), or 403 (wrong actor) / 409 (wrong status)."""
    return TASK_TABLE.check(step, current, actor, Parties(department, subject_uscc=subject_uscc))


def is_overdue(status: TaskStatus, deadline: dt.date, today: dt.date) -> bool:
    """Still being rectified after the last day of the deadline."""
    return status is TaskStatus.OPEN and today > deadline


@dataclass(frozen=True, slots=True)
class TaskDeadline:
    date: dt.date
    provisional: bool
    rule: str


def task_deadline(issued_on: dt.date, working_days: int, calendar: WorkCalendar) -> TaskDeadline:
    """N working days after the day the task is issued (that day not counted), on the Chinese calendar."""
    if isinstance(working_days, bool) or not 1 <= working_days <= MAX_WORKING_DAYS:
        raise InvalidInput(f"working_days must be 1–{MAX_WORKING_DAYS} (整改期限，工作日)", field="working_days")
    result = calendar.add_working_days(issued_on, working_days)
    rule = f"下达日 {issued_on.isoformat()} 后 {working_days} 个工作日（法定节假日、调休按工作日历）"
    if result.provisional:
        rule += f"；{', '.join(map(str, result.unknown_years))} 年节假日未公布，期限为暂定"
    return TaskDeadline(result.date, result.provisional, rule)


class InterviewKind(StrEnum):
    PROMPT = "提示约谈"
    WARNING = "警示约谈"


MAX_ATTENDEES = 50
