"""Portal pages of special campaigns (专项治理): the campaigns (filtered, paged, in every twin), and each one's
published results (the latest outcome per target entity; internal notes are never shown)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response

from xinyong.campaigns import service
from xinyong.campaigns.rules import CampaignStatus
from xinyong.campaigns.schemas import CampaignOut
from xinyong.core.departments import list_departments
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.pagination import MAX_KEYWORD, POSITION_MAX, PageRequest, cursor_of, key_text
from xinyong.core.web import render
from xinyong.portal.views import Column
from xinyong.portal.web import DEFAULT_PAGE_SIZE, answer, date_value, page_request, portal_router, text_value

router = portal_router()
ItemId = Annotated[int, Path(ge=1, le=2**62)]
SUFFIXES = ("", ".json", ".csv", ".xlsx")
COLUMNS = (
    Column("id", "编号", html=False),
    Column("name", "专项治理"),
    Column("department", "牵头部门"),
    Column("period", "治理期间"),
    Column("status", "状态"),
    Column("targets", "治理对象（户）"),
    Column("results", "公开结果"),
    Column("url", "详情地址", html=False),
)


def _row(campaign: CampaignOut) -> dict[str, Any]:
    results = "；".join(f"{outcome} {n}" for outcome, n in campaign.results.items())
    return {
        "id": campaign.id,
        "name": campaign.name,
        "department": campaign.lead_department_name,
        "period": f"{campaign.start_date.isoformat()} 至 {campaign.end_date.isoformat()}",
        "status": campaign.status.value,
        "targets": campaign.targets,
        "results": (results or "—") if campaign.results_published else "尚未公开",
        "url": f"/campaigns/{campaign.id}",
        "keyset": key_text(campaign.start_date, campaign.id),  # the list position (core.pagination.Cursor)
    }


def campaigns_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=MAX_KEYWORD)] = None,
    department: Annotated[str | None, Query(max_length=16)] = None,
    category: Annotated[str | None, Query(max_length=8)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = DEFAULT_PAGE_SIZE,
    after: Annotated[str | None, Query(max_length=POSITION_MAX)] = None,
    before: Annotated[str | None, Query(max_length=POSITION_MAX)] = None,
) -> Response:
    """专项治理, newest start first, filtered by name, lead department, status and start dates; every twin the same."""
    departments = list_departments(session)
    chosen = text_value(department)
    if chosen is not None and chosen.upper() not in {d.code for d in departments}:
        raise InvalidInput(f"unknown department {chosen[:16]!r} (未知部门)", field="department")
    flt = service.CampaignFilter(
        keyword=text_value(q),
        department=chosen.upper() if chosen else None,
        status=text_value(category),
        started_from=date_value(date_from, "date_from"),
        started_to=date_value(date_to, "date_to"),
    )
    wanted, cursor = page_request(page, page_size), cursor_of(after, before)

    def rows(limit: int) -> list[dict[str, Any]]:
        return [_row(c) for c in service.all_public_campaigns(session, flt, limit=limit)]

    def page_rows() -> tuple[list[dict[str, Any]], int, PageRequest]:
        found, total = service.search_public_campaigns(session, flt, wanted, cursor=cursor)
        return [_row(c) for c in found], total, wanted

    selected = {
        "q": flt.keyword or "",
        "department": flt.department or "",
        "category": flt.status or "",
        "date_from": flt.started_from.isoformat() if flt.started_from else "",
        "date_to": flt.started_to.isoformat() if flt.started_to else "",
    }
    context = {
        "active": "campaigns",
        "path": "/campaigns",
        "selected": selected,
        "departments": departments,
        "categories": [s.value for s in CampaignStatus],
        "category_label": "状态",
        "department_label": "牵头部门",
        "date_label": "开始日期自",
        "keyword_hint": "专项治理名称中的文字",
    }
    return answer(
        request,
        session,
        actor,
        title="失信问题专项治理",
        columns=COLUMNS,
        rows=rows,
        page_rows=page_rows,
        template="portal/campaigns.html",
        context=context,
    )


for _suffix in SUFFIXES:
    router.add_api_route("/campaigns" + _suffix, campaigns_page, methods=["GET"], response_model=None)


@router.get("/campaigns/{campaign_id}")
def campaign_page(campaign_id: ItemId, request: Request, session: DbSession) -> Response:
    context = {"active": "campaigns", "campaign": service.public_campaign(session, campaign_id)}
    return render(request, "portal/campaign.html", context)
