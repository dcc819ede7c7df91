"""Console pages of joint punishment: change notices to business systems with their webhook delivery state
(名单变动通知), the office's registration of business systems' webhooks, and the check-effectiveness chart (成效统计).

The chart is server-rendered SVG (no script, no CDN): bars per measure and per department for one month, and a
twelve-month line of checks and restricted answers, all from ``punishment.service.statistics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from xinyong.console.forms import NoticeCode, back, read_notices, refusal, take_step
from xinyong.console.pages import console_router, page
from xinyong.core import clock, outbox
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import AUDIT, OFFICE, require
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.periods import month_bounds
from xinyong.punishment import service as punishment
from xinyong.punishment.schemas import StatisticsOut

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ItemId = Annotated[int, Path(ge=1, le=2**62)]


def _notices_page(
    request: Request,
    session: Session,
    actor: CurrentActor,
    *,
    done: str | None = None,
    error: str | None = None,
    secret: dict[str, Any] | None = None,
    page_no: int = 1,
) -> HTMLResponse:
    size = 100
    notices = punishment.list_notices(session, limit=size, offset=(page_no - 1) * size)
    systems = [c for c in auth.list_api_clients(session) if c.role == Role.BUSINESS_SYSTEM]
    context: dict[str, Any] = {
        "notices": notices,
        "systems": systems,
        "counts": outbox.count_by_status(session, punishment.NOTICE_TOPIC),
        "labels": outbox.STATUS_LABELS,
        "may_manage": OFFICE.allows(actor.role),
        "done": done,
        "error": error,
        "secret": secret,
        "page_no": page_no,
        "more": len(notices) == size,
    }
    return page(request, session, actor, "console/notices.html", context)


@router.get("/notices", dependencies=[Depends(require(AUDIT))])
def notices(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
    error: NoticeCode = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    shown = read_notices(done, error)
    return _notices_page(request, session, actor, done=shown["done"], error=shown["error"], page_no=page_no)


@router.post("/notices/systems/{client_id}/webhook", dependencies=[Depends(require(OFFICE))])
def set_webhook(
    request: Request,
    client_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    webhook_url: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Register or (with an empty URL) remove a business system's webhook; the new signing secret shows once."""
    url = webhook_url.strip() or None
    try:
        with session.begin_nested():
            client, secret = auth.set_webhook(session, actor, client_id, url)
    except XinyongError as refused:
        return back("/console/notices", error=refusal(refused))
    if secret is None:
        return back("/console/notices", message=f"{client.name} 的回调地址已删除")
    shown = {"client": client.name, "url": client.webhook_url, "secret": secret}
    return _notices_page(request, session, actor, done=f"{client.name} 的回调地址已登记", secret=shown)


@router.post("/notices/messages/{message_id}/retry", dependencies=[Depends(require(OFFICE))])
def retry_message(
    message_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> Response:
    return take_step(
        session,
        lambda: outbox.retry(session, actor, message_id),
        "/console/notices",
        f"消息 {message_id} 已重新排队发送",
        refused=(XinyongError,),
    )


# ---------------------------------------------------------------- the effectiveness chart


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]  # stacked: applied, not applied, pending


@dataclass(frozen=True)
class Svg:
    width: int
    height: int
    body: str


COLOURS = ("#2e7d32", "#c62828", "#9e9e9e")
SERIES = ("已实施", "未实施", "待反馈")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def bar_chart(bars: list[Bar], *, title: str) -> Svg:
    """Horizontal stacked bars (applied / not applied / pending) with their numbers, as SVG markup."""
    label_width, bar_width, row, top = 260, 420, 26, 34
    height = top + max(len(bars), 1) * row + 30
    width = label_width + bar_width + 80
    peak = max((sum(b.values) for b in bars), default=0) or 1
    parts = [f'<text x="0" y="18" class="chart-title">{_escape(title)}</text>']
    for i, name in enumerate(SERIES):
        lx = label_width + i * 90
        parts.append(f'<rect x="{lx}" y="{height - 18}" width="12" height="12" fill="{COLOURS[i]}"/>')
        parts.append(f'<text x="{lx + 16}" y="{height - 8}" class="chart-legend">{name}</text>')
    if not bars:
        parts.append(f'<text x="0" y="{top + 16}" class="chart-empty">本月无核查返回的措施。</text>')
    for index, bar in enumerate(bars):
        y = top + index * row
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{_escape(bar.label[:24])}</text>')
        x = float(label_width)
        for value, colour, name in zip(bar.values, COLOURS, SERIES, strict=True):
            if value:
                w = bar_width * value / peak
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}">'
                    f"<title>{_escape(bar.label)} {name} {value}</title></rect>"
                )
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}" class="chart-total">{sum(bar.values)}</text>')
    return Svg(width, height, "".join(parts))


def line_chart(points: list[tuple[str, int, int]], *, title: str) -> Svg:
    """Checks and restricted answers per month as two polylines, as SVG markup."""
    width, height, left, top, bottom = 720, 240, 48, 30, 40
    plot_w, plot_h = width - left - 20, height - top - bottom
    peak = max((p[1] for p in points), default=0) or 1
    step = plot_w / max(len(points) - 1, 1)
    parts = [f'<text x="0" y="18" class="chart-title">{_escape(title)}</text>']
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>')
    lines: tuple[tuple[str, str, int], ...] = (("核查次数", "#1565c0", 1), ("有限制", "#c62828", 2))
    for series, colour, index in lines:
        values = [p[1] if index == 1 else p[2] for p in points]
        coords = " ".join(f"{left + i * step:.1f},{top + plot_h - plot_h * v / peak:.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        legend_x = left + (0 if index == 1 else 110)
        parts.append(f'<rect x="{legend_x}" y="{height - 14}" width="12" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 16}" y="{height - 8}" class="chart-legend">{series}</text>')
    for i, (month, checks, restricted) in enumerate(points):
        x = left + i * step
        parts.append(
            f'<circle cx="{x:.1f}" cy="{top + plot_h - plot_h * checks / peak:.1f}" r="3" fill="#1565c0">'
            f"<title>{month} 核查 {checks} 次，有限制 {restricted} 次</title></circle>"
        )
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{month[5:]}</text>')
    return Svg(width, height, "".join(parts))


def _months_back(month: str, count: int) -> list[str]:
    start, _ = month_bounds(month)
    year, number = start.year, start.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return list(reversed(months))


def charts(session: Session, month: str) -> tuple[StatisticsOut, Svg, Svg, Svg]:
    stats = punishment.statistics(session, month)
    by_measure = bar_chart(
        [Bar(f"{s.measure_code} {s.measure_name}", (s.applied, s.not_applied, s.pending)) for s in stats.by_measure],
        title=f"{stats.month} 按惩戒措施",
    )
    by_department = bar_chart(
        [Bar(d.department, (d.applied, d.not_applied, d.pending)) for d in stats.by_department],
        title=f"{stats.month} 按实施部门",
    )
    trend = []
    for m in _months_back(stats.month, 12):
        one = stats if m == stats.month else punishment.statistics(session, m)
        trend.append((m, one.checks, one.restricted))
    by_month = line_chart(trend, title="近十二个月核查次数")
    return stats, by_measure, by_department, by_month


@router.get("/check-statistics", dependencies=[Depends(require(AUDIT))])
def check_statistics(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    month: Annotated[str | None, Query(max_length=7)] = None,
) -> HTMLResponse:
    chosen = (month or clock.today().strftime("%Y-%m")).strip()
    month_bounds(chosen)  # InvalidInput (422) naming ``month`` for anything but YYYY-MM
    stats, by_measure, by_department, by_month = charts(session, chosen)
    context = {
        "stats": stats,
        "charts": [by_measure, by_department, by_month],
        "month": stats.month,
    }
    return page(request, session, actor, "console/check_statistics.html", context)
