"""Table of enterprise account applications (企业账号申请)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class EnterpriseApplication(Base):
    """One registration: who applied for which enterprise, how it was decided, and the one-time code if one was
    issued (only its SM3 hash). The contact person's name and mobile are personal data: SM4-encrypted, with the
    masked forms kept for lists."""

    __tablename__ = "enterprise_applications"
    __table_args__ = (Index("ix_enterprise_applications_uscc", "uscc", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    entity_name: Mapped[str] = mapped_column(String(200))  # as registered when applying
    contact_name_enc: Mapped[str] = mapped_column(String(300))
    contact_name_masked: Mapped[str] = mapped_column(String(100))
    mobile_enc: Mapped[str] = mapped_column(String(300))
    mobile_masked: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2; becomes the account's on activation
    status: Mapped[str] = mapped_column(String(8))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)  # why rejected or closed
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    code_issued_by: Mapped[str | None] = mapped_column(String(128))
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
