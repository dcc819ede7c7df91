"""Request and response bodies of objections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core import workflow
from xinyong.objections.rules import ObjectionStatus, Outcome
from xinyong.records.schemas import RecordCorrection


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    record_id: int = Field(ge=1, le=2**62)
    version: int | None = Field(default=None, ge=1, description="the version objected to (default: the current one)")
    reasons: str = Field(min_length=5, max_length=5000, description="异议理由")
    evidence: str | None = Field(default=None, max_length=20_000, description="证据材料说明")
    objector_name: str | None = Field(
        default=None, max_length=200, description="on behalf of a person concerned (credit office only)"
    )


class ForwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=2000)


class ProposeIn(BaseModel):
    """The handler's proposal (拟办): a second person decides it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Outcome
    reason: str = Field(min_length=2, max_length=5000, description="处理理由 (returned to the objector)")
    correction: RecordCorrection | None = Field(
        default=None,
        description="required when the outcome is 更正: any published field of the record (title, dates, disclosure, "
        "severity, content fields); the old version is kept",
    )


class ReviewIn(BaseModel):
    """The second person's decision on the proposal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    approve: bool = Field(description="true: 同意拟办意见 (the objection is decided); false: 退回重新拟办")
    opinion: str = Field(min_length=2, max_length=2000, description="审核意见")


class StepOut(workflow.StepOut):
    label: str
    actor_department: str | None
    reason: str | None
    deadline: dt.date | None


class ObjectionOut(BaseModel):
    id: int
    record_id: int
    record_version: int
    record_label: str = Field(description="the objected record as a person names it: kind, document number, title")
    source_department: str
    subject_uscc: str | None
    objector_name: str
    reasons: str
    evidence: str | None
    status: ObjectionStatus
    stage: str
    filed_at: dt.datetime
    deadline: dt.date
    deadline_provisional: bool
    deadline_rule: str
    overdue: bool
    escalated_at: dt.datetime | None
    proposed_outcome: Outcome | None = None
    proposed_reason: str | None = None
    proposed_correction: dict[str, Any] | None = None
    proposed_by: str | None = None
    proposed_at: dt.datetime | None = None
    review_opinion: str | None = None
    outcome: Outcome | None
    outcome_reason: str | None
    result_version: int | None
    resolved_at: dt.datetime | None
    steps: list[StepOut] | None = Field(default=None, description="the steps as they happened (one objection only)")
