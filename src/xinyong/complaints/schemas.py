"""Shapes of complaints at the edges: a work order sent by a hotline system or typed in, what intake answers, and
what staff and the subject read."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ComplaintIn(BaseModel):
    """One work order. Complainants' names, phones and addresses have no field: they are never taken."""

    model_config = _STRICT

    ticket_no: str = Field(min_length=1, max_length=64, description="工单号")
    received_on: dt.date = Field(description="受理时间（日期）")
    subject_name: str = Field(min_length=1, max_length=200, description="被投诉对象")
    uscc: str | None = Field(default=None, max_length=40, description="统一社会信用代码")
    content: str = Field(min_length=1, max_length=4000, description="诉求内容")
    result: str | None = Field(default=None, max_length=4000, description="办理结果")
    closed_on: dt.date | None = Field(default=None, description="办结时间（日期）")
    satisfaction: str | None = Field(default=None, max_length=16, description="满意度")
    finding: str = Field(default="", max_length=20, description="核实结果：属实、部分属实、不属实或未核实（空）")


class ComplaintBatchIn(BaseModel):
    model_config = _STRICT

    channel: Literal["12345", "12315", "api"] = "api"
    rows: list[ComplaintIn] = Field(min_length=1, max_length=1000)


class RowResultOut(BaseModel):
    row: int
    ticket_no: str | None
    outcome: Literal["created", "duplicate", "unmatched", "rejected"]
    outcome_label: str
    complaint_id: int | None = None
    errors: dict[str, str] = Field(default_factory=dict)  # Chinese header → reason


class IntakeOut(BaseModel):
    channel: str
    rows: int
    created: int  # matched and stored (true ones also as credit records)
    unmatched: int  # stored, held for a person to match the subject
    duplicates: int  # the same 工单号 was received before: ignored
    rejected: int
    dropped_columns: list[str]  # complainants' personal data, not read
    unknown_columns: list[str]
    results: list[RowResultOut]


class StepOut(BaseModel):
    step: str
    step_label: str
    from_status: str | None
    to_status: str
    at: dt.datetime
    actor_id: str
    actor_department: str | None
    reason: str | None


class ComplaintOut(BaseModel):
    id: int
    channel: str
    channel_label: str
    ticket_no: str
    received_on: dt.date
    subject_name: str
    given_uscc: str | None
    subject_uscc: str | None
    content: str
    result: str | None
    closed_on: dt.date | None
    satisfaction: str | None
    finding: str
    substantiated: bool
    department: str
    department_name: str
    status: str
    record_id: int | None
    created_at: dt.datetime


class MatchIn(BaseModel):
    model_config = _STRICT

    uscc: str = Field(min_length=18, max_length=40, description="被投诉对象的统一社会信用代码")
    reason: str = Field(min_length=1, max_length=500, description="匹配依据")
