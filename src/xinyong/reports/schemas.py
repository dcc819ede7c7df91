"""Request and response bodies of credit reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.reports.rules import Audience, Verdict


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str = Field(min_length=1, max_length=40)
    full: bool = Field(default=False, description="the entity's own full version (the entity itself, or staff)")
    as_of: str | None = Field(default=None, max_length=40, description="staff only: ISO date or datetime")


class ReportOut(BaseModel):
    number: str
    code: str
    uscc: str
    audience: Audience
    as_of: dt.datetime
    issued_at: dt.datetime
    verify_url: str
    content: dict[str, Any]


class VerifyOut(BaseModel):
    verdict: Verdict
    number: str | None = None
    uscc: str | None = None
    name: str | None = None
    issued_at: dt.datetime | None = None
    reasons: list[str] = Field(default_factory=list)
