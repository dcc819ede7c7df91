"""Shapes of cross-level exchange at the edges: source configuration, delivery results, conflicts, pushes and the
reconciliation report."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xinyong.exchange.rules import SourceLevel, Transport

_URL = r"^https?://[^\s]{1,480}$"


class SourceIn(BaseModel):
    """An upstream source as the credit office configures it. Credentials are never stored: ``credentials_ref``
    names the environment variable holding the feed's bearer token."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_-]{1,31}$")
    name: str = Field(min_length=1, max_length=200)
    level: SourceLevel
    issuing_body: str = Field(min_length=1, max_length=128)
    list_types: list[str] = Field(default_factory=list, max_length=50)
    record_kinds: list[str] = Field(default_factory=list, max_length=30)
    transport: Transport
    drop_dir: str | None = Field(default=None, max_length=500)
    feed_url: str | None = Field(default=None, max_length=500, pattern=_URL)
    credentials_ref: str | None = Field(default=None, max_length=100, pattern=r"^[A-Z][A-Z0-9_]{1,99}$")
    schedule_minutes: int | None = Field(default=None, ge=5, le=7 * 24 * 60)
    department: str = Field(min_length=1, max_length=16)
    push_url: str | None = Field(default=None, max_length=500, pattern=_URL)
    active: bool = True

    @field_validator("list_types", "record_kinds")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value]
        if any(not v or len(v) > 32 for v in cleaned) or len(set(cleaned)) != len(cleaned):
            raise ValueError("distinct codes of 1–32 characters")
        return cleaned


class SourceOut(BaseModel):
    id: int
    code: str
    name: str
    level: SourceLevel
    level_label: str
    issuing_body: str
    list_types: list[str]
    record_kinds: list[str]
    transport: Transport
    drop_dir: str | None
    feed_url: str | None
    credentials_ref: str | None
    schedule_minutes: int | None
    department: str
    push_url: str | None
    active: bool
    cursor: str | None
    cursor_at: dt.datetime | None
    last_pull_at: dt.datetime | None
    last_pull_error: str | None


class RejectionOut(BaseModel):
    row: int
    upstream_id: str | None
    field: str
    reason: str


class BatchOut(BaseModel):
    id: int
    source: str
    channel: Literal["page", "file"]
    ref: str
    sha256: str
    cursor_after: str | None
    received: int
    applied: int
    unchanged: int
    rejected: int
    conflicts: int
    at: dt.datetime
    rejections: list[RejectionOut] = Field(default_factory=list)


class PullOut(BaseModel):
    source: str
    pages: int
    received: int
    applied: int
    unchanged: int
    rejected: int
    conflicts: int
    cursor: str | None
    complete: bool  # the feed said it had nothing more
    error: str | None = None


class ItemVersionOut(BaseModel):
    version: int
    status: str
    valid_from: dt.date
    valid_to: dt.date | None
    state: str
    batch_id: int
    received_at: dt.datetime
    content: dict[str, object]


class ItemOut(BaseModel):
    id: int
    source: str
    upstream_id: str
    list_code: str
    subject_uscc: str | None
    subject_name: str
    status: str
    version: int
    applied_version: int | None
    entry_id: int | None
    versions: list[ItemVersionOut] = Field(default_factory=list)


class ConflictOut(BaseModel):
    id: int
    source: str
    item_id: int
    upstream_id: str
    version: int
    kind: str
    kind_label: str
    subject: str
    local_value: str
    upstream_value: str
    detail: str
    resolution: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    note: str | None
    created_at: dt.datetime


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    resolution: Literal["accepted", "dismissed"]
    note: str = Field(min_length=1, max_length=2000)


class PushOut(BaseModel):
    """One item version queued for the provincial platform (a ``core.outbox`` message of topic exchange.push)."""

    id: int
    idempotency_key: str
    kind: str
    local_id: int
    version: int
    target_url: str
    status: str  # pending / retrying / delivered / dead
    attempts: int  # failed attempts since it was (re)queued
    next_attempt_at: dt.datetime
    last_error: str | None
    delivered_at: dt.datetime | None  # when the province answered 2xx (its acknowledgement)
    created_at: dt.datetime


class ScanOut(BaseModel):
    queued: int
    records: int
    list_decisions: int


class SourceReport(BaseModel):
    source: str
    name: str
    level: str
    batches: int
    received: int
    applied: int
    unchanged: int
    rejected: int
    conflicts_open: int
    conflicts_resolved: int
    entries_in_force: int
    rejection_reasons: dict[str, int]  # "field: reason" -> count
    cursor: str | None
    last_pull_at: dt.datetime | None
    last_pull_error: str | None


class PushReport(BaseModel):
    target_url: str
    pending: int
    retrying: int
    delivered: int  # acknowledged by the province (a 2xx answer)
    dead: int  # stopped after the last attempt; the office may retry
    failed_attempts: int


class ReconciliationOut(BaseModel):
    generated_at: dt.datetime
    sources: list[SourceReport]
    pushes: list[PushReport]
