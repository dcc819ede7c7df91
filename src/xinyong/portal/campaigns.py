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
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.pagination import key_text
from xinyong.core.web import render
from xinyong.portal.filtered import ListPage, ListQuery, ListSource, filtered_list, list_form
from xinyong.portal.views import Column
from xinyong.portal.web import portal_router

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
    args: ListQuery,
    category: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """专项治理, newest start first, filtered by name, lead department, status and start dates; every twin the same."""
    departments = list_departments(session)
    form = list_form({d.code for d in departments}, args, category)
    flt = service.CampaignFilter(
        keyword=form.keyword,
        department=form.department,
        status=form.category,
        started_from=form.date_from,
        started_to=form.date_to,
    )
    shown = ListPage(
        title="失信问题专项治理",
        columns=COLUMNS,
        template="portal/campaigns.html",
        context={
            "active": "campaigns",
            "path": "/campaigns",
            "departments": departments,
            "categories": [s.value for s in CampaignStatus],
            "category_label": "状态",
            "department_label": "牵头部门",
            "date_label": "开始日期自",
            "keyword_hint": "专项治理名称中的文字",
        },
    )
    source = ListSource(
        lambda limit: service.all_public_campaigns(session, flt, limit=limit),
        lambda wanted, cursor: service.search_public_campaigns(session, flt, wanted, cursor=cursor),
        _row,
    )
    return filtered_list(request, session, actor, form, shown, source)


for _suffix in SUFFIXES:
    router.add_api_route("/campaigns" + _suffix, campaigns_page, methods=["GET"], response_model=None)


@router.get("/campaigns/{campaign_id}")
def campaign_page(campaign_id: ItemId, request: Request, session: DbSession) -> Response:
    context = {"active": "campaigns", "campaign": service.public_campaign(session, campaign_id)}
    return render(request, "portal/campaign.html", context)
