"""The objections table: one row per objection, its stage, stored deadline and outcome; its steps in
``objection_steps`` (the workflow mechanism's step history)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.objections.rules import TABLE


class Objection(Base):
    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_record", "record_id"),
        Index("ix_objections_subject", "subject_uscc"),
        Index("ix_objections_open", "status", "deadline"),
        Index("ix_objections_department", "source_department", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    record_version: Mapped[int] = mapped_column(Integer)  # the version objected to
    source_department: Mapped[str] = mapped_column(String(16))
    subject_uscc: Mapped[str | None] = mapped_column(String(18))
    objector_role: Mapped[str] = mapped_column(String(32))
    objector_id: Mapped[str] = mapped_column(String(128))
    objector_name: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))
    stage: Mapped[str] = mapped_column(String(16))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    filed_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date] = mapped_column(Date)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    deadline_rule: Mapped[str] = mapped_column(String(64))  # e.g. "platform:3wd" — the rule that produced it
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # the proposal awaiting a second person (拟办): its outcome, reasons, corrected fields, who made it and when, and
    # the status it was made from (where a return sends the objection back)
    proposed_outcome: Mapped[str | None] = mapped_column(String(8))
    proposed_reason: Mapped[str | None] = mapped_column(Text)
    proposed_correction: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    proposed_by: Mapped[str | None] = mapped_column(String(128))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    proposed_from: Mapped[str | None] = mapped_column(String(8))
    review_opinion: Mapped[str | None] = mapped_column(Text)  # the decider's opinion (approval or return)
    outcome: Mapped[str | None] = mapped_column(String(8))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    result_version: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolver_id: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ObjectionStep(StepHistory, Base):
    """One step of an objection as it happened: filed, forwarded, proposed, decided or returned, escalated."""

    __tablename__ = "objection_steps"
    __table_args__ = (Index("ix_objection_steps_objection", "objection_id", "id"),)
    owner_key = "objection_id"

    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"))


OBJECTION = Procedure("信用信息异议处理", TABLE, ObjectionStep)
