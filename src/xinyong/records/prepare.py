"""Aggregation's per-row work without the database, in a worker process for large files.

Everything the ingestion does to a row before it needs the database — splitting the cells by the layout,
validating (:func:`~xinyong.records.ingest.validate_row`), checking the record (``RecordIn``, ``check_content``),
protecting identifiers at rest (``protect_ids``, the title's names), deciding the privacy hold and writing the row's
provenance line — is a pure function of the row: :func:`prepare` does it for a chunk of rows and returns, per row,
a :class:`Rejected` or an :class:`Accepted` with the version's fields *as they are stored when the record is new*.
The writer (:mod:`xinyong.records.bulk`) uses those fields for new records and computes them again against the
current version when the record exists (a correction keeps its stored tokens), so a resent file changes nothing.

:func:`prepared` yields the chunks in order. For a large file (``WORKER_FROM_BYTES``) worker processes (spawned,
so no lock or connection of this process is inherited) prepare the next chunks while this process writes the
current one: both cores are busy, validating and protecting beside the COPY. The first chunk is prepared here while the
worker starts. The worker checks at start that it encrypts and blind-indexes with this process's keys; if it cannot
(or fails in any way), the chunk is prepared here and the rest of the file too — with exactly the same outcome,
including the same exception for a row the records service would refuse.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections import deque
from collections.abc import Container, Generator, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from xinyong.core.crypto import get_blind_index, get_cipher
from xinyong.core.ids import IdType, UsccInfo, validate_person_id, validate_uscc
from xinyong.entities.rules import pinyin_keys
from xinyong.privacy.rules import RuleSet
from xinyong.records import privacy, provenance
from xinyong.records.ingest import Layout, RowError, SourceUnit, UnreadableRow, validate_row
from xinyong.records.rules import SubjectType
from xinyong.records.schemas import RecordIn
from xinyong.records.service import check_content, protect_ids

#: Files at least this large are prepared in a worker process (about 3,000 rows of a 2.0 penalty file).
WORKER_FROM_BYTES = 1 << 20
#: Worker processes: two, so that preparing (the larger share of a row's work) and this process's writing share
#: the two cores of the smallest server evenly; the order of the chunks is kept whatever the number.
WORKERS = 2
#: Chunks prepared ahead of the one being written (bounds the memory: each holds the rows read and prepared).
AHEAD = 2 * WORKERS
_PROBE = "xinyong-ingest-worker-probe"

Raw = tuple[int, list[str] | UnreadableRow]


class JsonText(str):
    """A value already serialised as JSON, for a JSONB column written with COPY (PostgreSQL only)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What every row of a batch is prepared with (sent once to the worker)."""

    kind: str
    layout: Layout
    today: dt.date
    department: str
    unit: SourceUnit
    require_legal_representative: bool
    batch_id: int
    rules: RuleSet
    json_text: bool = False  # PostgreSQL: a new version's content is serialised here (the writer COPYs the text)


@dataclass(slots=True)
class Rejected:
    number: int
    doc_no: str | None
    errors: list[RowError]
    original: dict[str, str]
    sensitive: list[tuple[str, str]]


@dataclass(slots=True)
class Accepted:
    number: int
    doc_no: str
    item: RecordIn  # its provenance gets the archive reference when the chunk is archived
    warnings: tuple[RowError, ...]
    line: str  # the row's cells as read, one line of the provenance archive
    fresh: dict[str, Any]  # the version's fields as stored when the record is new (no person id yet, no provenance)
    name_keys: tuple[str, str, str] | None = None  # an entity's name and its search keys, should it be new


Prepared = Rejected | Accepted


def prepare(context: Context, rows: Iterable[Raw], first: Container[int] | None = None) -> list[Prepared]:
    """Every row of a chunk, in order. The rows numbered in ``first`` (in the worker: the first row of the file
    naming each USCC, :func:`first_rows`) also carry the pinyin search keys of their entity's name, for the writer to
    use should the entity be new."""
    layout = context.layout
    out: list[Prepared] = []
    for number, cells in rows:
        if isinstance(cells, UnreadableRow):
            out.append(Rejected(number, None, [RowError(number, "row", cells.reason)], {}, []))
            continue
        fields, original = layout.split(cells)
        outcome = validate_row(
            context.kind,
            fields,
            row=number,
            today=context.today,
            source_department=context.department,
            layout=layout,
            original=original,
            source_unit=context.unit,
            require_legal_representative=context.require_legal_representative,
        )
        if outcome.record is None:
            value = fields.get("WSH")
            doc_no = value[:128] if value else None
            out.append(Rejected(number, doc_no, list(outcome.errors), original, sensitive_cells(layout, cells)))
            continue
        record: dict[str, Any] = dict(outcome.record)
        trail, as_read = by_reference({**dict(record.get("provenance") or {}), "batch": context.batch_id})
        item = RecordIn.model_validate({**record, "provenance": trail, "source_department": context.department})
        check_content(item.content)
        fresh = stored_fields(item, None)
        fresh["privacy_hold"] = privacy_hold(fresh, context.rules)
        if context.json_text:
            fresh["content"] = JsonText(json.dumps(fresh["content"]))
        line = provenance.line_of(number, as_read)
        accepted = Accepted(number, str(record["doc_no"]), item, outcome.warnings, line, fresh)
        if first is not None and number in first and fresh["subject_uscc"]:
            name = item.subject.name.strip()[:200] or fresh["subject_uscc"]
            accepted.name_keys = (name, *pinyin_keys(name))
        out.append(accepted)
    return out


def first_rows(layout: Layout, chunk: Sequence[Raw], seen: set[str]) -> frozenset[int]:
    """The rows of ``chunk`` whose USCC cell the file has not named before (``seen``, updated): the ones a worker
    computes search keys for. Decided here, in file order, so that two workers do not key the same firm; a code
    written two ways (full-width, lower case) is keyed twice, a rejected first row leaves the keys to the writer."""
    columns = [index for index, name in layout.columns.items() if name == "XDR_SHXYM"]
    out: list[int] = []
    for number, cells in chunk:
        if isinstance(cells, UnreadableRow):
            continue
        for index in columns:
            code = cells[index].strip().upper() if index < len(cells) else ""
            if code and code not in seen:
                seen.add(code)
                out.append(number)
    return frozenset(out)


def sensitive_cells(layout: Layout, cells: Sequence[str]) -> list[tuple[str, str]]:
    """The clear values of the row's ID columns (kept SM4-encrypted with a rejected row)."""
    return [(layout.headers[i], cells[i]) for i in sorted(layout.sensitive) if i < len(cells) and cells[i]]


def by_reference(trail: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The provenance without the row's cells (they go to an archive: :mod:`xinyong.records.provenance`), and the
    cells. The row's own update time (1.0 ``SJC``), which the timeliness figures read, stays in the provenance."""
    cells = trail.pop(provenance.INLINE, None) or {}
    if "source_changed_on" not in trail:
        for header in provenance.SOURCE_TIME_HEADERS:
            value = cells.get(header)
            if isinstance(value, str) and value.strip():
                trail["source_changed_on"] = value
                break
    return trail, cells


def stored_fields(item: RecordIn, previous: Any | None) -> dict[str, Any]:
    """A version's fields as stored, from the record as sent and the current version (``previous``, if any):
    identifiers in content and title protected. A person subject's ``subject_person_id`` is left for the writer."""
    subject = item.subject
    if subject.type == SubjectType.ENTITY:
        uscc = subject_uscc(subject.uscc or "").code
        subject_fields = {"subject_type": SubjectType.ENTITY, "subject_uscc": uscc, "subject_person_id": None}
    else:
        subject_fields = {"subject_type": SubjectType.PERSON, "subject_uscc": None, "subject_person_id": None}
    fields = {
        **subject_fields,
        "subject_name": subject.name,
        "title": item.title,
        "decision_date": item.decision_date,
        "published_date": item.published_date,
        "disclosure": item.disclosure,
        "severity": item.severity,
        "status": item.status,
        "content": protect_ids(item.content, previous.content if previous else None),
    }
    return privacy.protect_fields(fields, previous)  # the title's personal data out of the clear too


def privacy_hold(fields: Mapping[str, Any], rules: RuleSet) -> bool:
    return privacy.hold_for(
        fields["subject_type"],
        fields["subject_uscc"],
        fields["subject_name"],
        fields["title"],
        fields["content"],
        rules,
    )


@lru_cache(maxsize=65_536)
def subject_uscc(code: str) -> UsccInfo:
    """A subject's USCC decoded (a file names the same firms again and again; a bad code raises, uncached)."""
    return validate_uscc(code, field="subject.uscc")


def person_key(id_type: str, number: str) -> tuple[str, str]:
    kind = IdType(id_type)
    return str(kind), validate_person_id(kind, number, field="subject.id_number")


# ---------------------------------------------------------------- the worker process


def prepared(
    context: Context, chunks: Iterable[list[Raw]], *, worker: bool
) -> Generator[tuple[list[Raw], list[Prepared]], None, None]:
    """(the chunk's rows as read, the chunk prepared), in order; with ``worker`` the chunks after the first are
    prepared in worker processes, up to :data:`AHEAD` of the one the caller is writing."""
    if not worker:
        for chunk in chunks:
            yield chunk, prepare(context, chunk)
        return
    pool: ProcessPoolExecutor | None = None
    queue: deque[tuple[list[Raw], Future[list[Prepared]] | None]] = deque()
    seen: set[str] = set()
    try:
        for index, chunk in enumerate(chunks):
            if index == 1:
                pool = _start_pool(context)
            first = first_rows(context.layout, chunk, seen)  # the first chunk's: keyed by the writer
            queue.append((chunk, pool.submit(_prepare_here, chunk, first) if pool is not None else None))
            while len(queue) > AHEAD:
                chunk_done, future = queue.popleft()
                done, pool = _result(context, chunk_done, future, pool)
                yield chunk_done, done
        while queue:
            chunk_done, future = queue.popleft()
            done, pool = _result(context, chunk_done, future, pool)
            yield chunk_done, done
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _start_pool(context: Context) -> ProcessPoolExecutor:
    probe = (get_cipher().encrypt(_PROBE, context=_PROBE), get_blind_index().digest(_PROBE, context=_PROBE))
    return ProcessPoolExecutor(
        WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(context, probe),
    )


def _result(
    context: Context, chunk: list[Raw], future: Future[list[Prepared]] | None, pool: ProcessPoolExecutor | None
) -> tuple[list[Prepared], ProcessPoolExecutor | None]:
    """The chunk prepared by the worker, or here (the first chunk; or the worker failed: then here from now on)."""
    if future is not None and pool is not None:
        try:
            return future.result(), pool
        except Exception:  # any failure: prepared here, where a refusal raises as it always did
            pool.shutdown(wait=False, cancel_futures=True)
            pool = None
    return prepare(context, chunk), pool


_worker_context: Context | None = None


def _start_worker(context: Context, probe: tuple[str, str]) -> None:
    """In the worker: keep the context; refuse to work with other keys than the parent's (its settings)."""
    global _worker_context
    token, blind = probe
    if get_cipher().decrypt(token, context=_PROBE) != _PROBE or get_blind_index().digest(_PROBE, context=_PROBE) != (
        blind
    ):
        raise RuntimeError("the ingestion worker's keys differ from its parent's")
    _worker_context = context


def _prepare_here(chunk: list[Raw], first: frozenset[int]) -> list[Prepared]:
    if _worker_context is None:
        raise RuntimeError("the ingestion worker was not started")
    return prepare(_worker_context, chunk, first)


__all__ = [
    "AHEAD",
    "WORKER_FROM_BYTES",
    "Accepted",
    "Context",
    "JsonText",
    "Prepared",
    "Rejected",
    "by_reference",
    "first_rows",
    "person_key",
    "prepare",
    "prepared",
    "privacy_hold",
    "sensitive_cells",
    "stored_fields",
    "subject_uscc",
]
