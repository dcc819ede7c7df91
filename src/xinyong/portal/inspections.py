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
from xinyong.core.http import DbSession
from xinyong.core.web import render
from xinyong.inspections import rules, service
from xinyong.portal.web import portal_router

router = portal_router()
ItemId = Annotated[int, Path(ge=1, le=2**62)]
SELECTED_PAGE = 200  # drawn entities per page; the bundle and the API hold them all


def _beijing(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@router.get("/inspections")
def draws_page(request: Request, session: DbSession) -> Response:
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
    context: dict[str, Any] = {"active": "inspections", "draws": draws, "tasks": tasks, "chart": chart if order else ""}
    context["frozen"] = [t for t in service.public_tasks(session) if t.rounds == 0]
    context["beijing"] = _beijing
    context["departments"] = service.department_names(session)
    return render(request, "portal/inspections/index.html", context)


@router.get("/inspections/draws/{draw_id}")
def draw_page(
    draw_id: ItemId, request: Request, session: DbSession, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    view = service.public_draw(session, draw_id)
    pages = max(1, -(-len(view.selected) // SELECTED_PAGE))
    shown = view.selected[(page - 1) * SELECTED_PAGE : page * SELECTED_PAGE]
    chart = bar_chart(
        [s.stratum for s in view.draw.strata],
        [("对象库户数", [s.size for s in view.draw.strata]), ("抽中户数", [s.count for s in view.draw.strata])],
        title="按类别抽取情况",
    )
    context = {"active": "inspections", "view": view, "chart": chart, "shown": shown, "page": page, "pages": pages}
    return render(request, "portal/inspections/draw.html", context)


@router.get("/inspections/draws/{draw_id}/bundle.json")
def draw_bundle(draw_id: ItemId, session: DbSession) -> Response:
    bundle = service.bundle_of(session, draw_id)
    return JSONResponse(
        bundle, headers={"Content-Disposition": f'attachment; filename="inspection-draw-{draw_id}.json"'}
    )


@router.get("/inspections/cases")
def cases_page(request: Request, session: DbSession) -> Response:
    context = {"active": "inspections", "cases": service.public_cases(session)}
    return render(request, "portal/inspections/cases.html", context)


@router.get("/inspections/cases/{case_id}")
def case_page(case_id: ItemId, request: Request, session: DbSession) -> Response:
    context = {"active": "inspections", "case": service.public_case(session, case_id)}
    return render(request, "portal/inspections/case.html", context)
