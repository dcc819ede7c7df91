"""Sealing the check log into the audit chain (核查记录封存), instead of one chain event per check.

Every embedded check is stored as a row of ``punishment_checks`` (requester, purpose, scenario, subject as USCC or
blind index + masked ID, outcome, the answer). Appending each to the hash-chained audit log took the chain head's
row lock for the rest of the check's transaction, so on PostgreSQL all checks of all systems queued behind one
another. Instead, :func:`seal_checks` (run by ``xinyong tick`` and the background ticker) appends ONE chain event
``punishment:checks:sealed`` for a contiguous range of check ids, carrying their count and the SM3 digest of their
canonical content. :func:`verify_check_seals` recomputes every seal: changing, deleting or inserting a sealed check
breaks its seal, and the seal itself is protected by the chain, so a sealed check is as tamper-evident as an
audited one.

The difference: a check is tamper-evident from its seal on, not from its own commit; checks are sealed once they
are older than :data:`SEAL_AFTER` (so a transaction still committing a lower id is never skipped) — at each tick.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.audit import AuditEvent
from xinyong.punishment.models import Check

SEALED = "punishment:checks:sealed"
SEAL_AFTER = dt.timedelta(seconds=60)  # no request's transaction stays open this long after its check
MAX_PER_SEAL = 200_000
_BATCH = 5_000


def _canonical(row: Any) -> bytes:
    body = {
        "id": row.id,
        "at": row.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "requester_id": row.requester_id,
        "requester_role": row.requester_role,
        "requester_department": row.requester_department,
        "purpose": row.purpose,
        "scenario": row.scenario,
        "subject_kind": row.subject_kind,
        "subject_key": row.subject_key,
        "subject_display": row.subject_display,
        "subject_known": row.subject_known,
        "person_id": row.person_id,
        "outcome": row.outcome,
        "entry_ids": row.entry_ids,
        "answer": row.answer,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode() + b"\n"


def digest(session: Session, first_id: int, last_id: int) -> tuple[int, str]:
    """(count, SM3 hex) of the checks with ``first_id <= id <= last_id``, in id order, streamed in batches."""
    hasher = hashes.Hash(hashes.SM3())
    table = Check.__table__
    count = 0
    cursor = first_id - 1
    while True:
        rows = session.execute(
            select(table).where(table.c.id > cursor, table.c.id <= last_id).order_by(table.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            hasher.update(_canonical(row))
        count += len(rows)
        cursor = rows[-1].id
    return count, hasher.finalize().hex()


def last_sealed_id(session: Session) -> int:
    payload = session.scalar(
        select(AuditEvent.payload).where(AuditEvent.action == SEALED).order_by(AuditEvent.seq.desc()).limit(1)
    )
    return int(payload["to_id"]) if payload else 0


@dataclass(frozen=True)
class SealReport:
    seals: int
    checks: int
    up_to: int


def seal_checks(session: Session, actor: Actor, _today: dt.date | None = None) -> SealReport:
    """Seal every check older than :data:`SEAL_AFTER` not sealed yet (one chain event per ≤ 200,000 checks)."""
    # Serialise sealers: the chain head's lock is what every audit append takes anyway.
    audit.ensure_head(session)
    session.execute(select(audit.AuditHead).where(audit.AuditHead.id == 1).with_for_update())
    done = last_sealed_id(session)
    ripe = session.scalar(select(func.max(Check.id)).where(Check.at <= clock.now() - SEAL_AFTER))
    seals = checks = 0
    while ripe is not None and ripe > done:
        last = min(ripe, done + MAX_PER_SEAL)
        count, hexdigest = digest(session, done + 1, last)
        audit.record(
            session,
            actor,
            SEALED,
            "check",
            f"{done + 1}-{last}",
            {"from_id": done + 1, "to_id": last, "count": count, "sm3": hexdigest},
        )
        seals += 1
        checks += count
        done = last
    return SealReport(seals=seals, checks=checks, up_to=done)


@dataclass(frozen=True)
class SealCheck:
    ok: bool
    seals: int
    checks: int
    unsealed: int  # checks newer than the last seal (not yet tamper-evident)
    broken: str | None = None

    def describe(self) -> str:
        if not self.ok:
            return f"check log seal broken: {self.broken}"
        return f"check log intact: {self.checks} checks under {self.seals} seals, {self.unsealed} not sealed yet"


def verify_check_seals(session: Session) -> SealCheck:
    """Recompute every seal in chain order; report the first whose range, count or digest no longer matches."""
    seals = checks = 0
    expected_from = 1
    for seq, payload in session.execute(
        select(AuditEvent.seq, AuditEvent.payload).where(AuditEvent.action == SEALED).order_by(AuditEvent.seq)
    ):
        first, last = int(payload["from_id"]), int(payload["to_id"])
        if first != expected_from:
            return SealCheck(False, seals, checks, 0, f"seal at event {seq} starts at {first}, not {expected_from}")
        count, hexdigest = digest(session, first, last)
        if count != payload["count"] or hexdigest != payload["sm3"]:
            return SealCheck(
                False,
                seals,
                checks,
                0,
                f"checks {first}–{last} (event {seq}) were changed, removed or added after sealing",
            )
        seals += 1
        checks += count
        expected_from = last + 1
    unsealed = session.scalar(select(func.count()).select_from(Check).where(Check.id >= expected_from)) or 0
    return SealCheck(True, seals, checks, unsealed)
