"""Pages of the portal 信用中国（江西共青）: every page is public, server-rendered, and declares its access rule
through :func:`xinyong.portal.web.portal_router`."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.portal import (
    account,
    agencies,
    audit,
    campaigns,
    commitments,
    content,
    furniture,
    inspections,
    lists,
    model,
    my,
    my_lists,
    pages,
    repair,
    reports,
)

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(account.router)
router.include_router(my.router)
router.include_router(lists.router)
router.include_router(model.router)
router.include_router(commitments.pages)
router.include_router(reports.pages)
router.include_router(repair.pages)
router.include_router(inspections.router)
router.include_router(campaigns.router)
router.include_router(audit.router)
router.include_router(agencies.public)
router.include_router(agencies.pages)
router.include_router(my_lists.pages)
router.include_router(furniture.router)
router.include_router(content.router)
