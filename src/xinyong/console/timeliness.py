"""The 双公示 timeliness dashboard (双公示时效): per month of decisions, each department's on-time rate against the
7-working-day rule, decisions due soon or overdue, rows received, valid rate and completeness; a chart; the same
figures as JSON and XLSX (twins of the page's query).

The figures are :func:`xinyong.records.timeliness.overview`'s; this module only adds names, the city's totals, the
chart's data and the alerts across departments. A department sees its own department, the credit office and
auditors every department (or one they pick).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from xinyong.console.aggregation import department_names
from xinyong.console.pages import console_router, page
from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import STAFF, require
from xinyong.core.errors import InvalidInput
from xinyong.core.export import Cell, xlsx_response
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.periods import month_bounds
from xinyong.records import timeliness
from xinyong.records.publicity import ALERT_WORKING_DAYS, TimelinessStatus
from xinyong.records.timeliness import DepartmentMonth

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

Month = Annotated[str | None, Query(max_length=7)]
DepartmentCode = Annotated[str | None, Query(max_length=16)]
STATUSES = (
    ("on_time", TimelinessStatus.ON_TIME),
    ("late", TimelinessStatus.LATE),
    ("pending", TimelinessStatus.PENDING),
    ("due_soon", TimelinessStatus.DUE_SOON),
    ("overdue", TimelinessStatus.OVERDUE),
)
STATUS_COLOURS = {
    "on_time": "#1a7f37",
    "late": "#dc6803",
    "pending": "#0b4a8b",
    "due_soon": "#f79009",
    "overdue": "#b5121b",
}


def month_text(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_label(month: str) -> str:
    """``2026-10`` → ``2026年10月``."""
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


def _month(value: str | None, today: dt.date) -> str:
    if not value or not value.strip():
        return month_text(today)
    first, _ = month_bounds(value.strip())
    if not 2000 <= first.year <= today.year + 1:
        raise InvalidInput(f"month {value[:7]!r} is out of range (月份超出范围)", field="month")
    return month_text(first)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Line:
    """One department's figures for the month, with its name."""

    name: str
    figures: DepartmentMonth

    @property
    def due(self) -> int:
        f = self.figures
        return f.on_time + f.late + f.overdue

    @property
    def active(self) -> bool:
        f = self.figures
        return bool(f.decisions or f.received or f.rows_accepted or f.rows_rejected)


@dataclass
class Overview:
    month: str
    today: dt.date
    department: str | None  # one department in view (the user's own, or the one the office picked)
    lines: list[Line]
    total: DepartmentMonth
    alerts: list[dict[str, Any]]

    @property
    def single(self) -> bool:
        return self.department is not None

    def chart(self) -> dict[str, Any]:
        """The chart's data, embedded in the page as JSON for ECharts: the statuses of one department's decisions,
        or the on-time rate of each department that had decisions due."""
        if self.single:
            f = self.total
            return {
                "type": "statuses",
                "labels": [str(label) for _, label in STATUSES],
                "values": [getattr(f, key) for key, _ in STATUSES],
                "colours": [STATUS_COLOURS[key] for key, _ in STATUSES],
            }
        rated = sorted(
            (line for line in self.lines if line.figures.on_time_rate is not None),
            key=lambda line: (line.figures.on_time_rate or 0.0, line.name),
        )
        return {
            "type": "departments",
            "labels": [line.name for line in rated],
            "values": [round((line.figures.on_time_rate or 0.0) * 100, 1) for line in rated],
            "due": [line.due for line in rated],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "today": self.today.isoformat(),
            "department": self.department,
            "departments": [{"name": line.name, **line.figures.to_dict()} for line in self.lines],
            "total": {k: v for k, v in self.total.to_dict().items() if k != "alerts"},
        }


def _total(lines: list[Line], month: str) -> DepartmentMonth:
    total = DepartmentMonth(department="*", month=month)
    filled = 0.0
    for line in lines:
        f = line.figures
        for key in ("decisions", "on_time", "late", "pending", "due_soon", "overdue", "received"):
            setattr(total, key, getattr(total, key) + getattr(f, key))
        total.rows_accepted += f.rows_accepted
        total.rows_rejected += f.rows_rejected
        total.provisional = total.provisional or f.provisional
        filled += (f.completeness or 0.0) * f.decisions  # a department's completeness is a mean over its decisions
    withdrawal_days = [f.withdrawal_days_max for line in lines if (f := line.figures).withdrawal_days_max is not None]
    for line in lines:
        f = line.figures
        for key in ("withdrawals", "withdrawals_on_time", "withdrawals_late", "withdrawals_unmeasured"):
            setattr(total, key, getattr(total, key) + getattr(f, key))
        total.withdrawal_late_items.extend(f.withdrawal_late_items[: max(0, 200 - len(total.withdrawal_late_items))])
    total.withdrawal_on_time_rate = _rate(total.withdrawals_on_time, total.withdrawals)
    total.withdrawal_days_max = max(withdrawal_days) if withdrawal_days else None
    total.on_time_rate = _rate(total.on_time, total.on_time + total.late + total.overdue)
    total.valid_rate = _rate(total.rows_accepted, total.rows_accepted + total.rows_rejected)
    total.completeness = filled / total.decisions if total.decisions else None
    return total


def build(session: Session, actor: Actor, month: str | None, department: str | None) -> Overview:
    today = clock.today()
    chosen = _month(month, today)
    names = department_names(session)
    code = (department or "").strip().upper() or None
    if code is not None and code not in names:
        raise InvalidInput(f"no department {code[:16]!r} (未找到该部门)", field="department")
    if code is not None:
        found = [timeliness.department_month(session, actor, code, chosen, today)]
    else:
        found = timeliness.overview(session, actor, chosen, today)
        code = actor.department_code if actor.is_department else None
    lines = [Line(names.get(f.department, f.department), f) for f in found]
    alerts = [
        {**alert, "department": line.name, "department_code": line.figures.department}
        for line in lines
        for alert in line.figures.alerts
    ]
    alerts.sort(key=lambda a: (a["status"] != TimelinessStatus.OVERDUE, a["working_days_left"] or 0, a["deadline"]))
    total = lines[0].figures if code is not None and len(lines) == 1 else _total(lines, chosen)
    return Overview(chosen, today, code, lines, total, alerts)


@router.get("/timeliness", dependencies=[Depends(require(STAFF))])
def dashboard(
    request: Request, session: DbSession, actor: CurrentActor, month: Month = None, department: DepartmentCode = None
) -> HTMLResponse:
    view = build(session, actor, month, department)
    first, _ = month_bounds(view.month)
    this_month = month_text(view.today)
    params = {"month": view.month} | ({"department": department.strip().upper()} if department else {})
    context = {
        "view": view,
        "chart": view.chart(),
        "this_month": this_month,
        "previous": month_text(previous_month(first)),  # the month before the one shown
        "month_label": month_label,
        "following": month_text(next_month(first)) if month_text(first) < this_month else None,
        "everyone": not actor.is_department,
        "departments": sorted(department_names(session).items()) if not actor.is_department else [],
        "picked": (department or "").strip().upper(),
        "shown": [line for line in view.lines if line.active],
        "quiet": sum(1 for line in view.lines if not line.active),
        "json_link": "/console/timeliness.json?" + urlencode(params),
        "xlsx_link": "/console/timeliness.xlsx?" + urlencode(params),
        "statuses": STATUSES,
        "alert_days": ALERT_WORKING_DAYS,
    }
    return page(request, session, actor, "console/timeliness.html", context)


@router.get("/timeliness.json", dependencies=[Depends(require(STAFF))])
def dashboard_json(
    session: DbSession, actor: CurrentActor, month: Month = None, department: DepartmentCode = None
) -> JSONResponse:
    view = build(session, actor, month, department)
    answer = JSONResponse(view.to_dict())
    answer.headers["Cache-Control"] = "no-store"
    return answer


TITLES = (
    "部门",
    "决定月份",
    "双公示决定数",
    "按时公示",
    "逾期公示",
    "待公示",
    "即将逾期",
    "已逾期未公示",
    "按时率（%）",
    "本月归集条数",
    "有效行",
    "退回行",
    "有效率（%）",
    "完整率（%）",
    "截止日按推定日历",
)


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _cells(name: str, f: DepartmentMonth) -> list[Cell]:
    return [
        name,
        f.month,
        f.decisions,
        f.on_time,
        f.late,
        f.pending,
        f.due_soon,
        f.overdue,
        _percent(f.on_time_rate),
        f.received,
        f.rows_accepted,
        f.rows_rejected,
        _percent(f.valid_rate),
        _percent(f.completeness),
        f.provisional,
    ]


@router.get("/timeliness.xlsx", dependencies=[Depends(require(STAFF))])
def dashboard_xlsx(
    session: DbSession, actor: CurrentActor, month: Month = None, department: DepartmentCode = None
) -> Response:
    view = build(session, actor, month, department)
    rows = [_cells(line.name, line.figures) for line in view.lines]
    if not view.single:
        rows.append(_cells("合计", view.total))
    audit.record(
        session,
        actor,
        "console:timeliness:exported",
        "timeliness",
        view.month,
        {"format": "xlsx", "department": view.department, "rows": len(rows)},
    )
    notes = [
        f"统计日 {view.today.isoformat()}；按时率 = 按时公示 /（按时公示 + 逾期公示 + 已逾期未公示），"
        "期限为决定日期后 7 个工作日（中国法定节假日及调休）。",
    ]
    answer = xlsx_response(f"双公示时效-{view.month}.xlsx", TITLES, rows, sheet=f"双公示时效 {view.month}", notes=notes)
    answer.headers["Cache-Control"] = "no-store"
    return answer
