"""Tables of desensitisation: the office's rule rows (versioned: insert-only, retired rows stay), reviewers'
confirmations of held records, and the progress of a re-desensitisation run (resumable)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class PrivacyRule(Base):
    """One rule the credit office added to the built-in set (a word or a pattern). Rows are never edited: retiring
    one stamps it, so the rule set in force at any moment can be rebuilt; the set's version is the largest id."""

    __tablename__ = "privacy_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    retired_by: Mapped[str | None] = mapped_column(String(128))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PrivacyReview(Base):
    """A reviewer's decision on a record version the desensitiser held: the public texts confirmed (or edited)."""

    __tablename__ = "privacy_reviews"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(16))
    edited: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSONType)
    reviewer: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PrivacyRescan(Base):
    """One run of ``xinyong privacy rescan``: versions are visited in id order and the run's mark is committed with
    each chunk, so a killed run goes on from there."""

    __tablename__ = "privacy_rescans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_version_id: Mapped[int] = mapped_column(Integer)
    scanned: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    rules_version: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[str] = mapped_column(String(128))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType)
