"""API shapes of self-reported information."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.selfreport.rules import Category


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str | None = Field(default=None, max_length=18, description="the reporting entity: only itself")
    category: Category
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=4000)
    issued_by: str | None = Field(default=None, max_length=200)
    occurred_on: dt.date | None = None
    valid_until: dt.date | None = None
    department: str = Field(min_length=1, max_length=16, description="the competent department that verifies it")
    truthfulness: bool = Field(description="the truthfulness commitment is accepted (must be true)")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    verified: bool
    reason: str | None = Field(default=None, max_length=500, description="required when rejecting")


class AttachmentOut(BaseModel):
    id: int
    filename: str
    media_type: str
    size: int
    sm3: str


class ReportOut(BaseModel):
    id: int
    uscc: str
    entity_name: str
    category: str
    title: str
    content: str
    issued_by: str | None
    occurred_on: dt.date | None
    valid_until: dt.date | None
    department: str
    status: str
    label: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str | None
    record_id: int | None
    attachments: list[AttachmentOut]


class VerifiedItem(BaseModel):
    """A verified self-reported item, as evaluation and credit reports use it."""

    id: int
    uscc: str
    category: str
    title: str
    content: str
    issued_by: str | None
    occurred_on: dt.date | None
    valid_until: dt.date | None
    verified_by: str
    verified_at: dt.datetime
    record_id: int | None
    label: str
