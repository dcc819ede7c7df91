"""Request and response bodies of graded supervision and 双随机、一公开."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.entities.rules import EntityStatus
from xinyong.inspections.rules import Result

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClassRule(BaseModel):
    model_config = Strict

    ratio: str | int | float = Field(description="抽查比例, percent 0–100 (two decimals at most)")
    frequency: int = Field(description="抽查频次, inspections a year (0–52)")


class MappingIn(BaseModel):
    model_config = Strict

    department: str | None = Field(default=None, max_length=16, description="the office names it; staff: own")
    classes: dict[str, ClassRule] = Field(max_length=16, description="A B C D 重点关注 未评价 → ratio, frequency")
    note: str | None = Field(default=None, max_length=2000, description="why this version")


class MappingOut(BaseModel):
    id: int
    department: str
    version: int
    classes: dict[str, dict[str, Any]]
    note: str | None
    created_by: str
    created_at: dt.datetime


class ClassCount(BaseModel):
    stratum: str
    label: str
    count: int
    ratio: str
    frequency: int


class ClassEntity(BaseModel):
    uscc: str
    name: str
    stratum: str
    grade: str | None


class ClassesOut(BaseModel):
    department: str
    mapping_version: int | None
    counts: list[ClassCount]
    stratum: str | None
    total: int
    page: int
    page_size: int
    entities: list[ClassEntity]


class ItemIn(BaseModel):
    model_config = Strict

    department: str | None = Field(default=None, max_length=16)
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=2, max_length=200, description="抽查事项")
    basis: str = Field(min_length=2, max_length=5000, description="检查依据")
    subject: str = Field(min_length=1, max_length=200, description="检查对象")
    method: str = Field(default="现场检查", min_length=1, max_length=64, description="检查方式")


class ItemOut(BaseModel):
    id: int
    department: str
    code: str
    name: str
    basis: str
    subject: str
    method: str
    active: bool


class InspectorIn(BaseModel):
    model_config = Strict

    department: str | None = Field(default=None, max_length=16)
    name: str = Field(min_length=1, max_length=100)
    badge_no: str = Field(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9\-]+$", description="执法证号")
    conflicts: list[str] = Field(default_factory=list, max_length=500, description="USCCs to be recused from")


class InspectorUpdate(BaseModel):
    model_config = Strict

    conflicts: list[str] | None = Field(default=None, max_length=500)
    active: bool | None = None


class InspectorOut(BaseModel):
    id: int
    department: str
    name: str
    badge_no: str
    conflicts: list[str]
    active: bool


class PoolFilter(BaseModel):
    """Which entities a task may draw: a filter over the entity master, frozen at task time."""

    model_config = Strict

    industry_prefix: str | None = Field(default=None, max_length=8, pattern=r"^[A-Z][0-9]{0,4}$")
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    statuses: list[EntityStatus] = Field(default_factory=lambda: [EntityStatus.ACTIVE], max_length=4)
    org_types: list[str] = Field(default_factory=list, max_length=40, description="USCC positions 1–2, e.g. 91")


class TaskIn(BaseModel):
    model_config = Strict

    department: str | None = Field(default=None, max_length=16)
    name: str = Field(min_length=2, max_length=200)
    item_ids: list[int] = Field(min_length=1, max_length=50)
    pool_filter: PoolFilter = Field(default_factory=PoolFilter)
    inspectors_per_entity: int = Field(default=2, ge=2, le=10)
    inspection_end: dt.date = Field(description="计划完成检查日期")


class StratumOut(BaseModel):
    stratum: str
    size: int
    ratio: str
    count: int


class DrawOut(BaseModel):
    id: int
    task_id: int
    department: str
    round_no: int
    public_value: str
    seed: str
    pool_hash: str
    selected_count: int
    strata: list[StratumOut]
    drawn_on: dt.date


class TaskOut(BaseModel):
    id: int
    department: str
    name: str
    items: list[ItemOut]
    pool_filter: dict[str, Any]
    mapping_id: int
    ratios: dict[str, str]
    inspectors_per_entity: int
    inspection_end: dt.date
    pool_size: int
    pool_hash: str
    strata_sizes: dict[str, int]
    frozen_at: dt.datetime
    draws: list[DrawOut]


class DrawIn(BaseModel):
    model_config = Strict

    public_value: str = Field(min_length=1, max_length=200, description="公开随机数, e.g. the lottery draw's numbers")


class AssignmentOut(BaseModel):
    id: int
    draw_id: int
    task_id: int
    department: str
    uscc: str
    name: str
    stratum: str
    ticket: str
    inspectors: list[str]
    deadline: dt.date
    deadline_provisional: bool
    result: str | None
    result_date: dt.date | None
    result_note: str | None
    published_on: dt.date | None
    record_id: int | None
    overdue: bool
    late: bool


class ResultIn(BaseModel):
    model_config = Strict

    result: Result
    result_date: dt.date = Field(description="检查完成日期")
    note: str | None = Field(default=None, max_length=5000)


class CaseIn(BaseModel):
    model_config = Strict

    department: str | None = Field(default=None, max_length=16)
    title: str = Field(min_length=4, max_length=200)
    summary: str = Field(min_length=4, max_length=500)
    body: str = Field(min_length=10, max_length=50_000)
    stratum: str | None = Field(default=None, max_length=32)


class CaseOut(BaseModel):
    id: int
    department: str
    department_name: str
    title: str
    summary: str
    body: str
    stratum: str | None
    published_on: dt.date
    withdrawn: bool


class PublicDrawOut(BaseModel):
    draw: DrawOut
    task_name: str
    department_name: str
    items: list[str]
    selected: list[AssignmentOut]


class PublicTaskOut(BaseModel):
    """What is published when a pool is frozen, before any draw: enough to hold the department to this pool."""

    id: int
    department: str
    department_name: str
    name: str
    pool_size: int
    pool_hash: str
    strata_sizes: dict[str, int]
    ratios: dict[str, str]
    frozen_at: dt.datetime
    rounds: int
