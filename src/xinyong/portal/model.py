"""The scoring model of the 公共信用综合评价 as a page a citizen can read (indicators, points, caps, grade bands,
version and the day it took effect), with the published JSON as its twin (``/evaluation/model.json``, the same
document as the API's ``/api/v1/evaluation/models/{version}``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import JSONResponse, Response

from xinyong.core.display import beijing_date
from xinyong.core.http import DbSession
from xinyong.core.web import render
from xinyong.evaluation import service as evaluation
from xinyong.evaluation import views as evaluation_views
from xinyong.evaluation.rules import GRADE_LABELS, Grade, Indicator, Source, parse_model
from xinyong.lists.rules import CATEGORY_LABELS, ListCategory
from xinyong.portal.web import output_format, portal_router
from xinyong.records.rules import KIND_LABELS, Kind

router = portal_router()
Version = Annotated[int, Path(ge=1, le=1_000_000)]
SOURCE_LABELS = {Source.RECORD: "信用记录", Source.LIST: "信用名单"}


def _counts(indicator: Indicator) -> str:
    """What one item of the indicator is, in words: 行政处罚（严重）, 列入重点关注对象名单…"""
    if indicator.source is Source.LIST:
        names = [CATEGORY_LABELS.get(ListCategory(c), c) for c in indicator.list_categories]
        return "列入" + "、".join(names)
    kinds = "、".join(KIND_LABELS.get(Kind(k), k) if k in set(Kind) else k for k in indicator.kinds)
    if indicator.severities is None:
        return kinds
    grades = "、".join("未分级" if s is None else s for s in indicator.severities)
    return f"{kinds}（{grades}）"


def _bands(thresholds: dict[Grade, int]) -> list[dict[str, str]]:
    a, b, c = thresholds[Grade.A], thresholds[Grade.B], thresholds[Grade.C]
    ranges = {Grade.A: f"{a} 分及以上", Grade.B: f"{b}–{a - 1} 分", Grade.C: f"{c}–{b - 1} 分", Grade.D: f"{c} 分以下"}
    return [{"grade": str(g), "label": GRADE_LABELS[g], "range": ranges[g]} for g in Grade]


def _page(request: Request, session: DbSession, version: int | None) -> Response:
    current, _ = evaluation.current_model(session)
    row = evaluation.get_model_version(session, version or current)
    if output_format(request) == "json":
        return JSONResponse(evaluation_views.model_out(row, current).model_dump(mode="json"))
    model = parse_model(row.definition)
    indicators: list[dict[str, Any]] = [
        {
            "name": item.name,
            "code": item.code,
            "source": SOURCE_LABELS[item.source],
            "counts": _counts(item),
            "points": item.points,
            "cap": item.cap,
            "window": f"近 {item.window_months} 个月" if item.window_months else "在有效期或公示期内",
            "forces": f"评价结果直接为 {item.forces_grade}（{GRADE_LABELS[item.forces_grade]}）"
            if item.forces_grade
            else "",
            "ends_with": item.ends_with,
        }
        for item in model.indicators
    ]
    context = {
        "active": "search",
        "row": row,
        "model": model,
        "effective": beijing_date(row.published_at),
        "current": current,
        "versions": [(v.version, beijing_date(v.published_at)) for v in evaluation.model_versions(session)],
        "indicators": indicators,
        "bands": _bands(model.thresholds),
        "json_url": f"/evaluation/model/{row.version}.json",
    }
    return render(request, "portal/model.html", context)


def current_model_page(request: Request, session: DbSession) -> Response:
    return _page(request, session, None)


def model_version_page(request: Request, session: DbSession, version: Version) -> Response:
    return _page(request, session, version)


for _suffix in (".json", ""):  # the twin first: "{version}" would also match "1.json"
    router.add_api_route("/evaluation/model" + _suffix, current_model_page, methods=["GET"], response_model=None)
    router.add_api_route(
        "/evaluation/model/{version}" + _suffix, model_version_page, methods=["GET"], response_model=None
    )
