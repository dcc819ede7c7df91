"""Reading list entries: the one visibility rule for entries, the views other areas use, and the API's answers.

- :func:`visibility` decides which entries an actor may read: the public (and business systems) only entries
  published and in force today; a department its own pipeline and other departments' published or exited
  entries; an entity its own entries once it has been notified, and what the public sees; the credit office,
  auditors and the platform everything.
- :func:`current_entries` answers "what binds this subject on that day" for the check API and other areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, or_, select, true
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.pagination import Cursor, PageRequest, count_of, read_page
from xinyong.entities.models import Entity
from xinyong.lists.models import ListEntry, ListEntryStep, ListType
from xinyong.lists.rules import SHARED_STATUSES, TABLE, EntryStatus, ListCategory, Step, may_decide
from xinyong.lists.schemas import ListEntryOut, ListEntryStepOut, ListEntryView, SubjectRef, UpstreamRef
from xinyong.lists.steps import parties_of
from xinyong.privacy import service as privacy
from xinyong.privacy.rules import mask_name
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Kind, Severity, Status

_PUBLIC_ROLES = frozenset({Role.PUBLIC, Role.BUSINESS_SYSTEM})


def in_term_condition(on: dt.date | ColumnElement[dt.date], e: Any = ListEntry) -> ColumnElement[bool]:
    """Entries public and in force on ``on``, honours included: published by then and within their term, or exited
    only after ``on``.

    ``e`` is the entity (ORM statements) or the table's columns ``ListEntry.__table__.c`` (the check's Core
    statement): the one rule either way."""
    return and_(
        e.valid_from <= on,
        or_(e.valid_to.is_(None), e.valid_to >= on),
        e.published_on <= on,
        or_(e.status == EntryStatus.PUBLISHED, and_(e.status == EntryStatus.EXITED, e.exit_date > on)),
    )


def in_force_condition(on: dt.date | ColumnElement[dt.date], e: Any = ListEntry) -> ColumnElement[bool]:
    """Entries *binding* on ``on``: in term (:func:`in_term_condition`) and not an honour (守信激励 never binds or
    restricts; :func:`honours_of` reads those)."""
    return and_(in_term_condition(on, e), e.honour.is_(False))


def visibility(actor: Actor, on: dt.date | None = None) -> ColumnElement[bool]:
    """The one place that decides which entries an actor may read."""
    e = ListEntry
    public = and_(e.status == EntryStatus.PUBLISHED, in_term_condition(on or clock.today()))
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return or_(e.department == (actor.department_code or ""), e.status.in_([s.value for s in SHARED_STATUSES]))
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return or_(and_(e.subject_uscc == actor.entity_uscc, e.notice_date.is_not(None)), public)
    if actor.role in _PUBLIC_ROLES or actor.role == Role.ENTITY:
        return public
    return false()


def _types(session: Session, ids: Iterable[int]) -> dict[int, ListType]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {t.id: t for t in session.scalars(select(ListType).where(ListType.id.in_(wanted)))}


def entry_view(entry: ListEntry, ltype: ListType) -> ListEntryView:
    """The compact view of an entry, in full (callers that show it to the public use :func:`entry_out`)."""
    return ListEntryView(
        id=entry.id,
        list_type_id=ltype.id,
        list_code=ltype.code,
        list_name=ltype.name,
        list_version=ltype.version,
        category=ListCategory(ltype.category),
        legal_basis=ltype.legal_basis,
        key_field=entry.key_field,
        department=entry.department,
        subject=SubjectRef(
            type="entity" if entry.subject_uscc else "person",
            uscc=entry.subject_uscc,
            person_id=entry.subject_person_id,
            name=entry.subject_name,
        ),
        status=entry.status,
        facts=entry.facts,
        basis=entry.basis,
        conduct_date=entry.conduct_date,
        decision_doc_no=entry.decision_doc_no,
        decision_date=entry.decision_date,
        valid_from=entry.valid_from,
        valid_to=entry.valid_to,
        permanent=bool(entry.permanent),
        earliest_exit_on=entry.earliest_exit_on,
        exit_date=entry.exit_date,
        exit_kind=entry.exit_kind,
        record_id=entry.record_id,
        origin="upstream" if entry.origin == "upstream" else "local",
        upstream=UpstreamRef.model_validate(entry.upstream) if entry.upstream else None,
    )


def views_of(session: Session, entries: Sequence[ListEntry]) -> list[ListEntryView]:
    found = _types(session, (e.list_type_id for e in entries))
    return [entry_view(e, found[e.list_type_id]) for e in entries]


def current_entries(
    session: Session, *, uscc: str | None = None, person_id: int | None = None, on: dt.date
) -> list[ListEntryView]:
    """The entries binding a subject (an entity by USCC, or a person) on ``on``: published and within their term
    on that day (an entry that exited or was revoked since does not bind ``today``; one that exited after ``on``
    bound on ``on``). Full, unmasked views: the caller decides what its audience sees. Oldest decision first."""
    if (uscc is None) == (person_id is None):
        raise InvalidInput("give either uscc or person_id (须指定一个主体)", field="subject")
    subject = ListEntry.subject_uscc == uscc if uscc is not None else ListEntry.subject_person_id == person_id
    rows = list(
        session.scalars(
            select(ListEntry).where(subject, in_force_condition(on)).order_by(ListEntry.decision_date, ListEntry.id)
        )
    )
    return views_of(session, rows)


@dataclass(frozen=True, slots=True)
class BindingEntry:
    """What the check needs of an entry binding a subject: which list, whose decision, its term and its source."""

    id: int
    list_code: str
    list_name: str
    decision_doc_no: str | None
    department: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    permanent: bool
    upstream: UpstreamRef | None


_E = ListEntry.__table__.c
_T = ListType.__table__.c
_BINDING_COLUMNS = (
    _E.id,
    _T.code,
    _T.name,
    _E.decision_doc_no,
    _E.department,
    _E.valid_from,
    _E.valid_to,
    _E.permanent,
    _E.upstream,
    _E.honour,  # the entity's statement reads its honours too (in term, never binding); the check tells them apart
)


@cache
def _binding_statement(by: str) -> Select[Any]:
    """Built once per subject kind, with bound parameters, so the compiled form is reused by every check.

    For an entity it is one round trip that also says whether the entity is known: the entity row outer-joined to
    the entries binding it (no row: unknown; one row without an entry: known, on no list). Core columns, not ORM
    attributes: nothing here needs the identity map."""
    on = bindparam("on", type_=_E.valid_from.type)
    if by == "uscc":
        entity = Entity.__table__.c
        return (
            select(entity.uscc, *_BINDING_COLUMNS)
            .select_from(Entity.__table__)
            .outerjoin(ListEntry.__table__, and_(_E.subject_uscc == entity.uscc, in_term_condition(on, _E)))
            .outerjoin(ListType.__table__, _T.id == _E.list_type_id)
            .where(entity.uscc == bindparam("subject", type_=entity.uscc.type))
            .order_by(_E.decision_date, _E.id)
        )
    return (
        select(_E.subject_person_id, *_BINDING_COLUMNS)
        .select_from(ListEntry.__table__)
        .join(ListType.__table__, _T.id == _E.list_type_id)
        .where(_E.subject_person_id == bindparam("subject", type_=_E.subject_person_id.type))
        .where(in_force_condition(on, _E))
        .order_by(_E.decision_date, _E.id)
    )


def _binding(row: Any) -> BindingEntry:
    _, entry_id, code, name, doc_no, department, valid_from, valid_to, permanent, upstream, _honour = row
    return BindingEntry(
        id=entry_id,
        list_code=code,
        list_name=name,
        decision_doc_no=doc_no,
        department=department,
        valid_from=valid_from,
        valid_to=valid_to,
        permanent=bool(permanent),
        upstream=UpstreamRef.model_validate(upstream) if upstream else None,
    )


def binding_entity(session: Session, uscc: str, on: dt.date) -> tuple[bool, list[BindingEntry]]:
    """(whether the entity is known, the entries binding it on ``on``) in one statement: the same rule as
    :func:`current_entries` (published and within the term on that day), oldest decision first. For the check."""
    known, binding, _ = binding_entity_and_honours(session, uscc, on)
    return known, binding


def binding_entity_and_honours(
    session: Session, uscc: str, on: dt.date
) -> tuple[bool, list[BindingEntry], list[BindingEntry]]:
    """:func:`binding_entity` plus the entity's honours (守信激励) in force on ``on``, from the same one statement."""
    session.flush()
    rows = session.execute(_binding_statement("uscc"), {"subject": uscc, "on": on}).all()
    entries = [row for row in rows if row[1] is not None]
    return (
        bool(rows),
        [_binding(row) for row in entries if not row[-1]],
        [_binding(row) for row in entries if row[-1]],
    )


def binding_person(session: Session, person_id: int, on: dt.date) -> list[BindingEntry]:
    """The entries binding a person on ``on`` in their own name (see :func:`binding_entity`)."""
    session.flush()
    rows = session.execute(_binding_statement("person"), {"subject": person_id, "on": on}).all()
    return [_binding(row) for row in rows]


def entries_in_force_for(session: Session, usccs: Sequence[str], on: dt.date) -> list[ListEntry]:
    if not usccs:
        return []
    return list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.subject_uscc.in_(list(set(usccs))), in_force_condition(on))
            .order_by(ListEntry.decision_date, ListEntry.id)
        )
    )


# ---------------------------------------------------------------- the API's answers


def _is_public_audience(actor: Actor, entry: ListEntry) -> bool:
    if actor.sees_everything or actor.is_department:
        return False
    return not (actor.role == Role.ENTITY and actor.entity_uscc and entry.subject_uscc == actor.entity_uscc)


def _sees_pipeline(actor: Actor, entry: ListEntry) -> bool:
    return actor.sees_everything or (actor.is_department and actor.department_code == entry.department)


def entry_out(
    entry: ListEntry, ltype: ListType, actor: Actor, steps: Sequence[ListEntryStep] | None = None
) -> ListEntryOut:
    """An entry as ``actor`` may see it: the public gets the view with a natural person's name masked and no
    internal ids; the deciding department, the office and auditors the whole procedure; the party its notice,
    rights, deadline and statement."""
    view = entry_view(entry, ltype)
    if _is_public_audience(actor, entry):
        person = entry.subject_uscc is None
        subject = view.subject.model_copy(
            update={"person_id": None, "name": mask_name(entry.subject_name) if person else entry.subject_name}
        )
        update: dict[str, object] = {"subject": subject, "record_id": None}
        # free text through the one desensitiser (privacy.service.shown); a natural person's facts stay off entirely
        about = privacy.about(entry.subject_uscc, entry.subject_name)
        update["basis"] = privacy.shown(actor, entry.subject_uscc, about, entry.basis)
        update["facts"] = None if person else privacy.shown(actor, entry.subject_uscc, about, entry.facts)
        return ListEntryOut(**view.model_copy(update=update).model_dump())
    out = ListEntryOut(**view.model_dump())
    party = actor.role == Role.ENTITY
    if _sees_pipeline(actor, entry) or party:
        out = out.model_copy(
            update={
                "notice_date": entry.notice_date,
                "notice_doc_no": entry.notice_doc_no,
                "rights": entry.rights,
                "statement_deadline": entry.statement_deadline,
                "statement_deadline_provisional": entry.statement_deadline_provisional,
                "statement_deadline_rule": entry.statement_deadline_rule,
                "statement": entry.statement,
                "statement_waived": entry.statement_waived,
                "stated_on": entry.stated_on,
                "decision_reason": entry.decision_reason,
                "validity_rule": entry.validity_rule,
                "published_on": entry.published_on,
                "exit_reason": entry.exit_reason,
                "revoked_on": entry.revoked_on,
                "revocation_reason": entry.revocation_reason,
            }
        )
    if _sees_pipeline(actor, entry):
        out = out.model_copy(
            update={
                "linked_record_ids": list(entry.linked_record_ids),
                "proposed_by": entry.proposed_by,
                "proposed_at": entry.proposed_at,
                "decided_by": entry.decided_by,
                "steps": [step_out(s) for s in steps] if steps is not None else None,
            }
        )
    return out


def step_out(step: ListEntryStep) -> ListEntryStepOut:
    return ListEntryStepOut.model_validate(step)


def steps_of(session: Session, entry_id: int) -> list[ListEntryStep]:
    return list(
        session.scalars(select(ListEntryStep).where(ListEntryStep.entry_id == entry_id).order_by(ListEntryStep.id))
    )


def usccs_in_force(session: Session, on: dt.date, categories: Iterable[str]) -> set[str]:
    """USCCs of entities with an entry of a list type in ``categories`` binding on ``on`` (graded supervision)."""
    stmt = (
        select(ListEntry.subject_uscc)
        .join(ListType, ListType.id == ListEntry.list_type_id)
        .where(
            ListEntry.subject_uscc.is_not(None),
            ListType.category.in_([str(c) for c in categories]),
            in_force_condition(on),
        )
    )
    return {u for u in session.scalars(stmt) if u}


def upstream_in_force(session: Session, source_code: str, on: dt.date) -> int:
    """How many entries received from the upstream source ``source_code`` bind on ``on`` (exchange reports)."""
    stmt = (
        select(func.count())
        .select_from(ListEntry)
        .where(
            ListEntry.origin == "upstream",
            ListEntry.upstream_key.like(f"{source_code}:%"),
            in_force_condition(on),
        )
    )
    return int(session.scalar(stmt) or 0)


def published_entries_of(session: Session, uscc: str) -> list[ListEntry]:
    """The entity's entries in the status 已公示, oldest first (repair weighs early exit for each)."""
    stmt = select(ListEntry).where(
        ListEntry.subject_uscc == uscc, ListEntry.status == EntryStatus.PUBLISHED, ListEntry.honour.is_(False)
    )
    return list(session.scalars(stmt.order_by(ListEntry.id)))


def get_entry(session: Session, actor: Actor, entry_id: int) -> ListEntryOut:
    """One entry as the actor may see it (with its step log for those who see the procedure); invisible and
    missing look the same (404)."""
    entry = session.scalars(select(ListEntry).where(ListEntry.id == entry_id, visibility(actor))).first()
    if entry is None:
        raise NotFound(f"no list entry {entry_id} visible to you (未找到该名单条目)", field="entry_id")
    ltype = _types(session, [entry.list_type_id])[entry.list_type_id]
    steps = steps_of(session, entry.id) if _sees_pipeline(actor, entry) else None
    return entry_out(entry, ltype, actor, steps)


def search_entries(
    session: Session,
    actor: Actor,
    *,
    page: PageRequest,
    list_code: str | None = None,
    status: EntryStatus | None = None,
    uscc: str | None = None,
    department: str | None = None,
) -> tuple[list[ListEntryOut], int]:
    """Entries the actor may see, newest first, filtered by list type, status, subject and department."""
    stmt = select(ListEntry).where(visibility(actor))
    if list_code:
        stmt = stmt.where(ListEntry.list_code == list_code)
    if status is not None:
        stmt = stmt.where(ListEntry.status == status)
    if uscc:
        stmt = stmt.where(ListEntry.subject_uscc == uscc.strip().upper())
    if department:
        stmt = stmt.where(ListEntry.department == department.strip().upper())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(ListEntry.id.desc()).offset(page.offset).limit(page.page_size)))
    found = _types(session, (e.list_type_id for e in rows))
    return [entry_out(e, found[e.list_type_id], actor) for e in rows], total


def awaiting_decision(session: Session, actor: Actor, *, on: dt.date | None = None) -> list[ListEntryOut]:
    """The entries waiting for ``actor``'s decision (列入决定): notified or stated, the statement window passed or
    waived, in a department the person reviews and not proposed by them. The console's 待办 page and the
    dashboard's reviewer tile count this same list."""
    today = on or clock.today()
    waiting = (EntryStatus.NOTIFIED, EntryStatus.STATED)
    stmt = select(ListEntry).where(visibility(actor), ListEntry.status.in_([s.value for s in waiting]))
    rows = [
        e
        for e in session.scalars(stmt.order_by(ListEntry.id))
        if Step.DECIDE in TABLE.allowed_for(EntryStatus(e.status), actor, parties_of(e))
        and may_decide(today, e.statement_deadline, bool(e.statement_waived))
    ]
    found = _types(session, (e.list_type_id for e in rows))
    return [entry_out(e, found[e.list_type_id], actor) for e in rows]


MAX_CANDIDATES = 200


def candidate_records(session: Session, actor: Actor, limit: int = MAX_CANDIDATES) -> list[CreditRecordVersion]:
    """Candidates for 拟列入: the actor's department's current, valid serious penalties (情节严重的行政处罚) that no
    entry of the department links yet, newest decision first. Read through the records' visibility rule; empty
    for anyone but a department."""
    if not actor.is_department or not actor.department_code:
        return []
    linked: set[int] = set()
    for ids in session.scalars(
        select(ListEntry.linked_record_ids).where(ListEntry.department == actor.department_code)
    ):
        linked.update(int(i) for i in ids or ())
    v = CreditRecordVersion
    stmt = records.visible_versions(actor).where(
        v.source_department == actor.department_code,
        v.kind == Kind.PENALTY,
        v.severity == Severity.SERIOUS,
        v.status == Status.VALID,
    )
    if linked:
        stmt = stmt.where(v.record_id.not_in(sorted(linked)))
    return list(session.scalars(stmt.order_by(v.decision_date.desc(), v.record_id.desc()).limit(limit)))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_public_entries(
    session: Session,
    actor: Actor,
    *,
    category: ListCategory,
    page: PageRequest,
    keyword: str | None = None,
    department: str | None = None,
    decided_from: dt.date | None = None,
    decided_to: dt.date | None = None,
    cursor: Cursor | None = None,
    on: dt.date | None = None,
) -> tuple[list[ListEntryOut], int]:
    """The entries of one list category that are public today (已公示 and in force), as the portal's list page
    shows them: newest decision first, filtered by every word of ``keyword`` (the subject's name, its USCC or the
    decision's document number; a person's name only for those who see entries in full), the deciding department
    and a decision-date range. Pages are read through the one keyset mechanism (``core.pagination.read_page``):
    the last page costs what the first does."""
    e = ListEntry
    today = on or clock.today()
    codes = select(ListType.id).where(ListType.category == category.value)
    public = and_(e.status == EntryStatus.PUBLISHED, in_term_condition(today), e.list_type_id.in_(codes))
    stmt = select(e).where(visibility(actor, today), public)
    for word in (keyword or "").split():
        by_name: ColumnElement[bool] = e.subject_name.like(_like(word), escape="\\")
        if not (actor.sees_everything or actor.is_department):
            by_name = and_(by_name, e.subject_uscc.is_not(None))
        by_doc = e.decision_doc_no.like(_like(word), escape="\\")
        stmt = stmt.where(or_(by_name, e.subject_uscc == word.upper(), by_doc))
    if department:
        stmt = stmt.where(e.department == department)
    if decided_from:
        stmt = stmt.where(e.decision_date >= decided_from)
    if decided_to:
        stmt = stmt.where(e.decision_date <= decided_to)
    total = count_of(session, stmt)
    rows = read_page(session, stmt, sort=(e.decision_date, e.id), pk=e.id, page=page, total=total, cursor=cursor)
    found = _types(session, (r.list_type_id for r in rows))
    return [entry_out(r, found[r.list_type_id], actor) for r in rows], total
