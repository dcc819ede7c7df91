"""Request and response bodies of risk alerts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.risk.rules import AlertStatus


class AlertStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=2000)


class AlertOut(BaseModel):
    id: int
    rule_code: str
    rule_label: str
    uscc: str
    subject_name: str
    department: str
    status: AlertStatus
    window_start: dt.date
    window_end: dt.date
    count: int
    evidence: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime
    handled_by: str | None
    note: str | None
