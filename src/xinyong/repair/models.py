"""Tables of credit repair: one row per application with its stage, stored deadlines and outcome; its steps as they
happened; and its materials (files stored under the upload directory with platform-chosen names)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.repair.rules import TABLE


class RepairApplication(Base):
    __tablename__ = "repair_applications"
    __table_args__ = (
        Index("ix_repair_applications_department", "department", "status"),
        Index("ix_repair_applications_subject", "subject_uscc"),
        Index("ix_repair_applications_record", "record_id"),
        Index("ix_repair_applications_entry", "list_entry_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # record / list_entry
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    # "record:12" or "list_entry:3" while the application is open, NULL once closed: one open application per target
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))  # 谁认定、谁修复
    subject_uscc: Mapped[str] = mapped_column(String(18))
    subject_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))  # what is repaired, as the applicant saw it
    methods: Mapped[list[str]] = mapped_column(JSONType)
    statement: Mapped[str] = mapped_column(Text)  # 申请说明：纠正失信行为、履行义务的情况
    commitment_number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8))
    applicant_id: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    accept_deadline: Mapped[dt.date] = mapped_column(Date)
    accept_deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    handled_by: Mapped[str | None] = mapped_column(String(128))  # who accepted or refused
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    decide_deadline: Mapped[dt.date | None] = mapped_column(Date)
    decide_deadline_provisional: Mapped[bool | None] = mapped_column(Boolean)
    proposal: Mapped[str | None] = mapped_column(String(8))
    proposal_opinion: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str | None] = mapped_column(String(128))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_opinion: Mapped[str | None] = mapped_column(Text)
    result_version: Mapped[int | None] = mapped_column(Integer)  # the record version 已修复
    escalated_stage: Mapped[str | None] = mapped_column(String(8))  # accept / decide: escalated once per stage
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RepairStep(StepHistory, Base):
    __tablename__ = "repair_steps"
    __table_args__ = (Index("ix_repair_steps_application", "application_id", "id"),)
    owner_key = "application_id"

    application_id: Mapped[int] = mapped_column(ForeignKey("repair_applications.id"))


REPAIR = Procedure("信用修复", TABLE, RepairStep)


class RepairMaterial(Base):
    __tablename__ = "repair_materials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("repair_applications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))  # display name only, never a path
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sm3: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
