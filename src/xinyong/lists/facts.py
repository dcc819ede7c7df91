"""List entries as plain facts for set-based cross-checks in other areas (contradiction flags): a statement to
compose, and the entities whose entries took a step since a step id. Re-exported by the lists service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from xinyong.lists.models import ListEntry, ListEntryStep, ListType
from xinyong.lists.views import in_term_condition

__all__ = ["entry_facts", "usccs_stepped_since"]


def entry_facts(on: dt.date) -> Select[*tuple[Any, ...]]:
    """Every entry about an entity with its list type's name and category, its origin (local / upstream), status,
    decision document number and dates, and whether it is in its term on ``on``
    (:func:`lists.views.in_term_condition`: honours included, though they never bind).
    Read-only; callers scope it themselves."""
    e, t = ListEntry, ListType
    return (
        select(
            e.id.label("entry_id"),
            e.list_code.label("list_code"),
            t.name.label("list_name"),
            t.category.label("category"),
            e.department.label("department"),
            e.status.label("status"),
            e.origin.label("origin"),
            e.subject_uscc.label("uscc"),
            e.subject_name.label("name"),
            e.decision_doc_no.label("doc_no"),
            e.decision_date.label("decision_date"),
            e.valid_from.label("valid_from"),
            e.valid_to.label("valid_to"),
            e.exit_date.label("exit_date"),
            e.revoked_on.label("revoked_on"),
            case((in_term_condition(on), 1), else_=0).label("in_force"),
        )
        .join(t, t.id == e.list_type_id)
        .where(e.subject_uscc.is_not(None))
    )


def usccs_stepped_since(session: Session, step_id: int, limit: int) -> tuple[list[str], int]:
    """Entities whose entries took a step with an id above ``step_id`` (at most ``limit`` + 1), and the highest step
    id now: what change-driven cross-checks re-read, with the mark to keep."""
    top = int(session.scalar(select(func.max(ListEntryStep.id))) or 0)
    stmt = (
        select(ListEntry.subject_uscc)
        .join(ListEntryStep, ListEntryStep.entry_id == ListEntry.id)
        .where(ListEntryStep.id > step_id, ListEntryStep.id <= top, ListEntry.subject_uscc.is_not(None))
        .distinct()
    )
    return [str(u) for u in session.scalars(stmt.limit(limit + 1))], top
