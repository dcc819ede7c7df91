"""Shapes of joint punishment at the edges: the catalogue, memoranda, the check's request and answer, feedback and
statistics. The check request carries an ID number only in its body; no answer ever carries one in clear."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from xinyong.punishment.rules import MeasureCategory, MemorandumLevel, Outcome, Scenario, parse_scenario

#: A scenario by code or by its Chinese label (政府采购 = government_procurement).
ScenarioIn = Annotated[
    Scenario,
    BeforeValidator(parse_scenario),
    Field(description="业务场景: the code (government_procurement) or the Chinese label (政府采购)"),
]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
ListCode = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]{0,31}$")


class MeasureIn(BaseModel):
    model_config = _STRICT

    code: str = Field(min_length=2, max_length=16, pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    name: str = Field(min_length=1, max_length=200)
    category: MeasureCategory
    legal_basis: str = Field(min_length=1, max_length=5000)
    list_types: list[str] = Field(min_length=1, max_length=10)
    department: str = Field(min_length=1, max_length=100)
    scenarios: list[Scenario] = Field(min_length=1, max_length=20)


class MeasureOut(BaseModel):
    code: str
    name: str
    category: MeasureCategory
    category_label: str
    legal_basis: str
    list_types: list[str]
    department: str
    scenarios: list[Scenario]
    active: bool


class MemorandumLinkIn(BaseModel):
    model_config = _STRICT

    list_type: str = ListCode
    measure_codes: list[str] = Field(min_length=1, max_length=100)


class MemorandumIn(BaseModel):
    model_config = _STRICT

    number: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=300)
    level: MemorandumLevel
    signing_bodies: list[str] = Field(min_length=1, max_length=100)
    links: list[MemorandumLinkIn] = Field(min_length=1, max_length=20)


class MemorandumLinkOut(BaseModel):
    list_type: str
    measure_codes: list[str]


class MemorandumOut(BaseModel):
    id: int
    number: str
    name: str
    level: MemorandumLevel
    signing_bodies: list[str]
    links: list[MemorandumLinkOut]


class ScenarioOut(BaseModel):
    code: Scenario
    label: str


# ---------------------------------------------------------------- checks


class CheckSubjectIn(BaseModel):
    """Either ``uscc``, or ``id_type`` + ``id_number`` + ``name`` of a natural person."""

    model_config = _STRICT

    uscc: str | None = Field(default=None, max_length=32)
    id_type: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=100)


class CheckIn(BaseModel):
    model_config = _STRICT

    subject: CheckSubjectIn
    scenario: ScenarioIn
    purpose: str = Field(min_length=1, max_length=500)


class CheckEntryOut(BaseModel):
    entry_id: int
    list_type: str
    list_name: str
    decision_doc_no: str | None
    department: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    permanent: bool
    source: Literal["local", "upstream"] = "local"  # the city's own procedure, or received from a source
    source_name: str | None = None  # where the entry came from: 本市 or the upstream source's name
    source_level: str | None = None  # city / provincial / national
    issuing_body: str | None = None  # the body that decided the entry (a local department code for local entries)
    upstream_id: str | None = None  # the source's own identifier of the entry
    via: str | None = None  # for a person: the (first) role held in the listed entity on the conduct date
    via_uscc: str | None = None
    via_entity_name: str | None = None
    via_roles: list[str] = Field(default_factory=list)  # every role through which the entry binds the person


class CheckMeasureOut(BaseModel):
    code: str
    name: str
    category: MeasureCategory
    legal_basis: str
    department: str
    entry_ids: list[int]
    memoranda: list[str]


class CheckHonourOut(BaseModel):
    """An honour (守信激励名单) of the checked entity in force today; ``withheld`` while a serious-list entry binds it
    (国发〔2016〕33号: no incentive for a seriously dishonest subject), and then no incentive is returned."""

    entry_id: int
    list_type: str
    list_name: str
    decision_doc_no: str | None
    department: str  # the issuing department's code
    issuing_body: str | None = None  # for an honour received from an upstream source, the body that issued it
    valid_from: dt.date | None
    valid_to: dt.date | None
    withheld: bool = False


class CheckWarningOut(BaseModel):
    """Something the checking system should look at; the answer stands (e.g. the ID number decides a person)."""

    code: Literal["name_mismatch"]
    message: str


class CheckOut(BaseModel):
    check_id: int
    checked_at: dt.datetime
    scenario: Scenario
    subject_kind: Literal["entity", "person"]
    subject: str  # USCC, or the masked ID number
    subject_known: bool
    listed: bool
    outcome: Outcome
    entries: list[CheckEntryOut]
    measures: list[CheckMeasureOut]
    explanation: str
    warnings: list[CheckWarningOut] = Field(default_factory=list)
    honours: list[CheckHonourOut] = Field(default_factory=list, description="守信激励名单 entries in force (entities)")
    incentives: list[CheckMeasureOut] = Field(
        default_factory=list,
        description="守信激励措施 that apply in the scenario (category incentive); feedback as on restrictions",
    )
    incentives_withheld: bool = Field(
        default=False, description="true while a serious-list entry binds the entity: its honours give no incentive"
    )


class FeedbackIn(BaseModel):
    model_config = _STRICT

    measure_code: str = Field(min_length=1, max_length=16)
    applied: bool
    reason: str | None = Field(default=None, max_length=2000)


class FeedbackOut(BaseModel):
    check_id: int
    measure_code: str
    applied: bool
    reason: str | None
    feedback_at: dt.datetime


class ChangeOut(BaseModel):
    """A list change about a subject the system checked, on or after the day of its check."""

    event: Literal["listed", "exited", "revoked"]
    on: dt.date
    entry_id: int
    list_type: str
    decision_doc_no: str | None
    exit_kind: str | None
    subject: str  # USCC, or the masked ID number
    check_id: int  # the system's latest check of the subject before the change
    checked_at: dt.datetime


class NoticeOut(BaseModel):
    """A change notice to one business system and the state of its webhook delivery."""

    id: int
    created_at: dt.datetime
    client_id: int
    client_name: str
    event: str
    event_label: str
    on: dt.date
    entry_id: int | None
    subject: str  # USCC, or the masked ID number
    check_id: int
    message_id: int | None
    delivery: str  # pending / retrying / delivered / dead, or pull (no webhook registered)
    delivery_label: str
    attempts: int  # failed attempts so far
    last_error: str | None
    delivered_at: dt.datetime | None
    destination: str | None


# ---------------------------------------------------------------- statistics


class MeasureStat(BaseModel):
    measure_code: str
    measure_name: str
    department: str
    returned: int
    applied: int
    not_applied: int
    pending: int


class DepartmentStat(BaseModel):
    """Totals of the measures an implementing department (实施部门) is responsible for."""

    department: str
    returned: int = 0
    applied: int = 0
    not_applied: int = 0
    pending: int = 0


class RequesterStat(BaseModel):
    requester: str  # the caller's id: api:<client id> or user:<username>
    requester_name: str  # its registered name (the business system's, or the staff member's)
    department: str | None
    checks: int
    restricted: int


class StatisticsOut(BaseModel):
    month: str
    checks: int
    restricted: int
    measures_returned: int
    applied: int
    not_applied: int
    by_measure: list[MeasureStat]
    by_department: list[DepartmentStat]
    by_requester: list[RequesterStat]
