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

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.masking import mask_person_name
from xinyong.core.pagination import PageRequest
from xinyong.lists.models import ListEntry, ListEntryStep, ListType
from xinyong.lists.rules import SHARED_STATUSES, EntryStatus, ListCategory
from xinyong.lists.schemas import ListEntryOut, ListEntryStepOut, ListEntryView, SubjectRef, UpstreamRef

_PUBLIC_ROLES = frozenset({Role.PUBLIC, Role.BUSINESS_SYSTEM})


def in_force_condition(on: dt.date) -> ColumnElement[bool]:
    """Entries binding on ``on``: published by then and within their term, or exited only after ``on``."""
    e = ListEntry
    return and_(
        e.valid_from <= on,
        or_(e.valid_to.is_(None), e.valid_to >= on),
        e.published_on <= on,
        or_(e.status == EntryStatus.PUBLISHED, and_(e.status == EntryStatus.EXITED, e.exit_date > on)),
    )


def visibility(actor: Actor, on: dt.date | None = None) -> ColumnElement[bool]:
    """The one place that decides which entries an actor may read."""
    e = ListEntry
    public = and_(e.status == EntryStatus.PUBLISHED, in_force_condition(on or clock.today()))
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
            update={"person_id": None, "name": mask_person_name(entry.subject_name) if person else entry.subject_name}
        )
        update: dict[str, object] = {"subject": subject, "record_id": None}
        if person:
            update["facts"] = None  # free text about a natural person stays off the public page
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
    return ListEntryStepOut(
        step=step.step,
        from_status=step.from_status,
        to_status=step.to_status,
        on=step.on,
        at=step.at,
        actor_role=step.actor_role,
        actor_id=step.actor_id,
        actor_department=step.actor_department,
        details=dict(step.details),
    )


def steps_of(session: Session, entry_id: int) -> list[ListEntryStep]:
    return list(
        session.scalars(select(ListEntryStep).where(ListEntryStep.entry_id == entry_id).order_by(ListEntryStep.id))
    )


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
