"""Portal pages of special campaigns (专项治理): the campaigns, and each one's published results (the latest outcome
per target entity; internal notes are never shown)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response

from xinyong.campaigns import service
from xinyong.core.http import DbSession
from xinyong.core.web import render
from xinyong.portal.web import portal_router

router = portal_router()
ItemId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/campaigns")
def campaigns_page(request: Request, session: DbSession) -> Response:
    context = {"active": "campaigns", "campaigns": service.list_campaigns(session)}
    return render(request, "portal/campaigns.html", context)


@router.get("/campaigns/{campaign_id}")
def campaign_page(campaign_id: ItemId, request: Request, session: DbSession) -> Response:
    context = {"active": "campaigns", "campaign": service.public_campaign(session, campaign_id)}
    return render(request, "portal/campaign.html", context)
