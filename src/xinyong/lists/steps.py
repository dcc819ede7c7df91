"""The one function that moves a list entry (:func:`advance`) and what every step shares: checking the step
against :data:`xinyong.lists.rules.TRANSITIONS` and the actor's right, stamping date and actor, logging the step in
``list_entry_steps`` and writing the audit event ``lists:entry:<step>`` in the same transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.entities.service import enqueue_regrade
from xinyong.lists.models import ListEntry, ListEntryStep
from xinyong.lists.rules import EntryStatus, Parties, Step, check_step

MAX_TEXT = 20_000
# statuses that change what the credit evaluation counts: the entity is queued for a re-grade (SPEC §3.6)
REGRADING_STATUSES = frozenset({EntryStatus.PUBLISHED, EntryStatus.EXITED, EntryStatus.REVOKED})
DEFAULT_RIGHTS = (
    "当事人有权在告知之日起{days}个工作日内（截止{deadline}）提出陈述和申辩，也可以书面放弃；"
    "对列入决定不服的，可依法申请行政复议或者提起行政诉讼。"
)


def clean_text(value: str | None, field: str, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required (必填)", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters (过长)", field=field)
    if "\x00" in text:
        raise InvalidInput(f"{field} contains a NUL character (含非法字符)", field=field)
    return text or None


def plain(details: dict[str, Any]) -> dict[str, Any]:
    """The step's details as JSON values (dates as ISO text), as the step log and the audit chain store them."""
    converted: dict[str, Any] = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    return converted


def parties_of(entry: ListEntry) -> Parties:
    return Parties(department=entry.department, proposer_id=entry.proposed_by, subject_uscc=entry.subject_uscc)


def advance(session: Session, actor: Actor, entry: ListEntry, step: Step, details: dict[str, Any]) -> EntryStatus:
    """Apply one step: check it, move the status, log it and audit it (the caller has filled the step's columns)."""
    previous = EntryStatus(entry.status) if entry.status else None
    target = check_step(step, previous, actor, parties_of(entry))
    now = clock.now()
    entry.status = target
    entry.updated_at = now
    session.add(entry)
    session.flush()
    session.add(
        ListEntryStep(
            entry_id=entry.id,
            step=step,
            from_status=previous,
            to_status=target,
            on=clock.today(),
            at=now,
            actor_role=str(actor.role),
            actor_id=actor.id,
            actor_department=actor.department_code,
            details=plain(details),
        )
    )
    if target in REGRADING_STATUSES:
        enqueue_regrade(session, entry.subject_uscc, f"list_entry:{entry.id}:{step}")
    session.flush()
    audit.record(
        session,
        actor,
        f"lists:entry:{step}",
        "list_entry",
        str(entry.id),
        {"from": previous, "to": target, "list": entry.list_code, "department": entry.department, **details},
    )
    return target


def load_for_step(session: Session, entry_id: int) -> ListEntry:
    """The entry, locked for the step (two reviewers deciding at once serialise on PostgreSQL)."""
    entry = session.scalars(select(ListEntry).where(ListEntry.id == entry_id).with_for_update()).first()
    if entry is None:
        raise NotFound(f"no list entry {entry_id} (未找到该名单条目)", field="entry_id")
    refuse_upstream(entry)
    return entry


def refuse_upstream(entry: ListEntry) -> None:
    """An upstream entry (from a national, provincial or other city's source) is never moved by a local step: only
    a newer version from its source changes it (lists.upstream). 403 with the source named."""
    if entry.origin != "local":
        source = (entry.upstream or {}).get("source_name") or (entry.upstream or {}).get("source") or "上级来源"
        raise Forbidden(
            f"list entry {entry.id} came from {source}; the city cannot change or exit it — only a newer version "
            f"from its source can (上级来源名单条目不可在本地修改或移出，仅可由来源方更新)",
            field="entry_id",
        )
