"""Portal pages of 双随机、一公开 and graded supervision: published draws (pool hash, public value, seed, drawn
entities and results, bundle download) and typical cases. Everything here is public by design: the point of a draw
is that anyone can re-run it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse, Response

from xinyong.core.charts import bar_chart
from xinyong.core.clock import BEIJING
from xinyong.core.departments import list_departments
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.pagination import MAX_KEYWORD, key_text
from xinyong.core.web import render
from xinyong.inspections import publication, rules, service
from xinyong.inspections.schemas import CaseOut
from xinyong.portal.filtered import (
    ListArgs,
    ListPage,
    ListQuery,
    ListSource,
    filtered_list,
    list_form,
    memory_page,
    plain_keyword,
)
from xinyong.portal.views import Column
from xinyong.portal.web import portal_router, text_value

router = portal_router()
ItemId = Annotated[int, Path(ge=1, le=2**62)]
SUFFIXES = ("", ".json", ".csv", ".xlsx")
SELECTED_PAGE = 200  # drawn entities per page; the bundle and the API hold them all
DRAW_RESULTS = {"done": "已出结果", "pending": "检查中"}


def _beijing(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@router.get("/inspections")
def draws_page(
    request: Request,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=MAX_KEYWORD)] = None,
    department: Annotated[str | None, Query(max_length=16)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Published rounds, newest first, filtered by task name, department and draw dates (the chart counts them all)."""
    draws = [service.draw_out(d) for d in service.list_public_draws(session)]
    tasks = {d.task_id: service.task_name(session, d.task_id) for d in draws}
    pooled: Counter[str] = Counter()
    drawn: Counter[str] = Counter()
    for d in draws:
        for s in d.strata:
            pooled[s.stratum] += s.size
            drawn[s.stratum] += s.count
    order = [c for c in rules.CLASSES if c in pooled] + sorted(set(pooled) - set(rules.CLASSES))
    chart = bar_chart(
        order,
        [("参与抽取户次", [pooled[c] for c in order]), ("抽中户次", [drawn[c] for c in order])],
        title="各类别抽取情况（全部已公示轮次）",
    )
    names = service.department_names(session)
    keyword = plain_keyword(q)
    args = ListArgs(q=keyword, department=department, date_from=date_from, date_to=date_to, page=page)
    form = list_form(names, args, None)
    since, until = form.date_from, form.date_to
    matching = [
        d
        for d in draws
        if (keyword is None or keyword in tasks[d.task_id])
        and (form.department is None or d.department == form.department)
        and (since is None or d.drawn_on >= since)
        and (until is None or d.drawn_on <= until)
    ]
    pager, shown = memory_page(request, matching, page, 50)
    context: dict[str, Any] = {"active": "inspections", "tasks": tasks, "chart": chart if order else ""}
    context["draws"] = shown
    context["pager"], context["matched"], context["total"] = pager, len(matching), len(draws)
    selected = form.selected()
    context["filters"] = {key: selected[key] for key in ("q", "department", "date_from", "date_to")}
    context["frozen"] = [t for t in service.public_tasks(session) if t.rounds == 0]
    context["beijing"] = _beijing
    context["departments"] = names
    return render(request, "portal/inspections/index.html", context)


@router.get("/inspections/draws/{draw_id}")
def draw_page(
    draw_id: ItemId,
    request: Request,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    q: Annotated[str | None, Query(max_length=MAX_KEYWORD)] = None,
    stratum: Annotated[str | None, Query(max_length=40)] = None,
    result: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """A draw's facts and its drawn entities, filtered by name or code, 类别 and whether a result is in. The drawn
    list is sealed and as long as the draw made it (the bundle holds it all), so it is filtered and paged in order."""
    view = service.public_draw(session, draw_id)
    keyword = plain_keyword(q)
    strata = [s.stratum for s in view.draw.strata]
    wanted = text_value(stratum)
    if wanted is not None and wanted not in strata:
        raise InvalidInput("类别不在本轮抽取的类别中", field="stratum")
    state = text_value(result)
    if state is not None and state not in DRAW_RESULTS:
        raise InvalidInput("检查结果筛选应为：已出结果、检查中", field="result")
    chosen = [
        a
        for a in view.selected
        if (keyword is None or keyword in a.name or a.uscc.startswith(keyword.upper()))
        and (wanted is None or a.stratum == wanted)
        and (state is None or (a.result is not None) == (state == "done"))
    ]
    pager, shown = memory_page(request, chosen, page, SELECTED_PAGE)
    chart = bar_chart(
        strata,
        [("对象库户数", [s.size for s in view.draw.strata]), ("抽中户数", [s.count for s in view.draw.strata])],
        title="按类别抽取情况",
    )
    context = {
        "active": "inspections",
        "view": view,
        "chart": chart,
        "shown": shown,
        "pager": pager,
        "matched": len(chosen),
        "filters": {"q": keyword or "", "stratum": wanted or "", "result": state or ""},
        "strata": strata,
        "results": DRAW_RESULTS,
    }
    return render(request, "portal/inspections/draw.html", context)


@router.get("/inspections/draws/{draw_id}/bundle.json")
def draw_bundle(draw_id: ItemId, session: DbSession) -> Response:
    bundle = service.bundle_of(session, draw_id)
    return JSONResponse(
        bundle, headers={"Content-Disposition": f'attachment; filename="inspection-draw-{draw_id}.json"'}
    )


CASE_COLUMNS = (
    Column("id", "案例编号", html=False),
    Column("title", "案例标题"),
    Column("department", "发布部门"),
    Column("stratum", "监管档次"),
    Column("published_on", "发布日期"),
    Column("summary", "案例摘要", html=False),
    Column("url", "详情地址", html=False),
)


def _case_row(case: CaseOut) -> dict[str, Any]:
    return {
        "id": case.id,
        "title": case.title,
        "department": case.department_name,
        "stratum": rules.CLASS_LABELS.get(case.stratum, case.stratum) if case.stratum else "",
        "published_on": case.published_on,
        "summary": case.summary,
        "url": f"/inspections/cases/{case.id}",
        "keyset": key_text(case.published_on, case.id),  # the list position (core.pagination.Cursor)
    }


def cases_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    args: ListQuery,
    category: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """典型案例, newest first, filtered by keyword, department, class and publication dates; every twin the same."""
    departments = list_departments(session)
    codes = {d.code for d in departments}
    form = list_form(codes, args, category)
    flt = publication.CaseFilter(
        keyword=form.keyword,
        department=form.department,
        stratum=form.category,
        published_from=form.date_from,
        published_to=form.date_to,
    )
    shown = ListPage(
        title="分级分类监管典型案例",
        columns=CASE_COLUMNS,
        template="portal/inspections/cases.html",
        context={
            "active": "inspections",
            "path": "/inspections/cases",
            "departments": departments,
            "categories": [(c, rules.CLASS_LABELS[c]) for c in rules.CLASSES],
            "category_label": "监管档次",
            "department_label": "发布部门",
            "date_label": "发布日期自",
            "keyword_hint": "案例标题或摘要中的文字",
        },
    )
    source = ListSource(
        lambda limit: publication.all_cases(session, flt, limit=limit),
        lambda wanted, cursor: publication.search_cases(session, flt, wanted, cursor=cursor),
        _case_row,
    )
    return filtered_list(request, session, actor, form, shown, source)


for _suffix in SUFFIXES:
    router.add_api_route("/inspections/cases" + _suffix, cases_page, methods=["GET"], response_model=None)


@router.get("/inspections/cases/{case_id}")
def case_page(case_id: ItemId, request: Request, session: DbSession) -> Response:
    context = {"active": "inspections", "case": service.public_case(session, case_id)}
    return render(request, "portal/inspections/case.html", context)
