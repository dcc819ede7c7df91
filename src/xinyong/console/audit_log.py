"""The audit log for auditors and the credit office (审计日志): filtered, paginated, newest first; the same query as
CSV; and a check of the hash chain. Nothing here changes anything but the log itself (an export is audited)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from xinyong.console import audit_labels, audit_view, service
from xinyong.console.pages import console_router, page
from xinyong.core import clock
from xinyong.core.actor import ROLE_LABELS
from xinyong.core.audit import AuditEvent
from xinyong.core.auth.access import AUDIT, require
from xinyong.core.errors import NotFound
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

PAGE_SIZE = 50
Filter = Annotated[str | None, Query(max_length=service.MAX_FILTER)]
Day = Annotated[str | None, Query(max_length=32)]


@router.get("/audit", dependencies=[Depends(require(AUDIT))])
def audit_log(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    action: Filter = None,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=service.MAX_FILTER)] = None,
    date_from: Day = None,
    date_to: Day = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    query = service.AuditFilter.parse(action, actor_id, date_from, date_to)
    events, total = service.search_audit(session, actor, query, PageRequest(page_no, PAGE_SIZE))
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    params = query.query()

    def link(number: int) -> str:
        return "/console/audit?" + urlencode({**params, "page": number})

    context = {
        "events": audit_view.views(session, events),
        "total": total,
        "page_no": page_no,
        "pages": pages,
        "previous": link(page_no - 1) if page_no > 1 else None,
        "next": link(page_no + 1) if page_no < pages else None,
        "export": "/console/audit.csv" + ("?" + urlencode(params) if params else ""),
        "filter": query,
        "role_labels": ROLE_LABELS,
        "areas": [(f"{area}:", label) for area, label in audit_labels.AREAS.items()],
        "area_prefixes": {f"{area}:" for area in audit_labels.AREAS},
        "filter_label": audit_view.action_label(query.action) if query.action else "",
    }
    return page(request, session, actor, "console/audit.html", context)


@router.get("/audit/events/{seq}", dependencies=[Depends(require(AUDIT))])
def audit_event(
    request: Request, session: DbSession, actor: CurrentActor, seq: Annotated[int, Path(ge=1, le=2**62)]
) -> HTMLResponse:
    """One event in full: who, what, when, which subject, every payload field labelled, and its chain hashes."""
    service.require_audit_reader(actor)
    event = session.get(AuditEvent, seq)
    if event is None:
        raise NotFound(f"no audit event {seq} (未找到该审计记录)", field="seq")
    shown = audit_view.views(session, [event])[0]
    context = {"event": shown, "payload": audit_view.payload_json(event)}
    return page(request, session, actor, "console/audit_event.html", context)


@router.get("/audit/verify", dependencies=[Depends(require(AUDIT))])
def verify_chain(request: Request, session: DbSession, actor: CurrentActor) -> HTMLResponse:
    """Walk the whole hash chain (an HTMX fragment; a full page without scripts)."""
    result = service.verify_audit(session, actor)
    anchors = service.verify_audit_anchors(session, actor)
    fragment = request.headers.get("hx-request") == "true"
    name = "console/_audit_verify.html" if fragment else "console/audit_verify.html"
    context = {"result": result, "anchors": anchors, "checked_at": clock.now()}
    return page(request, session, actor, name, context)


@router.get("/audit.csv", dependencies=[Depends(require(AUDIT))])
def audit_csv(
    session: DbSession,
    actor: CurrentActor,
    action: Filter = None,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=service.MAX_FILTER)] = None,
    date_from: Day = None,
    date_to: Day = None,
) -> Response:
    query = service.AuditFilter.parse(action, actor_id, date_from, date_to)
    text = service.export_audit(session, actor, query)
    stamp = clock.now().astimezone(clock.BEIJING).strftime("%Y%m%d-%H%M%S")
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"', "Cache-Control": "no-store"},
    )
