"""Credit-service agencies (信用服务机构) in the console, for the credit office: register an agency, issue and revoke
its keys (shown once), register its webhook for change notices (a signing secret, shown once), suspend, reinstate or
revoke it, and see per agency the change notices sent, acknowledged and overdue — with the overdue list to act on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.agencies import rules
from xinyong.agencies import service as agencies
from xinyong.agencies.rules import AgencyStep
from xinyong.agencies.schemas import AgencyIn
from xinyong.console.forms import back, refusal, take_step
from xinyong.console.pages import PageState, console_router, page
from xinyong.core.actor import Actor
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.config import get_settings
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

HERE = "/console/agencies"
AgencyId = Annotated[int, Path(ge=1, le=2**62)]
ClientId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]
STEP_WORDS = {
    AgencyStep.SUSPEND: "已暂停，其接口密钥立即失效",
    AgencyStep.REINSTATE: "已恢复，其接口密钥恢复可用",
    AgencyStep.REVOKE: "已撤销登记，其接口密钥全部吊销",
}
EMPTY_FORM = {
    "name": "",
    "uscc": "",
    "filing_body": "pbc",
    "filing_no": "",
    "contact_name": "",
    "contact_phone": "",
    "purposes": [],
    "ip_allow": "",
}


def _common() -> dict[str, Any]:
    return {
        "purpose_labels": {str(k): v for k, v in rules.PURPOSE_LABELS.items()},
        "filing_labels": {str(k): v for k, v in rules.FILING_LABELS.items()},
        "event_labels": {str(k): v for k, v in rules.EVENT_LABELS.items()},
        "state_labels": {str(k): v for k, v in rules.NOTICE_STATE_LABELS.items()},
        "ack_days": _ack_days(),
    }


def _ack_days() -> int:
    return get_settings().agency_ack_workdays


def _list_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    done: str | None = None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    tallies = agencies.tallies(session)
    names = {t.agency.id: t.agency.name for t in tallies}
    overdue = agencies.notices_for_office(session, overdue_only=True)
    context = _common() | {
        "tallies": tallies,
        "overdue": overdue,
        "names": names,
        "done": done,
        "error": error,
        "form": form or EMPTY_FORM,
    }
    return page(request, session, actor, "console/agencies.html", context, status_code=status_code)


@router.get("/agencies", dependencies=[Depends(require(OFFICE))])
def agency_list(screen: PageState) -> HTMLResponse:
    return _list_page(screen.request, screen.session, screen.actor, done=screen.done, error=screen.error)


@router.post("/agencies", dependencies=[Depends(require(OFFICE))])
def register(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    name: Annotated[str, Form(max_length=200)] = "",
    uscc: Annotated[str, Form(max_length=40)] = "",
    filing_body: Annotated[str, Form(max_length=8)] = "",
    filing_no: Annotated[str, Form(max_length=80)] = "",
    contact_name: Annotated[str, Form(max_length=100)] = "",
    contact_phone: Annotated[str, Form(max_length=60)] = "",
    purposes: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 - read declaratively, never mutated
    ip_allow: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = {
        "name": name,
        "uscc": uscc,
        "filing_body": filing_body,
        "filing_no": filing_no,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "purposes": purposes,
        "ip_allow": ip_allow,
    }
    try:
        data = AgencyIn(
            name=name,
            uscc=uscc,
            filing_body=filing_body,
            filing_no=filing_no,
            contact_name=contact_name,
            contact_phone=contact_phone,
            purposes=purposes,
            ip_allow=rules.check_ip_allow(ip_allow),
        )
        with session.begin_nested():
            agency = agencies.register_agency(session, actor, data)
    except (XinyongError, ValidationError) as refused:
        status = refused.status if isinstance(refused, XinyongError) else 422
        return _list_page(request, session, actor, error=refusal(refused), form=form, status_code=status)
    return back(f"{HERE}/{agency.id}", message=f"已登记信用服务机构“{agency.name}”，请为其签发接口密钥")


def _detail_page(
    request: Request,
    session: Session,
    actor: Actor,
    agency_id: int,
    *,
    done: str | None = None,
    error: str | None = None,
    shown: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    agency = agencies.get_agency(session, agency_id)
    tally = next(t for t in agencies.tallies(session) if t.agency.id == agency.id)
    notices = agencies.notices_for_office(session, agency_id=agency.id, limit=200)
    context = _common() | {
        "agency": agency,
        "tally": tally,
        "clients": agencies.clients_of(session, agency.id),
        "notices": [(n, agencies.state_of(n)) for n in notices],
        "steps": agencies.agency_steps(session, agency.id),
        "step_labels": dict(rules.AGENCY_TABLE.labels),
        "done": done,
        "error": error,
        "shown": shown,
    }
    return page(request, session, actor, "console/agency.html", context, status_code=status_code)


@router.get("/agencies/{agency_id}", dependencies=[Depends(require(OFFICE))])
def agency_detail(agency_id: AgencyId, screen: PageState) -> HTMLResponse:
    return _detail_page(screen.request, screen.session, screen.actor, agency_id, done=screen.done, error=screen.error)


@router.post("/agencies/{agency_id}/keys", dependencies=[Depends(require(OFFICE))])
def issue_key(
    request: Request,
    agency_id: AgencyId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The answer is the page itself (not a redirect), so the key is shown once and never in a URL."""
    try:
        with session.begin_nested():
            client, key = agencies.issue_key(session, actor, agency_id, name)
    except XinyongError as refused:
        return back(f"{HERE}/{agency_id}", error=refusal(refused))
    shown = {"client": client.name, "id": client.id, "key": key, "secret": None}
    return _detail_page(request, session, actor, agency_id, done="已签发接口密钥", shown=shown)


@router.post("/agencies/{agency_id}/keys/{client_id}/revoke", dependencies=[Depends(require(OFFICE))])
def revoke_key(
    agency_id: AgencyId, client_id: ClientId, session: DbSession, actor: CurrentActor, csrf_token: Csrf
) -> Response:
    return take_step(
        session,
        lambda: agencies.revoke_key(session, actor, agency_id, client_id),
        f"{HERE}/{agency_id}",
        "该接口密钥已吊销，立即失效",
        refused=(XinyongError,),
    )


@router.post("/agencies/{agency_id}/webhook", dependencies=[Depends(require(OFFICE))])
def set_webhook(
    request: Request,
    agency_id: AgencyId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    webhook_url: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        with session.begin_nested():
            agency, secret = agencies.set_webhook(session, actor, agency_id, webhook_url.strip() or None)
    except XinyongError as refused:
        return back(f"{HERE}/{agency_id}", error=refusal(refused))
    if secret is None:
        return back(f"{HERE}/{agency_id}", message="回调地址已删除，通知改由机构通过接口拉取")
    shown = {"client": agency.name, "id": agency.id, "key": None, "secret": secret, "url": agency.webhook_url}
    return _detail_page(request, session, actor, agency_id, done="回调地址已登记", shown=shown)


@router.post("/agencies/{agency_id}/status", dependencies=[Depends(require(OFFICE))])
def change_status(
    agency_id: AgencyId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    step: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    back_to: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    def change() -> Any:
        if step not in STEP_WORDS:
            raise InvalidInput("unknown step (请选择操作)", field="step")
        return agencies.change_status(session, actor, agency_id, AgencyStep(step), reason)

    return take_step(
        session,
        change,
        HERE if back_to == "list" else f"{HERE}/{agency_id}",
        lambda agency: f"“{agency.name}”{STEP_WORDS[AgencyStep(step)]}",
        refused=(XinyongError,),
    )
