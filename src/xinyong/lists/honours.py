"""The honour lists (守信激励对象名单, 红名单): the credit office's procedure and the readers of honours.

Honour entries are rows of ``list_entries`` (``honour = true``) under list types of the category ``honour``, so
types are versioned, entries keep the version they were made under, the step log is ``list_entry_steps`` and the
portal's list pages read them like the other lists. Their procedure is :data:`~xinyong.lists.models.HONOURING`
(the table :data:`~xinyong.lists.honour_rules.HONOUR_TABLE`): one office account adds an entry, a second approves
it, which publishes it; the office may end it early (终止公示); the expiry sweep lapses it at the end of its term.
An honour never binds: :func:`xinyong.lists.views.in_force_condition` leaves it out of every restriction reader.
Every step is audited (``lists:honour:<step>``). Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.transitions import Parties
from xinyong.entities import service as entities
from xinyong.lists import types
from xinyong.lists.honour_rules import (
    HONOUR_EXIT_KIND,
    HONOUR_TABLE,
    LAPSE_EXIT_KIND,
    MAX_REASON,
    WITHHOLDING_CATEGORIES,
    HonourStep,
)
from xinyong.lists.models import HONOURING, ListEntry, ListType
from xinyong.lists.rules import EntryStatus, ListCategory, term_ended, validity
from xinyong.lists.schemas import HonourIn, ListEntryView
from xinyong.lists.steps import clean_text, ended_terms, refuse_upstream
from xinyong.lists.views import in_term_condition, views_of


def _parties(entry: ListEntry) -> Parties:
    return Parties(department=entry.department, proposer_id=entry.proposed_by, subject_uscc=entry.subject_uscc)


def _advance(session: Session, actor: Actor, entry: ListEntry, step: HonourStep, details: Mapping[str, object]) -> None:
    HONOURING.advance(
        session,
        actor,
        entry,
        step,
        parties=_parties(entry),
        reason=entry.exit_reason if step in (HonourStep.END, HonourStep.LAPSE) else None,
        documents=[entry.decision_doc_no] if entry.decision_doc_no and step == HonourStep.APPROVE else [],
        details=details,
        context={"list": entry.list_code, "department": entry.department},
    )


def _load(session: Session, entry_id: int) -> ListEntry:
    entry = session.scalars(
        select(ListEntry).where(ListEntry.id == entry_id, ListEntry.honour.is_(True)).with_for_update()
    ).first()
    if entry is None:
        raise NotFound(f"no honour entry {entry_id} (未找到该守信激励条目)", field="entry_id")
    refuse_upstream(entry)
    return entry


def honour_type(session: Session, code: str) -> ListType:
    """The honour type ``code`` in force today; 422 naming ``list_type`` when unknown or not an honour list."""
    types.ensure_honour_types(session)
    ltype = types.current_type(session, code)
    if ltype.category != ListCategory.HONOUR:
        raise InvalidInput(f"{ltype.name} is not an honour list (非守信激励名单)", field="list_type")
    return ltype


def honour_types(session: Session) -> list[ListType]:
    types.ensure_honour_types(session)
    return [t for t in types.current_types(session) if t.category == ListCategory.HONOUR]


def nominate_honour(session: Session, actor: Actor, data: HonourIn) -> ListEntry:
    """拟列入: an office account adds an entity to an honour list with the issuing body's decision document, its date
    and the reason. Audit event ``lists:honour:nominate``."""
    HONOUR_TABLE.require(HonourStep.NOMINATE, None, actor, Parties(None, actor.id, None))
    ltype = honour_type(session, data.list_type)
    uscc = validate_uscc(data.uscc.strip().upper(), field="uscc").code
    entity = entities.get_entity(session, uscc)
    department = get_department(session, data.department.strip().upper()).code
    reason = clean_text(data.reason, "reason", required=True, limit=MAX_REASON)
    basis = clean_text(data.basis, "basis", required=False, limit=MAX_REASON) or ltype.legal_basis
    doc_no = clean_text(data.decision_doc_no, "decision_doc_no", required=True, limit=128)
    today = clock.today()
    if data.decision_date > today:
        raise InvalidInput("decision_date is in the future (认定日期不能晚于今天)", field="decision_date")
    clash = session.scalars(
        select(ListEntry.id).where(
            ListEntry.honour.is_(True),
            ListEntry.list_code == ltype.code,
            ListEntry.subject_uscc == uscc,
            ListEntry.decision_doc_no == doc_no,
            ListEntry.status.in_([EntryStatus.PROPOSED, EntryStatus.PUBLISHED]),
        )
    ).first()
    if clash is not None:
        raise Conflict(f"entry {clash} already honours this entity by {doc_no} (该主体已按此文号列入)", field="uscc")
    term = types.term_of(ltype)
    valid = validity(data.decision_date, term, None, f"{ltype.name}（{ltype.code} 第{ltype.version}版）")
    if valid.valid_to is not None and valid.valid_to < today:
        raise InvalidInput(
            f"an honour decided on {data.decision_date} ended on {valid.valid_to} (认定已过有效期)",
            field="decision_date",
        )
    now = clock.now()
    entry = ListEntry(
        list_type_id=ltype.id,
        list_code=ltype.code,
        department=department,
        status="",
        subject_type="entity",
        subject_uscc=entity.uscc,
        subject_person_id=None,
        subject_name=entity.name,
        key_field=None,
        facts=reason,
        basis=basis,
        conduct_date=data.decision_date,
        linked_record_ids=[],
        proposed_by=actor.id,
        proposed_at=now,
        decision_doc_no=doc_no,
        decision_date=data.decision_date,
        duration_months=term.months,
        permanent=term.permanent,
        valid_from=valid.valid_from,
        valid_to=valid.valid_to,
        validity_rule=valid.rule,
        honour=True,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    details = {"list_type": f"{ltype.code}@{ltype.version}", "uscc": uscc, "decision_doc_no": doc_no}
    _advance(session, actor, entry, HonourStep.NOMINATE, details)
    return entry


def approve_honour(session: Session, actor: Actor, entry_id: int) -> ListEntry:
    """审核公示: a second office account (not the one who added it) approves the entry, which publishes it from
    today. Audit event ``lists:honour:approve``."""
    entry = _load(session, entry_id)
    HONOUR_TABLE.require(HonourStep.APPROVE, HONOUR_TABLE.status_of(entry.status), actor, _parties(entry))
    today = clock.today()
    if entry.valid_to is not None and entry.valid_to < today:
        raise Conflict(f"the term ended on {entry.valid_to} (已过有效期，不予公示)", field="valid_to")
    entry.decided_by = actor.id
    entry.published_on = today
    entry.published_by = actor.id
    _advance(session, actor, entry, HonourStep.APPROVE, {"published_on": today, "valid_to": entry.valid_to})
    return entry


def decline_honour(session: Session, actor: Actor, entry_id: int, *, reason: str) -> ListEntry:
    """不予列入: the office declines an entry not yet approved. Audit event ``lists:honour:decline_honour``."""
    entry = _load(session, entry_id)
    HONOUR_TABLE.require(HonourStep.DECLINE, HONOUR_TABLE.status_of(entry.status), actor, _parties(entry))
    text = clean_text(reason, "reason", required=True, limit=MAX_REASON)
    entry.decision_reason = text
    _advance(session, actor, entry, HonourStep.DECLINE, {"reason": text})
    return entry


def end_honour(session: Session, actor: Actor, entry_id: int, *, reason: str) -> ListEntry:
    """终止公示: the office ends a published honour before its term (e.g. the subject acted dishonestly, or the
    issuing body withdrew it). Audit event ``lists:honour:end``."""
    entry = _load(session, entry_id)
    HONOUR_TABLE.require(HonourStep.END, HONOUR_TABLE.status_of(entry.status), actor, _parties(entry))
    entry.exit_reason = clean_text(reason, "reason", required=True, limit=MAX_REASON)
    entry.exit_date = clock.today()
    entry.exit_kind = HONOUR_EXIT_KIND
    entry.exited_by = actor.id
    _advance(session, actor, entry, HonourStep.END, {"reason": entry.exit_reason})
    return entry


def lapse_honours(session: Session, actor: Actor, today: dt.date) -> int:
    """期满移出 of honours (the expiry sweep): published local honours whose term ended before ``today``. Returns how
    many lapsed; idempotent. Audit event ``lists:honour:lapse`` each."""
    lapsed = 0
    for ids in ended_terms(session, today, honour=True):
        for entry_id in ids:
            entry = _load(session, entry_id)
            if entry.status != EntryStatus.PUBLISHED or not term_ended(entry.valid_to, today):
                continue
            entry.exit_date = today
            entry.exit_kind = LAPSE_EXIT_KIND
            entry.exit_reason = f"有效期至 {entry.valid_to}，期满移出"
            entry.exited_by = actor.id
            _advance(session, actor, entry, HonourStep.LAPSE, {"valid_to": entry.valid_to})
            lapsed += 1
    return lapsed


# ---------------------------------------------------------------- readers


def honours_of(session: Session, uscc: str, on: dt.date | None = None) -> list[ListEntryView]:
    """The honours of an entity published and in force on ``on`` (default today), oldest decision first. Full
    views: the caller decides what its audience sees (the portal passes free text through the privacy gate)."""
    day = on or clock.today()
    rows = session.scalars(
        select(ListEntry)
        .where(ListEntry.subject_uscc == uscc, ListEntry.honour.is_(True), in_term_condition(day))
        .order_by(ListEntry.decision_date, ListEntry.id)
    )
    return views_of(session, list(rows))


def withholding_codes(session: Session) -> set[str]:
    """Codes of the list types whose entry in force withholds every incentive (国发〔2016〕33号; see
    :mod:`xinyong.lists.honour_rules`), any version."""
    categories = [c.value for c in WITHHOLDING_CATEGORIES]
    return set(session.scalars(select(ListType.code).where(ListType.category.in_(categories)).distinct()))


def honour_queue(session: Session, limit: int = 200) -> list[ListEntryView]:
    """Honour entries waiting for approval (拟列入), oldest first (the office's console)."""
    rows = session.scalars(
        select(ListEntry)
        .where(ListEntry.honour.is_(True), ListEntry.status == EntryStatus.PROPOSED)
        .order_by(ListEntry.id)
        .limit(limit)
    )
    return views_of(session, list(rows))


def recent_honours(session: Session, limit: int = 50) -> list[ListEntryView]:
    """The latest honour entries in any status, newest first (the office's console)."""
    rows = session.scalars(
        select(ListEntry).where(ListEntry.honour.is_(True)).order_by(ListEntry.id.desc()).limit(limit)
    )
    return views_of(session, list(rows))
