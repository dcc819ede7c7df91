"""Tables of contradiction flags: the rule catalogue (one row per rule code, edited by the credit office), the flags
(both sides, the rule, the responsible department, the deadline) and their step history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.contradictions.rules import TABLE
from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory


class ContradictionRule(Base):
    """A rule of the catalogue: its logic is code keyed by ``code``; the office switches it on or off, sets the
    working days a department has and the rule's parameters."""

    __tablename__ = "contradiction_rules"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean)
    deadline_days: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContradictionFlag(Base):
    """One contradiction between two sides. ``open_key`` (the pair key while the flag is open, else null) is unique,
    so a pair has at most one open flag; ``fingerprint`` is the state of both sides when raised."""

    __tablename__ = "contradiction_flags"
    __table_args__ = (
        Index("ix_contradiction_flags_queue", "department", "status", "deadline"),
        Index("ix_contradiction_flags_pair", "pair_key", "id"),
        Index("ix_contradiction_flags_uscc", "uscc"),
        Index("ux_contradiction_flags_open", "open_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_code: Mapped[str] = mapped_column(ForeignKey("contradiction_rules.code"))
    pair_key: Mapped[str] = mapped_column(String(200))
    open_key: Mapped[str | None] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str] = mapped_column(String(18))
    subject_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    side_a: Mapped[dict[str, Any]] = mapped_column(JSONType)
    side_b: Mapped[dict[str, Any]] = mapped_column(JSONType)
    summary: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)


class ContradictionFlagStep(StepHistory, Base):
    """One step of a flag as it happened: raised, corrected, dismissed, lapsed."""

    __tablename__ = "contradiction_flag_steps"
    __table_args__ = (Index("ix_contradiction_flag_steps_flag", "flag_id", "id"),)
    owner_key = "flag_id"

    flag_id: Mapped[int] = mapped_column(ForeignKey("contradiction_flags.id"))


FLAG = Procedure("矛盾比对核查", TABLE, ContradictionFlagStep)
