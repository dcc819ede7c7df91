"""Cross-level exchange: a delivery's items applied one by one, with every version kept (the same content is the
same version), upstream list entries through the lists service and upstream records through the records service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput
from xinyong.core.masking import mask_id_number
from xinyong.entities import lookup
from xinyong.entities import service as entities
from xinyong.exchange.models import (
    ExchangeBatch,
    ExchangeConflict,
    ExchangeItem,
    ExchangeItemVersion,
    ExchangeRejection,
    ExchangeSource,
)
from xinyong.exchange.rules import (
    ItemError,
    ItemState,
    ParsedItem,
    ParsedRecord,
    content_hash,
    parse_item,
    parse_record,
    record_kind_of,
    same_name,
)
from xinyong.exchange.schemas import (
    BatchOut,
    RejectionOut,
)
from xinyong.exchange.sources import MAX_REJECTIONS_SHOWN, RECORD_KINDS_READ, SYSTEM, TERM_DEFAULTED
from xinyong.lists import service as lists


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
        entity = lookup.find_entity(session, item.uscc)
        if entity is not None:
            names = [entity.name, *entities.former_names(session, entity.uscc)]
            if not any(same_name(n, item.subject_name) for n in names):
                detail = (
                    f"统一社会信用代码 {item.uscc} 在本市登记为「{entity.name}」，来源方名称为「{item.subject_name}」"
                )
                return _Subject(item.uscc, None, ("name_mismatch", item.uscc, entity.name, item.subject_name, detail))
            return _Subject(entity.uscc, None, None)
        other = lookup.other_entity_named(session, item.subject_name, item.uscc)
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


def entry_data(
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


def _is_news(
    session: Session, batch: ExchangeBatch, item: ExchangeItem, parsed: ParsedItem, digest: str, tally: _Tally
) -> bool:
    """Whether a known item's delivery is a new version: not a re-delivery (unchanged), not another list type or an
    older upstream version (both rejected)."""
    latest = session.scalars(
        select(ExchangeItemVersion).where(
            ExchangeItemVersion.item_id == item.id, ExchangeItemVersion.version == item.version
        )
    ).one()
    if latest.content_sha256 == digest:
        tally.unchanged += 1  # re-delivered: nothing changes
        return False
    if item.list_code != parsed.list_code:
        _reject(session, batch, [ItemError(0, "MDLX", "同一名单编号不能改变名单类型 (list type cannot change)")], tally)
        return False
    if (
        parsed.upstream_version is not None
        and item.upstream_version is not None
        and parsed.upstream_version <= item.upstream_version
    ):
        reason = f"版本号 {parsed.upstream_version} 不新于已接收的 {item.upstream_version} (stale version)"
        _reject(session, batch, [ItemError(0, "BBH", reason, parsed.upstream_id)], tally)
        return False
    return True


def _hold(
    session: Session,
    source: ExchangeSource,
    batch: ExchangeBatch,
    item: ExchangeItem,
    conflict: tuple[str, str, str, str, str],
    tally: _Tally,
) -> None:
    """An item's version on the office's review list: (kind, subject, local value, upstream value, detail)."""
    kind, who, local, upstream, detail = conflict
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
            created_at=clock.now(),
        )
    )
    tally.conflicts += 1
    session.flush()


def _apply_item(
    session: Session, actor: Actor, source: ExchangeSource, batch: ExchangeBatch, parsed: ParsedItem, tally: _Tally
) -> None:
    digest = content_hash(parsed.content)
    item = session.scalars(
        select(ExchangeItem)
        .where(ExchangeItem.source_id == source.id, ExchangeItem.upstream_id == parsed.upstream_id)
        .with_for_update()
    ).first()
    if item is not None and not _is_news(session, batch, item, parsed, digest, tally):
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
        _hold(session, source, batch, item, subject.conflict, tally)
        return
    uscc, person_id = subject.uscc, subject.person_id
    if uscc is not None:
        entities.ensure_entity(session, actor, uscc, parsed.subject_name)  # unknown: provisional (待核实)
    elif person_id is None:
        assert parsed.id_type is not None and parsed.id_number is not None
        person_id = entities.upsert_person(session, actor, parsed.subject_name, parsed.id_type, parsed.id_number).id
    item.subject_person_id = person_id
    entry = lists.apply_upstream_entry(session, SYSTEM, entry_data(source, parsed, item.version, uscc, person_id))
    item.entry_id = entry.id
    item.applied_version = item.version
    session.flush()
    tally.applied += 1
    if (entry.upstream or {}).get("term_defaulted"):
        # Applied with the list type's default term (never made permanent): on the office's review list.
        local = (entry.valid_to.isoformat() if entry.valid_to else "")[:500]
        held = (TERM_DEFAULTED, uscc or entry.subject_name, local, "（未提供）", (entry.validity_rule or "")[:2000])
        _hold(session, source, batch, item, held, tally)


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
        _hold(session, source, batch, item, subject.conflict, tally)
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
    batch = ExchangeBatch(source_id=source.id, channel=channel, ref=ref[:500], sha256=sha256, cursor_after=cursor_after,
                          received=0, applied=0, unchanged=0, rejected=0, conflicts=0, actor_id=actor.id,
                          at=clock.now())  # fmt: skip
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
        {"batch": batch.id, "channel": channel, "ref": ref[:200], "sha256": sha256, "received": tally.received,
         "applied": tally.applied, "unchanged": tally.unchanged, "rejected": tally.rejected,
         "conflicts": tally.conflicts, "cursor_after": cursor_after},
    )  # fmt: skip
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
