"""The one function that moves a list entry (:func:`advance`, the workflow mechanism's ``advance`` with the
listing table :data:`xinyong.lists.rules.TABLE`): checking the step and the actor's right, stamping date and
actor, logging the step in ``list_entry_steps`` and writing the audit event ``lists:entry:<step>`` in the same
transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.actor import Actor
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.workflow import Deadline, Parties
from xinyong.entities.service import enqueue_regrade
from xinyong.lists.models import LISTING, ListEntry
from xinyong.lists.rules import EntryStatus, Step

MAX_TEXT = 20_000
CHUNK = 500  # entries a sweep reads at a time
# statuses that change what the credit evaluation counts: the entity is queued for a re-grade (req §3.6)
REGRADING_STATUSES = frozenset({EntryStatus.PUBLISHED, EntryStatus.EXITED, EntryStatus.REVOKED})
DEFAULT_RIGHTS = (
    "当事人有权在告知之日起{days}个工作日内（截止{deadline}）提出陈述和申辩，也可以书面放弃；"
    "对列入决定不服的，可依法申请行政复议或者提起行政诉讼。"
)


def ended_terms(session: Session, today: dt.date, *, honour: bool) -> Iterator[list[int]]:
    """The ids of the published local entries (honours, or the other lists) whose term ended before ``today``, a chunk
    at a time in id order: what a 期满移出 sweep works through. An upstream entry's term is its source's to end."""
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(ListEntry.id)
                .where(
                    ListEntry.status == EntryStatus.PUBLISHED,
                    ListEntry.origin == "local",
                    ListEntry.honour.is_(honour),
                    ListEntry.valid_to.is_not(None),
                    ListEntry.valid_to < today,
                    ListEntry.id > last_id,
                )
                .order_by(ListEntry.id)
                .limit(CHUNK)
            )
        )
        if not ids:
            return
        last_id = ids[-1]
        yield ids


def clean_text(value: str | None, field: str, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required (必填)", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters (过长)", field=field)
    if "\x00" in text:
        raise InvalidInput(f"{field} contains a NUL character (含非法字符)", field=field)
    return text or None


def parties_of(entry: ListEntry) -> Parties:
    return Parties(department=entry.department, proposer_id=entry.proposed_by, subject_uscc=entry.subject_uscc)


def advance(
    session: Session,
    actor: Actor,
    entry: ListEntry,
    step: Step,
    details: dict[str, Any],
    *,
    reason: str | None = None,
    documents: tuple[str | None, ...] = (),
    deadline: Deadline | None = None,
) -> EntryStatus:
    """Apply one step through the workflow mechanism: check it, move the status, log it in ``list_entry_steps`` and
    audit it (the caller has filled the step's columns); a status the evaluation counts queues a re-grade."""
    moved = LISTING.advance(
        session,
        actor,
        entry,
        step,
        parties=parties_of(entry),
        reason=reason,
        documents=[d for d in documents if d],
        details=details,
        context={"list": entry.list_code, "department": entry.department},
        deadline=deadline,
    )
    assert moved.status is not None
    if moved.status in REGRADING_STATUSES:
        enqueue_regrade(session, entry.subject_uscc, f"list_entry:{entry.id}:{step}")
        session.flush()
    return moved.status


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
