"""Complaints and reports (投诉举报): one row per work order (channel + 工单号), with its step history.

The complainant's personal data is never stored (see :mod:`xinyong.complaints.rules`). A complaint found true and
matched to its subject points at the credit record it became (``record_id``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.complaints.rules import TABLE
from xinyong.core.db import Base, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("channel", "ticket_no", name="uq_complaints_ticket"),
        Index("ix_complaints_department", "department", "status", "id"),
        Index("ix_complaints_uscc", "subject_uscc", "received_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # 12345 / 12315 / manual / api
    ticket_no: Mapped[str] = mapped_column(String(64))  # 工单号, unique per channel
    received_on: Mapped[dt.date] = mapped_column(Date)
    subject_name: Mapped[str] = mapped_column(String(200))  # as the work order names it
    given_uscc: Mapped[str | None] = mapped_column(String(18))  # as the work order gave it (checked)
    subject_uscc: Mapped[str | None] = mapped_column(ForeignKey("entities.uscc"))  # the matched subject
    content: Mapped[str] = mapped_column(Text)  # 诉求内容, complainants' identifiers removed
    result: Mapped[str | None] = mapped_column(Text)  # 办理结果
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    finding: Mapped[str] = mapped_column(String(8))  # 属实 / 部分属实 / 不属实 / 未核实
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))  # the department in charge
    status: Mapped[str] = mapped_column(String(8))  # 待匹配 / 已匹配
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))  # when true and matched
    source: Mapped[str | None] = mapped_column(String(300))  # file name and row, or the API client
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ComplaintStep(StepHistory, Base):
    """One step of a complaint as it happened: received, matched."""

    __tablename__ = "complaint_steps"
    __table_args__ = (Index("ix_complaint_steps_complaint", "complaint_id", "id"),)
    owner_key = "complaint_id"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))


COMPLAINT = Procedure("投诉举报处置", TABLE, ComplaintStep)
