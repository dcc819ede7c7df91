"""Upstream list entries (上级来源名单): entries issued by a national, provincial or other city's body and received
through the exchange area. They live in ``list_entries`` beside the city's own, so the check API and every reader of
:func:`~xinyong.lists.views.current_entries` match them alike; ``origin = 'upstream'`` marks them and ``upstream``
names the source, level, issuing body, the source's own identifier and status, and the version applied.

Only :func:`apply_upstream_entry` (called by the exchange area for a newer version from the entry's source) changes
such an entry; every local step refuses it (:func:`xinyong.lists.steps.refuse_upstream`), and the expiry sweep skips
it. Each applied version is a row of ``list_entry_steps`` (a change of status under the local step's name, so change
notices and re-grading follow it; otherwise ``upstream``) and an audit event. Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.periods import end_of_period
from xinyong.core.workflow import plain
from xinyong.entities.service import enqueue_regrade
from xinyong.lists import types
from xinyong.lists.models import ListEntry, ListEntryStep, ListType
from xinyong.lists.rules import EntryStatus, ExitKind, ListCategory, Step, describe_months

UPSTREAM_STEP = "upstream"
# The source's status -> the entry's status here.
UPSTREAM_STATUSES: dict[str, EntryStatus] = {
    "active": EntryStatus.PUBLISHED,
    "exited": EntryStatus.EXITED,
    "revoked": EntryStatus.REVOKED,
}


@dataclass(frozen=True, slots=True)
class UpstreamEntry:
    """One version of an upstream entry, as the exchange area validated it."""

    source: str  # the source's code here
    source_name: str
    level: str  # national / provincial / city
    issuing_body: str
    upstream_id: str
    version: int  # our version number of this item (1, 2, …)
    list_code: str
    department: str  # the local department that answers for the field (the source's configured department)
    subject_uscc: str | None
    subject_person_id: int | None
    subject_name: str
    status: str  # active / exited / revoked
    facts: str
    basis: str
    decision_doc_no: str | None
    decision_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None  # None: 长期 (long_term) or no end date given (the type's default term, flagged)
    exit_date: dt.date | None
    reason: str | None  # why exited or revoked, as the source gave it
    long_term: bool = False  # the source said 长期 in so many words: permanent until it says otherwise


def upstream_term(
    ltype: ListType, valid_from: dt.date, valid_to: dt.date | None, *, long_term: bool = False
) -> tuple[dt.date | None, bool]:
    """The last day an upstream entry is in force, and whether it was defaulted. A source that gives no end date
    does not make a fixed-term list permanent: the type's default term is counted from ``valid_from`` under the
    Civil Code and the entry is flagged for review. Open-ended only when the source said 长期 or the type is
    permanent."""
    if valid_to is not None or long_term or ltype.permanent or not ltype.duration_months:
        return valid_to, False
    return end_of_period(valid_from, months=ltype.duration_months), True


def upstream_key(source: str, upstream_id: str) -> str:
    return f"{source}:{upstream_id}"


def find_upstream(session: Session, source: str, upstream_id: str) -> ListEntry | None:
    return session.scalars(
        select(ListEntry).where(ListEntry.upstream_key == upstream_key(source, upstream_id)).with_for_update()
    ).first()


def _new_entry(ltype: ListType, data: UpstreamEntry, target: str, now: dt.datetime) -> ListEntry:
    """The row of an upstream entry seen for the first time."""
    return ListEntry(
        list_type_id=ltype.id,
        list_code=ltype.code,
        department=data.department,
        status=target,
        subject_type="entity" if data.subject_uscc else "person",
        subject_uscc=data.subject_uscc,
        subject_person_id=data.subject_person_id,
        subject_name=data.subject_name,
        key_field=None,
        facts=data.facts,
        basis=data.basis,
        conduct_date=data.decision_date,
        linked_record_ids=[],
        proposed_by=f"upstream:{data.source}",
        proposed_at=now,
        origin="upstream",
        upstream_key=upstream_key(data.source, data.upstream_id),
        updated_at=now,
    )


def _take_term(entry: ListEntry, ltype: ListType, data: UpstreamEntry) -> bool:
    """The version's term on the entry (the type's default term when the source gives no last day: returns True)."""
    valid_to, defaulted = upstream_term(ltype, data.valid_from, data.valid_to, long_term=data.long_term)
    entry.valid_from = data.valid_from
    entry.valid_to = valid_to
    entry.permanent = valid_to is None
    entry.published_on = data.valid_from
    entry.published_by = f"upstream:{data.source}"
    entry.validity_rule = f"有效期以来源方（{data.issuing_body}）公布为准"
    if defaulted:
        assert valid_to is not None
        entry.validity_rule = (
            f"来源方（{data.issuing_body}）未提供有效期截止日，按{ltype.name}默认期限"
            f"{describe_months(ltype.duration_months or 0)}计算至 {valid_to.isoformat()}（民法典第201、202条），待核实"
        )
    return defaulted


def _take_ending(entry: ListEntry, data: UpstreamEntry, target: str) -> None:
    """An exit or revocation from the source on the entry (cleared when the version has none)."""
    entry.exit_date = entry.revoked_on = None
    entry.exit_kind = entry.exit_reason = entry.exited_by = entry.revocation_reason = entry.revoked_by = None
    if target == EntryStatus.EXITED:
        entry.exit_date = data.exit_date or clock.today()
        entry.exit_kind = ExitKind.EXPIRY if data.valid_to and entry.exit_date > data.valid_to else ExitKind.EARLY
        entry.exit_reason = data.reason or "来源方移出"
        entry.exited_by = f"upstream:{data.source}"
    elif target == EntryStatus.REVOKED:
        entry.revoked_on = data.exit_date or clock.today()
        entry.revocation_reason = data.reason or "来源方撤销"
        entry.revoked_by = f"upstream:{data.source}"


def _step_of(entry: ListEntry, previous: str | None, target: str) -> str:
    """A change of status is logged under the step name a local entry's change would have (publish, expire /
    exit_early, revoke), so every reader of the step log (change notices to business systems, /checks/changes,
    the re-grading queue) treats it alike; a new version that keeps the status is logged as ``upstream``."""
    if previous == target or entry.honour:  # an honour restricts nobody: no change notice, no re-grade step
        return UPSTREAM_STEP
    if target == EntryStatus.PUBLISHED:
        return Step.PUBLISH
    if target == EntryStatus.REVOKED:
        return Step.REVOKE
    return Step.EXIT_EARLY if entry.exit_kind == ExitKind.EARLY else Step.EXPIRE


def apply_upstream_entry(session: Session, actor: Actor, data: UpstreamEntry) -> ListEntry:
    """Create or update the entry for one upstream version (the platform only). The row takes the version's
    subject, term and status; an exit or revocation from the source takes the entry out of the checks."""
    if actor.role != Role.SYSTEM:
        raise Forbidden("only the exchange service applies upstream entries (上级来源名单由交换服务写入)")
    if data.status not in UPSTREAM_STATUSES:
        raise InvalidInput(f"unknown upstream status {data.status!r}", field="status")
    if (data.subject_uscc is None) == (data.subject_person_id is None):
        raise InvalidInput("an upstream entry names one subject (须指定一个主体)", field="subject")
    ltype = types.current_type(session, data.list_code)
    now = clock.now()
    target = UPSTREAM_STATUSES[data.status]
    entry = find_upstream(session, data.source, data.upstream_id)
    previous = entry.status if entry is not None else None
    if entry is None:
        entry = _new_entry(ltype, data, target, now)
        session.add(entry)
    entry.list_type_id = ltype.id
    entry.list_code = ltype.code
    entry.honour = ltype.category == ListCategory.HONOUR  # e.g. A级纳税人 from the tax authority
    entry.department = data.department
    entry.status = target
    entry.subject_name = data.subject_name
    entry.facts = data.facts
    entry.basis = data.basis
    entry.conduct_date = data.decision_date
    entry.decision_date = data.decision_date
    entry.decision_doc_no = data.decision_doc_no
    entry.decided_by = data.issuing_body[:128]
    defaulted = _take_term(entry, ltype, data)
    _take_ending(entry, data, target)
    entry.upstream = {
        "source": data.source,
        "source_name": data.source_name,
        "level": data.level,
        "issuing_body": data.issuing_body,
        "upstream_id": data.upstream_id,
        "status": data.status,
        "version": data.version,
        "term_defaulted": defaulted,
    }
    entry.updated_at = now
    session.flush()
    details: dict[str, Any] = {
        "source": data.source,
        "upstream_id": data.upstream_id,
        "version": data.version,
        "status": data.status,
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
    }
    step = _step_of(entry, previous, target)
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
            actor_department=None,
            details=plain(details),
        )
    )
    # every new version (status, term, subject) may change the grade: queue a re-grade once
    enqueue_regrade(session, entry.subject_uscc, f"list_entry:{entry.id}:upstream")
    session.flush()
    audit.record(
        session,
        actor,
        "lists:entry:upstream",
        "list_entry",
        str(entry.id),
        {"from": previous, "to": target, "step": str(step), "list": entry.list_code, **details},
    )
    return entry
