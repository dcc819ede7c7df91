"""Shapes of the lists at the edges: what the office and departments send, and what each audience reads.

:class:`ListEntryView` is the compact, stable view other areas use (the check API, commitments, reports); the API
answers :class:`ListEntryOut`, the same plus the procedure's fields for those who may see them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from xinyong.core.workflow import StepOut
from xinyong.lists.rules import ListCategory

SubjectKind = Literal["entity", "person"]


class ListTypeIn(BaseModel):
    """A new version of a list type, published by the credit office. Entries keep the version they were made under."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=1, max_length=100)
    category: ListCategory
    criteria: str = Field(min_length=1, max_length=5000)
    legal_basis: str = Field(min_length=1, max_length=5000)
    duration_months: int | None = Field(default=None, ge=1, le=1200)
    permanent: bool = False
    term_adjustable: bool = False
    earliest_exit_months: int | None = Field(default=None, ge=0, le=1200)
    exit_rules: str = Field(min_length=1, max_length=5000)
    statement_window_days: int = Field(default=5, ge=1, le=60, description="working days after the notice")
    key_fields: list[str] = Field(default_factory=list, max_length=30)
    binds_responsible_persons: bool = False
    record_kind: str | None = Field(default=None, max_length=32)
    effective_from: dt.date
    note: str | None = Field(default=None, max_length=2000)
    issuing_body: str | None = Field(default=None, max_length=200, description="认定（发布）机关")


class ListTypeOut(BaseModel):
    id: int
    code: str
    version: int
    name: str
    category: ListCategory
    criteria: str
    legal_basis: str
    duration_months: int | None
    permanent: bool
    term: str
    term_adjustable: bool
    earliest_exit_months: int | None
    exit_rules: str
    statement_window_days: int
    key_fields: list[str]
    binds_responsible_persons: bool
    record_kind: str | None
    effective_from: dt.date
    note: str | None
    issuing_body: str | None = None


class SubjectRef(BaseModel):
    type: SubjectKind
    uscc: str | None = None
    person_id: int | None = None
    name: str


class UpstreamRef(BaseModel):
    """Where an upstream entry came from: the source (national, provincial or another city), the body that issued
    the entry, the source's own identifier and status, and the version this row reflects."""

    source: str
    source_name: str
    level: str
    issuing_body: str
    upstream_id: str
    status: str
    version: int


class ListEntryView(BaseModel):
    """An entry as other areas see it: which list (and the version it was made under), whose, by which department,
    the decision, the term, and the status."""

    id: int
    list_type_id: int
    list_code: str
    list_name: str
    list_version: int
    category: ListCategory
    legal_basis: str
    key_field: str | None
    department: str
    subject: SubjectRef
    status: str
    facts: str | None
    basis: str | None
    conduct_date: dt.date | None
    decision_doc_no: str | None
    decision_date: dt.date | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    permanent: bool
    earliest_exit_on: dt.date | None
    exit_date: dt.date | None
    exit_kind: str | None
    record_id: int | None
    origin: Literal["local", "upstream"] = "local"
    upstream: UpstreamRef | None = None


class ListEntryStepOut(StepOut):
    actor_department: str | None
    details: dict[str, object]


class ListEntryOut(ListEntryView):
    """The API's answer: the view plus, for the department, the office, auditors and the party, the procedure."""

    linked_record_ids: list[int] | None = None
    proposed_by: str | None = None
    proposed_at: dt.datetime | None = None
    notice_date: dt.date | None = None
    notice_doc_no: str | None = None
    rights: str | None = None
    statement_deadline: dt.date | None = None
    statement_deadline_provisional: bool | None = None
    statement_deadline_rule: str | None = None
    statement: str | None = None
    statement_waived: bool | None = None
    stated_on: dt.date | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    validity_rule: str | None = None
    published_on: dt.date | None = None
    exit_reason: str | None = None
    revoked_on: dt.date | None = None
    revocation_reason: str | None = None
    steps: list[ListEntryStepOut] | None = None


# ---------------------------------------------------------------- requests


class ProposalSubjectIn(BaseModel):
    """An entity by USCC, or a natural person by ID type and number (sent in the body, never in a URL)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=100, description="a person's name")
    id_type: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=64)


class ProposalIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    list_type: str = Field(min_length=1, max_length=32, description="list type code, e.g. serious, watch")
    subject: ProposalSubjectIn
    facts: str = Field(min_length=1, max_length=10_000, description="the facts found (失信事实)")
    basis: str = Field(min_length=1, max_length=5000, description="the legal basis for listing (认定依据)")
    conduct_date: dt.date | None = None
    linked_record_ids: list[int] = Field(default_factory=list, max_length=50)
    key_field: str | None = Field(default=None, max_length=16)


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    notice_doc_no: str = Field(min_length=1, max_length=128, description="告知书文号")
    rights: str | None = Field(default=None, max_length=5000, description="the rights the party is told of")


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    statement: str | None = Field(default=None, max_length=20_000)
    waived: bool = False
    documents: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=20,
        description="the written materials received with the statement (file name, pages), kept on the step",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision_doc_no: str = Field(min_length=1, max_length=128, description="列入决定书文号")
    reason: str | None = Field(default=None, max_length=5000)
    duration_months: int | None = Field(default=None, ge=1, le=1200)
    permanent: bool | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=5000)


class PublicSectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sector: Literal["机关事业单位", "国有企业"]
    supervising_unit: str = Field(min_length=1, max_length=200)


class PublicSectorOut(BaseModel):
    uscc: str
    sector: str
    supervising_unit: str


class ResponsibilityNoticeOut(BaseModel):
    id: int
    entry_id: int
    subject_uscc: str
    sector: str
    recipient_kind: str
    recipient_name: str
    recipient_department: str | None
    content: str
    created_on: dt.date
    created_by: str


class ResponsibleListing(BaseModel):
    """Clause 14: an entity's entry that shows on a person's record, through the role they held at the conduct."""

    role: str
    uscc: str
    entity_name: str
    role_from: dt.date | None
    role_to: dt.date | None
    entry: ListEntryView


class PersonEntriesOut(BaseModel):
    person_id: int
    name: str
    id_masked: str
    on: dt.date
    own_entries: list[ListEntryView]
    via_entities: list[ResponsibleListing]


class HonourIn(BaseModel):
    """An honour entry the credit office adds (拟列入); a second office account approves it (审核公示)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    list_type: str = Field(min_length=1, max_length=32, description="honour list type code, e.g. honest_model")
    uscc: str = Field(min_length=1, max_length=64, description="the honoured entity's 统一社会信用代码")
    department: str = Field(min_length=1, max_length=16, description="the issuing department's code (认定部门)")
    reason: str = Field(min_length=1, max_length=5000, description="why it is honoured (认定理由/事迹)")
    basis: str | None = Field(default=None, max_length=5000, description="认定依据 (default: the type's legal basis)")
    decision_doc_no: str = Field(min_length=1, max_length=128, description="认定文件文号")
    decision_date: dt.date = Field(description="认定日期 (not in the future); the term runs from it")
