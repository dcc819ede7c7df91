"""Issued credit reports: number, audience, moment, the content that was signed and the record versions used."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class IssuedReport(Base):
    __tablename__ = "issued_reports"
    __table_args__ = (Index("ix_issued_reports_uscc", "uscc", "issued_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    audience: Mapped[str] = mapped_column(String(8))
    as_of: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))  # SM3 of the canonical content
    code: Mapped[str] = mapped_column(String(32))  # HMAC-SM3 verification code
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  # of the PDF as issued (rendered deterministically)
    record_versions: Mapped[list[list[int]]] = mapped_column(JSONType)  # [[record_id, version], ...]
