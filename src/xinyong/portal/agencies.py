"""Credit-service agencies on the portal: the public list of registered agencies (名称、备案编号、状态), and for the
enterprise signed in as itself the page 授权与查询记录: grant an agency access to its full credit information for a
purpose and a period, see and withdraw its grants, every query made about it, and who holds its data and whether
they took down what was repaired or withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response

from xinyong.agencies import rules
from xinyong.agencies import service as agencies
from xinyong.core.actor import Actor
from xinyong.core.auth.access import ENTITY, require
from xinyong.core.display import chinese
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.web import render
from xinyong.entities import service as entities
from xinyong.portal.forms import NO_OUTCOME, Outcome, take_step
from xinyong.portal.web import PortalRoute, own_uscc, portal_router

public = portal_router()
pages = APIRouter(include_in_schema=False, route_class=PortalRoute, dependencies=[Depends(reject_unknown_query)])

DONE = {"granted": "授权已生效，该机构可在授权期限内查询本主体的完整信用信息。", "withdrawn": "授权已撤回，立即生效。"}


def _labels() -> dict[str, Any]:
    return {
        "purpose_labels": {str(k): v for k, v in rules.PURPOSE_LABELS.items()},
        "filing_labels": {str(k): v for k, v in rules.FILING_LABELS.items()},
        "event_labels": {str(k): v for k, v in rules.EVENT_LABELS.items()},
        "action_labels": {str(k): v for k, v in rules.ACTION_LABELS.items()},
        "state_labels": {str(k): v for k, v in rules.NOTICE_STATE_LABELS.items()},
        "scope_labels": {"public": "公开信息", "full": "完整信用信息（经授权）", "report": "完整版信用报告（经授权）"},
    }


@public.get("/agencies")
def agency_register(request: Request, session: DbSession) -> Response:
    context = _labels() | {"agencies": agencies.public_register(session), "active": "agencies"}
    return render(request, "portal/agencies.html", context)


def _my_page(request: Request, session: DbSession, actor: Actor, outcome: Outcome = NO_OUTCOME) -> Response:
    entity = entities.get_entity(session, own_uscc(actor))
    registered = agencies.list_agencies(session)
    names = {a.id: a.name for a in registered}
    context = _labels() | {
        "entity": entity,
        "choices": [a for a in registered if a.status == rules.AgencyStatus.ACTIVE],
        "grants": [(g, agencies.is_in_force(g)) for g in agencies.grants_of_subject(session, actor)],
        "queries": agencies.queries_of_subject(session, actor),
        "holders": [(h, [(n, agencies.state_of(n)) for n in h.notices]) for h in agencies.holders_of(session, actor)],
        "names": names,
        "notice": outcome.notice,
        "error": outcome.error,
        "max_days": rules.MAX_GRANT_DAYS,
        "default_days": rules.DEFAULT_GRANT_DAYS,
        "active": "my",
    }
    response = render(request, "portal/my_agencies.html", context, status_code=outcome.status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _step(request: Request, session: DbSession, actor: Actor, action: Callable[[], Any], onward: str) -> Response:
    def again(outcome: Outcome) -> Response:
        return _my_page(request, session, actor, outcome)

    return take_step(session, action, onward, again, words=lambda refused: chinese(refused.message))


@pages.get("/my/agencies", dependencies=[Depends(require(ENTITY))])
def my_agencies(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    done: Annotated[Literal["granted", "withdrawn"] | None, Query()] = None,
) -> Response:
    return _my_page(request, session, actor, Outcome(notice=DONE.get(done or "")))


@pages.post("/my/agencies/grants", dependencies=[Depends(require(ENTITY))])
def grant(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    agency_id: Annotated[str, Form(max_length=20)] = "",
    purpose: Annotated[str, Form(max_length=32)] = "",
    days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def give() -> Any:
        if not agency_id.isdigit() or not days.strip().isdigit():
            raise InvalidInput("choose an agency and a number of days (请选择机构并填写授权天数)", field="agency_id")
        return agencies.give_grant(session, actor, int(agency_id), purpose, int(days.strip()))

    return _step(request, session, actor, give, "/my/agencies?done=granted")


@pages.post("/my/agencies/grants/{grant_id}/withdraw", dependencies=[Depends(require(ENTITY))])
def withdraw(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    grant_id: Annotated[int, Path(ge=1, le=2**62)],
    csrf_token: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    withdrawn = "/my/agencies?done=withdrawn"
    return _step(request, session, actor, lambda: agencies.withdraw_grant(session, actor, grant_id, reason), withdrawn)
