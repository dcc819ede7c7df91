"""Portal page of the audit chain's anchors (审计链锚点公示): every signed head, newest first, as a page and JSON.

Publishing the heads is what makes them hard to take back: anyone who kept a copy (the province gets each one
through the outbox) can show that the platform's audit log was later rewritten. The signature is HMAC-SM3 under
the platform's audit key, so the platform (and whoever it gives the key, an auditor) can check it; the copies are
what anyone can compare.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.audit_anchors import FORMAT, Anchor, AuditAnchor
from xinyong.core.http import DbSession
from xinyong.core.web import render
from xinyong.portal.web import portal_router

router = portal_router()
PER_PAGE = 50
Page = Annotated[int, Query(ge=1, le=100_000)]


def _beijing(moment: dt.datetime) -> str:
    return moment.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _page(session: Session, page: int) -> tuple[list[Anchor], int]:
    total = session.scalar(select(func.count()).select_from(AuditAnchor)) or 0
    rows = session.scalars(
        select(AuditAnchor).order_by(AuditAnchor.seq.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return [Anchor.from_row(row) for row in rows], total


@router.get("/audit/anchors")
def anchors_page(request: Request, session: DbSession, page: Page = 1) -> Response:
    anchors, total = _page(session, page)
    items = [{"anchor": a, "at": _beijing(a.at)} for a in anchors]
    pages = (total + PER_PAGE - 1) // PER_PAGE
    context = {"active": "audit", "items": items, "total": total, "page": page, "pages": pages}
    return render(request, "portal/audit_anchors.html", context)


@router.get("/audit/anchors.json")
def anchors_json(session: DbSession, page: Page = 1) -> Response:
    anchors, total = _page(session, page)
    body: dict[str, Any] = {
        "format": FORMAT,
        "说明": "审计日志链头的签名锚点（HMAC-SM3），每日至少一次；按序号从新到旧排列。",
        "total": total,
        "page": page,
        "page_size": PER_PAGE,
        "items": [{**a.as_json(), "at_beijing": _beijing(a.at)} for a in anchors],
    }
    return JSONResponse(body)
