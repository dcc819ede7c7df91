"""Cross-level exchange, the service: upstream sources as data, deliveries (feed pages and files) applied item by
item with every version kept, the office's review list of conflicts, the outbound pushes to the provincial platform,
and the reconciliation report.

Services flush, never commit, except the pull (:func:`pull`), which is a job: it takes a unit-of-work factory and
commits each applied page together with the cursor that follows it, so an interrupted pull resumes where it stopped
and a re-delivered page changes nothing (every item's content is hashed; the same content is the same version).

Stable signatures::

    seed_upstream(session, actor=system) -> dict[str, int]
    create_source(session, actor, SourceIn) -> ExchangeSource / update_source(session, actor, code, SourceIn)
    list_sources(session) -> list[ExchangeSource] / get_source(session, code) -> ExchangeSource
    ingest_items(session, actor, source, items, *, channel, ref, sha256, cursor_after=None) -> BatchOut
    ingest_file(session, actor, code, data, filename) -> BatchOut
    pull(units, actor, code, *, max_pages=None) -> PullOut
    list_conflicts(session, *, open_only) / resolve_conflict(session, actor, conflict_id, ResolveIn)
    scan_outbound(session, actor, today) -> ScanOut      # queues into core.outbox (topic exchange.push)
    reconciliation(session) -> ReconciliationOut
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.masking import mask_id_number
from xinyong.core.outbox import OutboxMessage
from xinyong.entities import service as entities
from xinyong.entities.models import Entity
from xinyong.exchange import transport
from xinyong.exchange.models import (
    ExchangeBatch,
    ExchangeConflict,
    ExchangeItem,
    ExchangeItemVersion,
    ExchangeRejection,
    ExchangeScanMark,
    ExchangeSource,
)
from xinyong.exchange.rules import (
    LONG_TERM_TEXT,
    UPSTREAM_LIST_TYPES,
    UPSTREAM_MEMORANDA,
    ItemError,
    ItemState,
    ParsedItem,
    ParsedRecord,
    SourceLevel,
    Transport,
    content_hash,
    measure_scopes,
    parse_item,
    parse_page,
    parse_record,
    push_key,
    record_kind_of,
    same_name,
)
from xinyong.exchange.schemas import (
    BatchOut,
    ConflictOut,
    PullOut,
    PushOut,
    PushReport,
    ReconciliationOut,
    RejectionOut,
    ResolveIn,
    ScanOut,
    SourceIn,
    SourceOut,
    SourceReport,
)
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry, ListEntryStep
from xinyong.lists.schemas import ListTypeIn
from xinyong.punishment import service as punishment
from xinyong.records import feeds
from xinyong.records.ingest import UnreadableRow, open_table
from xinyong.records.rules import Kind

_SYSTEM = Actor.system("exchange")
PUSH_TOPIC = "exchange.push"  # the outbox topic of the city's data pushed to the provincial platform
_OFFICE = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})
MAX_REJECTIONS_SHOWN = 200
TERM_DEFAULTED = "term_defaulted"  # an upstream entry without an end date, given the list type's default term
CONFLICT_LABELS = {
    "name_mismatch": "名称不一致",
    "registered_differently": "登记信息不一致",
    "person_name_mismatch": "自然人姓名不一致",
    TERM_DEFAULTED: "未提供有效期（已按默认期限）",
}
NEWER_VERSION = "a newer version of this item arrived since; decide that one (已有更新版本)"
RECORD_KINDS_READ = frozenset({"penalty", "license"})  # upstream records read with the aggregation's validator
UnitOfWork = Callable[[], AbstractContextManager[Session]]


def _require_office(actor: Actor) -> None:
    if actor.role not in _OFFICE:
        raise Forbidden("only the credit office configures and runs the exchange (仅信用办可操作信用信息交换)")


# ---------------------------------------------------------------- seeding


def seed_upstream(session: Session, actor: Actor = _SYSTEM) -> dict[str, int]:
    """Add the upstream list types (失信被执行人名单, 重大税收违法失信主体…) that do not exist yet, widen the catalogued
    measures to them and add the national memoranda that cover them. Idempotent."""
    known = {t.code for t in lists.current_types(session)}
    added = 0
    for spec in UPSTREAM_LIST_TYPES:
        if spec.code in known:
            continue
        lists.publish_version(
            session,
            actor,
            ListTypeIn(
                code=spec.code,
                name=spec.name,
                category=spec.category,
                criteria=spec.criteria,
                legal_basis=spec.legal_basis,
                duration_months=spec.duration_months,
                term_adjustable=True,
                exit_rules=spec.exit_rules,
                effective_from=dt.date(2016, 1, 1),
                note=f"上级来源名单类型（{spec.issuing_body}），由信用信息交换接收",
            ),
        )
        added += 1
    counts = punishment.extend_catalogue(session, actor, scopes=measure_scopes(), memoranda=UPSTREAM_MEMORANDA)
    return {"list_types_added": added, **counts}


# ---------------------------------------------------------------- sources


def source_out(row: ExchangeSource) -> SourceOut:
    level = SourceLevel(row.level)
    return SourceOut(
        id=row.id,
        code=row.code,
        name=row.name,
        level=level,
        level_label=level.label,
        issuing_body=row.issuing_body,
        list_types=list(row.list_types),
        record_kinds=list(row.record_kinds),
        transport=Transport(row.transport),
        drop_dir=row.drop_dir,
        feed_url=row.feed_url,
        credentials_ref=row.credentials_ref,
        schedule_minutes=row.schedule_minutes,
        department=row.department,
        push_url=row.push_url,
        active=row.active,
        cursor=row.cursor,
        cursor_at=row.cursor_at,
        last_pull_at=row.last_pull_at,
        last_pull_error=row.last_pull_error,
    )


def _check_source(session: Session, data: SourceIn) -> str:
    seed_upstream(session)
    known = {t.code for t in lists.current_types(session)}
    unknown = sorted(set(data.list_types) - known)
    if unknown:
        raise InvalidInput(f"unknown list types (名单类型): {', '.join(unknown)}", field="list_types")
    kinds = {k.value for k in Kind}
    bad = sorted(set(data.record_kinds) - kinds)
    if bad:
        raise InvalidInput(f"unknown credit record kinds (信用记录类别): {', '.join(bad)}", field="record_kinds")
    if not data.list_types and not data.record_kinds:
        raise InvalidInput("a source carries at least one list type or record kind", field="list_types")
    if data.transport == Transport.HTTP and not data.feed_url:
        raise InvalidInput("an HTTP source needs feed_url (须填写接口地址)", field="feed_url")
    if data.transport == Transport.FOLDER and not data.drop_dir:
        raise InvalidInput("a folder source needs drop_dir (须填写文件目录)", field="drop_dir")
    if data.schedule_minutes is not None and data.transport != Transport.HTTP:
        raise InvalidInput("only an HTTP source is pulled on a schedule", field="schedule_minutes")
    return get_department(session, data.department).code


def _apply_config(row: ExchangeSource, data: SourceIn, department: str) -> None:
    row.name = data.name
    row.level = data.level
    row.issuing_body = data.issuing_body
    row.list_types = list(data.list_types)
    row.record_kinds = list(data.record_kinds)
    row.transport = data.transport
    row.drop_dir = data.drop_dir
    row.feed_url = data.feed_url
    row.credentials_ref = data.credentials_ref
    row.schedule_minutes = data.schedule_minutes
    row.department = department
    row.push_url = data.push_url
    row.active = data.active


def create_source(session: Session, actor: Actor, data: SourceIn) -> ExchangeSource:
    """The office adds an upstream source. Audit event ``exchange:source:created``."""
    _require_office(actor)
    department = _check_source(session, data)
    if session.scalars(select(ExchangeSource.id).where(ExchangeSource.code == data.code)).first() is not None:
        raise Conflict(f"source {data.code} exists already (来源编码已存在)", field="code")
    now = clock.now()
    row = ExchangeSource(code=data.code, created_by=actor.id, created_at=now, updated_at=now)
    _apply_config(row, data, department)
    session.add(row)
    session.flush()
    audit.record(session, actor, "exchange:source:created", "exchange_source", row.code, data.model_dump(mode="json"))
    return row


def update_source(session: Session, actor: Actor, code: str, data: SourceIn) -> ExchangeSource:
    """The office changes a source's configuration (the code stays; the cursor is kept). Audited with the
    changed fields (``exchange:source:updated``)."""
    _require_office(actor)
    row = get_source(session, code, lock=True)
    if data.code != row.code:
        raise InvalidInput("a source's code cannot change (来源编码不可修改)", field="code")
    department = _check_source(session, data)
    before = source_out(row).model_dump(mode="json")
    _apply_config(row, data, department)
    row.updated_at = clock.now()
    session.flush()
    after = source_out(row).model_dump(mode="json")
    changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    audit.record(session, actor, "exchange:source:updated", "exchange_source", row.code, {"changes": changes})
    return row


def list_sources(session: Session) -> list[ExchangeSource]:
    return list(session.scalars(select(ExchangeSource).order_by(ExchangeSource.code)))


def get_source(session: Session, code: str, *, lock: bool = False) -> ExchangeSource:
    stmt = select(ExchangeSource).where(ExchangeSource.code == code.strip().lower()[:32])
    row = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if row is None:
        raise NotFound(f"no exchange source {code[:32]!r} (未找到该来源)", field="source")
    return row


# ---------------------------------------------------------------- applying items


@dataclass(slots=True)
class _Tally:
    received: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: int = 0
    conflicts: int = 0


def _carried(session: Session, source: ExchangeSource) -> dict[str, str]:
    names = {t.code: t.name for t in lists.current_types(session)}
    return {code: names.get(code, code) for code in source.list_types}


def _reject(session: Session, batch: ExchangeBatch, errors: list[ItemError], tally: _Tally) -> None:
    tally.rejected += 1
    for e in errors:
        session.add(
            ExchangeRejection(
                batch_id=batch.id,
                row=e.row,
                upstream_id=(e.upstream_id or "")[:128] or None,
                field=e.field[:40],
                reason=e.reason[:2000],
            )
        )


@dataclass(frozen=True, slots=True)
class _Subject:
    uscc: str | None
    person_id: int | None
    conflict: tuple[str, str, str, str, str] | None  # kind, subject, local, upstream, detail


def _resolve_subject(session: Session, item: ParsedItem | ParsedRecord) -> _Subject:
    """The local subject of an item: a known entity or person, a new provisional entity (or person), or a
    conflict with local data (same USCC under another name; the name registered here under another USCC)."""
    if item.uscc is not None:
        entity = session.get(Entity, item.uscc)
        if entity is not None:
            names = [entity.name, *entities.former_names(session, entity.uscc)]
            if not any(same_name(n, item.subject_name) for n in names):
                detail = (
                    f"统一社会信用代码 {item.uscc} 在本市登记为「{entity.name}」，来源方名称为「{item.subject_name}」"
                )
                return _Subject(item.uscc, None, ("name_mismatch", item.uscc, entity.name, item.subject_name, detail))
            return _Subject(entity.uscc, None, None)
        other = session.scalars(
            select(Entity).where(Entity.name == item.subject_name, Entity.uscc != item.uscc).limit(1)
        ).first()
        if other is not None:
            detail = (
                f"「{item.subject_name}」在本市登记的统一社会信用代码为 {other.uscc}，来源方给出 {item.uscc}"
                "（校验位有效但登记不一致）"
            )
            return _Subject(item.uscc, None, ("registered_differently", item.uscc, other.uscc, item.uscc, detail))
        return _Subject(item.uscc, None, None)
    assert item.id_type is not None and item.id_number is not None
    person = entities.find_person(session, item.id_type, item.id_number)
    masked = mask_id_number(item.id_number)
    if person is not None and not same_name(person.name, item.subject_name):
        detail = f"证件号码 {masked} 在本市登记的姓名与来源方不一致"
        return _Subject(None, person.id, ("person_name_mismatch", masked, person.name, item.subject_name, detail))
    if person is not None:
        return _Subject(None, person.id, None)
    return _Subject(None, None, None)


def _entry_data(
    source: ExchangeSource, item: ParsedItem, version: int, uscc: str | None, person_id: int | None
) -> lists.UpstreamEntry:
    return lists.UpstreamEntry(
        source=source.code,
        source_name=source.name,
        level=source.level,
        issuing_body=item.issuing_body or source.issuing_body,
        upstream_id=item.upstream_id,
        version=version,
        list_code=item.list_code,
        department=source.department,
        subject_uscc=uscc,
        subject_person_id=person_id,
        subject_name=item.subject_name,
        status=item.status,
        facts=item.facts,
        basis=item.basis,
        decision_doc_no=item.doc_no,
        decision_date=item.decision_date,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
        long_term=item.long_term,
        exit_date=item.exit_date,
        reason=item.exit_reason,
    )


def _apply_item(
    session: Session, actor: Actor, source: ExchangeSource, batch: ExchangeBatch, parsed: ParsedItem, tally: _Tally
) -> None:
    digest = content_hash(parsed.content)
    item = session.scalars(
        select(ExchangeItem)
        .where(ExchangeItem.source_id == source.id, ExchangeItem.upstream_id == parsed.upstream_id)
        .with_for_update()
    ).first()
    if item is not None:
        latest = session.scalars(
            select(ExchangeItemVersion).where(
                ExchangeItemVersion.item_id == item.id, ExchangeItemVersion.version == item.version
            )
        ).one()
        if latest.content_sha256 == digest:
            tally.unchanged += 1  # re-delivered: nothing changes
            return
        if item.list_code != parsed.list_code:
            _reject(
                session, batch, [ItemError(0, "MDLX", "同一名单编号不能改变名单类型 (list type cannot change)")], tally
            )
            return
        if (
            parsed.upstream_version is not None
            and item.upstream_version is not None
            and parsed.upstream_version <= item.upstream_version
        ):
            reason = f"版本号 {parsed.upstream_version} 不新于已接收的 {item.upstream_version} (stale version)"
            _reject(session, batch, [ItemError(0, "BBH", reason, parsed.upstream_id)], tally)
            return
    subject = _resolve_subject(session, parsed)
    now = clock.now()
    if item is None:
        item = ExchangeItem(
            source_id=source.id,
            upstream_id=parsed.upstream_id,
            list_code=parsed.list_code,
            version=0,
            applied_version=None,
            entry_id=None,
        )
        session.add(item)
    item.version += 1
    item.subject_uscc = parsed.uscc
    item.subject_person_id = subject.person_id  # a known person (also when held: accepting needs it)
    item.subject_name = parsed.subject_name
    item.status = parsed.status
    item.upstream_version = parsed.upstream_version
    item.updated_at = now
    session.flush()
    version = ExchangeItemVersion(
        item_id=item.id,
        version=item.version,
        content_sha256=digest,
        content=parsed.content,
        status=parsed.status,
        valid_from=parsed.valid_from,
        valid_to=parsed.valid_to,
        state=ItemState.HELD if subject.conflict else ItemState.APPLIED,
        batch_id=batch.id,
        received_at=now,
    )
    session.add(version)
    session.flush()
    if subject.conflict is not None:
        kind, who, local, upstream, detail = subject.conflict
        session.add(
            ExchangeConflict(
                source_id=source.id,
                item_id=item.id,
                version=item.version,
                batch_id=batch.id,
                kind=kind,
                subject=who,
                local_value=local[:500],
                upstream_value=upstream[:500],
                detail=detail,
                created_at=now,
            )
        )
        tally.conflicts += 1
        session.flush()
        return
    uscc, person_id = subject.uscc, subject.person_id
    if uscc is not None:
        entities.ensure_entity(session, actor, uscc, parsed.subject_name)  # unknown: provisional (待核实)
    elif person_id is None:
        assert parsed.id_type is not None and parsed.id_number is not None
        person_id = entities.upsert_person(session, actor, parsed.subject_name, parsed.id_type, parsed.id_number).id
    item.subject_person_id = person_id
    entry = lists.apply_upstream_entry(session, _SYSTEM, _entry_data(source, parsed, item.version, uscc, person_id))
    item.entry_id = entry.id
    item.applied_version = item.version
    session.flush()
    tally.applied += 1
    if (entry.upstream or {}).get("term_defaulted"):
        # Applied with the list type's default term (never made permanent): on the office's review list.
        session.add(
            ExchangeConflict(
                source_id=source.id,
                item_id=item.id,
                version=item.version,
                batch_id=batch.id,
                kind=TERM_DEFAULTED,
                subject=uscc or entry.subject_name,
                local_value=(entry.valid_to.isoformat() if entry.valid_to else "")[:500],
                upstream_value="（未提供）",
                detail=(entry.validity_rule or "")[:2000],
                created_at=clock.now(),
            )
        )
        tally.conflicts += 1
        session.flush()


def _apply_record(
    session: Session, actor: Actor, source: ExchangeSource, batch: ExchangeBatch, parsed: ParsedRecord, tally: _Tally
) -> None:
    """An upstream credit record: kept as an item with every version (source, its identifier, status), its subject
    resolved as a list item's is (provisional entity, or a conflict held for the office). It is not merged into the
    city's own credit records."""
    digest = content_hash(parsed.content)
    code = f"record:{parsed.kind}"
    item = session.scalars(
        select(ExchangeItem)
        .where(ExchangeItem.source_id == source.id, ExchangeItem.upstream_id == parsed.upstream_id)
        .with_for_update()
    ).first()
    if item is not None:
        latest = session.scalars(
            select(ExchangeItemVersion).where(
                ExchangeItemVersion.item_id == item.id, ExchangeItemVersion.version == item.version
            )
        ).one()
        if latest.content_sha256 == digest:
            tally.unchanged += 1
            return
        if item.list_code != code:
            _reject(session, batch, [ItemError(0, "LB", "同一编号不能改变类别 (kind cannot change)")], tally)
            return
    subject = _resolve_subject(session, parsed)
    now = clock.now()
    if item is None:
        item = ExchangeItem(source_id=source.id, upstream_id=parsed.upstream_id, list_code=code, version=0)
        session.add(item)
    item.version += 1
    item.subject_uscc = parsed.uscc
    item.subject_person_id = subject.person_id
    item.subject_name = parsed.subject_name[:200]
    item.status = parsed.status
    item.upstream_version = None
    item.updated_at = now
    session.flush()
    session.add(
        ExchangeItemVersion(
            item_id=item.id,
            version=item.version,
            content_sha256=digest,
            content=parsed.content,
            status=parsed.status,
            valid_from=parsed.decision_date,
            valid_to=None,
            state=ItemState.HELD if subject.conflict else ItemState.APPLIED,
            batch_id=batch.id,
            received_at=now,
        )
    )
    session.flush()
    if subject.conflict is not None:
        kind, who, local, upstream, detail = subject.conflict
        session.add(
            ExchangeConflict(
                source_id=source.id,
                item_id=item.id,
                version=item.version,
                batch_id=batch.id,
                kind=kind,
                subject=who,
                local_value=local[:500],
                upstream_value=upstream[:500],
                detail=detail,
                created_at=now,
            )
        )
        tally.conflicts += 1
        session.flush()
        return
    if parsed.uscc is not None:
        entities.ensure_entity(session, actor, parsed.uscc, parsed.subject_name)
    elif subject.person_id is not None:
        item.subject_person_id = subject.person_id
    elif parsed.id_type is not None and parsed.id_number is not None:
        person = entities.upsert_person(session, actor, parsed.subject_name, parsed.id_type, parsed.id_number)
        item.subject_person_id = person.id
    item.applied_version = item.version
    session.flush()
    tally.applied += 1


def _ingest_record(
    session: Session,
    actor: Actor,
    source: ExchangeSource,
    batch: ExchangeBatch,
    raw: dict[str, Any],
    row: int,
    kind: str,
    today: dt.date,
    seen: set[str],
    tally: _Tally,
) -> None:
    if kind not in source.record_kinds:
        carried = "、".join(source.record_kinds) or "无"
        reason = f"该来源未配置此信用记录类别（可接收：{carried}）(record kind not carried by this source)"
        _reject(session, batch, [ItemError(row, "LB", reason)], tally)
        return
    if kind not in RECORD_KINDS_READ:
        _reject(session, batch, [ItemError(row, "LB", "仅可接收行政许可、行政处罚 (only license and penalty)")], tally)
        return
    parsed = parse_record(raw, row=row, kind=kind, today=today, source_department=source.department)
    if isinstance(parsed, list):
        _reject(session, batch, parsed, tally)
        return
    if parsed.upstream_id in seen:
        _reject(session, batch, [ItemError(row, "JLID", "同一批次内编号重复 (duplicate ID in delivery)")], tally)
        return
    seen.add(parsed.upstream_id)
    try:
        with session.begin_nested():
            _apply_record(session, actor, source, batch, parsed, tally)
    except InvalidInput as bad:
        _reject(session, batch, [ItemError(row, bad.field or "row", bad.message, parsed.upstream_id)], tally)


def ingest_items(
    session: Session,
    actor: Actor,
    source: ExchangeSource,
    items: Iterable[tuple[int, dict[str, Any] | ItemError]],
    *,
    channel: str,
    ref: str,
    sha256: str,
    cursor_after: str | None = None,
) -> BatchOut:
    """Apply one delivery's items, each in a savepoint: a row that fails is rejected with its reason, the others
    go on. Records the batch and audits it (``exchange:batch:received``)."""
    batch = ExchangeBatch(
        source_id=source.id,
        channel=channel,
        ref=ref[:500],
        sha256=sha256,
        cursor_after=cursor_after,
        received=0,
        applied=0,
        unchanged=0,
        rejected=0,
        conflicts=0,
        actor_id=actor.id,
        at=clock.now(),
    )
    session.add(batch)
    session.flush()
    tally = _Tally()
    carried = _carried(session, source)
    today = clock.today()
    seen: set[str] = set()
    for row, raw in items:
        tally.received += 1
        if isinstance(raw, ItemError):
            _reject(session, batch, [raw], tally)
            continue
        record_kind = record_kind_of(raw)
        if record_kind is not None:
            _ingest_record(session, actor, source, batch, raw, row, record_kind, today, seen, tally)
            continue
        parsed = parse_item(raw, row=row, carried=carried, today=today)
        if isinstance(parsed, list):
            _reject(session, batch, parsed, tally)
            continue
        if parsed.upstream_id in seen:
            _reject(
                session,
                batch,
                [ItemError(row, "ID", "同一批次内名单编号重复 (duplicate ID in delivery)", parsed.upstream_id)],
                tally,
            )
            continue
        seen.add(parsed.upstream_id)
        try:
            with session.begin_nested():
                _apply_item(session, actor, source, batch, parsed, tally)
        except InvalidInput as bad:
            _reject(session, batch, [ItemError(row, bad.field or "row", bad.message, parsed.upstream_id)], tally)
    for name in ("received", "applied", "unchanged", "rejected", "conflicts"):
        setattr(batch, name, getattr(tally, name))
    session.flush()
    audit.record(
        session,
        actor,
        "exchange:batch:received",
        "exchange_source",
        source.code,
        {
            "batch": batch.id,
            "channel": channel,
            "ref": ref[:200],
            "sha256": sha256,
            "received": tally.received,
            "applied": tally.applied,
            "unchanged": tally.unchanged,
            "rejected": tally.rejected,
            "conflicts": tally.conflicts,
            "cursor_after": cursor_after,
        },
    )
    return batch_out(session, batch, source.code)


def batch_out(session: Session, batch: ExchangeBatch, source_code: str) -> BatchOut:
    rejections = session.scalars(
        select(ExchangeRejection)
        .where(ExchangeRejection.batch_id == batch.id)
        .order_by(ExchangeRejection.row, ExchangeRejection.id)
        .limit(MAX_REJECTIONS_SHOWN)
    )
    return BatchOut(
        id=batch.id,
        source=source_code,
        channel="page" if batch.channel == "page" else "file",
        ref=batch.ref,
        sha256=batch.sha256,
        cursor_after=batch.cursor_after,
        received=batch.received,
        applied=batch.applied,
        unchanged=batch.unchanged,
        rejected=batch.rejected,
        conflicts=batch.conflicts,
        at=batch.at,
        rejections=[
            RejectionOut(row=r.row, upstream_id=r.upstream_id, field=r.field, reason=r.reason) for r in rejections
        ],
    )


# ---------------------------------------------------------------- files


FILE_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xls", ".jsonl", ".ndjson", ".json")


MAX_JSON_LINE = 1024 * 1024  # one item of a JSON lines file; longer lines are refused row by row


def _lines(data: bytes | Path) -> Iterator[bytes]:
    """The lines of a JSON lines file, from memory or read from disk a line at a time (a line longer than
    :data:`MAX_JSON_LINE` comes back cut at that length plus one byte: the caller refuses it)."""
    if isinstance(data, bytes):
        yield from data.splitlines()
        return
    with data.open("rb") as handle:
        while line := handle.readline(MAX_JSON_LINE + 1):
            if len(line) > MAX_JSON_LINE and not line.endswith(b"\n"):
                yield line  # too long: refused by the caller; skip the rest of it
                while (rest := handle.readline(MAX_JSON_LINE)) and not rest.endswith(b"\n"):
                    pass
                continue
            yield line.rstrip(b"\r\n")


def _json_lines(data: bytes | Path) -> Iterator[tuple[int, dict[str, Any] | ItemError]]:
    for number, raw in enumerate(_lines(data), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if len(raw) > MAX_JSON_LINE:
            yield number, ItemError(number, "row", f"行过长（超过 {MAX_JSON_LINE} 字节）(line too long)")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("JSON lines must be UTF-8 (JSON 行文件须为 UTF-8 编码)", field="file") from None
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as bad:
            yield number, ItemError(number, "row", f"不是有效的 JSON：{bad.msg} (bad JSON)")
            continue
        except RecursionError:
            yield number, ItemError(number, "row", "JSON 嵌套过深 (JSON nested too deeply)")
            continue
        if not isinstance(value, dict):
            yield number, ItemError(number, "row", "每行应为一个 JSON 对象 (each line must be a JSON object)")
            continue
        yield number, value


def _table_rows(data: bytes | Path, filename: str) -> Iterator[tuple[int, dict[str, Any] | ItemError]]:
    with open_table(data, filename) as table:
        headers = table.headers
        for row, cells in table.rows():
            if isinstance(cells, UnreadableRow):
                yield row, ItemError(row, "row", cells.reason)
                continue
            yield row, {h: v for h, v in zip(headers, cells, strict=False) if h}


def _size(data: bytes | Path) -> int:
    return len(data) if isinstance(data, bytes) else data.stat().st_size


def _sha256(data: bytes | Path) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    with data.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_items(data: bytes | Path, filename: str) -> Iterator[tuple[int, dict[str, Any] | ItemError]]:
    """The items of an upstream file (in memory or on disk, read as it goes): CSV/XLSX rows (headers are field
    codes or Chinese names) or JSON lines."""
    name = filename.strip().lower()
    if not name.endswith(FILE_SUFFIXES):
        raise InvalidInput(f"unsupported file type; send {', '.join(FILE_SUFFIXES)} (不支持的文件类型)", field="file")
    if not _size(data):
        raise InvalidInput("the file is empty (文件为空)", field="file")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return _json_lines(data)
    return _table_rows(data, filename)


def ingest_file(session: Session, actor: Actor, code: str, data: bytes | Path, filename: str) -> BatchOut:
    """An upstream file (uploaded and spooled to disk, or found in a source's folder; bytes in tests): every row
    applied or rejected with reasons."""
    _require_office(actor)
    source = get_source(session, code, lock=True)
    limit = get_settings().exchange_max_file_bytes
    if _size(data) > limit:
        raise InvalidInput(f"the file is larger than {limit} bytes (文件过大)", field="file")
    if not source.list_types and not source.record_kinds:
        raise InvalidInput(f"source {source.code} carries nothing (该来源未配置名单类型或记录类别)", field="source")
    items = list(file_items(data, filename))
    return ingest_items(
        session,
        actor,
        source,
        items,
        channel="file",
        ref=filename.strip()[-200:] or "upload",
        sha256=_sha256(data),
    )


# ---------------------------------------------------------------- the changes-since pull


def _pull_failed(units: UnitOfWork, actor: Actor, code: str, reason: str) -> None:
    with units() as session:
        source = get_source(session, code, lock=True)
        source.last_pull_error = reason[:2000]
        source.last_pull_at = clock.now()
        audit.record(session, actor, "exchange:pull:failed", "exchange_source", source.code, {"reason": reason[:500]})


def pull(
    units: UnitOfWork,
    actor: Actor,
    code: str,
    *,
    max_pages: int | None = None,
    fetch: Callable[..., transport.Answer] = transport.fetch_page,
) -> PullOut:
    """Pull a source's changes-since feed page by page from its stored cursor. Each page is applied in its own
    transaction together with the cursor after it: stopped at any point, the next pull resumes from the last
    applied page. A page that cannot be used (timeout, wrong content type, bad JSON, too big, a cursor going
    backwards) stops the pull with the reason; nothing of that page is applied. Audited per page."""
    _require_office(actor)
    settings = get_settings()
    limit = min(max_pages or settings.exchange_max_pages, settings.exchange_max_pages)
    out = PullOut(source=code, pages=0, received=0, applied=0, unchanged=0, rejected=0, conflicts=0, cursor=None,
                  complete=False)  # fmt: skip
    while out.pages < limit:
        with units() as session:
            source = get_source(session, code)
            if source.transport != Transport.HTTP or not source.feed_url:
                raise InvalidInput(f"source {source.code} is not an HTTP feed (该来源不是接口方式)", field="source")
            if not source.active:
                raise Conflict(f"source {source.code} is inactive (该来源已停用)", field="source")
            url, cursor, ref, name = source.feed_url, source.cursor, source.credentials_ref, source.code
        out.source, out.cursor = name, cursor
        try:
            answer = fetch(
                url,
                cursor=cursor,
                limit=settings.exchange_page_size,
                token=transport.token_of(ref),
                timeout=settings.exchange_timeout_seconds,
                max_bytes=settings.exchange_max_page_bytes,
            )
            page = parse_page(answer.body, current=cursor, max_items=settings.exchange_max_page_items)
        except transport.TransportError as failed:
            out.error = str(failed)
        except InvalidInput as refused:
            out.error = refused.message
        if out.error is not None:
            _pull_failed(units, actor, name, out.error)
            return out
        raw = json.dumps(page.items, ensure_ascii=False, sort_keys=True, default=str).encode()
        with units() as session:
            source = get_source(session, name, lock=True)
            if source.cursor != cursor:  # another pull moved on meanwhile: stop, the next pull continues
                out.error = "the cursor moved during this pull (另一拉取进程已推进游标)"
                return out
            items = [
                (
                    index,
                    item if isinstance(item, dict) else ItemError(index, "row", "条目应为 JSON 对象 (not an object)"),
                )
                for index, item in enumerate(page.items, start=1)
            ]
            batch = ingest_items(
                session,
                actor,
                source,
                items,
                channel="page",
                ref=f"since={cursor or ''}",
                sha256=hashlib.sha256(raw).hexdigest(),
                cursor_after=page.next_cursor,
            )
            now = clock.now()
            if page.next_cursor is not None:
                source.cursor = page.next_cursor
                source.cursor_at = now
            source.last_pull_at = now
            source.last_pull_error = None
            session.flush()
        out.pages += 1
        out.cursor = page.next_cursor or cursor
        for name_ in ("received", "applied", "unchanged", "rejected", "conflicts"):
            setattr(out, name_, getattr(out, name_) + getattr(batch, name_))
        if not page.has_more:
            out.complete = True
            break
    return out


def due_sources(session: Session, now: dt.datetime) -> list[str]:
    """Codes of active HTTP sources whose schedule says a pull is due."""
    due = []
    for source in list_sources(session):
        if not source.active or source.transport != Transport.HTTP or not source.schedule_minutes:
            continue
        if source.last_pull_at is None or source.last_pull_at + dt.timedelta(minutes=source.schedule_minutes) <= now:
            due.append(source.code)  # a schedule in minutes (not a legal deadline): plain arithmetic is right
    return due


# ---------------------------------------------------------------- items, conflicts


def list_items(session: Session, code: str, *, limit: int = 100, offset: int = 0) -> tuple[list[ExchangeItem], int]:
    source = get_source(session, code)
    stmt = select(ExchangeItem).where(ExchangeItem.source_id == source.id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(ExchangeItem.id).offset(offset).limit(limit)))
    return rows, total


def item_versions(session: Session, item_id: int) -> list[ExchangeItemVersion]:
    return list(
        session.scalars(
            select(ExchangeItemVersion)
            .where(ExchangeItemVersion.item_id == item_id)
            .order_by(ExchangeItemVersion.version)
        )
    )


def _codes(session: Session) -> dict[int, str]:
    return {s.id: s.code for s in list_sources(session)}


def conflict_out(row: ExchangeConflict, codes: dict[int, str], upstream_id: str) -> ConflictOut:
    return ConflictOut(
        id=row.id,
        source=codes.get(row.source_id, "?"),
        item_id=row.item_id,
        upstream_id=upstream_id,
        version=row.version,
        kind=row.kind,
        kind_label=CONFLICT_LABELS.get(row.kind, row.kind),
        subject=row.subject,
        local_value=row.local_value,
        upstream_value=row.upstream_value,
        detail=row.detail,
        resolution=row.resolution,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        note=row.note,
        created_at=row.created_at,
    )


def list_conflicts(session: Session, *, open_only: bool = True, limit: int = 500) -> list[ConflictOut]:
    stmt = select(ExchangeConflict, ExchangeItem.upstream_id).join(
        ExchangeItem, ExchangeItem.id == ExchangeConflict.item_id
    )
    if open_only:
        stmt = stmt.where(ExchangeConflict.resolution.is_(None))
    codes = _codes(session)
    return [conflict_out(c, codes, uid) for c, uid in session.execute(stmt.order_by(ExchangeConflict.id).limit(limit))]


def resolve_conflict(session: Session, actor: Actor, conflict_id: int, data: ResolveIn) -> ConflictOut:
    """The office decides a conflict: ``accepted`` applies the held version to the local subject as registered
    here (the local entity keeps its own name), ``dismissed`` leaves it unapplied. Once; audited."""
    _require_office(actor)
    row = session.scalars(select(ExchangeConflict).where(ExchangeConflict.id == conflict_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"no exchange conflict {conflict_id} (未找到该冲突)", field="conflict_id")
    if row.resolution is not None:
        raise Conflict(f"conflict {conflict_id} was {row.resolution} already (已处理)", field="conflict_id")
    item = session.get(ExchangeItem, row.item_id)
    assert item is not None
    version = session.scalars(
        select(ExchangeItemVersion).where(
            ExchangeItemVersion.item_id == item.id, ExchangeItemVersion.version == row.version
        )
    ).one()
    source = session.get(ExchangeSource, row.source_id)
    assert source is not None
    if row.kind == TERM_DEFAULTED:
        pass  # the entry is in force with the default term either way; the decision is recorded (确认 / 待来源方更正)
    elif data.resolution == "accepted" and item.list_code.startswith("record:"):
        if item.version != row.version:
            raise Conflict(
                "a newer version of this item arrived since; decide that one (已有更新版本)", field="conflict_id"
            )
        subject = version.content.get("subject") or {}
        if subject.get("uscc"):
            entities.ensure_entity(session, actor, str(subject["uscc"]), str(subject.get("name") or subject["uscc"]))
        item.applied_version = item.version
        version.state = ItemState.APPLIED
    elif data.resolution == "accepted":
        if item.version != row.version:
            raise Conflict(
                "a newer version of this item arrived since; decide that one (已有更新版本)", field="conflict_id"
            )
        content = version.content
        uscc = content.get("XDR_SHXYM")
        person_id = item.subject_person_id
        if uscc is None and person_id is None:
            raise Conflict(
                "the person cannot be identified from the stored version (无法确定自然人)", field="conflict_id"
            )
        if uscc is not None:
            entities.ensure_entity(session, actor, uscc, str(content.get("XDR_MC") or uscc))
        parsed = _parsed_from(content)
        entry = lists.apply_upstream_entry(session, _SYSTEM, _entry_data(source, parsed, item.version, uscc, person_id))
        item.entry_id = entry.id
        item.applied_version = item.version
        version.state = ItemState.APPLIED
    elif row.kind != TERM_DEFAULTED:
        version.state = ItemState.DISMISSED
    row.resolution = data.resolution
    row.resolved_by = actor.id
    row.resolved_at = clock.now()
    row.note = data.note
    session.flush()
    audit.record(
        session,
        actor,
        f"exchange:conflict:{data.resolution}",
        "exchange_conflict",
        str(row.id),
        {"source": source.code, "upstream_id": item.upstream_id, "version": row.version, "note": data.note},
    )
    return conflict_out(row, {source.id: source.code}, item.upstream_id)


def _parsed_from(content: dict[str, Any]) -> ParsedItem:
    def day(key: str) -> dt.date | None:
        value = content.get(key)
        return dt.date.fromisoformat(value) if isinstance(value, str) and value != LONG_TERM_TEXT else None

    decision = day("JDRQ")
    valid_from = day("YXQZ")
    assert decision is not None and valid_from is not None
    return ParsedItem(
        upstream_id=str(content["ID"]),
        list_code=str(content["MDLX"]),
        status=str(content["ZT"]),
        subject_name=str(content["XDR_MC"]),
        uscc=content.get("XDR_SHXYM"),
        id_type=content.get("XDR_ZJLX"),
        id_number=None,
        facts=str(content["LRYY"]),
        basis=str(content["LRYJ"]),
        doc_no=content.get("WSH"),
        decision_date=decision,
        valid_from=valid_from,
        valid_to=day("YXQZI"),
        exit_date=day("YCRQ"),
        exit_reason=content.get("YCYY"),
        issuing_body=content.get("RDJG"),
        upstream_version=content.get("BBH"),
        content=content,
        long_term=content.get("YXQZI") == LONG_TERM_TEXT,
    )


# ---------------------------------------------------------------- outbound: the city's data pushed up


RECORD_KINDS = (Kind.PENALTY, Kind.LICENSE)
_PUSHED_STEPS = ("publish", "expire", "exit_early", "revoke")
_RECORD_MARGIN = dt.timedelta(minutes=10)  # re-read before the mark: a slow transaction's rows are not missed
_STEP_MARGIN = 500


def push_targets(session: Session) -> list[str]:
    return sorted({s.push_url for s in list_sources(session) if s.active and s.push_url})


def _mark(session: Session, name: str) -> ExchangeScanMark | None:
    return session.scalars(select(ExchangeScanMark).where(ExchangeScanMark.name == name).with_for_update()).first()


def _set_mark(session: Session, row: ExchangeScanMark | None, name: str, position: str) -> None:
    if row is None:
        session.add(ExchangeScanMark(name=name, position=position, updated_at=clock.now()))
    else:
        row.position = position
        row.updated_at = clock.now()


def _enqueue(
    session: Session, actor: Actor, targets: list[str], kind: str, local_id: int, version: int, payload: dict[str, Any]
) -> int:
    """Queue one item version for each push target in the platform's outbox (same transaction). The key is the
    item version's: meeting it again (a re-scan) queues nothing."""
    added = 0
    key = push_key(kind, local_id, version)
    for url in targets:
        found = session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.destination == url, OutboxMessage.idempotency_key == key)
        ).first()
        if found is not None:
            continue  # queued before: the same version is never a new item
        data = {"kind": kind, "local_id": local_id, "version": version, "item": payload}
        outbox.enqueue(session, actor, topic=PUSH_TOPIC, destination=url, payload=data, idempotency_key=key)
        added += 1
    return added


def _entry_payload(entry: ListEntry, step: ListEntryStep) -> dict[str, Any]:
    status = {"publish": "active", "expire": "exited", "exit_early": "exited", "revoke": "revoked"}[step.step]
    return {
        "ID": f"360482-{entry.id}",
        "MDLX": entry.list_code,
        "ZT": status,
        "XDR_MC": entry.subject_name if entry.subject_uscc else "",
        "XDR_SHXYM": entry.subject_uscc,
        "LRYY": entry.facts,
        "LRYJ": entry.basis,
        "WSH": entry.decision_doc_no,
        "JDRQ": entry.decision_date.isoformat() if entry.decision_date else None,
        "YXQZ": entry.valid_from.isoformat() if entry.valid_from else None,
        "YXQZI": entry.valid_to.isoformat() if entry.valid_to else None,
        "YCRQ": (entry.exit_date or entry.revoked_on or step.on).isoformat() if status != "active" else None,
        "YCYY": entry.exit_reason or entry.revocation_reason if status != "active" else None,
        "RDJG": entry.department,
        "BBH": step.id,
        "DFBM": "360482",
    }


def scan_outbound(session: Session, actor: Actor, today: dt.date) -> ScanOut:
    """Queue the city's own data for the provincial platform (``xinyong tick``): credit record versions of the
    shared kinds in the national format (CF_XDR_MC…, from the records feed) and the local list decisions (publish,
    exit, revocation). Each item version gets one idempotency key; a scan that meets it again queues nothing."""
    del today
    targets = push_targets(session)
    if not targets:
        return ScanOut(queued=0, records=0, list_decisions=0)
    queued = records = decisions = 0
    now = clock.now()
    for kind in RECORD_KINDS:
        name = f"records:{kind.value}"
        mark = _mark(session, name)
        since = dt.datetime.fromisoformat(mark.position) - _RECORD_MARGIN if mark is not None else None
        request = feeds.FeedRequest(kind=kind, since=since, fmt="jsonl", as_of=now)
        for row in feeds.feed_rows(session, _SYSTEM, request):
            record_id, number = int(str(row["JLID"])), int(str(row["BBH"]))
            version = number * 2 + (1 if row.get("BGLX") == feeds.DELETE else 0)  # a withdrawal is its own version
            payload = dict(row.items())
            added = _enqueue(session, actor, targets, f"record-{kind.value}", record_id, version, payload)
            queued += added
            records += added
        _set_mark(session, mark, name, now.isoformat())
    mark = _mark(session, "list_steps")
    start = max(0, int(mark.position) - _STEP_MARGIN) if mark is not None else 0
    last = start
    steps = session.execute(
        select(ListEntryStep, ListEntry)
        .join(ListEntry, ListEntry.id == ListEntryStep.entry_id)
        .where(ListEntryStep.id > start, ListEntryStep.step.in_(_PUSHED_STEPS), ListEntry.origin == "local")
        .order_by(ListEntryStep.id)
    )
    for step, entry in steps:
        last = max(last, step.id)
        added = _enqueue(session, actor, targets, "list_entry", entry.id, step.id, _entry_payload(entry, step))
        queued += added
        decisions += added
    top = session.scalar(select(func.max(ListEntryStep.id))) or 0
    _set_mark(session, mark, "list_steps", str(max(last, top, int(mark.position) if mark else 0)))
    session.flush()
    if queued:
        audit.record(session, actor, "exchange:push:queued", "outbox_message", PUSH_TOPIC, {"queued": queued})
    return ScanOut(queued=queued, records=records, list_decisions=decisions)


def push_out(row: OutboxMessage) -> PushOut:
    data = row.payload if isinstance(row.payload, dict) else {}
    return PushOut(
        id=row.id,
        idempotency_key=row.idempotency_key,
        kind=str(data.get("kind", "")),
        local_id=int(data.get("local_id", 0)),
        version=int(data.get("version", 0)),
        target_url=row.destination,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
    )


def list_pushes(session: Session, *, status: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    """The exchange's messages in the outbox (topic ``exchange.push``), newest first."""
    chosen: outbox.Status | None = None
    if status:
        try:
            chosen = outbox.Status(status)
        except ValueError:
            raise InvalidInput("status is pending, retrying, delivered or dead", field="status") from None
    return outbox.list_messages(session, status=chosen, topic=PUSH_TOPIC, limit=limit)


def retry_push(session: Session, actor: Actor, push_id: int) -> OutboxMessage:
    """The office sends a push again now (same idempotency key: the province sees the same item)."""
    _require_office(actor)
    message = session.get(OutboxMessage, push_id)
    if message is None or message.topic != PUSH_TOPIC:
        raise NotFound(f"no push {push_id} (未找到该推送)", field="push_id")
    return outbox.retry(session, actor, push_id)


# ---------------------------------------------------------------- reconciliation


def reconciliation(session: Session) -> ReconciliationOut:
    """Per source: deliveries, items received, applied, unchanged, rejected (by reason), conflicts open and
    resolved, entries in force; per push target: pending, sent, failed, acknowledged."""
    today = clock.today()
    sources: list[SourceReport] = []
    for source in list_sources(session):
        sums = session.execute(
            select(
                func.count(ExchangeBatch.id),
                func.coalesce(func.sum(ExchangeBatch.received), 0),
                func.coalesce(func.sum(ExchangeBatch.applied), 0),
                func.coalesce(func.sum(ExchangeBatch.unchanged), 0),
                func.coalesce(func.sum(ExchangeBatch.rejected), 0),
            ).where(ExchangeBatch.source_id == source.id)
        ).one()
        reasons: Counter[str] = Counter()
        for field_, reason, count in session.execute(
            select(ExchangeRejection.field, ExchangeRejection.reason, func.count())
            .join(ExchangeBatch, ExchangeBatch.id == ExchangeRejection.batch_id)
            .where(ExchangeBatch.source_id == source.id)
            .group_by(ExchangeRejection.field, ExchangeRejection.reason)
        ):
            reasons[f"{field_}: {reason}"[:300]] += int(count)
        conflicts: Counter[bool] = Counter()
        for resolution, count in session.execute(
            select(ExchangeConflict.resolution, func.count())
            .where(ExchangeConflict.source_id == source.id)
            .group_by(ExchangeConflict.resolution)
        ):
            conflicts[resolution is None] += int(count)
        in_force = lists.upstream_in_force(session, source.code, today)
        sources.append(
            SourceReport(
                source=source.code,
                name=source.name,
                level=source.level,
                batches=int(sums[0]),
                received=int(sums[1]),
                applied=int(sums[2]),
                unchanged=int(sums[3]),
                rejected=int(sums[4]),
                conflicts_open=int(conflicts.get(True, 0)),
                conflicts_resolved=int(conflicts.get(False, 0)),
                entries_in_force=int(in_force or 0),
                rejection_reasons=dict(reasons.most_common(50)),
                cursor=source.cursor,
                last_pull_at=source.last_pull_at,
                last_pull_error=source.last_pull_error,
            )
        )
    by_target: dict[str, PushReport] = {}
    rows = session.execute(
        select(
            OutboxMessage.destination,
            OutboxMessage.status,
            func.count(),
            func.coalesce(func.sum(OutboxMessage.attempts), 0),
        )
        .where(OutboxMessage.topic == PUSH_TOPIC)
        .group_by(OutboxMessage.destination, OutboxMessage.status)
    )
    for url, status, count, attempts in rows:
        report = by_target.setdefault(
            url, PushReport(target_url=url, pending=0, retrying=0, delivered=0, dead=0, failed_attempts=0)
        )
        if status in ("pending", "retrying", "delivered", "dead"):
            setattr(report, str(status), getattr(report, str(status)) + int(count))
        report.failed_attempts += int(attempts)
    pushes = sorted(by_target.values(), key=lambda r: r.target_url)
    return ReconciliationOut(generated_at=clock.now(), sources=sources, pushes=pushes)


def reconciliation_rows(report: ReconciliationOut) -> list[dict[str, Any]]:
    """The report as flat rows (one per source, one per push target) for XLSX/CSV export."""
    rows: list[dict[str, Any]] = []
    for s in report.sources:
        rows.append(
            {
                "类型": "接收",
                "来源/目标": f"{s.name}（{s.source}）",
                "层级": s.level,
                "批次": s.batches,
                "接收条数": s.received,
                "应用": s.applied,
                "未变化": s.unchanged,
                "拒收": s.rejected,
                "待处理冲突": s.conflicts_open,
                "已处理冲突": s.conflicts_resolved,
                "在效条目": s.entries_in_force,
                "拒收原因": "；".join(f"{k} ×{v}" for k, v in s.rejection_reasons.items()),
            }
        )
    for p in report.pushes:
        rows.append(
            {
                "类型": "推送",
                "来源/目标": p.target_url,
                "待发送": p.pending,
                "待重试": p.retrying,
                "省平台已确认接收": p.delivered,
                "已停止（需人工重试）": p.dead,
                "失败尝试": p.failed_attempts,
            }
        )
    return rows


def touched_entries(session: Session, code: str) -> list[int]:
    """Ids of the list entries a source's items created (for tests and the console)."""
    source = get_source(session, code)
    return list(
        session.scalars(
            select(ExchangeItem.entry_id).where(ExchangeItem.source_id == source.id, ExchangeItem.entry_id.is_not(None))
        )
    )


# ---------------------------------------------------------------- the drop folder


@dataclass(frozen=True, slots=True)
class FolderResult:
    source: str
    file: str
    outcome: str  # applied / seen_before / refused
    batch: BatchOut | None
    reason: str | None


def scan_folder(units: UnitOfWork, actor: Actor, code: str) -> list[FolderResult]:
    """Read every file in a folder source's drop directory (oldest first), each in its own transaction; a file is
    moved to ``done/`` once its batch is committed, or to ``refused/`` when the whole file is unusable (the reason
    is audited). A file whose content was received before is moved to ``done/`` without a new batch."""
    with units() as session:
        source = get_source(session, code)
        if source.transport != Transport.FOLDER or not source.drop_dir:
            raise InvalidInput(f"source {source.code} has no drop folder (该来源不是目录方式)", field="source")
        folder = Path(source.drop_dir)
    if not folder.is_dir():
        raise InvalidInput(f"drop folder {str(folder)[:200]} does not exist (目录不存在)", field="drop_dir")
    files = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES)),
        key=lambda p: (p.stat().st_mtime, p.name),
    )
    results: list[FolderResult] = []
    limit = get_settings().exchange_max_file_bytes
    for path in files:
        outcome, batch, reason = "applied", None, None
        try:
            if path.stat().st_size > limit:
                raise InvalidInput(f"the file is larger than {limit} bytes (文件过大)", field="file")
            digest = _sha256(path)
            with units() as session:
                source = get_source(session, code)
                seen = session.scalars(
                    select(ExchangeBatch.id).where(
                        ExchangeBatch.source_id == source.id,
                        ExchangeBatch.channel == "file",
                        ExchangeBatch.sha256 == digest,
                    )
                ).first()
                if seen is not None:
                    outcome = "seen_before"
                else:
                    batch = ingest_file(session, actor, code, path, path.name)
        except InvalidInput as refused:
            outcome, reason = "refused", refused.message
            with units() as session:
                audit.record(
                    session,
                    actor,
                    "exchange:file:refused",
                    "exchange_source",
                    code,
                    {"file": path.name, "reason": reason},
                )
        target = folder / ("refused" if outcome == "refused" else "done")
        target.mkdir(exist_ok=True)
        moved = target / path.name
        if moved.exists():  # a file of the same name was read before: keep both
            moved = target / f"{path.stem}.{clock.now().strftime('%Y%m%dT%H%M%S%f')}{path.suffix}"
        path.replace(moved)
        results.append(FolderResult(code, path.name, outcome, batch, reason))
    return results


def sweep_pulls(session: Session, actor: Actor, today: dt.date) -> dict[str, int]:
    """``xinyong tick``: pull every HTTP source whose schedule is due. Each page commits in its own transaction
    (on the platform's database), so a sweep cut short resumes from the last applied page next time."""
    del today
    due = due_sources(session, clock.now())
    pulled = failed = pages = 0
    database = get_database()
    for code in due:
        out = pull(database.unit_of_work, actor, code)
        pulled += 1
        pages += out.pages
        failed += out.error is not None
    return {"due": len(due), "pulled": pulled, "pages": pages, "failed": failed}
