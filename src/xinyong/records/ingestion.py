"""Aggregation (归集): one service behind the batch API, the console upload and ``xinyong import``.

Every row is accepted or rejected with its row number, field and reason; rejected rows are kept (ID numbers
encrypted) to be corrected and resubmitted; re-sending creates no duplicates (natural key: department + kind +
document number; an unchanged row is ``unchanged``, a changed one a new version). A batch is applied inside the
caller's transaction, so it is recorded wholly or not at all. Valid rows are written in chunks with set-based
queries (one lookup of existing records, subjects and persons per chunk), not row by row.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.core import audit, clock, metrics
from xinyong.core.actor import Actor, Role
from xinyong.core.crypto import get_cipher
from xinyong.core.departments import Department, get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from xinyong.privacy import service as privacy_rules
from xinyong.records import bulk, prepare, privacy, provenance
from xinyong.records.ingest import (
    Layout,
    RowError,
    SourceUnit,
    UnreadableRow,
    detect_layout,
    guess_kind,
    open_table,
)
from xinyong.records.models import Batch, BatchRejection, CreditRecordVersion
from xinyong.records.rules import Kind

INGESTIBLE = (Kind.LICENSE, Kind.PENALTY, Kind.EVALUATION)
CHUNK = 2000
MAX_WARNINGS = 1000
MAX_JSON_ROWS = 10_000
REJECTION_CONTEXT = privacy.REJECTION_CONTEXT
PENDING = "待更正"
RESUBMITTED = "已重新报送"

Progress = Callable[[int], None]
Pending = list[prepare.Accepted]


@dataclass
class BatchResult:
    batch_id: int
    department: str
    kind: str
    layout: str
    encoding: str | None
    rows: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # accepted rows' findings, the first 1,000
    rejected_rows: list[dict[str, Any]] = field(default_factory=list, repr=False)  # not yet written

    @property
    def accepted(self) -> int:
        return self.created + self.corrected

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "department": self.department,
            "kind": self.kind,
            "layout": self.layout,
            "encoding": self.encoding,
            "rows": self.rows,
            "accepted": self.accepted,
            "created": self.created,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "unknown_columns": self.unknown_columns,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def _department_for(session: Session, actor: Actor, code: str) -> Department:
    department = get_department(session, code)
    if actor.role == Role.SYSTEM:
        return department
    if actor.is_department and actor.department_code == department.code:
        return department
    raise Forbidden(f"only {department.short_name} may send its own data (仅可报送本部门数据)")


def _kind(value: str | Kind | None, headers: Sequence[str]) -> Kind:
    if value is None or value == "":
        guessed = guess_kind(headers)
        if guessed is None:
            raise InvalidInput(
                "say whether the file holds licences, penalties or evaluations (--kind license|penalty|evaluation)",
                field="kind",
            )
        return guessed
    try:
        kind = Kind(value)
    except ValueError:
        raise InvalidInput(
            f"kind must be license, penalty or evaluation, not {str(value)[:40]!r} (类别错误)", field="kind"
        ) from None
    if kind not in INGESTIBLE:
        raise InvalidInput(
            "only 行政许可 (license), 行政处罚 (penalty) and 行业信用评价 (evaluation) are aggregated this way",
            field="kind",
        )
    return kind


def ingest_file(
    session: Session,
    actor: Actor,
    data: bytes | str | os.PathLike[str],
    filename: str,
    *,
    department: str,
    kind: str | Kind | None = None,
    encoding: str | None = None,
    channel: str = "upload",
    progress: Progress | None = None,
) -> BatchResult:
    """Read a CSV/XLSX file and ingest its rows as one batch."""
    dept = _department_for(session, actor, department)
    with open_table(data, filename, encoding) as table:  # bounds (XINYONG_UPLOAD_*) checked before any row
        digest = _sha256(data)
        the_kind = _kind(kind, table.headers)
        layout = detect_layout(table.headers, the_kind)
        return _ingest(
            session,
            actor,
            dept,
            the_kind,
            layout,
            table.rows(),
            channel=channel,
            filename=os.path.basename(filename)[:255],
            sha256=digest,
            encoding=table.encoding,
            progress=progress,
            worker=_size(data) >= prepare.WORKER_FROM_BYTES,
        )


def ingest_rows(
    session: Session,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    *,
    department: str,
    kind: str | Kind,
    channel: str = "api",
) -> BatchResult:
    """Ingest JSON rows keyed by field codes or Chinese field names (the batch API)."""
    dept = _department_for(session, actor, department)
    if len(rows) > MAX_JSON_ROWS:
        raise TooLarge(
            f"a batch holds at most {MAX_JSON_ROWS} rows; split it (单批最多 {MAX_JSON_ROWS} 行)", field="rows"
        )
    headers: list[str] = []
    for row in rows:
        for key in row:
            if key not in headers:
                headers.append(str(key))
    the_kind = _kind(kind, headers)
    layout = detect_layout(headers, the_kind, strict=False) if headers else None
    if layout is None:
        raise InvalidInput("the batch has no rows (批次为空)", field="rows")

    def cells() -> Iterator[tuple[int, list[str] | UnreadableRow]]:
        for number, row in enumerate(rows, start=1):
            yield number, [_text(row.get(header)) for header in headers]

    return _ingest(
        session,
        actor,
        dept,
        the_kind,
        layout,
        cells(),
        channel=channel,
        filename=None,
        sha256=None,
        encoding=None,
        progress=None,
        worker=False,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _size(data: bytes | str | os.PathLike[str]) -> int:
    return len(data) if isinstance(data, bytes) else os.path.getsize(data)


def _sha256(data: bytes | str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    if isinstance(data, bytes):
        digest.update(data)
    else:
        with open(data, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _ingest(
    session: Session,
    actor: Actor,
    department: Department,
    kind: Kind,
    layout: Layout,
    rows: Iterable[tuple[int, list[str] | UnreadableRow]],
    *,
    channel: str,
    filename: str | None,
    sha256: str | None,
    encoding: str | None,
    progress: Progress | None,
    worker: bool,
) -> BatchResult:
    now = clock.now()
    batch = Batch(
        department=department.code,
        kind=kind,
        channel=channel,
        filename=filename,
        content_sha256=sha256,
        layout=layout.name,
        encoding=encoding,
        rows_total=0,
        accepted=0,
        created=0,
        corrected=0,
        unchanged=0,
        rejected=0,
        unknown_columns=list(layout.unknown),
        actor_role=str(actor.role),
        actor_id=actor.id,
        created_at=now,
        finished_at=now,
    )
    session.add(batch)
    session.flush()
    result = BatchResult(
        batch_id=batch.id,
        department=department.code,
        kind=kind,
        layout=layout.name,
        encoding=encoding,
        unknown_columns=list(layout.unknown),
    )
    context = prepare.Context(
        kind=kind,
        layout=layout,
        today=clock.today(),
        department=department.code,
        unit=SourceUnit(name=department.full_name, uscc=department.uscc),
        require_legal_representative=department.require_legal_representative,
        batch_id=batch.id,
        rules=privacy_rules.ruleset(session),
        json_text=session.get_bind().dialect.name == "postgresql",
    )
    writer = bulk.RecordWriter(
        session, actor, department=department.code, kind=kind, batch_id=batch.id, rules=context.rules
    )
    pending: Pending = []
    seen_doc_numbers: set[str] = set()
    with closing(prepare.prepared(context, _chunks(rows), worker=worker)) as chunks:
        for raw, done in chunks:
            cells_of = dict(raw)
            for row in done:
                result.rows += 1
                if isinstance(row, prepare.Rejected):
                    _reject(session, batch, result, row.number, row.doc_no, row.errors, row.original, row.sensitive)
                    continue
                if row.doc_no in seen_doc_numbers:
                    cells = cells_of[row.number]
                    assert not isinstance(cells, UnreadableRow)
                    error = RowError(
                        row.number, layout.code("WSH"), "文书号在本批次中重复 (document number repeated in this batch)"
                    )
                    original = layout.split(cells)[1]
                    sensitive = prepare.sensitive_cells(layout, cells)
                    _reject(session, batch, result, row.number, row.doc_no, [error], original, sensitive)
                    continue
                seen_doc_numbers.add(row.doc_no)
                if row.warnings and len(result.warnings) < MAX_WARNINGS:
                    result.warnings.extend(
                        {"row": w.row, "field": w.field, "column": w.column, "reason": w.reason} for w in row.warnings
                    )
                pending.append(row)
                if len(pending) >= CHUNK:
                    _flush(session, writer, pending, result, progress)
    _flush(session, writer, pending, result, progress)
    _write_rejected(session, result)
    _resolve_resubmitted(session, department.code, kind, batch.id, seen_doc_numbers)
    batch.rows_total = result.rows
    batch.created, batch.corrected, batch.unchanged = result.created, result.corrected, result.unchanged
    batch.accepted, batch.rejected = result.accepted, result.rejected
    batch.warnings = result.warnings[:MAX_WARNINGS]
    batch.finished_at = clock.now()
    session.flush()
    metrics.count_ingested(session, department.code, accepted=result.accepted, rejected=result.rejected)
    audit.record(
        session,
        actor,
        "records:batch:ingested",
        "batch",
        str(batch.id),
        {
            "department": department.code,
            "kind": kind,
            "channel": channel,
            "rows": result.rows,
            "created": result.created,
            "corrected": result.corrected,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "sha256": sha256,
        },
    )
    return result


def _flush(
    session: Session, writer: bulk.RecordWriter, pending: Pending, result: BatchResult, progress: Progress | None
) -> None:
    _write_rejected(session, result)
    if not pending:
        return
    references = provenance.archive_lines(session, [row.line for row in pending])
    for row, reference in zip(pending, references, strict=True):
        row.item.provenance[provenance.REF] = reference
    counts = writer.write(pending)
    result.created += counts.created
    result.corrected += counts.corrected
    result.unchanged += counts.unchanged
    if progress is not None:
        progress(len(pending))
    pending.clear()


def _chunks(rows: Iterable[prepare.Raw]) -> Iterator[list[prepare.Raw]]:
    chunk: list[prepare.Raw] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _reject(
    session: Session,
    batch: Batch,
    result: BatchResult,
    number: int,
    doc_no: str | None,
    errors: list[RowError],
    original: Mapping[str, str],
    sensitive: list[tuple[str, str]],
) -> None:
    """Keep a rejected row: masked values for display, the clear ID numbers only SM4-encrypted."""
    result.rejected += 1
    described = [{"row": e.row, "field": e.field, "column": e.column, "reason": e.reason} for e in errors]
    if len(result.errors) < 1000:
        result.errors.extend(described)
    values: dict[str, Any] = {k: v[:20_000] for k, v in original.items()}
    if sensitive:
        cipher = get_cipher()
        values["__enc__"] = {header: cipher.encrypt(value, context=REJECTION_CONTEXT) for header, value in sensitive}
    values = privacy.protect_rejected(values)
    result.rejected_rows.append(
        {
            "batch_id": batch.id,
            "department": batch.department,
            "kind": batch.kind,
            "row_number": number,
            "doc_no": doc_no,
            "errors": described,
            "values": values,
            "status": PENDING,
            "resolved_by_batch": None,
        }
    )


def _write_rejected(session: Session, result: BatchResult) -> None:
    """The rejected rows kept so far, in one write (COPY on PostgreSQL: an ORM INSERT per row cost more than the
    rows themselves)."""
    if result.rejected_rows:
        bulk.insert_rows(session, BatchRejection, result.rejected_rows)
        result.rejected_rows.clear()


def _resolve_resubmitted(session: Session, department: str, kind: Kind, batch_id: int, doc_numbers: set[str]) -> None:
    """Earlier rejections whose document number this batch has now accepted are marked resubmitted. The pending
    rejections of earlier batches are few, the batch's numbers many: read the former and match them here, rather
    than one UPDATE per 500 numbers each scanning every rejection of the department."""
    pending = session.execute(
        select(BatchRejection.id, BatchRejection.doc_no).where(
            BatchRejection.department == department,
            BatchRejection.kind == kind,
            BatchRejection.status == PENDING,
            BatchRejection.batch_id != batch_id,
            BatchRejection.doc_no.is_not(None),
        )
    )
    resolved = sorted(rejection_id for rejection_id, doc_no in pending if doc_no in doc_numbers)
    for start in range(0, len(resolved), 500):
        session.execute(
            update(BatchRejection)
            .where(BatchRejection.id.in_(resolved[start : start + 500]))
            .values(status=RESUBMITTED, resolved_by_batch=batch_id)
        )


def rejections(
    session: Session,
    actor: Actor,
    department: str,
    *,
    batch_id: int | None = None,
    status: str | None = PENDING,
    limit: int = 1000,
) -> list[BatchRejection]:
    """A department's rejected rows (its own only), newest batch first."""
    dept = _department_for(session, actor, department) if actor.is_department else get_department(session, department)
    if not (actor.is_department or actor.sees_everything):
        raise Forbidden("rejected rows are the department's own (仅本部门可查看)")
    stmt = select(BatchRejection).where(BatchRejection.department == dept.code)
    if batch_id is not None:
        stmt = stmt.where(BatchRejection.batch_id == batch_id)
    if status:
        stmt = stmt.where(BatchRejection.status == status)
    stmt = stmt.order_by(BatchRejection.batch_id.desc(), BatchRejection.row_number).limit(limit)
    return list(session.execute(stmt).scalars())


def rejection_cells(rejection: BatchRejection, *, reveal: bool) -> dict[str, str]:
    """The row as the department sent it; ``reveal`` decrypts ID numbers (the department's own data, audited by the
    caller), otherwise they stay masked."""
    values = {k: str(v) for k, v in rejection.values.items() if k != "__enc__"}
    if reveal:
        cipher = get_cipher()
        for header, token in (rejection.values.get("__enc__") or {}).items():
            values[header] = cipher.decrypt(token, context=REJECTION_CONTEXT)
    return values


def get_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or not (
        actor.sees_everything or (actor.is_department and actor.department_code == batch.department)
    ):
        raise NotFound(f"no batch {batch_id} (未找到该批次)", field="batch_id")
    return batch


def row_source(session: Session, actor: Actor, record_id: int, version: int) -> dict[str, Any]:
    """Which cell of which file said this: the batch, the file (name and SHA-256), the row number and the row's cells
    as read (ID numbers masked) behind one version of a record — staff who see everything, or the department that
    sent it. Versions from before provenance archives answer the same way (migration 0032 moved their cells)."""
    found = session.scalar(
        select(CreditRecordVersion).where(
            CreditRecordVersion.record_id == record_id, CreditRecordVersion.version == version
        )
    )
    if found is None or not (
        actor.sees_everything or (actor.is_department and actor.department_code == found.source_department)
    ):
        raise NotFound(f"no version {version} of record {record_id} (未找到该版本)", field="version")
    trail = found.provenance or {}
    try:
        cells = provenance.original_cells(session, trail)
    except provenance.ArchiveDamaged as damaged:
        raise Conflict(f"{damaged} (来源数据校验失败)", field="version") from None
    if cells is None:
        raise NotFound("this version did not come from a file or batch (该版本非报送数据)", field="version")
    batch_id = trail.get("batch")
    batch = session.get(Batch, batch_id) if isinstance(batch_id, int) else None
    reference = trail.get(provenance.REF) or {}
    return {
        "record_id": record_id,
        "version": version,
        "batch_id": batch.id if batch else None,
        "channel": batch.channel if batch else None,
        "filename": batch.filename if batch else None,
        "file_sha256": batch.content_sha256 if batch else None,
        "layout": trail.get("layout"),
        "row": trail.get("row"),
        "archive_sha256": reference.get("archive"),
        "row_sha256": reference.get("sha256"),
        "cells": cells,
    }


__all__ = [
    "BatchResult",
    "get_batch",
    "ingest_file",
    "ingest_rows",
    "rejection_cells",
    "rejections",
    "row_source",
]
