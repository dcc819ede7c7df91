"""The listing procedure (列入程序, SPEC §3.8): every step goes through :func:`_advance`, which checks the step
against :data:`xinyong.lists.rules.TRANSITIONS` and the actor's right, stamps the date and the actor, stores what
the step decided (deadlines with the rule that produced them), logs the step and writes the audit event.

Publication writes the entry's credit record (``records.service.upsert_record``, the department as source) so the
listing shows on the subject's record and the portal's list page; exit and revocation move that record's status.
Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.crypto import get_cipher
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.entities import service as entities
from xinyong.entities.models import Person
from xinyong.lists import responsible, types
from xinyong.lists.models import ListEntry, ListEntryStep, ListType
from xinyong.lists.rules import (
    EntryStatus,
    ExitKind,
    ListCategory,
    Parties,
    Step,
    Term,
    check_step,
    may_decide,
    may_exit_early,
    statement_deadline,
    term_ended,
    validity,
)
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Disclosure, Severity, Status, SubjectType, can_transition
from xinyong.records.schemas import RecordIn, SubjectIn

MAX_TEXT = 20_000
DEFAULT_RIGHTS = (
    "当事人有权在告知之日起{days}个工作日内（截止{deadline}）提出陈述和申辩，也可以书面放弃；"
    "对列入决定不服的，可依法申请行政复议或者提起行政诉讼。"
)
CHUNK = 500


def _text(value: str | None, field: str, *, required: bool, limit: int = MAX_TEXT) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required (必填)", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters (过长)", field=field)
    if "\x00" in text:
        raise InvalidInput(f"{field} contains a NUL character (含非法字符)", field=field)
    return text or None


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """The step's details as JSON values (dates as ISO text), as the step log and the audit chain store them."""
    plain: dict[str, Any] = json.loads(json.dumps(details, ensure_ascii=False, default=str))
    return plain


def _parties(entry: ListEntry) -> Parties:
    return Parties(department=entry.department, proposer_id=entry.proposed_by, subject_uscc=entry.subject_uscc)


def _advance(session: Session, actor: Actor, entry: ListEntry, step: Step, details: dict[str, Any]) -> EntryStatus:
    """Apply one step: check it, move the status, log it and audit it (the caller has filled the step's columns)."""
    previous = EntryStatus(entry.status) if entry.status else None
    target = check_step(step, previous, actor, _parties(entry))
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
            details=_plain(details),
        )
    )
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
    return entry


# ---------------------------------------------------------------- 拟列入


def resolve_person(session: Session, actor: Actor, name: str | None, id_type: str | None, id_number: str) -> int:
    """A person's id from their ID number (created when the platform does not know them yet)."""
    if not id_type:
        raise InvalidInput("a person is named by id_type and id_number (证件类型)", field="subject.id_type")
    found = entities.find_person(session, id_type, id_number)
    if found is not None:
        return found.id
    if not name:
        raise InvalidInput("a person not yet known needs a name (姓名)", field="subject.name")
    return entities.upsert_person(session, actor, name, id_type, id_number).id


def _linked_records(
    session: Session, actor: Actor, ids: Sequence[int], uscc: str | None, person_id: int | None
) -> list[CreditRecordVersion]:
    found: list[CreditRecordVersion] = []
    for record_id in dict.fromkeys(ids):
        version = session.scalars(
            records.visible_versions(actor).where(CreditRecordVersion.record_id == record_id)
        ).first()
        if version is None:
            raise InvalidInput(f"no credit record {record_id} visible to you (关联信用记录)", field="linked_record_ids")
        if version.subject_uscc != uscc or version.subject_person_id != person_id:
            raise InvalidInput(
                f"credit record {record_id} is about another subject (关联记录主体不一致)", field="linked_record_ids"
            )
        found.append(version)
    return found


def propose_entry(
    session: Session,
    actor: Actor,
    *,
    list_type: str,
    facts: str,
    basis: str,
    subject_uscc: str | None = None,
    subject_person_id: int | None = None,
    department: str | None = None,
    conduct_date: dt.date | None = None,
    linked_record_ids: Sequence[int] = (),
    key_field: str | None = None,
) -> ListEntry:
    """拟列入: a department operator (or reviewer) of the deciding department proposes a subject for a list.

    The subject is an entity (``subject_uscc``) or a person (``subject_person_id``). The conduct date is
    ``conduct_date``, else the earliest decision date of the linked credit records; clause 14 finds the
    responsible persons on that date. The platform (``Role.SYSTEM``, e.g. a breached commitment) proposes for the
    ``department`` it names. Audit event ``lists:entry:propose``.
    """
    if actor.role == Role.SYSTEM:
        if not department:
            raise InvalidInput("the platform proposes for a named department (认定部门)", field="department")
        code = get_department(session, department).code
    else:
        if not actor.is_department or not actor.department_code:
            raise Forbidden("only a department proposes list entries (仅行业主管部门可提出拟列入)")
        code = actor.department_code
        if department and get_department(session, department).code != code:
            raise Forbidden(f"you propose for your own department {code} only (仅可为本部门提出)")
    check_step(Step.PROPOSE, None, actor, Parties(code, actor.id, None))
    ltype = types.current_type(session, list_type)
    facts_text = _text(facts, "facts", required=True)
    basis_text = _text(basis, "basis", required=True, limit=5000)
    if (subject_uscc is None) == (subject_person_id is None):
        raise InvalidInput("name the subject by uscc or by person (须指定一个主体)", field="subject")
    if subject_uscc is not None:
        entity = entities.get_entity(session, subject_uscc)
        uscc, person_id, name, kind = entity.uscc, None, entity.name, SubjectType.ENTITY
    else:
        person = session.get(Person, subject_person_id)
        if person is None:
            raise NotFound(f"no person {subject_person_id} (未找到该自然人)", field="subject.person_id")
        uscc, person_id, name, kind = None, person.id, person.name, SubjectType.PERSON
    if ltype.key_fields:
        if key_field not in ltype.key_fields:
            allowed = "、".join(ltype.key_fields)
            raise InvalidInput(f"key_field must be one of {allowed} (重点领域)", field="key_field")
    elif key_field:
        raise InvalidInput(f"{ltype.name} has no key fields (该名单不分重点领域)", field="key_field")
    linked = _linked_records(session, actor, linked_record_ids, uscc, person_id)
    today = clock.today()
    if conduct_date is None:
        if not linked:
            raise InvalidInput(
                "give the conduct date or link the credit records of the conduct (失信行为发生日期)",
                field="conduct_date",
            )
        conduct_date = min(v.decision_date for v in linked)
    if conduct_date > today:
        raise InvalidInput("conduct_date is in the future (失信行为日期不能晚于今天)", field="conduct_date")
    entry = ListEntry(
        list_type_id=ltype.id,
        list_code=ltype.code,
        department=code,
        status="",
        subject_type=kind,
        subject_uscc=uscc,
        subject_person_id=person_id,
        subject_name=name,
        key_field=key_field,
        facts=facts_text,
        basis=basis_text,
        conduct_date=conduct_date,
        linked_record_ids=[v.record_id for v in linked],
        proposed_by=actor.id,
        proposed_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    _advance(
        session,
        actor,
        entry,
        Step.PROPOSE,
        {"list_type": f"{ltype.code}@{ltype.version}", "subject_type": kind, "conduct_date": conduct_date},
    )
    return entry


# ---------------------------------------------------------------- 告知 and 陈述申辩


def notify_party(
    session: Session, actor: Actor, entry_id: int, *, notice_doc_no: str, rights: str | None = None
) -> ListEntry:
    """告知: the department notifies the party; the statement deadline is N working days after today (the type's
    window), computed on the working-day calendar and stored with its rule. Audit event ``lists:entry:notify``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.NOTIFY, EntryStatus(entry.status), actor, _parties(entry))
    doc_no = _text(notice_doc_no, "notice_doc_no", required=True, limit=128)
    ltype = types.get_type(session, entry.list_type_id)
    today = clock.today()
    label = f"{ltype.name}（{ltype.code} 第{ltype.version}版）"
    deadline = statement_deadline(today, ltype.statement_window_days, load_calendar(session), label)
    entry.notice_date = today
    entry.notice_doc_no = doc_no
    entry.rights = _text(rights, "rights", required=False, limit=5000) or DEFAULT_RIGHTS.format(
        days=ltype.statement_window_days, deadline=deadline.date.isoformat()
    )
    entry.statement_deadline = deadline.date
    entry.statement_deadline_provisional = deadline.provisional
    entry.statement_deadline_rule = deadline.rule
    entry.notified_by = actor.id
    _advance(
        session,
        actor,
        entry,
        Step.NOTIFY,
        {"notice_doc_no": doc_no, "statement_deadline": deadline.date, "rule": deadline.rule},
    )
    return entry


def record_statement(
    session: Session, actor: Actor, entry_id: int, *, statement: str | None, waived: bool = False
) -> ListEntry:
    """陈述申辩: the party's statement (or its waiver), by the deadline. The party itself, or its department entering
    a written statement it received. Audit event ``lists:entry:state``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.STATE, EntryStatus(entry.status), actor, _parties(entry))
    text = _text(statement, "statement", required=not waived)
    today = clock.today()
    if entry.statement_deadline is not None and today > entry.statement_deadline:
        raise Conflict(
            f"the statement window ended on {entry.statement_deadline.isoformat()} (陈述申辩期限已过)",
            field="statement",
        )
    entry.statement = text
    entry.statement_waived = waived
    entry.stated_on = today
    entry.stated_by = actor.id
    _advance(session, actor, entry, Step.STATE, {"waived": waived, "length": len(text or "")})
    return entry


# ---------------------------------------------------------------- 决定 and 不予列入


def _unique_decision_doc(session: Session, entry: ListEntry, doc_no: str) -> None:
    clash = session.scalars(
        select(ListEntry.id).where(
            ListEntry.department == entry.department,
            ListEntry.decision_doc_no == doc_no,
            ListEntry.id != entry.id,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"decision document {doc_no} is already used by entry {clash} (文号重复)", field="decision_doc_no"
        )


def _term(ltype: ListType, duration_months: int | None, permanent: bool | None) -> Term:
    if duration_months is None and permanent is None:
        return types.term_of(ltype)
    if not ltype.term_adjustable:
        raise InvalidInput(f"{ltype.name} has a fixed term (该名单期限不可调整)", field="duration_months")
    if permanent:
        if duration_months is not None:
            raise InvalidInput("a permanent ban has no duration_months (永久禁入不设期限)", field="duration_months")
        return Term(None, True)
    return Term(duration_months)


def decide_entry(
    session: Session,
    actor: Actor,
    entry_id: int,
    *,
    decision_doc_no: str,
    reason: str | None = None,
    duration_months: int | None = None,
    permanent: bool | None = None,
) -> ListEntry:
    """已决定: a reviewer of the department who did not propose decides to list, with a decision document, not before
    the statement window has passed unless the party waived. The term is fixed here from the decision date (the
    type's term; types with an adjustable term, e.g. bans, may set another, up to permanent). For 机关事业单位 and
    国有企业 the decision produces clause 14 notices. Audit event ``lists:entry:decide``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.DECIDE, EntryStatus(entry.status), actor, _parties(entry))
    doc_no = _text(decision_doc_no, "decision_doc_no", required=True, limit=128)
    assert doc_no is not None
    today = clock.today()
    if not may_decide(today, entry.statement_deadline, bool(entry.statement_waived)):
        deadline = entry.statement_deadline.isoformat() if entry.statement_deadline else "?"
        raise Conflict(
            f"the statement window runs until {deadline}; decide after it (陈述申辩期限届满后方可决定)",
            field="decision_date",
        )
    _unique_decision_doc(session, entry, doc_no)
    ltype = types.get_type(session, entry.list_type_id)
    term = _term(ltype, duration_months, permanent)
    label = f"{ltype.name}（{ltype.code} 第{ltype.version}版）"
    earliest = None if term.permanent else ltype.earliest_exit_months
    valid = validity(today, term, earliest, label)
    entry.decision_date = today
    entry.decision_doc_no = doc_no
    entry.decision_reason = _text(reason, "reason", required=False, limit=5000)
    entry.decided_by = actor.id
    entry.duration_months = term.months
    entry.permanent = term.permanent
    entry.valid_from = valid.valid_from
    entry.valid_to = valid.valid_to
    entry.earliest_exit_on = valid.earliest_exit_on
    entry.validity_rule = valid.rule
    _advance(
        session,
        actor,
        entry,
        Step.DECIDE,
        {"decision_doc_no": doc_no, "valid_to": valid.valid_to, "term": term.describe(), "rule": valid.rule},
    )
    responsible.notify_supervisors(session, actor, entry, ltype)
    return entry


def decline_entry(session: Session, actor: Actor, entry_id: int, *, reason: str) -> ListEntry:
    """不予列入: a reviewer of the department decides not to list (the proposer may also withdraw this way).
    Audit event ``lists:entry:decline``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.DECLINE, EntryStatus(entry.status), actor, _parties(entry))
    text = _text(reason, "reason", required=True, limit=5000)
    entry.decision_date = clock.today()
    entry.decision_reason = text
    entry.decided_by = actor.id
    _advance(session, actor, entry, Step.DECLINE, {"reason": text})
    return entry


# ---------------------------------------------------------------- 公示 and its credit record


def _subject_in(session: Session, entry: ListEntry) -> SubjectIn:
    if entry.subject_uscc is not None:
        return SubjectIn(type=SubjectType.ENTITY, name=entry.subject_name, uscc=entry.subject_uscc)
    person = session.get(Person, entry.subject_person_id)
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
    check_step(Step.PUBLISH, EntryStatus(entry.status), actor, _parties(entry))
    ltype = types.get_type(session, entry.list_type_id)
    entry.published_on = clock.today()
    entry.published_by = actor.id
    entry.record_id = _write_record(session, actor, entry, ltype)
    _advance(
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
    check_step(Step.EXIT_EARLY, EntryStatus(entry.status), actor, _parties(entry))
    text = _text(reason, "reason", required=True, limit=5000)
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
    _advance(session, actor, entry, Step.EXIT_EARLY, {"reason": text, "repair_ref": repair_ref, "record": note})
    return entry


def revoke_entry(session: Session, actor: Actor, entry_id: int, *, reason: str) -> ListEntry:
    """已撤销: a reviewer of the department revokes a decided or published entry (e.g. the decision was overturned);
    its credit record becomes 已撤销. Audit event ``lists:entry:revoke``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.REVOKE, EntryStatus(entry.status), actor, _parties(entry))
    text = _text(reason, "reason", required=True, limit=5000)
    assert text is not None
    entry.revoked_on = clock.today()
    entry.revocation_reason = text
    entry.revoked_by = actor.id
    note = _move_record(session, actor, entry, Status.REVOKED, f"撤销列入决定：{text}"[:500])
    _advance(session, actor, entry, Step.REVOKE, {"reason": text, "record": note})
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
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(ListEntry.id)
                .where(
                    ListEntry.status == EntryStatus.PUBLISHED,
                    ListEntry.valid_to.is_not(None),
                    ListEntry.valid_to < today,
                    ListEntry.id > last_id,
                )
                .order_by(ListEntry.id)
                .limit(CHUNK)
            )
        )
        if not ids:
            return ExpiryResult(examined, expired)
        last_id = ids[-1]
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
            _advance(session, actor, entry, Step.EXPIRE, {"valid_to": entry.valid_to, "record": note})
            expired += 1


__all__ = [
    "ExpiryResult",
    "decide_entry",
    "decline_entry",
    "exit_entry",
    "expire_entries",
    "notify_party",
    "propose_entry",
    "publish_entry",
    "record_statement",
    "resolve_person",
    "revoke_entry",
]
