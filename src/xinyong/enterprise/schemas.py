"""Shapes of enterprise accounts: what a registration carries, the contact the office may read, the API answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class Registration:
    uscc: str
    entity_name: str
    contact_name: str
    mobile: str
    password: str


@dataclass(frozen=True)
class Contact:
    name: str
    mobile: str


class ApplicationOut(BaseModel):
    """An application as the credit office sees it in lists (contact masked)."""

    id: int
    number: str
    uscc: str
    entity_name: str
    contact_name: str
    mobile: str
    status: str
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: str | None
    reason: str | None
    code_expires_at: dt.datetime | None


class RejectIn(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="驳回理由，告知申请人")


class ActivationCodeOut(BaseModel):
    """The one-time code, shown once: the platform keeps only its hash."""

    application: ApplicationOut
    code: str
    expires_at: dt.datetime
