"""Cross-level exchange: the items and their versions, and the office's review list of conflicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, NotFound
from xinyong.entities import service as entities
from xinyong.exchange.applying import entry_data
from xinyong.exchange.models import (
    ExchangeConflict,
    ExchangeItem,
    ExchangeItemVersion,
    ExchangeSource,
)
from xinyong.exchange.rules import (
    LONG_TERM_TEXT,
    ItemState,
    ParsedItem,
)
from xinyong.exchange.schemas import (
    ConflictOut,
    ResolveIn,
)
from xinyong.exchange.sources import CONFLICT_LABELS, SYSTEM, TERM_DEFAULTED, get_source, list_sources, require_office
from xinyong.lists import service as lists


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
    require_office(actor)
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
        entry = lists.apply_upstream_entry(session, SYSTEM, entry_data(source, parsed, item.version, uscc, person_id))
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
