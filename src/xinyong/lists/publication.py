"""The end of the listing procedure: publication (已公示) with the entry's credit record, early exit after repair,
revocation, and the expiry sweep. The credit record (``records.service.upsert_record``, the department as source)
makes the listing show on the subject's record and the portal's list page; exit and revocation move its status
(已修复, 已过期, 已撤销). Services flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import Conflict, Forbidden, NotFound
from xinyong.entities import lookup
from xinyong.entities import service as entities
from xinyong.lists import types
from xinyong.lists.honours import lapse_honours
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.rules import (
    EntryStatus,
    ExitKind,
    ListCategory,
    Step,
    check_step,
    may_exit_early,
    term_ended,
)
from xinyong.lists.steps import advance, clean_text, ended_terms, load_for_step, parties_of
from xinyong.records import service as records
from xinyong.records.rules import Disclosure, Severity, Status, SubjectType, can_transition
from xinyong.records.schemas import RecordIn, SubjectIn

# ---------------------------------------------------------------- 公示 and its credit record


def _subject_in(session: Session, entry: ListEntry) -> SubjectIn:
    if entry.subject_uscc is not None:
        return SubjectIn(type=SubjectType.ENTITY, name=entry.subject_name, uscc=entry.subject_uscc)
    person = lookup.find_person(session, entry.subject_person_id)
    if person is None:  # pragma: no cover - the foreign key keeps it
        raise NotFound("the entry's person is gone", field="subject")
    number = get_cipher().decrypt(person.id_number_enc, context=entities.ID_CONTEXT)
    return SubjectIn(type=SubjectType.PERSON, name=person.name, id_type=person.id_type, id_number=number)


def _write_record(session: Session, actor: Actor, entry: ListEntry, ltype: ListType) -> int | None:
    if not ltype.record_kind or entry.decision_doc_no is None or entry.decision_date is None:
        return None
    content: dict[str, Any] = {
        "LIST_CODE": ltype.code,
        "LIST_NAME": ltype.name,
        "LIST_VERSION": ltype.version,
        "FACTS": entry.facts,
        "BASIS": entry.basis,
        "VALID_FROM": entry.valid_from.isoformat() if entry.valid_from else None,
        "VALID_TO": entry.valid_to.isoformat() if entry.valid_to else "永久",
        "ENTRY_ID": entry.id,
    }
    if entry.key_field:
        content["KEY_FIELD"] = entry.key_field
    data = RecordIn(
        source_department=entry.department,
        kind=ltype.record_kind,
        doc_no=entry.decision_doc_no,
        subject=_subject_in(session, entry),
        title=f"列入{ltype.name}决定",
        decision_date=entry.decision_date,
        published_date=clock.today(),
        disclosure=Disclosure.PUBLIC,
        severity=Severity.SERIOUS if ltype.category == ListCategory.SERIOUS else None,
        content=content,
        provenance={"source": "lists", "entry_id": entry.id, "list_type_id": ltype.id},
    )
    version, outcome = records.upsert_record(session, actor, data)
    if outcome != "created":
        raise Conflict(
            f"a {ltype.record_kind} record {entry.decision_doc_no} already exists (该文号的信用记录已存在)",
            field="decision_doc_no",
        )
    return version.record_id


def publish_entry(session: Session, actor: Actor, entry_id: int) -> ListEntry:
    """已公示: the department publishes a decided entry; its credit record is written (source: the department).
    Audit event ``lists:entry:publish``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.PUBLISH, EntryStatus(entry.status), actor, parties_of(entry))
    ltype = types.get_type(session, entry.list_type_id)
    entry.published_on = clock.today()
    entry.published_by = actor.id
    entry.record_id = _write_record(session, actor, entry, ltype)
    advance(
        session,
        actor,
        entry,
        Step.PUBLISH,
        {"record_id": entry.record_id, "valid_from": entry.valid_from, "valid_to": entry.valid_to},
    )
    return entry


# ---------------------------------------------------------------- 移出 and 撤销


def _move_record(session: Session, actor: Actor, entry: ListEntry, status: Status, reason: str) -> str | None:
    """Move the entry's credit record to ``status``; the outcome note for the step log."""
    if entry.record_id is None:
        return None
    current = records.current_of(session, entry.record_id)
    if not can_transition(Status(current.status), status):
        return f"record stays {current.status}"
    records.change_status(session, actor, entry.record_id, status, reason)
    return f"record {current.status} → {status}"


def exit_entry(
    session: Session, actor: Actor, entry_id: int, *, reason: str, repair_ref: str | None = None
) -> ListEntry:
    """提前移出: a reviewer of the department takes a published entry off the list early (after credit repair), on
    or after its earliest exit date; its credit record becomes 已修复. ``repair_ref`` names the repair case.
    Audit event ``lists:entry:exit_early``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.EXIT_EARLY, EntryStatus(entry.status), actor, parties_of(entry))
    text = clean_text(reason, "reason", required=True, limit=5000)
    assert text is not None
    today = clock.today()
    if not may_exit_early(today, entry.earliest_exit_on):
        when = entry.earliest_exit_on.isoformat() if entry.earliest_exit_on else None
        message = (
            f"early exit is possible from {when} (未满提前移出期限)"
            if when
            else "this entry cannot exit early (该名单不可提前移出)"
        )
        raise Conflict(message, field="exit_date")
    entry.exit_date = today
    entry.exit_kind = ExitKind.EARLY
    entry.exit_reason = text
    entry.exited_by = actor.id
    name = types.get_type(session, entry.list_type_id).name
    note = _move_record(session, actor, entry, Status.REPAIRED, f"提前移出{name}：{text}"[:500])
    advance(
        session,
        actor,
        entry,
        Step.EXIT_EARLY,
        {"reason": text, "repair_ref": repair_ref, "record": note},
        reason=text,
        documents=(repair_ref,),
    )
    return entry


def revoke_entry(session: Session, actor: Actor, entry_id: int, *, reason: str) -> ListEntry:
    """已撤销: a reviewer of the department revokes a decided or published entry (e.g. the decision was overturned);
    its credit record becomes 已撤销. Audit event ``lists:entry:revoke``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.REVOKE, EntryStatus(entry.status), actor, parties_of(entry))
    text = clean_text(reason, "reason", required=True, limit=5000)
    assert text is not None
    entry.revoked_on = clock.today()
    entry.revocation_reason = text
    entry.revoked_by = actor.id
    note = _move_record(session, actor, entry, Status.REVOKED, f"撤销列入决定：{text}"[:500])
    advance(session, actor, entry, Step.REVOKE, {"reason": text, "record": note}, reason=text)
    return entry


@dataclass(frozen=True)
class ExpiryResult:
    examined: int
    expired: int


def expire_entries(session: Session, actor: Actor, today: dt.date) -> ExpiryResult:
    """期满移出 (``xinyong tick``): published entries whose term ended before ``today`` leave the list, their credit
    records become 已过期. Idempotent: a second run finds nothing. Audit event ``lists:entry:expire`` each."""
    if actor.role != Role.SYSTEM:
        raise Forbidden("only the platform's sweep expires entries (期满移出由系统执行)")
    examined = expired = 0
    for ids in ended_terms(session, today, honour=False):  # honours lapse through their own procedure
        for entry_id in ids:
            examined += 1
            entry = load_for_step(session, entry_id)
            if entry.status != EntryStatus.PUBLISHED or not term_ended(entry.valid_to, today):
                continue
            entry.exit_date = today
            entry.exit_kind = ExitKind.EXPIRY
            entry.exit_reason = f"有效期至 {entry.valid_to}，期满移出"
            entry.exited_by = actor.id
            note = _move_record(session, actor, entry, Status.EXPIRED, entry.exit_reason)
            advance(session, actor, entry, Step.EXPIRE, {"valid_to": entry.valid_to, "record": note})
            expired += 1
    lapsed = lapse_honours(session, actor, today)  # the honours' own 期满移出 (lists.honours)
    return ExpiryResult(examined + lapsed, expired + lapsed)
