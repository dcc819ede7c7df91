"""Business systems and API clients (业务系统与接口密钥), managed by the credit office in the console: issue a key
(shown once, only its SM3 hash is kept), list, revoke, and register a business system's webhook for list change
notices (a fresh signing secret, shown once). The same services serve ``xinyong apikeys``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from xinyong.console.forms import back, refusal, take_step
from xinyong.console.pages import PageState, console_router, page
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.departments import list_departments
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

HERE = "/console/api-clients"
KINDS = {str(Role.BUSINESS_SYSTEM): "业务系统（联合惩戒核查）", str(Role.DEPT_OPERATOR): "部门数据报送"}
# an agency's keys are listed here too, but issued and managed on its page (信用服务机构)
SHOWN_KINDS = KINDS | {str(Role.AGENCY): "信用服务机构（在“信用服务机构”中管理）"}
ClientId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    done: str | None = None,
    error: str | None = None,
    shown: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "clients": auth.list_api_clients(session),
        "kinds": KINDS,
        "shown_kinds": SHOWN_KINDS,
        "departments": [(d.code, d.full_name) for d in list_departments(session)],
        "done": done,
        "error": error,
        "shown": shown,
        "form": form or {"name": "", "role": str(Role.BUSINESS_SYSTEM), "department": "", "webhook_url": ""},
    }
    return page(request, session, actor, "console/api_clients.html", context, status_code=status_code)


@router.get("/api-clients", dependencies=[Depends(require(OFFICE))])
def clients(screen: PageState) -> HTMLResponse:
    return _page(screen.request, screen.session, screen.actor, done=screen.done, error=screen.error)


@router.post("/api-clients", dependencies=[Depends(require(OFFICE))])
def create_client(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=32)] = str(Role.BUSINESS_SYSTEM),
    department: Annotated[str, Form(max_length=32)] = "",
    webhook_url: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    """Issue a key; the answer is the page itself (not a redirect), so the key is shown once and never in a URL."""
    form = {"name": name, "role": role, "department": department, "webhook_url": webhook_url}
    try:
        if role not in KINDS:
            raise InvalidInput("unknown client kind (请选择接入类型)", field="role")
        with session.begin_nested():
            client, key = auth.create_api_client(
                session, actor, name=name, role=Role(role), department=department.strip() or None
            )
            secret = None
            if webhook_url.strip():
                secret = auth.set_webhook(session, actor, client.id, webhook_url.strip())[1]
    except XinyongError as refused:
        return _page(request, session, actor, error=refusal(refused), form=form, status_code=refused.status)
    shown = {"client": client.name, "id": client.id, "key": key, "url": client.webhook_url, "secret": secret}
    return _page(request, session, actor, done=f"已为“{client.name}”签发接口密钥", shown=shown)


@router.post("/api-clients/{client_id}/revoke", dependencies=[Depends(require(OFFICE))])
def revoke_client(client_id: ClientId, session: DbSession, actor: CurrentActor, csrf_token: Csrf) -> Response:
    return take_step(
        session,
        lambda: auth.revoke_api_client(session, actor, client_id),
        HERE,
        lambda client: f"“{client.name}”的接口密钥已吊销，立即失效",
        refused=(XinyongError,),
    )


@router.post("/api-clients/{client_id}/webhook", dependencies=[Depends(require(OFFICE))])
def set_webhook(
    request: Request,
    client_id: ClientId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    webhook_url: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Register or (with an empty URL) remove a business system's webhook; a new signing secret shows once."""
    try:
        with session.begin_nested():
            client, secret = auth.set_webhook(session, actor, client_id, webhook_url.strip() or None)
    except XinyongError as refused:
        return back(HERE, error=refusal(refused))
    if secret is None:
        return back(HERE, message=f"“{client.name}”的回调地址已删除")
    shown = {"client": client.name, "id": client.id, "key": None, "url": client.webhook_url, "secret": secret}
    return _page(request, session, actor, done=f"“{client.name}”的回调地址已登记", shown=shown)
