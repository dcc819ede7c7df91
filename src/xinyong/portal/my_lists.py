"""The party's own side of the listing procedure (陈述申辩, req §3.8) for the entity signed in as itself: the entries
it has been notified of, with the facts, basis, rights and the working-day deadline, and its statement (or waiver)
with the names of the materials it sends, by the deadline. The lists service checks the right (the party itself,
on its own entry) and the deadline, and audits the step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import ENTITY, require
from xinyong.core.calendar import load_calendar
from xinyong.core.departments import list_departments
from xinyong.core.display import chinese
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.core.web import render
from xinyong.lists import service as lists
from xinyong.lists.rules import EntryStatus
from xinyong.portal.forms import NO_OUTCOME, Outcome, take_step
from xinyong.portal.my import due
from xinyong.portal.web import PortalRoute, own_uscc

pages = APIRouter(include_in_schema=False, route_class=PortalRoute, dependencies=[Depends(reject_unknown_query)])
SHOWN = 50
MAX_DOCUMENT_LINES = 10
NOTICES = {"stated": "陈述申辩已提交，认定部门将在期限届满后作出决定。", "waived": "已放弃陈述申辩。"}


def _page(request: Request, session: DbSession, actor: Actor, outcome: Outcome = NO_OUTCOME) -> Response:
    uscc = own_uscc(actor)
    today = clock.today()
    calendar = load_calendar(session)
    names = {d.code: d.full_name for d in list_departments(session)}
    found, total = lists.search_entries(session, actor, page=PageRequest(1, SHOWN), uscc=uscc)
    rows = [
        {
            "e": e,
            "department": names.get(e.department, e.department),
            "open": e.status == EntryStatus.NOTIFIED
            and e.statement_deadline is not None
            and today <= e.statement_deadline,
            "due": due(calendar, today, e.statement_deadline) if e.status == EntryStatus.NOTIFIED else None,
        }
        for e in found
        if e.subject.uscc == actor.entity_uscc
    ]
    context: dict[str, Any] = {"rows": rows, "total": total, "today": today}
    context |= {"notice": outcome.notice, "error": outcome.error}
    response = render(request, "portal/my_lists.html", context, status_code=outcome.status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@pages.get("/my/lists", dependencies=[Depends(require(ENTITY))])
def my_lists(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """名单告知与陈述申辩: the entries the entity has been notified of, each with its deadline."""
    return _page(request, session, actor, Outcome(notice=NOTICES.get(done or "")))


@pages.post("/my/lists/{entry_id}/statement", dependencies=[Depends(require(ENTITY))])
def state(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    entry_id: Annotated[int, Path(ge=1, le=2**62)],
    csrf_token: Annotated[str, Form(max_length=200)],
    statement: Annotated[str, Form(max_length=20_000)] = "",
    waived: Annotated[str, Form(max_length=8)] = "",
    documents: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """The party's own statement (or waiver) on its own entry, by the deadline."""

    def record() -> Any:
        names = [line.strip() for line in documents.splitlines() if line.strip()]
        if len(names) > MAX_DOCUMENT_LINES:
            raise InvalidInput(f"at most {MAX_DOCUMENT_LINES} documents (材料过多)", field="documents")
        return lists.record_statement(
            session, actor, entry_id, statement=statement or None, waived=waived == "1", documents=names
        )

    return take_step(
        session,
        record,
        f"/my/lists?done={'waived' if waived == '1' else 'stated'}",
        lambda outcome: _page(request, session, actor, outcome),
        words=lambda refused: chinese(refused.message, refused.status),
    )
