"""The listing procedure (列入程序, req §3.8) up to the decision: 拟列入, 告知, 陈述申辩, 已决定 or 不予列入.

Every step goes through :func:`xinyong.lists.steps.advance`, which checks the step against the transition table and
the actor's right, stamps the date and the actor, logs the step and writes the audit event; each step here stores
what it decided first (deadlines and terms with the rule that produced them). Publication, exit, revocation and
expiry are in :mod:`xinyong.lists.publication` (re-exported here). Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.workflow import Deadline
from xinyong.entities import lookup
from xinyong.entities import service as entities
from xinyong.lists import responsible, types
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.publication import ExpiryResult, exit_entry, expire_entries, publish_entry, revoke_entry
from xinyong.lists.rules import (
    EntryStatus,
    Parties,
    Step,
    Term,
    check_step,
    may_decide,
    statement_deadline,
    validity,
)
from xinyong.lists.steps import DEFAULT_RIGHTS, advance, clean_text, load_for_step, parties_of
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import SubjectType

MAX_STATEMENT_DOCUMENTS = 20  # written materials named on one statement

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


def _proposing_department(session: Session, actor: Actor, department: str | None) -> str:
    """The deciding department a proposal is made for: the platform names it, a department proposes for itself."""
    if actor.role == Role.SYSTEM:
        if not department:
            raise InvalidInput("the platform proposes for a named department (认定部门)", field="department")
        return get_department(session, department).code
    if not actor.is_department or not actor.department_code:
        raise Forbidden("only a department proposes list entries (仅行业主管部门可提出拟列入)")
    code = actor.department_code
    if department and get_department(session, department).code != code:
        raise Forbidden(f"you propose for your own department {code} only (仅可为本部门提出)")
    return code


def _proposed_subject(
    session: Session, subject_uscc: str | None, subject_person_id: int | None
) -> tuple[str | None, int | None, str, SubjectType]:
    """(uscc, person id, name, subject type) of the subject named by exactly one of a USCC and a person id."""
    if (subject_uscc is None) == (subject_person_id is None):
        raise InvalidInput("name the subject by uscc or by person (须指定一个主体)", field="subject")
    if subject_uscc is not None:
        entity = entities.get_entity(session, subject_uscc)
        return entity.uscc, None, entity.name, SubjectType.ENTITY
    person = lookup.find_person(session, subject_person_id)
    if person is None:
        raise NotFound(f"no person {subject_person_id} (未找到该自然人)", field="subject.person_id")
    return None, person.id, person.name, SubjectType.PERSON


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
    code = _proposing_department(session, actor, department)
    check_step(Step.PROPOSE, None, actor, Parties(code, actor.id, None))
    ltype = types.current_type(session, list_type)
    facts_text = clean_text(facts, "facts", required=True)
    basis_text = clean_text(basis, "basis", required=True, limit=5000)
    uscc, person_id, name, kind = _proposed_subject(session, subject_uscc, subject_person_id)
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
    advance(
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
    check_step(Step.NOTIFY, EntryStatus(entry.status), actor, parties_of(entry))
    doc_no = clean_text(notice_doc_no, "notice_doc_no", required=True, limit=128)
    ltype = types.get_type(session, entry.list_type_id)
    today = clock.today()
    label = f"{ltype.name}（{ltype.code} 第{ltype.version}版）"
    deadline = statement_deadline(today, ltype.statement_window_days, load_calendar(session), label)
    entry.notice_date = today
    entry.notice_doc_no = doc_no
    entry.rights = clean_text(rights, "rights", required=False, limit=5000) or DEFAULT_RIGHTS.format(
        days=ltype.statement_window_days, deadline=deadline.date.isoformat()
    )
    entry.statement_deadline = deadline.date
    entry.statement_deadline_provisional = deadline.provisional
    entry.statement_deadline_rule = deadline.rule
    entry.notified_by = actor.id
    advance(
        session,
        actor,
        entry,
        Step.NOTIFY,
        {"notice_doc_no": doc_no, "statement_deadline": deadline.date, "rule": deadline.rule},
        documents=(doc_no,),
        deadline=Deadline(deadline.date, deadline.provisional, deadline.rule),
    )
    return entry


def record_statement(
    session: Session,
    actor: Actor,
    entry_id: int,
    *,
    statement: str | None,
    waived: bool = False,
    documents: Sequence[str] = (),
) -> ListEntry:
    """陈述申辩: the party's statement (or its waiver), by the deadline. The party itself, or its department entering
    a written statement it received; ``documents`` names the written materials received (file name, pages), kept
    on the step. Audit event ``lists:entry:state``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.STATE, EntryStatus(entry.status), actor, parties_of(entry))
    text = clean_text(statement, "statement", required=not waived)
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
    if len(documents) > MAX_STATEMENT_DOCUMENTS:
        raise InvalidInput(f"at most {MAX_STATEMENT_DOCUMENTS} documents (材料过多)", field="documents")
    names = [clean_text(d, "documents", required=False, limit=200) for d in documents]
    attached = tuple(n for n in names if n)
    advance(
        session,
        actor,
        entry,
        Step.STATE,
        {"waived": waived, "length": len(text or ""), "documents": list(attached)},
        documents=attached,
    )
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
    check_step(Step.DECIDE, EntryStatus(entry.status), actor, parties_of(entry))
    doc_no = clean_text(decision_doc_no, "decision_doc_no", required=True, limit=128)
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
    entry.decision_reason = clean_text(reason, "reason", required=False, limit=5000)
    entry.decided_by = actor.id
    entry.duration_months = term.months
    entry.permanent = term.permanent
    entry.valid_from = valid.valid_from
    entry.valid_to = valid.valid_to
    entry.earliest_exit_on = valid.earliest_exit_on
    entry.validity_rule = valid.rule
    advance(
        session,
        actor,
        entry,
        Step.DECIDE,
        {"decision_doc_no": doc_no, "valid_to": valid.valid_to, "term": term.describe(), "rule": valid.rule},
        documents=(doc_no,),
    )
    responsible.notify_supervisors(session, actor, entry, ltype)
    return entry


def decline_entry(session: Session, actor: Actor, entry_id: int, *, reason: str) -> ListEntry:
    """不予列入: a reviewer of the department decides not to list (the proposer may also withdraw this way).
    Audit event ``lists:entry:decline``."""
    entry = load_for_step(session, entry_id)
    check_step(Step.DECLINE, EntryStatus(entry.status), actor, parties_of(entry))
    text = clean_text(reason, "reason", required=True, limit=5000)
    entry.decision_date = clock.today()
    entry.decision_reason = text
    entry.decided_by = actor.id
    advance(session, actor, entry, Step.DECLINE, {"reason": text}, reason=text)
    return entry


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
