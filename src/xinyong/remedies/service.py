"""The remedies' service API (req §3.9): rectification tasks and interviews. The work is in
:mod:`~xinyong.remedies.rectification` and :mod:`~xinyong.remedies.interviews`; this module is the stable surface
(``xinyong tick`` calls :func:`sweep_rectifications`). Services flush, never commit.

"谁认定、谁约谈": only the department that listed the entity (a list entry) or recorded its dishonesty (a credit
record) issues a rectification task about it and records the interview.
"""

from __future__ import annotations

from xinyong.remedies.findings import DISHONEST_KINDS, Basis
from xinyong.remedies.interviews import interview_out, list_interviews, record_interview
from xinyong.remedies.rectification import (
    EscalationResult,
    confirm_task,
    deadline_items,
    get_task,
    issue_task,
    list_tasks,
    reject_task,
    report_completion,
    sweep_rectifications,
    task_out,
    tasks_about,
)

__all__ = [
    "DISHONEST_KINDS",
    "Basis",
    "EscalationResult",
    "confirm_task",
    "deadline_items",
    "get_task",
    "interview_out",
    "issue_task",
    "list_interviews",
    "list_tasks",
    "record_interview",
    "reject_task",
    "report_completion",
    "sweep_rectifications",
    "task_out",
    "tasks_about",
]
