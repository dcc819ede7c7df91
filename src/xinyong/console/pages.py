"""What every console page shares: the page route class that answers refusals as HTML to browsers, the layout's
context (who is signed in, the left navigation for their role), and cookie settings.

Refusals keep their HTTP status for every client: an anonymous caller gets 401, a role the route's rule excludes
gets 403. A browser (``Accept: text/html``) gets that status with an HTML page instead of JSON; the 401 page sends
it on to the login form (meta refresh, and ``HX-Redirect`` for HTMX requests). The route × role matrix therefore
sees the same answers as for any API route, while a person sees the login form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from xinyong.console.forms import NoticeCode, read_notices
from xinyong.core.actor import ROLE_LABELS, Actor
from xinyong.core.auth.access import AUDIT, AUDITOR, CONTENT_EDIT, DEPARTMENT, ENTITY, OFFICE, STAFF, AccessRule
from xinyong.core.clock import BEIJING
from xinyong.core.departments import Department
from xinyong.core.display import chinese, invalid_field_message
from xinyong.core.errors import PasswordChangeRequired, XinyongError
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.web import render

LOGIN_PATH = "/console/login"
ACCOUNT_PATH = "/console/account"  # 修改密码: where a temporary password is replaced
HOME_PATH = "/console"


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str
    rule: AccessRule | None = None  # shown only to roles the target route's rule lets in


NAV: tuple[NavItem, ...] = (
    NavItem("/console", "工作台"),
    NavItem("/console/upload", "数据上报", DEPARTMENT),
    NavItem("/console/timeliness", "双公示时效", STAFF),
    NavItem("/console/scorecards", "信用工作考核", STAFF),
    NavItem("/console/objections", "异议处理", STAFF),
    NavItem("/console/risk", "风险预警", STAFF),
    NavItem("/console/contradictions", "矛盾比对", STAFF),
    NavItem("/console/contradictions/overview", "矛盾比对总览", AUDIT),
    NavItem("/console/complaints", "投诉举报", STAFF),
    NavItem("/console/lists", "信用名单", STAFF),
    NavItem("/console/honours", "守信激励名单", OFFICE),
    NavItem("/console/repair", "信用修复", STAFF),
    NavItem("/console/inspections", "分级分类监管", STAFF),
    NavItem("/console/inspections/tasks", "双随机抽查", STAFF),
    NavItem("/console/commitments", "信用承诺", STAFF),
    NavItem("/console/evaluation", "信用评价", STAFF),
    NavItem("/console/self-reports", "自主填报核验", STAFF),
    NavItem("/console/education", "诚信教育", STAFF),
    NavItem("/console/associations", "行业协会", STAFF),
    NavItem("/console/campaigns", "专项治理", STAFF),
    NavItem("/console/privacy", "脱敏审核", STAFF),
    NavItem("/console/privacy/rules", "脱敏规则", OFFICE),
    NavItem("/console/notices", "名单变动通知", AUDIT),
    NavItem("/console/check-statistics", "联合惩戒成效", AUDIT),
    NavItem("/console/exchange", "信用信息交换", AUDIT),
    NavItem("/console/content", "网站内容", CONTENT_EDIT),
    NavItem("/console/users", "用户管理", OFFICE),
    NavItem("/console/departments", "部门设置", OFFICE),
    NavItem("/console/enterprise-accounts", "企业账号审核", OFFICE),
    NavItem("/console/api-clients", "业务系统接入", OFFICE),
    NavItem("/console/agencies", "信用服务机构", OFFICE),
    NavItem("/console/audit", "审计日志", AUDIT),
    NavItem("/console/misuse", "谋私预警", AUDITOR),
    NavItem("/my/repair", "信用修复（本主体）", ENTITY),
    NavItem("/my/objections", "我的异议", ENTITY),
    NavItem("/my/lists", "名单告知（本主体）", ENTITY),
    NavItem("/console/account", "修改密码"),
)


def beijing_time(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a console path on this site (no open redirect)."""
    if not value or len(value) > 500 or not value.startswith(HOME_PATH):
        return HOME_PATH
    if "\\" in value or "//" in value or any(ord(c) < 0x21 for c in value):
        return HOME_PATH
    if value.startswith((LOGIN_PATH, "/console/logout")):
        return HOME_PATH
    rest = value[len(HOME_PATH) :]
    return value if rest == "" or rest[0] in "/?" else HOME_PATH


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        target = HOME_PATH
    return f"{LOGIN_PATH}?next={quote(safe_next(target), safe='/')}"


def secure_cookie(request: Request) -> bool:
    return request.url.scheme == "https"


def page(
    request: Request,
    session: Session,
    actor: Actor,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a console page inside the layout: the signed-in person, their department, their navigation."""
    department = session.get(Department, actor.department_code) if actor.department_code else None
    data: dict[str, Any] = {
        "actor": actor,
        "username": actor.id.removeprefix("user:"),
        "role_label": ROLE_LABELS.get(actor.role, str(actor.role)),
        "department": department,
        "nav": [item for item in NAV if item.rule is None or item.rule.allows(actor.role)],
        "current_path": request.url.path,
        "beijing": beijing_time,
    }
    data.update(context or {})
    return private(render(request, name, data, status_code=status_code))


@dataclass(frozen=True)
class Screen:
    """What a console page's GET handler starts from: the request, the request's session, who is signed in, and the
    outcome of the step that led back here (``done`` / ``error``, read from their signed notice codes)."""

    request: Request
    session: Session
    actor: Actor
    notices: dict[str, str | None]

    @property
    def done(self) -> str | None:
        return self.notices["done"]

    @property
    def error(self) -> str | None:
        return self.notices["error"]

    def show(self, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
        """The page ``name`` in the layout, with the notices and ``context``."""
        return page(self.request, self.session, self.actor, name, {**self.notices, **(context or {})}, status_code)


def _screen(
    request: Request, session: DbSession, actor: CurrentActor, done: NoticeCode = None, error: NoticeCode = None
) -> Screen:
    return Screen(request, session, actor, read_notices(done, error))


def _desk(request: Request, session: DbSession, actor: CurrentActor) -> Screen:
    return Screen(request, session, actor, {"done": None, "error": None})


PageState = Annotated[Screen, Depends(_screen)]  # a GET: the page and the notices of the step before
FormState = Annotated[Screen, Depends(_desk)]  # a POST answered with the page itself (no notice codes read)


def private(response: HTMLResponse) -> HTMLResponse:
    """Console pages hold personal and unpublished data: never cached, never framed by another site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def chinese_part(message: str) -> str:
    """The Chinese a person reads for a platform message (``core.display.chinese``)."""
    return chinese(message)


def _error_page(request: Request, status: int, message: str, field: str | None = None) -> Response:
    if status == 401:
        target = login_url(request)
        body = private(render(request, "console/error.html", {"status": 401, "message": message, "login": target}, 401))
        if request.headers.get("hx-request") == "true":
            body.headers["HX-Redirect"] = target
        return body
    titles = {403: "无权访问", 404: "未找到", 409: "操作冲突", 413: "内容过大", 422: "输入有误", 429: "请求过于频繁"}
    context = {"status": status, "title": titles.get(status, "请求有误"), "message": chinese(message, status)}
    return private(render(request, "console/error.html", context, status))


Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def _html_or(fallback: Handler | None, convert: Callable[[Request, Exception], Response]) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if wants_html(request) or fallback is None:
            return convert(request, exc)
        answer = fallback(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    return handle


def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, XinyongError)
    if isinstance(exc, PasswordChangeRequired) and wants_html(request):
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": ACCOUNT_PATH})
        return RedirectResponse(ACCOUNT_PATH, status_code=303)
    if not wants_html(request):  # no JSON handler installed (a bare app): still answer with the right status
        return Response(exc.message, status_code=exc.status, media_type="text/plain; charset=utf-8")
    return _error_page(request, exc.status, exc.message, exc.field)


def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    return _error_page(request, 422, invalid_field_message(where), where or None)


class ConsolePage(APIRoute):
    """A console route: refusals reach a browser as HTML pages. The exception still leaves the route (so the
    request's transaction rolls back); only the handler that turns it into a response is swapped, per request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handlers, status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
        swapped = dict(handlers)
        swapped[XinyongError] = _html_or(handlers.get(XinyongError), _refusal)
        swapped[RequestValidationError] = _html_or(handlers.get(RequestValidationError), _invalid)
        scope["starlette.exception_handlers"] = (swapped, status_handlers)
        await super().handle(scope, receive, send)


def console_router() -> APIRouter:
    return APIRouter(prefix="/console", include_in_schema=False, route_class=ConsolePage)


def console_username(actor: Actor) -> str | None:
    """The username behind a console actor; API clients and other callers have no password to manage here."""
    return actor.id.removeprefix("user:") if actor.id.startswith("user:") else None
