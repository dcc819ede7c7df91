"""Insider-misuse alerts: the rule settings (versioned), the alerts with their evidence and steps, and the sweep's
watermark on the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.misuse.rules import TABLE


class MisuseRuleVersion(Base):
    """Every setting a rule ever had (version 1 is the first change from the built-in defaults, version 0)."""

    __tablename__ = "misuse_rule_versions"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_misuse_rule_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(500))


class MisuseAlert(Base):
    __tablename__ = "misuse_alerts"
    __table_args__ = (
        Index("ix_misuse_alerts_status", "status", "id"),
        Index("ix_misuse_alerts_episode", "rule_code", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(32))
    rule_version: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[str] = mapped_column(String(128))  # whom the alert is about: never shown to them
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_department: Mapped[str | None] = mapped_column(String(64))
    bucket: Mapped[str | None] = mapped_column(String(64))  # the episode (a day, an application)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[list[int]] = mapped_column(JSONType)  # audit event seqs (at most MAX_EVIDENCE)
    checks: Mapped[list[int]] = mapped_column(JSONType)  # punishment check ids (the API rule)
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    close_reason: Mapped[str | None] = mapped_column(Text)


class MisuseAlertStep(StepHistory, Base):
    """One step of an alert: raised by the sweep, closed by an auditor."""

    __tablename__ = "misuse_alert_steps"
    __table_args__ = (Index("ix_misuse_alert_steps_alert", "alert_id", "id"),)
    owner_key = "alert_id"

    alert_id: Mapped[int] = mapped_column(ForeignKey("misuse_alerts.id"))


class MisuseWatermark(Base):
    """How far the sweep has read (one row, id = 1): the audit chain's last examined event, the last check day."""

    __tablename__ = "misuse_watermark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    api_day: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


MISUSE_ALERT = Procedure("谋私预警核查", TABLE, MisuseAlertStep)
