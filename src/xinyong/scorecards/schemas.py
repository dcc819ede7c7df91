"""What the scorecard API takes and answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ModelIn(BaseModel):
    """A new version of the weights and parameters (the office)."""

    model_config = ConfigDict(extra="forbid")

    effective_month: str = Field(max_length=7, description="YYYY-MM, the current month or later")
    weights: dict[str, int] = Field(description="indicator → weight 0–100, adding up to 100", max_length=20)
    params: dict[str, int] = Field(default_factory=dict, max_length=10)
    note: str = Field(default="", max_length=500)


class ModelOut(BaseModel):
    version: int
    effective_month: str
    weights: dict[str, int]
    params: dict[str, int]
    note: str
    created_by: str | None
    created_at: dt.datetime | None


class FigureOut(BaseModel):
    indicator: str
    label: str
    good: int
    due: int
    value: float | None
    score: float | None
    points: float | None
    weight: int
    detail: str


class CardOut(BaseModel):
    department: str
    name: str
    month: str
    model_version: int
    score: float | None
    rank: int | None
    ranked: int
    figures: list[FigureOut]


class MonthOut(BaseModel):
    month: str
    today: dt.date
    reference: dt.date
    model_version: int
    ranked: int
    cards: list[CardOut]


class TrendOut(BaseModel):
    months: list[str]
    departments: list[dict[str, object]]
