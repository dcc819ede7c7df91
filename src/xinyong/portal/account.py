"""Enterprise users at the portal: sign in (企业用户登录), sign out, register an enterprise account, activate it with a
one-time code. Staff sign in at the console (工作人员登录, ``/console/login``).

How the user proves who they are is the enterprise area's :func:`xinyong.enterprise.identity.provider` (today a
password; the province's 统一身份认证 later); afterwards the platform's own session starts, the same cookie the
console uses. The anonymous forms (sign-in, registration, activation) are protected against cross-site forgery
with a signed double-submit token: a random nonce in an HttpOnly, SameSite=Strict cookie, echoed signed and timed
in the form. A refused sign-in or activation is answered, not raised, so the failure count it adds is committed.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import URLSafeTimedSerializer

from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.signin import NONCE, form_token_ok, open_session, throttled
from xinyong.core.config import get_settings
from xinyong.core.errors import XinyongError
from xinyong.core.http import SESSION_COOKIE, CurrentActor, DbSession, unsign_session_token
from xinyong.core.web import render
from xinyong.enterprise import identity
from xinyong.enterprise import service as enterprise
from xinyong.enterprise.rules import safe_return_path
from xinyong.enterprise.schemas import Registration
from xinyong.portal.web import portal_router

router = portal_router()

FORM_COOKIE = "xinyong_form"
FORM_AGE = 2 * 60 * 60  # seconds a sign-in or registration form stays usable
PASSWORD_RULE = f"{auth.MIN_PASSWORD}–{auth.MAX_PASSWORD} 位，至少包含大写字母、小写字母、数字、符号中的三类"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="xinyong.portal.form")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form_ok(request: Request, token: str) -> bool:
    return form_token_ok(_signer(), request.cookies.get(FORM_COOKIE, ""), token, FORM_AGE)


def _form(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A page with an anonymous form: the nonce cookie and its signed echo; never cached."""
    found = request.cookies.get(FORM_COOKIE, "")
    nonce = found if NONCE.match(found) else secrets.token_urlsafe(24)
    data = {"form_token": _signer().dumps(nonce), "active": "account"} | context
    response = render(request, name, data, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        FORM_COOKIE, nonce, max_age=FORM_AGE, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


EXPIRED = "页面已过期，请重新填写。"

# ---------------------------------------------------------------- sign in, sign out


def _login_page(
    request: Request,
    *,
    next_path: str,
    login: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "next": safe_return_path(next_path),
        "login": login[:64],
        "error": error,
        "notice": notice,
        "method": identity.provider().label,
    }
    return _form(request, "portal/login.html", context, status_code)


@router.get("/login")
def login_form(
    request: Request,
    actor: CurrentActor,
    next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None,
    signed_out: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    back = safe_return_path(next_path)
    if actor.role == Role.ENTITY:
        return RedirectResponse(back, status_code=303)
    external = identity.provider().redirect_to(back)
    if external is not None:  # the province's 统一身份认证: its own sign-in page
        return RedirectResponse(external, status_code=303)
    return _login_page(request, next_path=back, notice="您已安全退出。" if signed_out else None)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    form_token: Annotated[str, Form(max_length=500)],
    login: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Sign in. ``csrf_token`` is checked by ``current_actor`` when a session already exists."""
    if not _form_ok(request, form_token):
        return _login_page(request, next_path=next_path, login=login, error=EXPIRED, status_code=403)
    throttle = throttled(request, login)
    if throttle is not None:
        page = _login_page(
            request, next_path=next_path, login=login, error="登录尝试过于频繁，请稍后再试。", status_code=429
        )
        page.headers.update(throttle.headers)
        return page
    try:
        user = identity.provider().authenticate(session, {"login": login, "password": password})
    except XinyongError as refused:
        return _login_page(request, next_path=next_path, login=login, error=refused.message, status_code=refused.status)
    return open_session(request, session, user, safe_return_path(next_path))


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """End the session and clear the cookie. With a session, ``current_actor`` has checked ``csrf_token`` against it
    (a forged sign-out is refused); without one there is nothing to end (public: a stale page's button still works)."""
    token = unsign_session_token(request.cookies.get(SESSION_COOKIE, ""))
    if token:
        auth.end_session(session, token)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


# ---------------------------------------------------------------- registration and activation


def _register_page(
    request: Request, form: dict[str, str] | None = None, error: XinyongError | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {"form": form or {}, "error": error, "password_rule": PASSWORD_RULE}
    return _form(request, "portal/register.html", context, status_code)


@router.get("/register")
def register_form(request: Request) -> Response:
    return _register_page(request)


@router.post("/register")
def register(
    request: Request,
    session: DbSession,
    form_token: Annotated[str, Form(max_length=500)],
    uscc: Annotated[str, Form(max_length=40)] = "",
    entity_name: Annotated[str, Form(max_length=200)] = "",
    contact_name: Annotated[str, Form(max_length=100)] = "",
    mobile: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    password_confirm: Annotated[str, Form(max_length=1000)] = "",
    agree: Annotated[str | None, Form(max_length=8)] = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {"uscc": uscc, "entity_name": entity_name, "contact_name": contact_name, "mobile": mobile}
    if not _form_ok(request, form_token):
        return _register_page(request, form, XinyongError(EXPIRED), 403)
    try:
        if password != password_confirm:
            raise XinyongError("两次输入的密码不一致", field="password_confirm")
        if agree != "on":
            raise XinyongError("请阅读并同意企业账号注册须知", field="agree")
        data = Registration(uscc, entity_name, contact_name, mobile, password)
        with session.begin_nested():
            row = enterprise.register(session, data)
    except XinyongError as refused:
        status = refused.status if refused.status != 400 else 422
        return _register_page(request, form, refused, status)
    context = {"application": enterprise.to_view(row), "active": "account"}
    response = render(request, "portal/register_done.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _activate_page(
    request: Request,
    *,
    uscc: str = "",
    error: str | None = None,
    done: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return _form(request, "portal/activate.html", {"uscc": uscc[:18], "error": error, "done": done}, status_code)


@router.get("/register/activate")
def activate_form(request: Request) -> Response:
    return _activate_page(request)


@router.post("/register/activate")
def activate(
    request: Request,
    session: DbSession,
    form_token: Annotated[str, Form(max_length=500)],
    uscc: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not _form_ok(request, form_token):
        return _activate_page(request, uscc=uscc, error=EXPIRED, status_code=403)
    try:
        enterprise.activate(session, uscc, code)
    except XinyongError as refused:  # answered, so the wrong try is counted (committed)
        return _activate_page(request, uscc=uscc, error=refused.message, status_code=refused.status)
    return _activate_page(request, uscc=uscc, done=True)
