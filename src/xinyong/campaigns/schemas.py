"""Shapes of special campaigns at the edges. Public answers carry no internal notes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.campaigns.rules import CampaignStatus, Outcome, TaskStatus

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CampaignIn(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=2, max_length=200)
    legal_basis: str = Field(min_length=2, max_length=5000)
    lead_department: str = Field(min_length=1, max_length=64)
    start_date: dt.date
    end_date: dt.date
    description: str = Field(min_length=1, max_length=20_000)


class FilterIn(BaseModel):
    model_config = _STRICT

    industry: str | None = Field(default=None, max_length=5)
    region_code: str | None = Field(default=None, max_length=6)
    kind: str | None = Field(default=None, max_length=2)
    name_contains: str | None = Field(default=None, max_length=100)


class TargetsIn(BaseModel):
    """Targets by USCC (up to 1000 at once) or by a filter over the entity register (up to 5000 matches)."""

    model_config = _STRICT

    usccs: list[str] = Field(default_factory=list, max_length=1000)
    filter: FilterIn | None = None


class TargetRemoveIn(BaseModel):
    model_config = _STRICT

    uscc: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=2000)


class TaskIn(BaseModel):
    model_config = _STRICT

    department: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    working_days: int = Field(ge=1, le=250)


class TaskDoneIn(BaseModel):
    model_config = _STRICT

    note: str = Field(min_length=1, max_length=5000)


class ResultIn(BaseModel):
    model_config = _STRICT

    uscc: str = Field(min_length=1, max_length=32)
    outcome: Outcome
    notes: str = Field(default="", max_length=5000)
    on: dt.date | None = None  # default today


class TargetsAdded(BaseModel):
    added: int
    already: int
    matched: int


class TargetOut(BaseModel):
    id: int
    uscc: str
    name: str
    added_via: dict[str, object]
    added_at: dt.datetime
    removed_at: dt.datetime | None
    outcome: Outcome | None  # the latest result
    result_on: dt.date | None


class TaskOut(BaseModel):
    id: int
    department: str
    title: str
    description: str
    assigned_on: dt.date
    working_days: int
    deadline: dt.date
    deadline_provisional: bool
    deadline_rule: str
    status: TaskStatus
    overdue: bool
    completed_on: dt.date | None
    completion_note: str | None


class ResultOut(BaseModel):
    id: int
    target_id: int
    uscc: str
    name: str
    outcome: Outcome
    notes: str
    on: dt.date
    department: str | None
    recorded_by: str
    recorded_at: dt.datetime


class CampaignOut(BaseModel):
    """What the public sees of a campaign."""

    id: int
    name: str
    legal_basis: str
    lead_department: str
    lead_department_name: str
    start_date: dt.date
    end_date: dt.date
    description: str
    status: CampaignStatus
    results_published: bool
    targets: int
    results: dict[str, int]  # outcome → targets with that latest outcome (only when published)


class PublicResultOut(BaseModel):
    uscc: str
    name: str
    outcome: Outcome
    on: dt.date


class PublicCampaignOut(CampaignOut):
    published_results: list[PublicResultOut]


class CampaignWorkOut(CampaignOut):
    """The staff view: every target, task and result."""

    target_list: list[TargetOut]
    tasks: list[TaskOut]
    result_list: list[ResultOut]
