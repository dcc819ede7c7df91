"""Shapes of credit records at the edges: what departments send, and what each audience reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyong.records.rules import Disclosure, Kind, Severity, Status, SubjectType


class SubjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: SubjectType
    name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, max_length=64)
    id_type: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=64)


class RecordIn(BaseModel):
    """One fact from a department. The natural key is (source_department, kind, doc_no)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_department: str = Field(min_length=1, max_length=16)
    kind: Kind
    doc_no: str = Field(min_length=1, max_length=128)
    subject: SubjectIn
    title: str = Field(min_length=1, max_length=300)
    decision_date: dt.date
    received_date: dt.date | None = None
    published_date: dt.date | None = None
    disclosure: Disclosure = Disclosure.PUBLIC
    severity: Severity | None = None
    status: Status = Status.VALID
    content: dict[str, Any] = Field(default_factory=dict)
    provenance: dict[str, Any] = Field(default_factory=dict)


class RecordCorrection(BaseModel):
    """Fields a correction may change; anything left out keeps its value."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(default=None, min_length=1, max_length=300)
    decision_date: dt.date | None = None
    published_date: dt.date | None = None
    disclosure: Disclosure | None = None
    severity: Severity | None = None
    content: dict[str, Any] | None = None
    reason: str = Field(min_length=1, max_length=500)


class SubjectOut(BaseModel):
    type: SubjectType
    uscc: str | None
    name: str


class PublicityEndOut(BaseModel):
    """公示截止日期 of a 行政处罚 decision as the platform computes it (the department's own GSJZQ stays in content)."""

    date: dt.date
    source: str = Field(description="rule: computed from the publicity regime in force on the decision date")
    regime: str = Field(description="the regime's name, e.g. 现行 or 2019年旧规")
    document: str = Field(description="the documents the regime rests on")
    severity: Severity = Field(description="the severity the rule was applied with (一般 when none was sent)")
    rule: str = Field(description="the rule in words, e.g. 一般失信：最长公示1年，自决定日期次日起算")


class RecordOut(BaseModel):
    id: int
    version: int
    kind: Kind
    kind_label: str
    category: str
    source_department: str
    doc_no: str
    subject: SubjectOut
    title: str
    decision_date: dt.date
    received_date: dt.date
    published_date: dt.date | None
    disclosure: Disclosure
    severity: Severity | None
    status: Status
    content: dict[str, Any]
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    change_kind: str
    change_reason: str | None = None
    provenance: dict[str, Any] | None = None
    publicity_end: PublicityEndOut | None = Field(
        default=None, description="行政处罚: the last day it is published (公示截止日期); null for other kinds"
    )
    privacy_hold: bool = Field(
        default=False, description="held from the public until a reviewer confirms its desensitised text (待脱敏审核)"
    )


class BatchIn(BaseModel):
    """A batch from a department system: rows keyed by national field codes (``CF_XDR_MC``…) or Chinese names."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        min_length=1, max_length=32, description="license (行政许可), penalty (行政处罚) or evaluation (行业信用评价)"
    )
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=10_000)


class RowErrorOut(BaseModel):
    row: int
    field: str
    column: str | None = None
    reason: str


class BatchOut(BaseModel):
    batch_id: int
    department: str
    kind: str
    layout: str
    encoding: str | None
    rows: int
    accepted: int
    created: int
    corrected: int
    unchanged: int
    rejected: int
    unknown_columns: list[str]
    errors: list[RowErrorOut]
    warnings: list[RowErrorOut] = Field(
        default_factory=list, description="accepted rows' findings (法定代表人 missing for a 法人…), the first 1,000"
    )


class RowSourceOut(BaseModel):
    """Which cell of which file said this: a version's row as the department sent it (ID numbers masked)."""

    record_id: int
    version: int
    batch_id: int | None
    channel: str | None
    filename: str | None
    file_sha256: str | None = Field(description="SHA-256 of the file as received (none for JSON batches)")
    layout: str | None
    row: int | None = Field(description="Row number in the file (the header is row 1)")
    archive_sha256: str | None = Field(description="The archive holding the row's cells (SHA-256 of its text)")
    row_sha256: str | None = Field(description="SHA-256 of the row's line in the archive, checked on reading")
    cells: dict[str, str]


class RejectionOut(BaseModel):
    batch_id: int
    row: int
    doc_no: str | None
    status: str
    errors: list[RowErrorOut]
    values: dict[str, str]
