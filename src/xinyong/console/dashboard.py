"""The console's front page (工作台): who is signed in, what waits for their decision (the reviewer tile, counted by
the queue pages' own queries), and the record figures of their scope with a chart."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from xinyong.console import reviewer_queue, service
from xinyong.console.pages import console_router, page
from xinyong.core.actor import Role
from xinyong.core.auth.access import SIGNED_IN, require
from xinyong.core.http import CurrentActor, DbSession

router = console_router()


@router.get("", dependencies=[Depends(require(SIGNED_IN))])
def dashboard(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if actor.role == Role.ENTITY:  # an enterprise user's front page is the portal's 我的信用
        return RedirectResponse("/my", status_code=303)
    figures = service.record_figures(session, actor)
    context = {"figures": figures, "chart": figures.chart(), "has_scope": service.scope_of(actor).label != "无"}
    context["waiting"] = reviewer_queue.waiting_for(session, actor)
    return page(request, session, actor, "console/dashboard.html", context)
