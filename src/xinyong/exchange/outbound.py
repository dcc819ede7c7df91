"""Cross-level exchange, outbound: the city's data pushed up to the provincial platform through ``core.outbox``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock, outbox
from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.outbox import OutboxMessage
from xinyong.exchange.models import (
    ExchangeScanMark,
)
from xinyong.exchange.rules import (
    push_key,
)
from xinyong.exchange.schemas import (
    PushOut,
    ScanOut,
)
from xinyong.exchange.sources import PUSH_TOPIC, SYSTEM, list_sources, require_office
from xinyong.lists.models import ListEntry, ListEntryStep
from xinyong.records import feeds
from xinyong.records.rules import Kind

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
        for row in feeds.feed_rows(session, SYSTEM, request):
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
    require_office(actor)
    message = session.get(OutboxMessage, push_id)
    if message is None or message.topic != PUSH_TOPIC:
        raise NotFound(f"no push {push_id} (未找到该推送)", field="push_id")
    return outbox.retry(session, actor, push_id)
