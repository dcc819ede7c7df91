"""Shapes of the 公共信用综合评价 at the edges: model versions, an entity's result with its breakdown, what would
raise it, the grade history, industry evaluations and the grade distribution."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ModelIn(BaseModel):
    """A new model version: the model as JSON (see :mod:`xinyong.evaluation.rules`) and why it changed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    model: dict[str, Any]
    note: str = Field(min_length=1, max_length=2000)


class ModelOut(BaseModel):
    version: int
    name: str
    digest: str
    note: str | None
    published_by: str
    published_at: dt.datetime
    current: bool
    definition: dict[str, Any]


class BreakdownItem(BaseModel):
    code: str
    name: str
    source: str
    points: int  # after the cap; the items add up to score - base
    count: int
    points_each: int
    cap: int
    capped: bool
    record_ids: list[int]  # the credit records that produced the points (those the reader may see)
    entry_ids: list[int]  # the list entries that produced them
    hidden: int = 0  # items the reader may not see (not public); their points still count


class IndustryEvaluationOut(BaseModel):
    record_id: int
    department: str
    name: str  # 评价类型, e.g. 纳税信用等级评价
    year: str | None
    result: str  # e.g. A / M / 低风险
    decision_date: dt.date
    title: str


class EvaluationOut(BaseModel):
    uscc: str
    name: str
    graded: bool
    score: int | None = None
    grade: str | None = None
    grade_label: str | None = None
    base: int | None = None
    model_version: int | None = None
    model_name: str | None = None
    forced_by: str | None = None
    computed_at: dt.datetime | None = None
    cause: str | None = None
    breakdown: list[BreakdownItem] = []
    industry: list[IndustryEvaluationOut] = []


class ItemEnd(BaseModel):
    """One item costing points and when it stops counting."""

    source: str  # record / list
    id: int
    title: str
    counts_until: dt.date | None  # last day it counts (None: no fixed end, e.g. a permanent ban)
    how: str  # what ends it
    repair_from: dt.date | None = None  # earliest day a credit repair / early exit may be applied for


class Improvement(BaseModel):
    code: str
    name: str
    points: int  # what the indicator costs now
    gain: int  # points regained when all of its items end
    ends_with: str
    items: list[ItemEnd]
    hidden: int = 0


class ImprovementsOut(BaseModel):
    uscc: str
    score: int | None
    grade: str | None
    next_grade: str | None  # the next better grade
    points_to_next: int | None  # how many points it needs (None when A, or when the grade is forced)
    forced_by: str | None
    blocked_by_forced: str | None = None  # e.g. "列入严重失信主体名单": it must end first
    indicators: list[Improvement]


class GradeChangeOut(BaseModel):
    id: int
    old_grade: str | None
    new_grade: str
    old_score: int | None
    new_score: int
    model_version: int
    cause: str
    changed_at: dt.datetime


class DistributionOut(BaseModel):
    model_version: int | None
    graded: int
    entities: int
    counts: dict[str, int]  # grade -> entities
    stale: int  # results computed under an older model version


class RegradeOut(BaseModel):
    uscc: str
    old_grade: str | None
    grade: str
    score: int
    model_version: int
    changed: bool
