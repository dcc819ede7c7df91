"""Request and response bodies of contradiction flags and their rule catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.contradictions.rules import FlagStatus


class SideOut(BaseModel):
    kind: str  # record / list_entry / grade / entity
    ref: str
    department: str | None = None
    day: str | None = None
    label: str


class FlagOut(BaseModel):
    id: int
    rule_code: str
    uscc: str
    subject_name: str
    department: str
    side_a: SideOut
    side_b: SideOut
    summary: str
    status: FlagStatus
    deadline: dt.date | None
    raised_on: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    decided_by: str | None
    reason: str | None


class ResolveIn(BaseModel):
    """确认有误已更正 (``corrected``) or 不构成矛盾 (``not_contradiction``), always with the reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=2000)


class RuleOut(BaseModel):
    code: str
    name: str
    description: str
    enabled: bool
    deadline_days: int
    params: dict[str, Any]
    updated_by: str
    updated_at: dt.datetime


class RuleIn(BaseModel):
    """What the office sets on a rule: on or off, the working days a department has, the rule's parameters."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    deadline_days: int = Field(ge=1, le=60)
    params: dict[str, int] = Field(default_factory=dict, max_length=10)


class QueueCount(BaseModel):
    department: str
    department_name: str
    open: int
    overdue: int
    resolved: int
