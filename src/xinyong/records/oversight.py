"""Monthly figures of a department's data work, read by the oversight areas (部门信用工作考核, req §3.15b) and the
timeliness monitor (req §3.3): every figure is one grouped query over the stored rows, so 47 departments cost
what one does, and every figure can be drilled back to the rows behind it.

- :func:`status_counts_by` is *the* query of the 7-working-day rule (``records.timeliness``, the console dashboard
  and the scorecards count through it): decisions grouped by (decision date, publication date), so the work is
  bounded by days, not rows; optionally also grouped by department;
- :func:`batch_rows_by_department`: rows accepted and refused in the month's batches;
- :func:`received_by_month`: records received (first versions) per department and month;
- the ``*_items`` functions: the rows behind each figure, for a drill-down (bounded by ``limit``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.errors import InvalidInput
from xinyong.records.ingest.layouts import LABELS
from xinyong.records.models import Batch, BatchRejection, CreditRecordVersion
from xinyong.records.publicity import TimelinessStatus, timeliness
from xinyong.records.rules import Disclosure, Kind, Status


def utc_start(day: dt.date) -> dt.datetime:
    """The first moment of a Beijing day, in UTC (how stored moments are compared with calendar days)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING).astimezone(dt.UTC)


def decision_conditions(first: dt.date, following: dt.date, today: dt.date) -> list[ColumnElement[bool]]:
    """The decisions the 7-working-day rule applies to: current versions of 行政许可 and 行政处罚 decided in
    ``[first, following)`` and by ``today``, meant for the public (公开) and not revoked. The console dashboard,
    the timeliness page (and its API and export) and the scorecards count exactly these."""
    v = CreditRecordVersion
    return [
        v.valid_to.is_(None),
        v.kind.in_([Kind.LICENSE, Kind.PENALTY]),
        v.disclosure == Disclosure.PUBLIC,
        v.status != Status.REVOKED,
        v.decision_date >= first,
        v.decision_date < following,
        v.decision_date <= today,
    ]


def status_counts_by(
    session: Session,
    where: list[ColumnElement[bool]],
    first: dt.date,
    following: dt.date,
    today: dt.date,
    *,
    by_department: bool = False,
    by_month: bool = False,
) -> dict[tuple[str | None, str | None], Counter[TimelinessStatus]]:
    """How many of those decisions (narrowed by ``where``) are in each timeliness status today, keyed by
    (department, ``YYYY-MM`` of the decision) — each ``None`` unless ``by_department`` / ``by_month`` asks for it:
    one grouped query per distinct (decision, publication) date pair, so a span of months costs one query."""
    v = CreditRecordVersion
    keys: list[Any] = [v.source_department] if by_department else []
    keys += [v.decision_date, v.published_date]
    rows = session.execute(
        select(*keys, func.count()).where(*decision_conditions(first, following, today), *where).group_by(*keys)
    ).all()
    work_calendar = load_calendar(session)
    known: dict[tuple[dt.date, dt.date | None], TimelinessStatus | None] = {}
    counts: dict[tuple[str | None, str | None], Counter[TimelinessStatus]] = defaultdict(Counter)
    for row in rows:
        department = row[0] if by_department else None
        decided, published, count = row[-3], row[-2], row[-1]
        if (decided, published) not in known:
            try:
                known[decided, published] = timeliness(decided, published, today, work_calendar).status
            except InvalidInput:  # dates the record rules already refuse; never let one break a dashboard
                known[decided, published] = None
        status = known[decided, published]
        if status is not None:
            counts[department, f"{decided.year:04d}-{decided.month:02d}" if by_month else None][status] += int(count)
    return counts


def status_counts(
    session: Session, where: list[ColumnElement[bool]], first: dt.date, following: dt.date, today: dt.date
) -> Counter[TimelinessStatus]:
    """:func:`status_counts_by` for one group (the ``where`` narrows it)."""
    return status_counts_by(session, where, first, following, today).get((None, None), Counter())


def batch_rows_by_department(session: Session, first: dt.date, following: dt.date) -> dict[str, tuple[int, int]]:
    """Rows accepted (new, changed or unchanged) and refused in each department's batches of the month."""
    rows = session.execute(
        select(
            Batch.department,
            func.coalesce(func.sum(Batch.accepted + Batch.unchanged), 0),
            func.coalesce(func.sum(Batch.rejected), 0),
        )
        .where(Batch.created_at >= utc_start(first), Batch.created_at < utc_start(following))
        .group_by(Batch.department)
    ).all()
    return {department: (int(accepted), int(rejected)) for department, accepted, rejected in rows}


def received_by_month(session: Session, first: dt.date, following: dt.date) -> dict[tuple[str, str], int]:
    """Records received (their first version) per (department, ``YYYY-MM``) over ``[first, following)``: one query
    grouped by department and day, folded into months here (portable across both databases)."""
    v = CreditRecordVersion
    rows = session.execute(
        select(v.source_department, v.received_date, func.count())
        .where(v.version == 1, v.received_date >= first, v.received_date < following)
        .group_by(v.source_department, v.received_date)
    ).all()
    months: Counter[tuple[str, str]] = Counter()
    for department, day, count in rows:
        months[department, f"{day.year:04d}-{day.month:02d}"] += int(count)
    return dict(months)


def decision_items(
    session: Session, department: str, first: dt.date, following: dt.date, today: dt.date, limit: int
) -> list[dict[str, Any]]:
    """The month's decisions of one department with their timeliness status (the rows behind the on-time rate)."""
    v = CreditRecordVersion
    rows = session.execute(
        select(v.record_id, v.kind, v.title, v.subject_name, v.decision_date, v.published_date)
        .where(*decision_conditions(first, following, today), v.source_department == department)
        .order_by(v.decision_date, v.record_id)
        .limit(limit)
    ).all()
    work_calendar = load_calendar(session)
    items: list[dict[str, Any]] = []
    for row in rows:
        try:
            result = timeliness(row.decision_date, row.published_date, today, work_calendar)
        except InvalidInput:
            continue
        items.append(
            {
                "record_id": row.record_id,
                "kind": row.kind,
                "title": row.title,
                "subject": row.subject_name,
                "decision_date": row.decision_date,
                "published_date": row.published_date,
                "deadline": result.deadline,
                "status": str(result.status),
            }
        )
    return items


def rejection_items(
    session: Session, department: str, first: dt.date, following: dt.date, limit: int
) -> list[dict[str, Any]]:
    """Rows refused in the department's batches of the month, with the fields and reasons (never the values)."""
    r = BatchRejection
    rows = session.execute(
        select(r.id, r.batch_id, r.row_number, r.kind, r.doc_no, r.errors, r.status, Batch.created_at)
        .join(Batch, Batch.id == r.batch_id)
        .where(
            r.department == department,
            Batch.created_at >= utc_start(first),
            Batch.created_at < utc_start(following),
        )
        .order_by(r.batch_id, r.row_number)
        .limit(limit)
    ).all()

    def joined(errors: Any, keys: tuple[str, ...], separator: str) -> str:
        found = (next((str(e[k]) for k in keys if e.get(k)), "") for e in errors or [] if isinstance(e, dict))
        return separator.join(found)

    def named(kind: str, errors: Any) -> str:
        """The fields a row was refused for, by their Chinese names (the national code when it has none)."""
        labels = LABELS.get(Kind(kind), {}) if kind in {k.value for k in Kind} else {}
        found = (e.get("field") or e.get("column") or "" for e in errors or [] if isinstance(e, dict))
        return "、".join(dict.fromkeys(labels.get(str(code), str(code)) for code in found if code))

    return [
        {
            "rejection_id": row.id,
            "batch_id": row.batch_id,
            "row_number": row.row_number,
            "kind": row.kind,
            "doc_no": row.doc_no,
            "fields": named(row.kind, row.errors),
            "reasons": joined(row.errors, ("reason",), "；"),
            "status": row.status,
            "received_at": row.created_at,
        }
        for row in rows
    ]


def received_items(
    session: Session, department: str, first: dt.date, following: dt.date, limit: int
) -> list[dict[str, Any]]:
    """Records the department sent for the first time in the month (the rows behind its data volume)."""
    v = CreditRecordVersion
    rows = session.execute(
        select(v.record_id, v.kind, v.title, v.subject_name, v.decision_date, v.received_date)
        .where(
            v.version == 1,
            v.source_department == department,
            v.received_date >= first,
            v.received_date < following,
        )
        .order_by(v.received_date, v.record_id)
        .limit(limit)
    ).all()
    return [
        {
            "record_id": row.record_id,
            "kind": row.kind,
            "title": row.title,
            "subject": row.subject_name,
            "decision_date": row.decision_date,
            "received_date": row.received_date,
        }
        for row in rows
    ]
