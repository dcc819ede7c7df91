"""Console pages of the department scorecards (部门信用工作考核, req §3.15b): the month's ranking with a chart, one
department's card with its trend, the rows behind each figure, the weight versions (the office edits them), and the
monthly 考核表 as XLSX and as a printable page.

The figures are :mod:`xinyong.scorecards.service`'s; a department sees its own card only, the credit office and
auditors every card.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import beijing_time, console_router, page
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.access import OFFICE, STAFF, require
from xinyong.core.display import chinese
from xinyong.core.errors import XinyongError
from xinyong.core.export import Cell, xlsx_response
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.periods import add_months, month_bounds
from xinyong.records.rules import KIND_LABELS, Kind
from xinyong.scorecards import service
from xinyong.scorecards.rules import (
    BUILTIN,
    EXPLANATIONS,
    LABELS,
    PARAM_LABELS,
    PARAM_RANGES,
    Indicator,
    month_text,
)
from xinyong.scorecards.schemas import ModelIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
BASE = "/console/scorecards"
Month = Annotated[str | None, Query(max_length=7)]
Department = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Z0-9_]+$")]
TREND = 6

COLUMNS: dict[Indicator, tuple[tuple[str, str], ...]] = {
    Indicator.PUBLICITY_ON_TIME: (
        ("decision_date", "决定日期"),
        ("kind", "类别"),
        ("title", "决定"),
        ("subject", "相对人"),
        ("deadline", "公示截止日"),
        ("published_date", "公示日期"),
        ("status", "状态"),
    ),
    Indicator.DATA_QUALITY: (
        ("received_at", "报送时间"),
        ("batch_id", "批次"),
        ("row_number", "行号"),
        ("kind", "类别"),
        ("doc_no", "文书号"),
        ("fields", "问题字段"),
        ("reasons", "退回原因"),
        ("status", "状态"),
    ),
    Indicator.DATA_VOLUME: (
        ("received_date", "归集日期"),
        ("kind", "类别"),
        ("title", "记录"),
        ("subject", "主体"),
        ("decision_date", "决定日期"),
    ),
    Indicator.CHECK_FEEDBACK: (
        ("at", "核查时间"),
        ("check_id", "核查编号"),
        ("subject", "核查对象"),
        ("purpose", "用途"),
        ("measure", "惩戒措施"),
        ("applied", "执行情况"),
        ("feedback_at", "反馈时间"),
    ),
    Indicator.OVERDUE_OPEN: (
        ("item", "事项"),
        ("subject", "内容"),
        ("deadline", "期限"),
        ("done_on", "办结日期"),
        ("state", "状态"),
    ),
}
ITEM_COLUMNS = (
    ("subject", "事项"),
    ("deadline", "期限"),
    ("done_on", "办结日期"),
    ("state", "考核结果"),
    ("status", "当前状态"),
)


def _month(value: str | None) -> str:
    return (value or "").strip() or month_text(clock.today())


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def figure_text(figure: Any) -> str:
    """An indicator's value as a reader sees it: a rate in per cent, a count, or a ratio to the history."""
    if figure.indicator == Indicator.OVERDUE_OPEN:
        return f"{figure.good} 项"
    if figure.indicator == Indicator.DATA_VOLUME:
        return f"{figure.good} 条" if figure.value is None else f"{figure.good} 条（{figure.value * 100:.0f}%）"
    return _percent(figure.value)


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "kind" and value in {k.value for k in Kind}:
        return KIND_LABELS[Kind(value)]
    if key == "applied":
        return "已执行" if value else "未执行"
    if key == "reasons":
        return "；".join(chinese(part) for part in str(value).split("；"))
    if isinstance(value, dt.datetime):
        return beijing_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _months_around(month: str) -> dict[str, str | None]:
    first, _ = month_bounds(month)
    this = month_text(clock.today())
    following = month_text(add_months(first, 1))
    return {"previous": month_text(add_months(first, -1)), "following": following if following <= this else None}


def _chart(scores: service.MonthScores) -> dict[str, Any]:
    rated = [card for card in scores.cards if card.score is not None]
    return {"labels": [c.name for c in rated], "values": [c.score for c in rated]}


def _table(scores: service.MonthScores) -> dict[str, Any]:
    """What the ranking and the printable sheet both show: the cards and how each indicator reads."""
    return {"scores": scores, "indicators": list(Indicator), "labels": LABELS, "figure_text": figure_text}


@router.get("/scorecards", dependencies=[Depends(require(STAFF))])
def ranking(request: Request, session: DbSession, actor: CurrentActor, month: Month = None) -> HTMLResponse:
    scores = service.month_scores(session, actor, _month(month))
    context = {
        **_table(scores),
        "chart": _chart(scores),
        "everyone": actor.sees_everything,
        **_months_around(scores.month),
    }
    return page(request, session, actor, "console/scorecards.html", context)


TITLES = ("排名", "部门", "综合得分", *(f"{LABELS[i]}（权重得分）" for i in Indicator), *(LABELS[i] for i in Indicator))


def _export_rows(scores: service.MonthScores) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for card in scores.cards:
        points: list[Cell] = [_decimal(card.points(i, scores.model.weights)) for i in Indicator]
        values: list[Cell] = [figure_text(card.figures[i]) + "；" + card.figures[i].detail for i in Indicator]
        rows.append([card.rank, card.name, _decimal(card.score), *points, *values])
    return rows


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))


def _notes(scores: service.MonthScores) -> list[str]:
    model = scores.model
    weights = "、".join(f"{LABELS[i]} {model.weights.get(i, 0)} 分" for i in Indicator)
    return [
        f"考核月份 {scores.month}；统计截止日 {scores.reference.isoformat()}"
        f"（双公示按 {scores.today.isoformat()} 的状态）；"
        f"评分版本 第 {model.version} 版（{model.effective_month} 起施行）。",
        f"权重：{weights}。无数据的指标不计分，其权重按比例分配给其余指标；本月无任何考核数据的部门不参与排名。",
        "工作日按中国法定节假日及调休计算；各项数据均取自平台记录，可在考核页面逐项查看明细。",
    ]


@router.get("/scorecards.xlsx", dependencies=[Depends(require(STAFF))])
def export(session: DbSession, actor: CurrentActor, month: Month = None) -> Response:
    scores = service.month_scores(session, actor, _month(month))
    rows = _export_rows(scores)
    payload = {"format": "xlsx", "rows": len(rows)}
    audit.record(session, actor, "console:scorecards:exported", "scorecard", scores.month, payload)
    name = f"部门信用工作考核-{scores.month}.xlsx"
    answer = xlsx_response(name, TITLES, rows, sheet=f"考核表 {scores.month}", notes=_notes(scores))
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.get("/scorecards/print", dependencies=[Depends(require(STAFF))])
def printable(request: Request, session: DbSession, actor: CurrentActor, month: Month = None) -> HTMLResponse:
    scores = service.month_scores(session, actor, _month(month))
    context = {
        **_table(scores),
        "notes": _notes(scores),
        "printed": beijing_time(clock.now()),
    }
    return page(request, session, actor, "console/scorecard_print.html", context)


def _models_context(session: DbSession, actor: Actor) -> dict[str, Any]:
    versions = service.list_models(session)
    current = service.model_for(session, month_text(clock.today()))
    return {
        "versions": [*versions, BUILTIN],
        "current": current,
        "indicators": list(Indicator),
        "labels": LABELS,
        "explanations": EXPLANATIONS,
        "param_labels": PARAM_LABELS,
        "param_ranges": PARAM_RANGES,
        "may_edit": actor.role == Role.CREDIT_OFFICE,
        "this_month": month_text(clock.today()),
    }


@router.get("/scorecards/models", dependencies=[Depends(require(STAFF))])
def models(
    request: Request, session: DbSession, actor: CurrentActor, done: NoticeCode = None, error: NoticeCode = None
) -> HTMLResponse:
    context = _models_context(session, actor) | read_notices(done, error)
    return page(request, session, actor, "console/scorecard_models.html", context)


@router.post("/scorecards/models", dependencies=[Depends(require(OFFICE))])
async def add_model(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    form = await request.form()
    target = f"{BASE}/models"
    try:
        weights = {i.value: _number(form.get(f"weight_{i.value}")) for i in Indicator}
        params = {name: _number(form.get(f"param_{name}")) for name in PARAM_RANGES}
        data = ModelIn.model_validate(
            {
                "effective_month": str(form.get("effective_month", "")).strip()[:7],
                "weights": weights,
                "params": params,
                "note": str(form.get("note", ""))[:500],
            }
        )

        def save() -> Any:
            with session.begin_nested():
                return service.create_model(session, actor, data)

        made = await run_in_threadpool(save)
    except (XinyongError, ValidationError) as refused:
        return back(target, error=refusal(refused))
    return back(target, message=f"已发布考核权重第 {made.version} 版，自 {made.effective_month} 起施行")


def _number(value: Any) -> int:
    text = str(value or "").strip()[:6]
    return int(text) if text.isdigit() else -1


@router.get("/scorecards/{department}", dependencies=[Depends(require(STAFF))])
def card(
    request: Request, session: DbSession, actor: CurrentActor, department: Department, month: Month = None
) -> HTMLResponse:
    found, scores = service.department_card(session, actor, department, _month(month))
    trend = service.trend(session, actor, scores.month, TREND)
    chart = {"months": trend.months, "name": found.name, "values": trend.series.get(found.department, [])}
    context = {
        "card": found,
        "scores": scores,
        "explanations": EXPLANATIONS,
        "figure_text": figure_text,
        "chart": chart,
        **_months_around(scores.month),
    }
    return page(request, session, actor, "console/scorecard.html", context)


@router.get("/scorecards/{department}/rows", dependencies=[Depends(require(STAFF))])
def rows(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    department: Department,
    indicator: Annotated[str, Query(min_length=1, max_length=40)],
    month: Month = None,
) -> HTMLResponse:
    found = service.rows(session, actor, department, indicator, _month(month))
    which = Indicator(indicator)
    columns = COLUMNS.get(which, ITEM_COLUMNS)
    table = [{"cells": [_shown(key, row.get(key)) for key, _ in columns], "link": row.get("link")} for row in found]
    card_found, scores = service.department_card(session, actor, department, _month(month))
    context = {
        "card": card_found,
        "scores": scores,
        "indicator": which,
        "label": LABELS[which],
        "explanation": EXPLANATIONS[which],
        "figure": card_found.figures[which],
        "columns": [label for _, label in columns],
        "table": table,
        "limit": service.ROWS_LIMIT,
    }
    return page(request, session, actor, "console/scorecard_rows.html", context)
