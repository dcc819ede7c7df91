"""Tables of special campaigns (专项治理): the campaign, its target entities, department tasks and results.

Nothing is deleted: a target taken out of a campaign keeps its row with ``removed_at``; a result is a new row (the
latest per target counts), so the history of a campaign can always be read back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class Campaign(Base):
    """A special campaign against dishonesty in a field (专项治理)."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_start", "start_date", "id"),)  # the public list's page order

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    legal_basis: Mapped[str] = mapped_column(Text)
    lead_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))  # 筹备/进行中/已结束 as of the last change; readers compute it
    results_published: Mapped[bool] = mapped_column(Boolean)  # results shown on the portal
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CampaignTarget(Base):
    """An entity the campaign targets, added by USCC or by a filter over the entity register."""

    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("campaign_id", "uscc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the entity's name when added
    added_via: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {"by": "uscc"} or {"by": "filter", ...}
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(128))


class CampaignTask(Base):
    """A task of the campaign for one department, due a number of working days after it is assigned."""

    __tablename__ = "campaign_tasks"
    __table_args__ = (Index("ix_campaign_tasks_department", "department", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.date] = mapped_column(Date)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    deadline_rule: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8))  # 办理中 / 已完成
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    completed_by: Mapped[str | None] = mapped_column(String(128))
    completion_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CampaignResult(Base):
    """What the campaign found or did about one target (the newest row per target is its current result)."""

    __tablename__ = "campaign_results"
    __table_args__ = (Index("ix_campaign_results_target", "target_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("campaign_targets.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text)
    on: Mapped[dt.date] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
