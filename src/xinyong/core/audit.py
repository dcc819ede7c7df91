"""Tamper-evident audit log (审计日志): an append-only, keyed hash chain of events.

Each event's hash is HMAC-SM3, under a key kept outside the database (:mod:`xinyong.core.audit_keys`), over its
canonical content, its key version and the previous event's hash; a one-row head table holds the sequence number
and hash of the newest event. Appending locks the head row, so concurrent writers on PostgreSQL serialise and the
chain stays linear. Changing, inserting or deleting any row breaks :func:`verify`, and recomputing the links after
a change needs the key, which the database never holds. What the key cannot show — the newest events deleted and
the head rewound, the whole chain replaced — the anchors do (:mod:`xinyong.core.audit_anchors`), and for the events
recorded since the last anchor the head witness: after every commit that appended events, the newest head
(sequence number and hash, under the chain's first hash) is written to a small file outside the database
(``XINYONG_AUDIT_WITNESS_FILE``; it only ever moves forward), which :func:`audit_anchors.verify_anchors` compares.

Chains started before the key (plain SM3 links) migrate: ``audit_head.keyed_from`` records the first keyed
event; events before it stay verifiable as plain SM3 and every event from it on must be keyed. The switch point is
in every signed anchor, so moving it is seen too.

Actions are named ``area:subject:verb`` (e.g. ``records:record:corrected``). Every mutation calls :func:`record`
in the same transaction as the change it describes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hmac
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives import hashes
from sqlalchemy import BigInteger, Index, Integer, String, select
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.audit_keys import AuditKeyError, AuditKeyring, get_keyring
from xinyong.core.config import get_settings
from xinyong.core.db import Base, JSONType, UTCDateTime

R = TypeVar("R")

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_actor_at", "actor_id", "at"),)  # one person's events (谋私预警)

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_department: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128), index=True)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(128), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_version: Mapped[int | None] = mapped_column(Integer)  # None: a plain SM3 link from before the key


class AuditHead(Base):
    """The newest link of the chain (one row, id = 1)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    keyed_from: Mapped[int] = mapped_column(BigInteger)  # the first event linked with a key (earlier: plain SM3)


def _sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _canonical(event: Any, key_version: int | None = None) -> bytes:
    body: dict[str, Any] = {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_role": event.actor_role,
        "actor_id": event.actor_id,
        "actor_department": event.actor_department,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "payload": event.payload,
        "prev_hash": event.prev_hash,
    }
    if key_version is not None:
        body["key_version"] = key_version
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: Any, keyring: AuditKeyring | None = None) -> str:
    """The link of ``event``: HMAC-SM3 under its key version, or plain SM3 for an event from before the key."""
    version = event.key_version
    if version is None:
        return _sm3_hex(_canonical(event))
    return (keyring or get_keyring()).mac(version, b"xinyong:audit-event:" + _canonical(event, version)).hex()


def ensure_head(session: Session) -> None:
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, last_seq=0, last_hash=GENESIS, keyed_from=1))
        session.flush()


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON so the stored payload hashes the same as the one we hashed."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        ensure_head(session)
        head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    event = AuditEvent(
        seq=head.last_seq + 1,
        at=clock.now(),
        actor_role=str(actor.role),
        actor_id=actor.id,
        actor_department=actor.department_code,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=_json_safe(payload or {}),
        prev_hash=head.last_hash,
    )
    keyring = get_keyring()
    event.key_version = keyring.current_version
    event.hash = compute_hash(event, keyring)
    session.add(event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.flush()
    _note_for_witness(session, event)
    return event


# ---------------------------------------------------------------- the head witness (outside the database)

WITNESS_FORMAT = "xinyong-audit-head/1"
WITNESS_CHAINS = 8  # chains remembered (a chain is named by its first event's hash; tests start many)
_PENDING = "xinyong.audit.witness"


@dataclass(frozen=True)
class Witnessed:
    """The newest head of one chain the witness saw committed; ``conflict``: a later commit that did not continue it
    (the chain was rewound and carried on) — the witness then stays at what it saw, for verify to report."""

    seq: int
    hash: str
    at: str  # UTC, ISO 8601
    conflict: int | None = None  # the sequence number the non-continuing commit ended at


def added(
    session: Session, actor: Actor, row: R, action: str, subject_type: str, payload: dict[str, Any] | None = None
) -> R:
    """Add a new ``row``, flush it (so it has its id) and record ``action`` about it; the row again."""
    session.add(row)
    session.flush()
    record(session, actor, action, subject_type, str(getattr(row, "id")), payload)  # noqa: B009 - any mapped row
    return row


def _note_for_witness(session: Session, new: AuditEvent) -> None:
    """Remember this transaction's newest head and where it started; written to the witness file once it commits."""
    pending = session.info.get(_PENDING)
    if pending is not None:
        chain, prev_seq, prev_hash = pending[0], pending[1], pending[2]
    else:
        prev_seq, prev_hash = new.seq - 1, new.prev_hash
        if new.seq == 1:
            chain = new.hash
        else:
            first = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == 1)).scalar_one_or_none()
            if first is None:
                return  # a chain without its first event is broken; verify says so, the witness keeps out of it
            chain = first
    session.info[_PENDING] = (chain, prev_seq, prev_hash, new.seq, new.hash)


def _outermost(session: Session) -> bool:
    """Whether the transaction the event is about is the session's own (a SAVEPOINT's release or rollback is not
    the commit or rollback of the changes: only the outermost one is)."""
    return session.get_nested_transaction() is None


@orm_event.listens_for(Session, "before_commit")
def _witness_before_commit(session: Session) -> None:
    # What is committed is what the head row says now: an append in a SAVEPOINT that was rolled back is not.
    pending = session.info.get(_PENDING)
    if pending is None or not _outermost(session):
        return
    chain, prev_seq, prev_hash = pending[0], pending[1], pending[2]
    head = session.execute(select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)).one_or_none()
    if head is None or head.last_seq <= prev_seq:
        session.info.pop(_PENDING, None)  # every append of this transaction was rolled back
        return
    session.info[_PENDING] = (chain, prev_seq, prev_hash, head.last_seq, head.last_hash)


@orm_event.listens_for(Session, "after_commit")
def _witness_after_commit(session: Session) -> None:
    if not _outermost(session):
        return
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    path = get_settings().audit_witness_file
    if path is None:
        return
    # never fail a committed request for the witness; the witness is then behind, which hides nothing
    with contextlib.suppress(OSError):
        write_witness(path, *pending)


@orm_event.listens_for(Session, "after_rollback")
def _witness_after_rollback(session: Session) -> None:
    if _outermost(session):
        session.info.pop(_PENDING, None)


def read_witness(path: Path) -> dict[str, Witnessed] | None:
    """The heads the witness file holds, by chain; None when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != WITNESS_FORMAT:
            return None
        return {
            str(chain): Witnessed(
                int(item["seq"]),
                str(item["hash"]),
                str(item["at"]),
                int(item["conflict"]) if item.get("conflict") is not None else None,
            )
            for chain, item in data["chains"].items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _continues(known: Witnessed, prev_seq: int, prev_hash: str, seq: int, hash_: str) -> bool | None:
    """Whether a commit of events ``prev_seq``+1..``seq`` continues what the witness saw: True (move forward),
    None (nothing to do: the same head, or a late writer of an older commit), False (it does not: rewound)."""
    if known.seq > seq:
        return None  # an older commit written late (appends are serialised, their witness writes are not)
    if known.seq == seq:
        return None if hmac.compare_digest(known.hash, hash_) else False
    if known.seq > prev_seq:
        return False  # the commit re-recorded events the witness had seen: the head was rewound
    if known.seq == prev_seq:
        return hmac.compare_digest(known.hash, prev_hash)
    return True  # commits in between are not written yet: forward


def write_witness(path: Path, chain: str, prev_seq: int, prev_hash: str, seq: int, hash_: str) -> None:
    """Move the witness of ``chain`` forward to the commit of events ``prev_seq``+1..``seq``, never back; a commit
    that does not continue what it saw freezes it (the evidence stays until an operator looks).

    Serialised across processes by a lock file beside it; the file is replaced whole, so a reader never sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        heads = read_witness(path) or {}
        known = heads.get(chain)
        if known is not None:
            if known.conflict is not None:
                return
            verdict = _continues(known, prev_seq, prev_hash, seq, hash_)
            if verdict is None:
                return
            if verdict:
                heads[chain] = Witnessed(seq, hash_, now)
            else:
                heads[chain] = Witnessed(known.seq, known.hash, known.at, conflict=seq)
        else:
            heads[chain] = Witnessed(seq, hash_, now)
        heads[chain] = heads.pop(chain)  # the newest chain last; the oldest are dropped
        kept = dict(list(heads.items())[-WITNESS_CHAINS:])
        body = {
            "format": WITNESS_FORMAT,
            "chains": {
                c: {"seq": w.seq, "hash": w.hash, "at": w.at, **({"conflict": w.conflict} if w.conflict else {})}
                for c, w in kept.items()
            },
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-head-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(body, out, separators=(",", ":"))
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.checked} events verified"
        return f"audit chain broken at event {self.broken_seq}: {self.reason}"


def _events(session: Session, batch: int = 5000) -> Iterator[Any]:
    """Plain rows (not ORM objects), in chain order, a batch at a time, so a long chain stays out of memory."""
    table = AuditEvent.__table__
    last = 0
    while True:
        rows = session.execute(select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(session: Session, keyring: AuditKeyring | None = None) -> VerifyResult:
    """Walk the whole chain; report the first event whose content, link, key or position is wrong.

    Events before the head's ``keyed_from`` must be plain SM3 links, every event from it on a keyed one: an event
    re-linked as plain SM3 to dodge the key is a break like any other."""
    keys = keyring or get_keyring()
    head = session.get(AuditHead, 1)
    keyed_from = head.keyed_from if head is not None else 1
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    for event in _events(session):
        if event.seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"event {expected_seq} is missing (next present is {event.seq})"
            )
        if event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.seq, "link to the previous event does not match")
        if event.seq >= keyed_from and event.key_version is None:
            return VerifyResult(
                False, checked, event.seq, f"unkeyed link after the switch to keyed links (event {keyed_from})"
            )
        if event.seq < keyed_from and event.key_version is not None:
            return VerifyResult(
                False, checked, event.seq, f"keyed link before the recorded switch (event {keyed_from})"
            )
        try:
            expected = compute_hash(event, keys)
        except AuditKeyError as error:
            return VerifyResult(False, checked, event.seq, str(error))
        if not hmac.compare_digest(expected, event.hash):
            return VerifyResult(False, checked, event.seq, "content was changed after it was recorded")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    if head is None:
        if checked:
            return VerifyResult(False, checked, last_seq, "the chain head is missing")
        return VerifyResult(True, 0)
    if head.last_seq != last_seq:
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            f"event {last_seq + 1} to {head.last_seq} are missing from the end of the chain",
        )
    if head.last_hash != prev_hash:
        return VerifyResult(False, checked, last_seq, "the chain head does not match the newest event")
    return VerifyResult(True, checked)
