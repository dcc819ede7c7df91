"""The staff console (工作台): its pages, gathered under /console. Each module holds one part of it."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.console import (
    agencies,
    api_clients,
    audit_log,
    campaigns,
    commitments,
    complaints,
    content,
    contradictions,
    dashboard,
    departments,
    enterprise_accounts,
    evaluation,
    exchange,
    history,
    honours,
    inspections,
    lists,
    login,
    misuse,
    oversight,
    privacy,
    punishment,
    repair,
    scorecards,
    timeliness,
    upload_templates,
    uploads,
    users,
)

router = APIRouter(include_in_schema=False)
for part in (login.router, dashboard.router, uploads.router, timeliness.router, users.router, audit_log.router):
    router.include_router(part)
router.include_router(oversight.router)
router.include_router(misuse.router)
router.include_router(complaints.router)
router.include_router(commitments.router)
router.include_router(repair.router)
router.include_router(evaluation.router)
router.include_router(punishment.router)
router.include_router(campaigns.router)
router.include_router(inspections.router)
router.include_router(exchange.router)
router.include_router(departments.router)
router.include_router(enterprise_accounts.router)
router.include_router(history.router)
router.include_router(privacy.router)
router.include_router(api_clients.router)
router.include_router(lists.router)
router.include_router(honours.router)
router.include_router(agencies.router)
router.include_router(upload_templates.router)
router.include_router(content.router)
router.include_router(scorecards.router)
router.include_router(contradictions.router)
