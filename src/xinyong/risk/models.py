"""Risk alerts: one row per rule, entity and department while active; the evidence is the records counted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.risk.rules import TABLE


class RiskAlert(Base):
    __tablename__ = "risk_alerts"
    __table_args__ = (
        Index("ix_risk_alerts_department", "department", "status"),
        Index("ix_risk_alerts_key", "rule_code", "uscc", "department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(32))
    rule_label: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18))
    subject_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(16))  # the department in charge (source of the records)
    status: Mapped[str] = mapped_column(String(8))
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[list[int]] = mapped_column(JSONType)  # record ids counted
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(String(2000))


class RiskAlertStep(StepHistory, Base):
    """One step of an alert as it happened: raised, acknowledged, closed."""

    __tablename__ = "risk_alert_steps"
    __table_args__ = (Index("ix_risk_alert_steps_alert", "alert_id", "id"),)
    owner_key = "alert_id"

    alert_id: Mapped[int] = mapped_column(ForeignKey("risk_alerts.id"))


RISK_ALERT = Procedure("风险预警处置", TABLE, RiskAlertStep)
