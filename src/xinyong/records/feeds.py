"""Outbound feeds (共享, "一张网"): 行政许可 and 行政处罚 in the national 2.0 format, for the provincial platform and
other business systems, in full or as the changes since a moment; every export is audited.

**What a feed holds.** A record is *in the feed* of an actor at a moment when the version in force then is
visible to the actor (:func:`records.service.visible_versions`, the one visibility rule), its status is 有效 or
异议中 (``PUBLISHED_STATUSES``), and its disclosure is 公开 — or, for the credit office and the platform's own jobs,
公开 or 有条件共享. 不公开 records are never shared. Each row is one record, rebuilt from its version: the subject
fields from the version's subject columns (name, USCC, the person's ID type and masked number), everything else from
its content, through :func:`records.service.to_view`, so a business system gets what the public audience reads (the
desensitiser's output: persons' names, addresses, numbers in free text masked) and the office what staff read, except
that identifiers and contact numbers in free text stay in their stored masked form (never decrypted into a feed).

**ID numbers are never clear in a feed.** ``XDR_ZJHM`` and ``FR_ZJHM`` carry the masked form (``360482********1234``)
for every receiver. A purpose-bound clear feed (a receiver entitled by law to the numbers, the clear value decrypted
per row and the purpose audited) is future work.

**Rows.** Keyed by the national field codes (``CF_XDR_MC``…, ``XK_XDR_MC``…) in the order of
:data:`records.ingest.layouts.LABELS`: the 2.0 fields, then the local columns the import also knows
(``CF_YZCD`` 严重程度 = the record's severity; ``CF_ZT`` / ``XK_ZT`` 当前状态 = 有效, or 无效 on a
withdrawal; ``CF_CFMC``), ``CF_GSJZQ`` 公示截止期 = the platform's publicity end (the maximum period of the
severity under the regime in force on the decision date, :func:`records.publicity.publicity_end`; the licence
layout has no such column: a licence has no publicity period), then the 1.0 exchange fields ``DFBM`` 地方编码
(region of the source department) and ``SJC`` 数据更新时间戳 (when this version started, Beijing time), then the feed's
own ``BGLX`` 变更类型, ``BBH`` 版本号 and ``JLID`` 平台记录编号.

**Change types** (``BGLX``): ``I`` 新增, ``U`` 变更, ``D`` 撤销. A full feed is every record in the feed now, all
``I``. A changes-since feed compares the actor's feed at ``since`` with the feed now, for the records that have a
version whose ``valid_from`` is after ``since``, and gives one row per record for its net change: ``I`` when it was
not in the feed at ``since`` (new, or newly shared), ``U`` when it was and still is (a correction), ``D`` when it
no longer is (revoked, repaired, expired, or no longer shared). A ``D`` row repeats the record as the receiver had it
(the version in force at ``since``), with ``ZT`` 无效 and the version and time of the withdrawal. Rows are keyed by
``JLID`` (or department + ``WSH``); applying them as upserts and deletes is idempotent, so overlapping windows are
harmless: a receiver should ask from a little before its previous ``as_of`` (a batch is one transaction whose
versions carry the time they were written, so a long batch committing after an export can hold versions older than
that export's ``as_of``).

**Audit.** The export is written to a sink (a temporary file for HTTP, the output file's temporary sibling for the
command line) while rows are counted; then one ``records:feed:exported`` event (caller, kind, since, as_of, format,
row count per change type, SHA-256 of the bytes) is recorded in the caller's transaction, which commits *before* any
byte leaves the platform. So an export without its audit entry cannot happen: if the commit fails, nothing is sent.
Memory stays flat (rows are streamed from the database with ``yield_per`` and written as they come); the cost is the
time to write the whole file before sending it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Final

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.clock import BEIJING
from xinyong.core.departments import Department
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.export import Cell, ExportStats, csv_chunks
from xinyong.core.ids import IdType
from xinyong.core.masking import mask_id_number
from xinyong.entities import lookup
from xinyong.privacy import service as privacy_rules
from xinyong.privacy.rules import RuleSet
from xinyong.records.ingest.layouts import LABELS, PREFIX, PROVENANCE_ONLY
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import PERSONAL_ID_KEYS, PUBLISHED_STATUSES, Disclosure, Kind, SubjectType
from xinyong.records.service import to_view, visible_versions

FEED_KINDS: Final = (Kind.LICENSE, Kind.PENALTY)
FORMATS: Final = ("csv", "jsonl")
MEDIA_TYPES: Final = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: Who may take a feed: business systems (the provincial platform's key among them), the credit office, the
#: platform's own jobs. The route's access rule (BUSINESS_SYSTEM) says the same; the service checks again.
FEED_ROLES: Final = frozenset({Role.BUSINESS_SYSTEM, Role.CREDIT_OFFICE, Role.SYSTEM})
#: The roles that also receive 有条件共享 records.
SHARED_ROLES: Final = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})
INSERT, UPDATE, DELETE = "I", "U", "D"
CHANGE_LABELS: Final = {INSERT: "新增", UPDATE: "变更", DELETE: "撤销"}
#: The feed's own columns after the national ones.
FEED_COLUMNS: Final = {"BGLX": "变更类型（I 新增 / U 变更 / D 撤销）", "BBH": "版本号", "JLID": "平台记录编号"}
VALID, INVALID = "有效", "无效"
YIELD_PER: Final = 1000
MAX_SINCE_LENGTH: Final = 40
AUDIT_ACTION: Final = "records:feed:exported"
_CATEGORY: Final = {"person": "自然人", "self_employed": "个体工商户", "legal": "法人及非法人组织"}


@dataclass(frozen=True, slots=True)
class FeedRequest:
    kind: Kind
    since: dt.datetime | None  # None: the full feed
    fmt: str
    as_of: dt.datetime  # the moment the feed describes (the export's "now")

    @property
    def mode(self) -> str:
        return "full" if self.since is None else "changes"

    @property
    def filename(self) -> str:
        stamp = self.as_of.astimezone(BEIJING).strftime("%Y%m%dT%H%M%S")
        return f"{self.kind.value}-{self.mode}-{stamp}.{self.fmt}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


@dataclass(slots=True)
class FeedResult:
    request: FeedRequest
    rows: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    persons: int = 0  # rows about natural persons (names shown to the office)
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.request.kind.value,
            "mode": self.request.mode,
            "since": _iso(self.request.since),
            "as_of": _iso(self.request.as_of),
            "format": self.request.fmt,
            "rows": self.rows,
            "changes": {code: self.changes.get(code, 0) for code in (INSERT, UPDATE, DELETE)},
            "persons": self.persons,
            "sha256": self.sha256,
            "filename": self.request.filename,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


# ---------------------------------------------------------------- parameters


def parse_kind(value: str | Kind) -> Kind:
    if isinstance(value, Kind) and value in FEED_KINDS:
        return value
    for kind in FEED_KINDS:
        if value == kind.value:
            return kind
    raise InvalidInput(
        f"kind must be license or penalty, not {str(value)[:32]!r} (共享类别应为 license 行政许可 或 penalty 行政处罚)",
        field="kind",
    )


def parse_format(value: str | None) -> str:
    text = (value or "csv").strip().lower()
    if text not in FORMATS:
        raise InvalidInput(
            f"format must be csv or jsonl, not {str(value)[:16]!r} (格式应为 csv 或 jsonl)", field="format"
        )
    return text


def parse_since(value: str | dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """An ISO datetime (without an offset: Beijing time) or an ISO date (the start of that day in Beijing)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = value.strip()
        if len(text) > MAX_SINCE_LENGTH:
            raise InvalidInput("since is too long (时间格式错误)", field="since")
        try:
            if len(text) == 10:
                moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=BEIJING)
            else:
                moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                f"since {text!r} is not an ISO date or datetime, e.g. 2024-03-01T08:00:00+08:00 (时间格式错误)",
                field="since",
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    moment = moment.astimezone(dt.UTC)
    if moment > now:
        raise InvalidInput("since is in the future (起始时间晚于当前时间)", field="since")
    return moment


def feed_request(
    kind: str | Kind,
    since: str | dt.datetime | None = None,
    fmt: str | None = "csv",
    *,
    as_of: dt.datetime | None = None,
) -> FeedRequest:
    """Check the parameters (``InvalidInput`` naming ``kind``, ``since`` or ``format``); ``as_of`` defaults to now."""
    moment = as_of or clock.now()
    return FeedRequest(kind=parse_kind(kind), since=parse_since(since, moment), fmt=parse_format(fmt), as_of=moment)


# ---------------------------------------------------------------- columns


def columns(kind: Kind) -> list[str]:
    """The header of a feed: national codes with their prefix, then DFBM and SJC, then the feed's own columns."""
    labels = LABELS[kind]
    national = [PREFIX[kind] + code for code in labels if code not in PROVENANCE_ONLY]
    return [*national, *(code for code in labels if code in PROVENANCE_ONLY), *FEED_COLUMNS]


def column_names(kind: Kind) -> dict[str, str]:
    """Code -> Chinese name, for documentation and receivers."""
    labels = LABELS[kind]
    out = {PREFIX[kind] + code: label for code, label in labels.items() if code not in PROVENANCE_ONLY}
    return out | {code: label for code, label in labels.items() if code in PROVENANCE_ONLY} | FEED_COLUMNS


# ---------------------------------------------------------------- rows


def _check_actor(actor: Actor) -> None:
    if actor.role not in FEED_ROLES:
        raise Forbidden("feeds are for business systems and the credit office (共享数据仅向业务系统和信用办提供)")


def _levels(actor: Actor) -> list[str]:
    if actor.role in SHARED_ROLES:
        return [Disclosure.PUBLIC.value, Disclosure.CONDITIONAL.value]
    return [Disclosure.PUBLIC.value]


def _in_feed(actor: Actor, kind: Kind, moment: dt.datetime) -> Select[Any]:
    """The versions in the actor's feed at ``moment``, one per record, by record id. One table, no join: the plan
    stays a scan of versions even where statistics are missing (a large import not yet analysed)."""
    v = CreditRecordVersion
    return (
        visible_versions(actor, moment)
        .where(
            v.kind == kind.value,
            v.status.in_([s.value for s in PUBLISHED_STATUSES]),
            v.disclosure.in_(_levels(actor)),
            v.privacy_hold.is_(False),  # held for a desensitisation review: not shared until confirmed
        )
        .order_by(v.record_id)
    )


@dataclass(frozen=True, slots=True)
class _Found:
    version: CreditRecordVersion
    doc_no: str
    id_type: str | None = None  # the subject person's ID type and masked number
    id_masked: str | None = None
    latest: tuple[int, dt.datetime] | None = None  # a withdrawn record's newest version and its start


def _found(session: Session, stmt: Select[Any]) -> Iterator[_Found]:
    """Stream the versions; document numbers and persons are looked up by primary key a partition at a time."""
    result = session.execute(stmt.execution_options(yield_per=YIELD_PER))
    for part in result.partitions():
        versions: list[CreditRecordVersion] = [row[0] for row in part]
        record_ids = {v.record_id for v in versions}
        docs: dict[int, str] = dict(
            session.execute(select(CreditRecord.id, CreditRecord.doc_no).where(CreditRecord.id.in_(record_ids))).all()
        )
        wanted = {v.subject_person_id for v in versions if v.subject_person_id is not None}
        persons = lookup.masked_ids(session, wanted)
        for row in part:
            version = row[0]
            id_type, masked = persons.get(version.subject_person_id or 0, (None, None))
            latest = (int(row[1]), row[2]) if len(row) > 2 and row[1] is not None else None
            yield _Found(version, docs[version.record_id], id_type, masked, latest)


@dataclass(frozen=True, slots=True)
class _Change:
    code: str
    found: _Found


def _changes(session: Session, actor: Actor, request: FeedRequest) -> Iterator[_Change]:
    v = CreditRecordVersion
    now_stmt = _in_feed(actor, request.kind, request.as_of)
    if request.since is None:
        for found in _found(session, now_stmt):
            yield _Change(INSERT, found)
        return
    # A record changed in (since, as_of] has its version in force at as_of starting after since, and its version
    # in force at since closed by as_of; both are plain filters on one table, merged here by record id.
    latest = aliased(CreditRecordVersion)
    current = (latest.record_id == v.record_id, latest.valid_from <= request.as_of)
    then_stmt = (
        _in_feed(actor, request.kind, request.since)
        .where(v.valid_to.is_not(None), v.valid_to <= request.as_of)
        .add_columns(
            select(func.max(latest.version)).where(*current).scalar_subquery(),
            select(func.max(latest.valid_from)).where(*current).scalar_subquery(),
        )
    )
    now_rows = _found(session, now_stmt.where(v.valid_from > request.since))
    then_rows = _found(session, then_stmt)
    now, then = next(now_rows, None), next(then_rows, None)
    while now is not None or then is not None:
        if now is not None and (then is None or now.version.record_id < then.version.record_id):
            yield _Change(INSERT, now)
            now = next(now_rows, None)
        elif then is not None and (now is None or then.version.record_id < now.version.record_id):
            yield _Change(DELETE, then)
            then = next(then_rows, None)
        elif now is not None:  # the same record at both moments
            yield _Change(UPDATE, now)
            now, then = next(now_rows, None), next(then_rows, None)


def _text(value: Any) -> Cell:
    if isinstance(value, list | tuple):
        return "；".join(str(item) for item in value if item is not None)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _category(version: CreditRecordVersion, content: dict[str, Any]) -> str:
    given = content.get("XDR_LB")
    if isinstance(given, str) and given:
        return given
    if version.subject_type == SubjectType.PERSON:
        return _CATEGORY["person"]
    if (version.subject_uscc or "").startswith("92"):
        return _CATEGORY["self_employed"]
    return _CATEGORY["legal"]


def _region(departments: dict[str, Department], code: str) -> str:
    department = departments.get(code)
    return department.uscc[2:8] if department is not None else ""


def _national_row(
    actor: Actor, change: _Change, kind: Kind, departments: dict[str, Department], rules: RuleSet
) -> dict[str, Cell]:
    found = change.found
    version, doc_no = found.version, found.doc_no
    # the actor's audience: the public edition (the desensitiser's output) for business systems; the office gets the
    # stored text, whose identifiers and contact numbers stay masked (never decrypted into a feed)
    view = to_view(version, actor, doc_no, rules, originals=False)
    content = view.content
    row: dict[str, Cell] = {code: _text(content.get(code)) for code in LABELS[kind] if code not in PROVENANCE_ONLY}
    row["XDR_MC"] = view.subject.name
    row["XDR_LB"] = _category(version, content)
    row["XDR_SHXYM"] = view.subject.uscc or row.get("XDR_SHXYM")
    if version.subject_type == SubjectType.PERSON and row["XDR_LB"] == _CATEGORY["person"] and found.id_masked:
        row["XDR_ZJLX"] = row.get("XDR_ZJLX") or IdType(found.id_type or IdType.RESIDENT_ID).label
        row["XDR_ZJHM"] = row.get("XDR_ZJHM") or found.id_masked
    for key in PERSONAL_ID_KEYS:  # stored masked already; masked again so no path can let a clear number out
        if row.get(key):
            row[key] = mask_id_number(str(row[key]))
    row["WSH"] = doc_no
    if kind is Kind.LICENSE:
        row["XKWS"] = row.get("XKWS") or view.title
    else:
        row["YZCD"] = view.severity
        # 公示截止期: the platform's own end (the rule in force on the decision date), not an empty or stale copy
        row["GSJZQ"] = view.publicity_end.date.isoformat() if view.publicity_end is not None else row.get("GSJZQ")
    row["ZT"] = INVALID if change.code == DELETE else VALID
    code = {f"{PREFIX[kind]}{name}": value for name, value in row.items()}
    started, number = version.valid_from, version.version
    if change.code == DELETE and found.latest is not None:
        number, started = found.latest
    code["DFBM"] = _region(departments, version.source_department)
    code["SJC"] = started.astimezone(BEIJING).isoformat(timespec="seconds")
    code["BGLX"] = change.code
    code["BBH"] = number
    code["JLID"] = version.record_id
    return code


def feed_rows(
    session: Session, actor: Actor, request: FeedRequest, result: FeedResult | None = None
) -> Iterator[dict[str, Cell]]:
    """The feed's rows, streamed: column code -> value (``columns(kind)`` order)."""
    _check_actor(actor)
    departments = {d.code: d for d in session.execute(select(Department)).scalars()}
    rules = privacy_rules.ruleset(session)
    for change in _changes(session, actor, request):
        row = _national_row(actor, change, request.kind, departments, rules)
        if result is not None:
            result.changes[change.code] += 1
            if change.found.version.subject_type == SubjectType.PERSON:
                result.persons += 1
        yield row


# ---------------------------------------------------------------- encodings


def encode(rows: Iterable[dict[str, Cell]], kind: Kind, fmt: str) -> Iterator[bytes]:
    """CSV (UTF-8 with BOM, a header of codes, formulas neutralised by ``core.export``) or JSON lines."""
    header = columns(kind)
    if fmt == "csv":
        cells = ([row.get(code) for code in header] for row in rows)
        yield from csv_chunks(header, cells, limit=sys.maxsize, stats=ExportStats())
        return
    buffer: list[str] = []
    for row in rows:
        buffer.append(json.dumps({code: _json_value(row.get(code)) for code in header}, ensure_ascii=False))
        if len(buffer) >= 500:
            yield ("\n".join(buffer) + "\n").encode("utf-8")
            buffer.clear()
    if buffer:
        yield ("\n".join(buffer) + "\n").encode("utf-8")


def _json_value(value: Cell) -> Any:
    if value == "":
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def export(session: Session, actor: Actor, request: FeedRequest, sink: IO[bytes]) -> FeedResult:
    """Write the feed to ``sink`` and record the audit event in the caller's transaction. The caller commits
    before releasing the bytes (see the module's notes), so no export leaves without its audit entry."""
    _check_actor(actor)
    result = FeedResult(request)
    digest = hashlib.sha256()
    for chunk in encode(feed_rows(session, actor, request, result), request.kind, request.fmt):
        sink.write(chunk)
        digest.update(chunk)
    result.rows = sum(result.changes.values())
    result.sha256 = digest.hexdigest()
    audit.record(session, actor, AUDIT_ACTION, "feed", request.kind.value, result.to_dict())
    return result


__all__ = [
    "FEED_KINDS",
    "FORMATS",
    "FeedRequest",
    "FeedResult",
    "column_names",
    "columns",
    "encode",
    "export",
    "feed_request",
    "feed_rows",
]
