"""Tables of self-reported information: the items an entity reports and their attachments (stored as files
outside the web root, named by the platform; the table keeps the display name, type, size and SM3 digest)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.selfreport.rules import TABLE


class SelfReport(Base):
    __tablename__ = "self_reports"
    __table_args__ = (
        Index("ix_self_reports_uscc", "uscc", "status"),
        Index("ix_self_reports_department", "department", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    category: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str | None] = mapped_column(String(200))  # 发证/表彰/受赠单位 as the entity states it
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))  # the competent department
    truthfulness: Mapped[str] = mapped_column(Text)  # the commitment text the entity accepted
    truthfulness_accepted: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was rejected (or a note on verification)
    record_id: Mapped[int | None] = mapped_column(Integer)  # the credit record (自愿提供的信息) once verified


class SelfReportAttachment(Base):
    __tablename__ = "self_report_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("self_reports.id"), index=True)
    filename: Mapped[str] = mapped_column(String(120))  # display name only, never a path
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sm3: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(80))  # platform-chosen name under the upload directory
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SelfReportStep(StepHistory, Base):
    """One step of a self-reported item as it happened: submitted, attachments added, verified or not, withdrawn."""

    __tablename__ = "self_report_steps"
    __table_args__ = (Index("ix_self_report_steps_report", "report_id", "id"),)
    owner_key = "report_id"

    report_id: Mapped[int] = mapped_column(ForeignKey("self_reports.id"))


SELF_REPORT = Procedure("自主填报信息核验", TABLE, SelfReportStep, stamp=None)
