"""Request and response bodies of insider-misuse alerts (API keeps English codes; Chinese beside them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.misuse.rules import AlertStatus


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2000, description="核查结论（必填）")


class RuleChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    enabled: bool
    params: dict[str, Any] = Field(max_length=10)
    reason: str = Field(min_length=1, max_length=500, description="修改理由")


class AlertOut(BaseModel):
    id: int
    rule_code: str
    rule_label: str
    rule_version: int
    actor_id: str
    actor_role: str
    actor_department: str | None
    window_start: dt.datetime
    window_end: dt.datetime
    count: int
    summary: str
    status: AlertStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_by: str | None
    close_reason: str | None


class EventOut(BaseModel):
    seq: int
    at: dt.datetime
    actor_id: str
    actor_role: str
    actor_department: str | None
    action: str
    subject_type: str
    subject_id: str
    payload: dict[str, Any]


class CheckOut(BaseModel):
    id: int
    at: dt.datetime
    requester_id: str
    purpose: str
    scenario: str
    subject_display: str
    outcome: str


class StepOut(BaseModel):
    step: str
    label: str
    actor: str
    at: dt.datetime
    from_status: str
    to_status: str
    reason: str | None


class AlertDetailOut(AlertOut):
    events: list[EventOut]
    checks: list[CheckOut]
    steps: list[StepOut]


class RuleOut(BaseModel):
    code: str
    label: str
    explains: str
    version: int
    enabled: bool
    params: dict[str, Any]
    changed_at: dt.datetime | None
    changed_by: str | None
    reason: str | None
