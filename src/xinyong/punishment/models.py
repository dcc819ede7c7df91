"""Tables of joint punishment: the measures catalogue, memoranda and their links, checks and the measures each check
returned (with the business system's feedback on the same row, one per measure).

A check never stores an ID number in clear: a person is kept by the blind index of the ID (``subject_key``) and the
masked form (``subject_display``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class Measure(Base):
    """One catalogued punishment measure (惩戒措施); only these can be returned by a check."""

    __tablename__ = "punishment_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(Text)
    list_types: Mapped[list[str]] = mapped_column(JSONType)
    department: Mapped[str] = mapped_column(String(100))  # 实施部门
    scenarios: Mapped[list[str]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Memorandum(Base):
    """A joint punishment cooperation memorandum (联合惩戒合作备忘录)."""

    __tablename__ = "punishment_memoranda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)  # 文号
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(16))
    signing_bodies: Mapped[list[str]] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MemorandumMeasure(Base):
    """A memorandum's link of a list type to a measure."""

    __tablename__ = "punishment_memorandum_measures"
    __table_args__ = (UniqueConstraint("memorandum_id", "list_code", "measure_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    memorandum_id: Mapped[int] = mapped_column(ForeignKey("punishment_memoranda.id"), index=True)
    list_code: Mapped[str] = mapped_column(String(32), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("punishment_measures.id"))


class Check(Base):
    """One embedded check (嵌入式核查) by a business system: who asked, why, about whom, and what it was told."""

    __tablename__ = "punishment_checks"
    __table_args__ = (
        Index("ix_punishment_checks_at", "at"),
        Index("ix_punishment_checks_subject", "subject_kind", "subject_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    requester_id: Mapped[str] = mapped_column(String(128))
    requester_role: Mapped[str] = mapped_column(String(32))
    requester_department: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(500))
    scenario: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(8))  # entity / person
    subject_key: Mapped[str] = mapped_column(String(128))  # USCC, or id type + blind index of the ID number
    subject_display: Mapped[str] = mapped_column(String(200))  # USCC, or the masked ID number
    subject_known: Mapped[bool] = mapped_column(Boolean)
    person_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    entry_ids: Mapped[list[int]] = mapped_column(JSONType)
    answer: Mapped[dict[str, Any]] = mapped_column(JSONType)  # entries and measures as returned (no ID numbers)


class CheckMeasure(Base):
    """A measure a check returned, and the business system's feedback on it (反馈: applied or not, with reason)."""

    __tablename__ = "punishment_check_measures"
    __table_args__ = (UniqueConstraint("check_id", "measure_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("punishment_checks.id"), index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("punishment_measures.id"), index=True)
    measure_code: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(100))
    applied: Mapped[bool | None] = mapped_column(Boolean)  # None until feedback
    reason: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    feedback_by: Mapped[str | None] = mapped_column(String(128))


class NoticeSource(Base):
    """A list step (列入公示/移出/撤销) the change-notice sweep has handled, with how many notices it produced.

    The sweep reads ``list_entry_steps`` that have no row here (an anti-join, not a cursor: a step committed late
    with a smaller id is still found), so no change is ever skipped."""

    __tablename__ = "punishment_notice_sources"

    step_id: Mapped[int] = mapped_column(ForeignKey("list_entry_steps.id"), primary_key=True)
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    notices: Mapped[int] = mapped_column(Integer)


class ChangeNotice(Base):
    """A change notice (名单变动通知) to one business system that checked the subject before the change: what
    changed, which check it answers, and the outbox message that carries it (None: the system has no webhook and
    reads ``GET /api/v1/checks/changes`` instead)."""

    __tablename__ = "punishment_change_notices"
    __table_args__ = (
        UniqueConstraint("client_id", "notice_key"),
        Index("ix_punishment_change_notices_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_key: Mapped[str] = mapped_column(String(128))  # e.g. entry-12:exited; one notice per system and key
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # listed / exited / revoked / repaired / …
    on: Mapped[dt.date] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(8))
    subject_display: Mapped[str] = mapped_column(String(200))  # USCC or masked ID number; never an ID in clear
    check_id: Mapped[int] = mapped_column(ForeignKey("punishment_checks.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
