"""What the console shows, computed from the database with the actor's rights: the dashboard's record figures and
the audit log's filtered, paginated and exported views. Services flush, never commit.

A department only ever sees its own department's figures: every count starts from
:func:`xinyong.records.service.visibility` *and* an explicit filter on the actor's scope (its department, its own
entity), because a department may *read* other departments' shared records but its dashboard is about its own work.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, repeat
from typing import Any

from sqlalchemy import ColumnElement, Row, case, false, func, select, true
from sqlalchemy.orm import Session

from xinyong.console.audit_view import action_label, subject_label
from xinyong.core import audit, audit_anchors, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.clock import BEIJING
from xinyong.core.departments import Department
from xinyong.core.display import department_name, role_name
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.pagination import PageRequest
from xinyong.records.models import CreditRecordVersion
from xinyong.records.publicity import OnTimeRate, TimelinessStatus, on_time_rate
from xinyong.records.rules import KIND_LABELS, Kind, Status
from xinyong.records.service import visibility
from xinyong.records.timeliness import status_counts

AUDIT_READERS = frozenset({Role.AUDITOR, Role.CREDIT_OFFICE, Role.SYSTEM})
EXPORT_LIMIT = 100_000  # rows in one CSV export; a longer log is exported in date ranges
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as the start of a formula
MAX_FILTER = 128


# ---------------------------------------------------------------- dashboard figures


@dataclass(frozen=True)
class Scope:
    """Whose records a dashboard counts: one department, one entity, all of them, or none."""

    label: str
    condition: ColumnElement[bool]
    everything: bool = False


def scope_of(actor: Actor) -> Scope:
    v = CreditRecordVersion
    if actor.is_department and actor.department_code:
        return Scope("本部门", v.source_department == actor.department_code)
    if actor.sees_everything:
        return Scope("全市", true(), everything=True)
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return Scope("本主体", v.subject_uscc == actor.entity_uscc)
    return Scope("无", false())


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class DepartmentCount:
    code: str
    name: str
    total: int
    this_month: int


@dataclass(frozen=True)
class Publicity:
    """双公示 timeliness of this year's 公开 licensing and penalty decisions in scope."""

    year: int
    rate: OnTimeRate
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class RecordFigures:
    scope: str
    total: int
    received_this_month: int
    month_start: dt.date
    by_kind: list[KindCount]
    by_status: dict[str, int]
    publicity: Publicity
    by_department: list[DepartmentCount] = field(default_factory=list)

    def chart(self) -> dict[str, Any]:
        """The bar chart's data, embedded in the page as JSON for ECharts."""
        return {"labels": [k.label for k in self.by_kind], "values": [k.count for k in self.by_kind]}


def _current_in_scope(actor: Actor) -> list[ColumnElement[bool]]:
    return [CreditRecordVersion.valid_to.is_(None), visibility(actor), scope_of(actor).condition]


def _publicity(session: Session, where: list[ColumnElement[bool]], today: dt.date) -> Publicity:
    """On-time rate of this year's decisions, counted by ``records.timeliness.status_counts``: the same decisions
    and the same query as the timeliness page (``/console/timeliness``), so the two never disagree."""
    counts = status_counts(session, where, dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1), today)
    return Publicity(
        year=today.year,
        rate=on_time_rate(chain.from_iterable(repeat(status, n) for status, n in counts.items())),
        due_soon=counts[TimelinessStatus.DUE_SOON],
        overdue=counts[TimelinessStatus.OVERDUE],
    )


def record_figures(session: Session, actor: Actor, today: dt.date | None = None) -> RecordFigures:
    """The dashboard's numbers for the actor's scope: records by kind and status, received this month, 双公示
    timeliness, and (for those who see everything) the figures of each department."""
    v = CreditRecordVersion
    today = today or clock.today()
    month_start = today.replace(day=1)
    where = _current_in_scope(actor)
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for kind, status, n in session.execute(
        select(v.kind, v.status, func.count()).where(*where).group_by(v.kind, v.status)
    ):
        kinds[kind] += int(n)
        statuses[status] += int(n)
    received = session.execute(
        select(func.count()).select_from(v).where(*where, v.received_date >= month_start)
    ).scalar_one()
    by_kind = [KindCount(str(kind), KIND_LABELS[kind], kinds[kind]) for kind in Kind if kinds[kind]]
    by_kind += [KindCount(k, k, n) for k, n in kinds.items() if k not in set(Kind)]  # kinds added later
    scope = scope_of(actor)
    figures = RecordFigures(
        scope=scope.label,
        total=sum(kinds.values()),
        received_this_month=int(received),
        month_start=month_start,
        by_kind=by_kind,
        by_status={str(s): statuses[s] for s in Status},
        publicity=_publicity(session, where, today),
    )
    if scope.everything:
        figures = replace(figures, by_department=_by_department(session, where, month_start))
    return figures


def _by_department(session: Session, where: list[ColumnElement[bool]], month_start: dt.date) -> list[DepartmentCount]:
    v = CreditRecordVersion
    month = func.sum(case((v.received_date >= month_start, 1), else_=0))
    rows = session.execute(
        select(v.source_department, Department.short_name, func.count(), month)
        .join(Department, Department.code == v.source_department)
        .where(*where)
        .group_by(v.source_department, Department.short_name)
        .order_by(func.count().desc(), v.source_department)
    ).all()
    return [DepartmentCount(code, name, int(total), int(this or 0)) for code, name, total, this in rows]


# ---------------------------------------------------------------- audit log


@dataclass(frozen=True)
class AuditFilter:
    """One query over the audit log, shared by the page and its CSV export."""

    action: str | None = None  # action prefix, e.g. ``auth:`` or ``records:record:``
    actor: str | None = None  # an actor id (``user:wangfang``, ``api:3``) or a bare username
    date_from: dt.date | None = None  # Beijing days, both ends included
    date_to: dt.date | None = None

    @classmethod
    def parse(cls, action: str | None, actor: str | None, date_from: str | None, date_to: str | None) -> AuditFilter:
        start = _parse_day(date_from, "date_from")
        end = _parse_day(date_to, "date_to")
        if start and end and start > end:
            raise InvalidInput("the start date is after the end date (开始日期晚于结束日期)", field="date_from")
        return cls(_clean(action, "action"), _clean(actor, "actor"), start, end)

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for pagination and export links)."""
        values = {"action": self.action, "actor": self.actor, "date_from": self.date_from, "date_to": self.date_to}
        return {k: str(v) for k, v in values.items() if v is not None}


def _clean(value: str | None, name: str) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_FILTER:
        raise InvalidInput(f"{name} is longer than {MAX_FILTER} characters (筛选条件过长)", field=name)
    return text or None


def _parse_day(value: str | None, name: str) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) == 10 else dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} {text[:20]!r} is not a date YYYY-MM-DD (日期格式错误)", field=name) from None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING).astimezone(dt.UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _audit_conditions(query: AuditFilter) -> list[ColumnElement[bool]]:
    e = AuditEvent
    found: list[ColumnElement[bool]] = []
    if query.action:
        found.append(e.action.like(_escape_like(query.action) + "%", escape="\\"))
    if query.actor:
        ids = {query.actor} if ":" in query.actor else {query.actor, f"user:{query.actor.lower()}"}
        found.append(e.actor_id.in_(sorted(ids)))
    if query.date_from:
        found.append(e.at >= _day_start(query.date_from))
    if query.date_to:
        found.append(e.at < _day_start(query.date_to + dt.timedelta(days=1)))
    return found


def require_audit_reader(actor: Actor) -> None:
    if actor.role not in AUDIT_READERS:
        raise Forbidden("only auditors and the credit office read the audit log (仅审计人员和信用办可查看审计日志)")


def search_audit(session: Session, actor: Actor, query: AuditFilter, page: PageRequest) -> tuple[list[AuditEvent], int]:
    """One page of matching events, newest first, and how many match in all."""
    require_audit_reader(actor)
    where = _audit_conditions(query)
    total = session.execute(select(func.count()).select_from(AuditEvent).where(*where)).scalar_one()
    events = session.execute(
        select(AuditEvent).where(*where).order_by(AuditEvent.seq.desc()).offset(page.offset).limit(page.page_size)
    ).scalars()
    return list(events), int(total)


def verify_audit(session: Session, actor: Actor) -> audit.VerifyResult:
    require_audit_reader(actor)
    return audit.verify(session)


def verify_audit_anchors(session: Session, actor: Actor) -> audit_anchors.AnchorCheck:
    """The chain against its anchors kept outside the database (as ``xinyong audit verify``)."""
    require_audit_reader(actor)
    return audit_anchors.verify_anchors(session)


def neutralise_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (CSV injection): text starting with = + - @ (or a
    tab or carriage return) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


CSV_HEADER = (
    "序号", "时间（北京时间）", "角色", "操作者", "部门", "操作", "操作代码", "对象类型", "对象", "详情", "哈希",
)  # fmt: skip


def _csv_row(event: Row[Any] | AuditEvent) -> list[str]:
    cells: Sequence[Any] = (
        event.seq,
        event.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        role_name(event.actor_role),
        event.actor_id,
        department_name(event.actor_department) if event.actor_department else "",
        action_label(event.action),
        event.action,
        subject_label(event.subject_type),
        event.subject_id,
        json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
        event.hash,
    )
    return [neutralise_cell(cell) for cell in cells]


def write_csv(rows: Iterable[Sequence[str]]) -> str:
    """CSV text with a UTF-8 BOM, so spreadsheet software opens the Chinese correctly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def export_audit(session: Session, actor: Actor, query: AuditFilter) -> str:
    """The whole query (not one page) as CSV, newest first. The export itself is audited."""
    require_audit_reader(actor)
    where = _audit_conditions(query)
    total = session.execute(select(func.count()).select_from(AuditEvent).where(*where)).scalar_one()
    if total > EXPORT_LIMIT:
        raise InvalidInput(
            f"{total} events match; export at most {EXPORT_LIMIT} at a time (导出条数过多，请缩小日期范围)",
            field="date_from",
        )
    table = AuditEvent.__table__
    rows = session.execute(select(table).where(*where).order_by(table.c.seq.desc())).all()
    text = write_csv(_csv_row(row) for row in rows)
    audit.record(session, actor, "console:audit:exported", "audit_log", "*", {"filter": query.query(), "rows": total})
    return text
