"""Request and response bodies of credit repair."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core import workflow
from xinyong.repair.rules import MAX_OPINION, MAX_STATEMENT, AppStatus, Check, Method, Proposal, TargetKind


class ConditionOut(BaseModel):
    name: str
    state: Check
    detail: str


class EligibilityOut(BaseModel):
    target_kind: TargetKind
    target_id: int
    title: str
    department: str
    decision_date: dt.date | None
    severity: str | None
    repairable: bool
    can_apply: bool
    available_from: dt.date | None
    reason: str | None
    conditions: list[ConditionOut]
    needs_materials: list[str]


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    target_kind: TargetKind
    target_id: int = Field(ge=1, le=2**62)
    methods: list[Method] = Field(min_length=1, max_length=6, description="修复方式（通知所列）")
    statement: str = Field(min_length=10, max_length=MAX_STATEMENT, description="纠正失信行为、履行义务的情况说明")


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    accept: bool
    reason: str | None = Field(default=None, max_length=MAX_OPINION, description="不予受理的理由（必填）")


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    proposal: Proposal
    opinion: str = Field(min_length=2, max_length=MAX_OPINION, description="拟办意见")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    approve: bool = Field(description="true: 同意拟办意见; false: 退回重新拟办")
    opinion: str = Field(min_length=2, max_length=MAX_OPINION, description="审核意见")


class MaterialOut(BaseModel):
    id: int
    filename: str
    media_type: str
    size: int
    sm3: str
    uploaded_at: dt.datetime


class StepOut(workflow.StepOut):
    details: dict[str, object]


class ApplicationOut(BaseModel):
    id: int
    number: str
    target_kind: TargetKind
    record_id: int | None
    list_entry_id: int | None
    department: str
    subject_uscc: str
    subject_name: str
    title: str
    methods: list[Method]
    statement: str
    commitment_number: str | None
    status: AppStatus
    submitted_at: dt.datetime
    accept_deadline: dt.date
    accept_deadline_provisional: bool
    accepted_on: dt.date | None
    refusal_reason: str | None
    decide_deadline: dt.date | None
    decide_deadline_provisional: bool | None
    proposal: Proposal | None
    proposal_opinion: str | None
    proposed_by: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_opinion: str | None
    result_version: int | None
    overdue: bool
    escalated_at: dt.datetime | None
    fee: int = Field(default=0, description="信用修复不收取任何费用 (always 0)")
    materials: list[MaterialOut] = []
    steps: list[StepOut] = []
