"""Signing in to and out of the console, and changing one's own password.

The login form is protected against cross-site request forgery although no session exists yet: GET sets a random
pre-session nonce in an HttpOnly, SameSite=Strict cookie scoped to the login path, and the form carries that nonce
signed with the platform secret (and timed). A POST whose signed token does not unsign to the cookie's nonce is
refused, so another site can neither submit the form nor plant a session of its choosing.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from xinyong.console.pages import (
    LOGIN_PATH,
    console_router,
    console_username,
    page,
    private,
    safe_next,
    secure_cookie,
)
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import PUBLIC, SIGNED_IN, require
from xinyong.core.auth.signin import NONCE, form_token_ok, open_session, throttled
from xinyong.core.config import get_settings
from xinyong.core.errors import InvalidInput, Unauthorized
from xinyong.core.http import SESSION_COOKIE, CurrentActor, DbSession, unsign_session_token
from xinyong.core.web import render

router = console_router()

LOGIN_COOKIE = "xinyong_login"
LOGIN_FORM_AGE = 2 * 60 * 60  # seconds a login form stays usable
LOCKED_MARK = "账号已临时锁定"  # the phrase core.auth.service uses for a locked account
PORTAL_HOME = "/my"  # 我的信用: where an enterprise user who signs in at the console is sent
PASSWORD_RULE = f"密码 {auth.MIN_PASSWORD}–{auth.MAX_PASSWORD} 位，至少包含大写字母、小写字母、数字、符号中的三类"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="xinyong.console.login")


def _nonce(request: Request) -> str:
    found = request.cookies.get(LOGIN_COOKIE, "")
    return found if NONCE.match(found) else secrets.token_urlsafe(24)


def _login_token_ok(request: Request, token: str) -> bool:
    return form_token_ok(_signer(), request.cookies.get(LOGIN_COOKIE, ""), token, LOGIN_FORM_AGE)


def _login_form(
    request: Request,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    nonce = _nonce(request)
    context = {
        "login_token": _signer().dumps(nonce),
        "next": safe_next(next_path),
        "username": username[:64],
        "error": error,
        "notice": notice,
    }
    response = private(render(request, "console/login.html", context, status_code=status_code))
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_FORM_AGE,
        path=LOGIN_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )
    return response


@router.get("/login", dependencies=[Depends(require(PUBLIC))])
def login_form(
    request: Request,
    actor: CurrentActor,
    next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None,
    signed_out: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    if actor.role == Role.ENTITY:  # an enterprise user's place is the portal's 我的信用
        return RedirectResponse(PORTAL_HOME, status_code=303)
    if actor.role != Role.PUBLIC and console_username(actor):
        return RedirectResponse(safe_next(next_path), status_code=303)
    notice = "您已安全退出。" if signed_out else None
    return _login_form(request, next_path=next_path or "", notice=notice)


@router.post("/login", dependencies=[Depends(require(PUBLIC))])
def login(
    request: Request,
    session: DbSession,
    login_token: Annotated[str, Form(max_length=500)],
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    if not _login_token_ok(request, login_token):
        return _login_form(
            request, next_path=next_path, username=username, error="页面已过期，请重新登录。", status_code=403
        )
    if not username.strip() or not password:
        return _login_form(
            request, next_path=next_path, username=username, error="请输入用户名和密码。", status_code=422
        )
    throttle = throttled(request, username)
    if throttle is not None:
        form = _login_form(
            request, next_path=next_path, username=username, error="登录尝试过于频繁，请稍后再试。", status_code=429
        )
        form.headers.update(throttle.headers)
        return form
    try:
        # A refusal is answered, not raised, so the failure count and its audit event are committed (lockout).
        user = auth.authenticate(session, username, password)
    except Unauthorized as refused:
        locked = LOCKED_MARK in refused.message
        error = "账号已临时锁定，请稍后再试。" if locked else "用户名或密码错误。"
        return _login_form(request, next_path=next_path, username=username, error=error, status_code=401)
    # an enterprise user signing in here is sent to the portal's 我的信用, not into the console
    target = PORTAL_HOME if user.role == Role.ENTITY else safe_next(next_path)
    response = open_session(request, session, user, target)
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH, httponly=True, samesite="strict")
    return response


@router.post("/logout", dependencies=[Depends(require(SIGNED_IN))])
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """End the session and clear the cookie. ``csrf_token`` is checked against the session by current_actor;
    declaring it here makes every console form carry it."""
    token = unsign_session_token(request.cookies.get(SESSION_COOKIE, ""))
    if token:
        auth.end_session(session, token)
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookie(request))
    return response


@router.get("/account", dependencies=[Depends(require(SIGNED_IN))])
def account_form(request: Request, session: DbSession, actor: CurrentActor) -> HTMLResponse:
    return page(
        request, session, actor, "console/account.html", {"password_rule": PASSWORD_RULE, **_forced(session, actor)}
    )


def _forced(session: Session, actor: Actor) -> dict[str, bool]:
    """Whether the account holds a temporary password the credit office set (the page says so)."""
    username = console_username(actor)
    return {"forced": username is not None and auth.get_user(session, username).must_change_password}


@router.post("/account", dependencies=[Depends(require(SIGNED_IN))])
def change_password(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    new_password_confirm: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    """Change one's own password; the current one is required (and wrong guesses count towards the lockout)."""
    username = console_username(actor)
    if username is None:
        raise InvalidInput("this caller has no console password (该身份没有登录密码)", field="current_password")

    def again(error: str, field: str) -> HTMLResponse:
        context = {"password_rule": PASSWORD_RULE, "error": error, "error_field": field, **_forced(session, actor)}
        return page(request, session, actor, "console/account.html", context, 422)

    if new_password != new_password_confirm:
        return again("两次输入的新密码不一致。", "new_password_confirm")
    try:
        auth.check_password_strength(new_password)
    except InvalidInput:
        return again(f"新密码不符合要求：{PASSWORD_RULE}。", "new_password")
    user = auth.get_user(session, username)
    last_login = user.last_login_at  # checking the current password is not a login
    try:
        auth.authenticate(session, username, current_password)
    except Unauthorized as refused:
        locked = LOCKED_MARK in refused.message
        return again("账号已临时锁定，请稍后再试。" if locked else "当前密码错误。", "current_password")
    user.last_login_at = last_login
    # The other sessions end (whoever knew the old password is signed out); this one stays.
    current = unsign_session_token(request.cookies.get(SESSION_COOKIE, ""))
    if new_password == current_password:
        return again("新密码不能与当前密码相同。", "new_password")
    was_forced = user.must_change_password
    auth.set_password(session, actor, username, new_password, keep_session=current)
    notice = "密码已修改，其他设备上的登录已退出。" + ("现在可以正常使用管理后台。" if was_forced else "")
    context = {"password_rule": PASSWORD_RULE, "notice": notice, "done": was_forced}
    return page(request, session, actor, "console/account.html", context)
