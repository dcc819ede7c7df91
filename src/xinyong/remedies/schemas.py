"""Shapes of rectification tasks and interviews at the edges."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core.workflow import StepOut
from xinyong.remedies.rules import MAX_ATTENDEES, MAX_WORKING_DAYS, InterviewKind


class TaskIn(BaseModel):
    """A rectification task for a list entry or a dishonest credit record of the issuing department (one of them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    list_entry_id: int | None = Field(default=None, ge=1)
    record_id: int | None = Field(default=None, ge=1)
    requirement: str = Field(min_length=1, max_length=10_000, description="what must be rectified (整改要求)")
    working_days: int = Field(ge=1, le=MAX_WORKING_DAYS, description="deadline in working days after today")


class TaskReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    report: str = Field(min_length=1, max_length=20_000, description="how the entity rectified (整改情况)")


class TaskReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str | None = Field(default=None, max_length=5000)


class TaskStepOut(StepOut):
    actor_department: str | None
    details: dict[str, object]


class TaskOut(BaseModel):
    id: int
    department: str
    status: str
    subject_uscc: str
    subject_name: str
    list_entry_id: int | None
    record_id: int | None
    requirement: str
    issued_on: dt.date
    working_days: int
    deadline: dt.date
    deadline_provisional: bool
    deadline_rule: str
    overdue: bool
    escalated: bool
    escalated_on: dt.date | None
    done_on: dt.date | None
    steps: list[TaskStepOut] | None = None


class InterviewIn(BaseModel):
    """An interview held by the department that made the finding, on the basis of one of its list entries, credit
    records or rectification tasks."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: InterviewKind
    list_entry_id: int | None = Field(default=None, ge=1)
    record_id: int | None = Field(default=None, ge=1)
    task_id: int | None = Field(default=None, ge=1)
    held_on: dt.date
    place: str = Field(min_length=1, max_length=200)
    attendees: list[str] = Field(min_length=1, max_length=MAX_ATTENDEES)
    content: str = Field(min_length=1, max_length=20_000)


class InterviewOut(BaseModel):
    id: int
    department: str
    kind: InterviewKind
    subject_uscc: str
    subject_name: str
    list_entry_id: int | None
    record_id: int | None
    task_id: int | None
    held_on: dt.date
    place: str
    attendees: list[str]
    content: str
    credit_record_id: int | None
    recorded_by: str
    recorded_at: dt.datetime
