"""Scorecard model versions (考核权重版本): insert-only rows, each with the month it takes effect from."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class ScorecardModel(Base):
    __tablename__ = "scorecard_models"
    __table_args__ = (Index("ix_scorecard_models_effective", "effective_month", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the version number
    effective_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM, never earlier than the month it was made
    weights: Mapped[dict[str, Any]] = mapped_column(JSONType)  # indicator → weight (0–100, adding up to 100)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)  # rules.PARAM_RANGES
    note: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
