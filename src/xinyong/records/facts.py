"""Current record versions as plain facts for set-based cross-checks in other areas (contradiction flags): a
statement to compose, and the entities whose records gained a version since a mark. Re-exported by the records
service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.windows import in_force_condition

__all__ = ["record_facts", "shared_doc_nos", "usccs_changed_since"]


def record_facts(on: dt.date) -> Select[*tuple[Any, ...]]:
    """Current record versions as plain facts for set-based cross-checks (contradiction flags): version and record
    ids, source department, kind, document number, subject, title, decision date, severity, status and whether the
    version is in force on ``on`` (``records.windows.in_force_condition``). A statement to compose (``.subquery()``),
    read-only; callers scope it themselves."""
    v, r = CreditRecordVersion, CreditRecord
    return (
        select(
            v.id.label("version_id"),
            v.record_id.label("record_id"),
            v.source_department.label("department"),
            v.kind.label("kind"),
            r.doc_no.label("doc_no"),
            v.subject_uscc.label("uscc"),
            v.subject_name.label("name"),
            v.title.label("title"),
            v.decision_date.label("decision_date"),
            v.severity.label("severity"),
            v.status.label("status"),
            case((in_force_condition(on), 1), else_=0).label("in_force"),
        )
        .join(r, r.id == v.record_id)
        .where(v.valid_to.is_(None))
    )


def shared_doc_nos() -> Select[*tuple[Any, ...]]:
    """Document numbers that more than one record carries (any version or status; at most one per department and
    kind): the few candidates a "same number from two departments" cross-check reads further. Grouped over
    ``credit_records``' index on (doc_no, source_department), the statement reads that index in its order (an
    index-only scan, no sort); counting compares no text, so it is the cheapest test of "more than one"."""
    r = CreditRecord
    return select(r.doc_no.label("doc_no")).group_by(r.doc_no).having(func.count() > 1)


def usccs_changed_since(session: Session, version_id: int, limit: int) -> tuple[list[str], int]:
    """Entities whose records gained a version with an id above ``version_id`` (at most ``limit`` + 1 of them, so a
    caller can tell "too many"), and the highest version id now: what change-driven cross-checks re-read, with the
    mark to keep (the primary key, so the read is an index range however large the table)."""
    v = CreditRecordVersion
    top = int(session.scalar(select(func.max(v.id))) or 0)
    stmt = select(v.subject_uscc).where(v.id > version_id, v.id <= top, v.subject_uscc.is_not(None)).distinct()
    return [str(u) for u in session.scalars(stmt.limit(limit + 1))], top
