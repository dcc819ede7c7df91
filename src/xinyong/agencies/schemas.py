"""What the agencies area takes in and gives out (API bodies)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    uscc: str = Field(max_length=40)
    filing_body: str = Field(max_length=8)
    filing_no: str = Field(max_length=80)
    contact_name: str = Field(max_length=100)
    contact_phone: str = Field(max_length=60)
    purposes: list[str] = Field(max_length=10)
    ip_allow: list[str] = Field(default_factory=list, max_length=50)


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: str | None = Field(default=None, max_length=40, description="a subject the agency has read; or all=true")
    all: bool = Field(default=False, description="every change of public data, not only the subjects read")


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500, description="what was done with the copy (已删除…)")


class AgencyOut(BaseModel):
    id: int
    name: str
    uscc: str
    filing_body: str
    filing_no: str
    status: str
    purposes: list[str]
    subscribe_all: bool


class GrantOut(BaseModel):
    id: int
    agency_id: int
    subject_uscc: str
    purpose: str
    granted_on: dt.date
    valid_until: dt.date
    status: str
    in_force: bool


class QueryOut(BaseModel):
    id: int
    agency_id: int
    grant_id: int | None
    subject_uscc: str
    purpose: str
    scope: str
    report_number: str | None
    at: dt.datetime


class SubjectOut(BaseModel):
    """What an agency reads of a subject: public data always; ``full`` only under a grant in force."""

    uscc: str
    name: str
    scope: str  # public / full
    grant_id: int | None
    purpose: str
    query_id: int
    identity: dict[str, Any]
    records: list[dict[str, Any]]
    evaluation: dict[str, Any] | None


class ReportOut(BaseModel):
    number: str
    code: str
    pdf_url: str
    verify_url: str
    grant_id: int
    content: dict[str, Any] = Field(description="the JSON twin: verify it with the code like the platform's reports")


class NoticeOut(BaseModel):
    id: int
    event: str
    subject_uscc: str
    source: str
    source_id: int
    on: dt.date
    due_on: dt.date
    state: str
    acknowledged_at: dt.datetime | None
    payload: dict[str, Any]


class SubscriptionOut(BaseModel):
    id: int
    subject_uscc: str
    since: dt.datetime
