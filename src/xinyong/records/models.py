"""Tables of credit records. ``credit_records`` holds a record's identity (its natural key); every fact about it
lives in ``credit_record_versions``, one row per version, each valid in system time [valid_from, valid_to).
Nothing is updated in place except closing a version's ``valid_to`` when the next one starts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class CreditRecord(Base):
    __tablename__ = "credit_records"
    __table_args__ = (UniqueConstraint("source_department", "kind", "doc_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    kind: Mapped[str] = mapped_column(String(32))
    doc_no: Mapped[str] = mapped_column(String(128))  # 文书号 / 决定书文号 / the source's own key
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CreditRecordVersion(Base):
    __tablename__ = "credit_record_versions"
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_crv_subject_uscc", "subject_uscc", "valid_to"),
        Index("ix_crv_subject_person", "subject_person_id", "valid_to"),
        Index("ix_crv_record_valid", "record_id", "valid_from"),
        Index("ix_crv_department", "source_department", "kind", "decision_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # denormalised from the record so every query over versions needs no join
    source_department: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(8))
    subject_uscc: Mapped[str | None] = mapped_column(String(18))
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))  # 决定文书名称 / 处罚名称: what a reader sees first
    decision_date: Mapped[dt.date] = mapped_column(Date)
    received_date: Mapped[dt.date] = mapped_column(Date)
    published_date: Mapped[dt.date | None] = mapped_column(Date)
    disclosure: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(8))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)
    change_kind: Mapped[str] = mapped_column(String(16))
    change_reason: Mapped[str | None] = mapped_column(String(500))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
