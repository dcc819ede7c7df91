"""双公示 timeliness and quality monitoring (req §3.3, issue 3): per department and month of decision.

Figures, all computed from stored data so anyone can re-derive them:

- ``decisions``: 行政许可 and 行政处罚 decisions of the month (current versions);
- ``on_time`` / ``late`` / ``pending`` / ``due_soon`` / ``overdue``: each decision's status against the
  7-working-day rule (``records.publicity.timeliness``, Chinese working-day calendar incl. the office's table);
  ``on_time_rate`` = on_time / due, where *due* means published or past its deadline;
- ``received``: rows received in the month; ``valid_rate``: accepted rows / (accepted + rejected) over the
  department's batches of the month;
- ``completeness``: the mean share of the national standard's descriptive fields (identifiers and 备注 excluded,
  see ``COMPLETENESS_FIELDS``) that a decision's row filled;
- ``withdrawals`` / ``withdrawals_on_time`` / ``withdrawals_late`` / ``withdrawal_on_time_rate`` /
  ``withdrawal_days_max``: decisions revoked (已撤销) or changed (a corrected version) at the source whose public
  copy changed in the month, against the 3-working-day rule (行政处罚法 arts. 48, 85;
  ``records.publicity.withdrawal_timeliness``). The time runs from the source's change — the ``source_changed_on``
  date a department system sends in a row's provenance, else the row's 1.0 ``SJC`` 数据更新时间戳 — to the moment the
  new version replaced the public one (its ``valid_from``, Beijing date). Only versions replacing a copy that was
  public count; those whose source sent no date are ``withdrawals_unmeasured`` (the platform changed its copy the
  day it received them, but when the source changed cannot be known);
- ``provisional``: a deadline fell in a year without a holiday table (statutory holidays computed, no 调休).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from itertools import chain, repeat
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from xinyong.core.actor import Actor
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.periods import month_bounds
from xinyong.core.workdays import WorkCalendar
from xinyong.records.ingest.layouts import LABELS
from xinyong.records.ingest.values import BadValue, parse_date
from xinyong.records.models import Batch, CreditRecordVersion
from xinyong.records.oversight import decision_conditions as decision_conditions
from xinyong.records.oversight import status_counts as status_counts
from xinyong.records.oversight import utc_start
from xinyong.records.provenance import SOURCE_TIME_HEADERS
from xinyong.records.publicity import TimelinessStatus, on_time_rate, timeliness, withdrawal_timeliness
from xinyong.records.rules import PUBLISHED_STATUSES, ChangeKind, Disclosure, Kind, Status

_IDENTIFIERS = {
    "XDR_SHXYM",
    "XDR_GSZC",
    "XDR_ZZJG",
    "XDR_SWDJ",
    "XDR_SYDW",
    "XDR_SHZZ",
    "FR_ZJLX",
    "FR_ZJHM",
    "XDR_ZJLX",
    "XDR_ZJHM",
    "BZ",
    "DFBM",
    "SJC",
}
COMPLETENESS_FIELDS: dict[Kind, frozenset[str]] = {
    kind: frozenset(code for code in LABELS[kind] if code not in _IDENTIFIERS) for kind in (Kind.LICENSE, Kind.PENALTY)
}


@dataclass
class DepartmentMonth:
    department: str
    month: str  # YYYY-MM
    decisions: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    due_soon: int = 0
    overdue: int = 0
    on_time_rate: float | None = None
    received: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    valid_rate: float | None = None
    completeness: float | None = None
    provisional: bool = False
    alerts: list[dict[str, Any]] = field(default_factory=list)  # decisions due soon or overdue, unpublished
    withdrawals: int = 0  # revoked or changed at the source, public copy changed this month (measured ones)
    withdrawals_on_time: int = 0
    withdrawals_late: int = 0
    withdrawals_unmeasured: int = 0
    withdrawal_on_time_rate: float | None = None
    withdrawal_days_max: int | None = None
    withdrawal_late_items: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_utc = utc_start  # the one timeliness query (status_counts) lives in records.oversight, for every reader


def department_month(session: Session, actor: Actor, department: str, month: str, today: dt.date) -> DepartmentMonth:
    """The month's figures for one department (a department sees only its own; the office and auditors any)."""
    if not (actor.sees_everything or (actor.is_department and actor.department_code == department)):
        raise Forbidden("a department sees only its own timeliness figures (仅可查看本部门)")
    first, following = month_bounds(month)
    figures = DepartmentMonth(department=department, month=month)
    work_calendar = load_calendar(session)
    rows = session.execute(
        select(
            CreditRecordVersion.record_id,
            CreditRecordVersion.kind,
            CreditRecordVersion.decision_date,
            CreditRecordVersion.published_date,
            CreditRecordVersion.disclosure,
            CreditRecordVersion.content,
            CreditRecordVersion.title,
            CreditRecordVersion.subject_name,
        ).where(*decision_conditions(first, following, today), CreditRecordVersion.source_department == department)
    ).all()
    counts = status_counts(session, [CreditRecordVersion.source_department == department], first, following, today)
    figures.on_time = counts[TimelinessStatus.ON_TIME]
    figures.late = counts[TimelinessStatus.LATE]
    figures.pending = counts[TimelinessStatus.PENDING]
    figures.due_soon = counts[TimelinessStatus.DUE_SOON]
    figures.overdue = counts[TimelinessStatus.OVERDUE]
    figures.decisions = counts.total()
    figures.on_time_rate = on_time_rate(chain.from_iterable(repeat(status, n) for status, n in counts.items())).rate
    filled: list[float] = []
    for row in rows:
        try:
            result = timeliness(row.decision_date, row.published_date, today, work_calendar)
        except InvalidInput:
            continue
        figures.provisional = figures.provisional or result.provisional
        if result.status in (TimelinessStatus.DUE_SOON, TimelinessStatus.OVERDUE) and len(figures.alerts) < 200:
            figures.alerts.append(
                {
                    "record_id": row.record_id,
                    "title": row.title,
                    "subject": row.subject_name,
                    "decision_date": row.decision_date.isoformat(),
                    "deadline": result.deadline.isoformat(),
                    "status": result.status,
                    "working_days_left": result.working_days_left,
                }
            )
        wanted = COMPLETENESS_FIELDS[Kind(row.kind)]
        present = {key for key, value in (row.content or {}).items() if value not in (None, "", [])}
        filled.append(len(wanted & present) / len(wanted))
    figures.completeness = sum(filled) / len(filled) if filled else None
    figures.received = int(
        session.execute(
            select(func.count())
            .select_from(CreditRecordVersion)
            .where(
                CreditRecordVersion.version == 1,
                CreditRecordVersion.source_department == department,
                CreditRecordVersion.kind.in_([Kind.LICENSE, Kind.PENALTY]),
                CreditRecordVersion.received_date >= first,
                CreditRecordVersion.received_date < following,
            )
        ).scalar_one()
    )
    accepted, rejected = session.execute(
        select(
            func.coalesce(func.sum(Batch.accepted + Batch.unchanged), 0), func.coalesce(func.sum(Batch.rejected), 0)
        ).where(
            Batch.department == department,
            Batch.created_at >= _utc(first),
            Batch.created_at < _utc(following),
        )  # one calendar day in clock time
    ).one()
    figures.rows_accepted, figures.rows_rejected = int(accepted), int(rejected)
    total = figures.rows_accepted + figures.rows_rejected
    figures.valid_rate = figures.rows_accepted / total if total else None
    _withdrawals(session, figures, department, first, following, work_calendar)
    return figures


_SOURCE_TIME_HEADERS = SOURCE_TIME_HEADERS


def source_changed_on(provenance: dict[str, Any] | None) -> dt.date | None:
    """When the source changed the decision, as the department's data says: ``source_changed_on`` (a date), else the
    1.0 ``SJC`` 数据更新时间戳 of the row as sent; ``None`` when neither is there or readable."""
    if not provenance:
        return None
    candidates: list[Any] = [provenance.get("source_changed_on")]
    original = provenance.get("original")
    if isinstance(original, dict):
        candidates.extend(original.get(header) for header in _SOURCE_TIME_HEADERS)
    for value in candidates:
        if isinstance(value, str) and value.strip():
            try:
                return parse_date(value[:40])
            except BadValue:
                continue
    return None


def _withdrawals(
    session: Session,
    figures: DepartmentMonth,
    department: str,
    first: dt.date,
    following: dt.date,
    work_calendar: WorkCalendar,
) -> None:
    """Decisions revoked or changed at the source whose public copy changed in the month (3-working-day rule)."""
    new = aliased(CreditRecordVersion)
    old = aliased(CreditRecordVersion)
    rows = session.execute(
        select(new.record_id, new.valid_from, new.status, new.provenance, new.title, new.subject_name)
        .join(old, and_(old.record_id == new.record_id, old.version == new.version - 1))
        .where(
            new.source_department == department,
            new.kind.in_([Kind.LICENSE, Kind.PENALTY]),
            new.version > 1,
            new.valid_from >= _utc(first),
            new.valid_from < _utc(following),
            or_(new.status == Status.REVOKED.value, new.change_kind == ChangeKind.CORRECTED.value),
            old.disclosure == Disclosure.PUBLIC.value,
            old.status.in_([s.value for s in PUBLISHED_STATUSES]),
        )
    ).all()
    days: list[int] = []
    for row in rows:
        source_day = source_changed_on(row.provenance)
        if source_day is None:
            if "batch" in (row.provenance or {}):  # sent by the department without a date; platform steps are not
                figures.withdrawals_unmeasured += 1
            continue
        public_day = row.valid_from.astimezone(BEIJING).date()
        measured = withdrawal_timeliness(source_day, public_day, work_calendar)
        figures.withdrawals += 1
        days.append(measured.working_days)
        figures.provisional = figures.provisional or measured.provisional
        if measured.on_time:
            figures.withdrawals_on_time += 1
            continue
        figures.withdrawals_late += 1
        if len(figures.withdrawal_late_items) < 200:
            figures.withdrawal_late_items.append(
                {
                    "record_id": row.record_id,
                    "title": row.title,
                    "subject": row.subject_name,
                    "revoked": row.status == Status.REVOKED.value,
                    "source_changed_on": source_day.isoformat(),
                    "public_changed_on": public_day.isoformat(),
                    "deadline": measured.deadline.isoformat(),
                    "working_days": measured.working_days,
                }
            )
    figures.withdrawal_on_time_rate = figures.withdrawals_on_time / figures.withdrawals if figures.withdrawals else None
    figures.withdrawal_days_max = max(days) if days else None


def overview(session: Session, actor: Actor, month: str, today: dt.date) -> list[DepartmentMonth]:
    """Every department's figures for the month (the office and auditors), or the actor's own department."""
    from xinyong.core.departments import list_departments

    if actor.is_department:
        return [department_month(session, actor, actor.department_code or "", month, today)]
    if not actor.sees_everything:
        raise Forbidden("timeliness figures are for staff (仅工作人员可查看)")
    return [department_month(session, actor, d.code, month, today) for d in list_departments(session)]
