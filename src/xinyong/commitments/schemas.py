"""API shapes of commitments, 容缺受理, fulfilment checks, integrity education and industry associations."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.commitments.rules import CheckKind, CheckResult, CommitmentType, MemberEvent

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConsequenceIn(BaseModel):
    model_config = Strict

    severity: str | None = Field(default="一般", description="轻微, 一般 or 严重; null: no dishonesty record")
    suspend_months: int = Field(default=12, ge=0, le=120)
    list_type: str | None = Field(default=None, max_length=32, description="propose into this list's procedure")
    false_severity: str = "严重"


class TemplateIn(BaseModel):
    model_config = Strict

    title: str = Field(min_length=1, max_length=200)
    conditions: str = Field(min_length=1, max_length=4000)
    undertaking: str = Field(min_length=1, max_length=4000)
    verification: str = Field(min_length=1, max_length=2000)
    liability: str = Field(min_length=1, max_length=2000)
    declaration: str = Field(min_length=1, max_length=2000)
    is_public: bool = True
    note: str | None = Field(default=None, max_length=500)


class ItemIn(BaseModel):
    model_config = Strict

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    department: str | None = Field(default=None, max_length=16, description="default: the caller's department")
    name: str = Field(min_length=1, max_length=200)
    commitment_type: CommitmentType
    conditions: str = Field(min_length=1, max_length=4000)
    legal_basis: str | None = Field(default=None, max_length=500)
    tolerance_days: int | None = Field(default=None, ge=1, le=60)
    consequence: ConsequenceIn | None = None
    association_uscc: str | None = Field(default=None, max_length=18)
    template: TemplateIn


class TemplateOut(BaseModel):
    version: int
    title: str
    conditions: str
    undertaking: str
    verification: str
    liability: str
    declaration: str
    is_public: bool
    note: str | None
    published_at: dt.datetime


class ItemOut(BaseModel):
    id: int
    code: str
    department: str
    name: str
    commitment_type: str
    conditions: str
    legal_basis: str | None
    tolerance_days: int | None
    consequence: dict[str, object]
    association_uscc: str | None
    active: bool
    current_template: int
    template: TemplateOut | None = None


class SignIn(BaseModel):
    model_config = Strict

    item_id: int = Field(ge=1)
    uscc: str | None = Field(default=None, max_length=18, description="the entity; an entity may only sign for itself")
    signer: str = Field(min_length=1, max_length=100)
    accept: bool = Field(description="the applicant's declaration is accepted (must be true)")
    template_version: int | None = Field(default=None, ge=1, description="the version the signer read")
    missing_materials: list[str] = Field(default_factory=list, max_length=30)


class ToleranceOut(BaseModel):
    missing_materials: list[str]
    accepted_on: dt.date
    working_days: int
    due_date: dt.date
    due_provisional: bool
    due_rule: str
    status: str
    due_state: str | None = None
    supplied_on: dt.date | None


class CommitmentOut(BaseModel):
    id: int
    number: str
    item_id: int
    item_code: str
    item_name: str
    department: str
    commitment_type: str
    uscc: str
    entity_name: str
    signer: str
    signed_at: dt.datetime
    signed_via: str
    is_public: bool
    status: str
    letter_text: str
    letter_sm3: str
    hash_ok: bool
    record_id: int | None
    template_version: int
    tolerance: ToleranceOut | None = None


class RefusalOut(BaseModel):
    eligible: bool
    reasons: list[str]
    refusal_id: int | None = None


class CheckIn(BaseModel):
    model_config = Strict

    result: CheckResult
    finding: str = Field(min_length=1, max_length=4000)
    kind: CheckKind = CheckKind.AD_HOC
    check_id: int | None = Field(default=None, ge=1, description="complete this planned check")
    checked_on: dt.date | None = None


class PlanIn(BaseModel):
    model_config = Strict

    scheduled_for: dt.date


class CheckOut(BaseModel):
    id: int
    commitment_id: int
    kind: str
    status: str
    scheduled_for: dt.date | None
    checked_on: dt.date | None
    result: str | None
    finding: str | None
    record_id: int | None
    dishonesty_record_id: int | None
    list_proposal: str | None
    suspended_until: dt.date | None


class SupplyIn(BaseModel):
    model_config = Strict

    note: str = Field(min_length=1, max_length=500)
    supplied_on: dt.date | None = None


class ToleranceRow(BaseModel):
    commitment_id: int
    number: str
    uscc: str
    entity_name: str
    department: str
    missing_materials: list[str]
    due_date: dt.date
    due_provisional: bool
    status: str
    due_state: str


class ReachedIn(BaseModel):
    model_config = Strict

    uscc: str = Field(min_length=1, max_length=18)
    name: str | None = Field(default=None, max_length=200)


class EducationIn(BaseModel):
    model_config = Strict

    held_on: dt.date
    window: str = Field(min_length=1, max_length=100)
    topic: str = Field(min_length=1, max_length=200)
    delivered_by: str = Field(min_length=1, max_length=100)
    reached: list[ReachedIn] = Field(default_factory=list, max_length=1000)
    department: str | None = Field(default=None, max_length=16)


class EducationOut(BaseModel):
    id: int
    department: str
    held_on: dt.date
    window: str
    topic: str
    delivered_by: str
    reached: list[dict[str, str]]
    reached_count: int


class EducationReportRow(BaseModel):
    department: str
    month: str
    sessions: int
    entities_reached: int


class AssociationIn(BaseModel):
    model_config = Strict

    uscc: str = Field(min_length=1, max_length=18)
    supervising_department: str | None = Field(default=None, max_length=16)
    authorised_on: dt.date | None = None


class AssociationOut(BaseModel):
    uscc: str
    name: str
    supervising_department: str
    authorised_on: dt.date
    active: bool
    members: int


class MemberIn(BaseModel):
    model_config = Strict

    member_uscc: str = Field(min_length=1, max_length=18)
    joined_on: dt.date | None = None


class MembershipEndIn(BaseModel):
    model_config = Strict

    left_on: dt.date | None = None


class MemberOut(BaseModel):
    member_uscc: str
    name: str
    joined_on: dt.date
    left_on: dt.date | None


class MemberEventIn(BaseModel):
    model_config = Strict

    member_uscc: str = Field(min_length=1, max_length=18)
    event_type: MemberEvent
    decided_on: dt.date | None = None
    reason: str = Field(min_length=1, max_length=2000)


class MemberEventOut(BaseModel):
    id: int
    association_uscc: str
    member_uscc: str
    event_type: str
    decided_on: dt.date
    reason: str
    record_id: int


class SweepOut(BaseModel):
    examined: int
    breached: int
