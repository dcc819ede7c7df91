"""Tables of credit records. ``credit_records`` holds a record's identity (its natural key); every fact about it
lives in ``credit_record_versions``, one row per version, each valid in system time [valid_from, valid_to).
Nothing is updated in place except closing a version's ``valid_to`` when the next one starts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.records.rules import TABLE

SERIOUS = text("severity = '严重' AND valid_to IS NULL")  # current serious penalties: the contradiction sweep's side


class CreditRecord(Base):
    __tablename__ = "credit_records"
    __table_args__ = (
        UniqueConstraint("source_department", "kind", "doc_no"),
        Index("ix_credit_records_doc_no", "doc_no", "source_department"),  # one number from two departments
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    kind: Mapped[str] = mapped_column(String(32))
    doc_no: Mapped[str] = mapped_column(String(128))  # 文书号 / 决定书文号 / the source's own key
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CreditRecordVersion(Base):
    __tablename__ = "credit_record_versions"
    __table_args__ = (
        UniqueConstraint("record_id", "version"),
        Index("ix_crv_subject_uscc", "subject_uscc", "valid_to"),
        Index("ix_crv_subject_person", "subject_person_id", "valid_to"),
        Index("ix_crv_record_valid", "record_id", "valid_from"),
        Index("ix_crv_department", "source_department", "kind", "decision_date"),
        Index("ix_crv_kind_order", "kind", "decision_date", "record_id"),  # the public lists' page order
        Index("ix_crv_serious_uscc", "subject_uscc", postgresql_where=SERIOUS, sqlite_where=SERIOUS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # denormalised from the record so every query over versions needs no join
    source_department: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(8))
    subject_uscc: Mapped[str | None] = mapped_column(String(18))
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))  # 决定文书名称 / 处罚名称: what a reader sees first
    decision_date: Mapped[dt.date] = mapped_column(Date)
    received_date: Mapped[dt.date] = mapped_column(Date)
    published_date: Mapped[dt.date | None] = mapped_column(Date)
    disclosure: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(8))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)
    change_kind: Mapped[str] = mapped_column(String(16))
    change_reason: Mapped[str | None] = mapped_column(String(500))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    # held from the public until the department's reviewer confirms the desensitised text (records.privacy); set
    # on the version when it is written, cleared by the review (the one field besides valid_to changed in place)
    privacy_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Batch(Base):
    """One delivery of rows from a department (归集批次), by API, upload or the command line.

    A batch is applied in one transaction: it is either wholly recorded, with its counts, or not at all, so a
    killed import leaves nothing behind and re-running it gives the same result as one clean run.
    """

    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_department", "department", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # api / upload / cli
    filename: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    layout: Mapped[str] = mapped_column(String(32))
    encoding: Mapped[str | None] = mapped_column(String(32))
    rows_total: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)  # created or corrected
    created: Mapped[int] = mapped_column(Integer)
    corrected: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    unknown_columns: Mapped[list[str]] = mapped_column(JSONType)
    # accepted rows' findings (row, field, column, reason), the first 1,000: 法定代表人 missing for a 法人…
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, server_default="[]")
    resubmission_of: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BatchRejection(Base):
    """A rejected row, kept with its reasons so the department can correct and resubmit it. Personal ID numbers in
    ``values`` are stored SM4-encrypted, like everywhere else."""

    __tablename__ = "batch_rejections"
    __table_args__ = (Index("ix_batch_rejections_batch", "batch_id", "row_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    department: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    row_number: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str | None] = mapped_column(String(128))  # when the row had one: resubmission resolves it
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))  # 待更正 / 已重新报送
    resolved_by_batch: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))


class ProvenanceArchive(Base):
    """The cells of ingested rows as they were read (ID numbers masked), kept once: a chunk of a batch's rows as JSON
    lines, gzip-compressed and addressed by the SHA-256 of its uncompressed text. A version's provenance points into
    one (``cells``: archive, line, the line's own SHA-256) instead of carrying a copy of every cell
    (:mod:`xinyong.records.provenance`). Identical chunks (a file sent again) are stored once."""

    __tablename__ = "provenance_archives"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)  # uncompressed bytes
    data: Mapped[bytes] = mapped_column(LargeBinary)  # gzip of the JSON lines
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CreditRecordStep(StepHistory, Base):
    """One step of a record's correction procedure as it happened: corrected, objected to, upheld, repaired,
    revoked, expired (the version it produced is in ``details``)."""

    __tablename__ = "credit_record_steps"
    __table_args__ = (Index("ix_credit_record_steps_record", "record_id", "id"),)
    owner_key = "record_id"

    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))


RECORD_CORRECTION = Procedure("信用记录更正与状态变更", TABLE, CreditRecordStep, stamp=None)
