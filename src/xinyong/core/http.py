"""What every route shares: the request's unit of work, the acting user, strict query parameters, and the mapping
of errors to clear 4xx answers (a 500 is always a bug, logged with its traceback)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from http.cookies import CookieError, SimpleCookie
from typing import Annotated, Any, get_args

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.core.actor import Actor
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.core.errors import Forbidden, InvalidInput, PasswordChangeRequired, Unauthorized, XinyongError
from xinyong.core.ratelimit import RateLimits, rate_limits
from xinyong.core.replicas import ROUTER, RW_COOKIE, ReadRouter, Replicas, read_your_writes_until, replica_eligible
from xinyong.core.replicas import release as release_replica

log = logging.getLogger("xinyong.http")


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: commit when the route returns, roll back if it raises.

    The session is made on the event loop (it connects lazily, on its first statement in the route's thread), and
    its end (commit or roll back, then close) is one thread-pool call, shielded from cancellation so a connection
    always goes back to the pool in a known state. A hot route may commit in its own thread when its work is done
    (the check does); then there is nothing left to end and no thread-pool round trip. Ending runs before the
    response is sent (the dependency's scope is the route function), so a failed commit is the caller's error,
    never a silent 200."""
    database = getattr(request.app.state, "database", None) or get_database()
    session = database.sessions()
    replicas = database.replicas
    if replicas is not None and replica_eligible(request.method, request.url.path, request.url.query):
        session.info[ROUTER] = ReadRouter(replicas, request.scope.setdefault("state", {}))
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(database.finish, session, commit=False)
        raise
    if not session.in_transaction():
        session.close()  # nothing to end (no statement ran, or the route committed in its own thread): no I/O
        release_replica(session)
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(database.finish, session, commit=True)
    if replicas is not None and request.method not in SAFE_METHODS:
        _wrote(request, replicas)


def _wrote(request: Request, replicas: Replicas) -> None:
    """Read-your-writes: a signed-in caller's committed change sends its reads to the primary for a while (a cookie
    set by :class:`ReadYourWrites` for browsers, the process's memory for API keys)."""
    state = request.scope.get("state", {})
    if state.get("signed_in") and state.get("actor_id"):
        state["wrote"] = True
        replicas.wrote(state["actor_id"])


class ReadYourWrites:
    """Reads the read-your-writes cookie into the request's state, and sets it after a signed-in caller's change
    (only with read replicas configured: without them nothing marks a write)."""

    def __init__(self, app: ASGIApp, seconds: Callable[[], float]) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        for name, value in scope.get("headers", ()):
            if name == b"cookie" and RW_COOKIE.encode() in value:
                cookie = SimpleCookie()
                try:
                    cookie.load(value.decode("latin-1"))
                except CookieError:
                    break
                if RW_COOKIE in cookie:
                    state["primary_until"] = read_your_writes_until(cookie[RW_COOKIE].value)
                break

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("wrote"):
                seconds = self.seconds()
                until = int(time.time() + seconds) + 1
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                value = f"{RW_COOKIE}={until}; Max-Age={int(seconds) + 1}; Path=/; HttpOnly; SameSite=Lax{secure}"
                MutableHeaders(scope=message).append("set-cookie", value)
            await send(message)

        await self.app(scope, receive, send_marked)


SESSION_COOKIE = "xinyong_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# all a session with a temporary password may reach until it is changed
PASSWORD_CHANGE_PATHS = frozenset({"/console/account", "/console/logout"})


def _session_signer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt="xinyong.session")


def sign_session_token(token: str) -> str:
    return _session_signer().dumps(token)


def unsign_session_token(value: str) -> str | None:
    try:
        token = _session_signer().loads(value)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


async def current_actor(
    request: Request, session: Annotated[Session, Depends(request_session, scope="function")]
) -> Actor:
    """Who is calling: an API key (``Authorization: Bearer xy_…``), a console session cookie, or the public.

    A bad or revoked key is a 401, never a silent downgrade to the public. A key found valid is remembered for a
    few seconds (:class:`xinyong.core.auth.service.KeyCache`: a revocation elsewhere takes that long to bite).
    Cookie-authenticated requests that change something must carry the session's CSRF token (header
    ``X-CSRF-Token`` or form field ``csrf_token``).

    The database calls run in the thread pool, never on the event loop: a call that waits for a row lock (another
    request of the same client stamping ``last_used_at``) must not stop the loop that would let the lock holder
    finish and commit (that was a deadlock under concurrent load).

    The request is counted against the rate limit here, once the caller is known (:mod:`xinyong.core.ratelimit`):
    under the verified key or user, else under the client address — a key or cookie that does not verify never
    gets a bucket of its own.
    """
    from xinyong.core.auth import service as auth

    limits = rate_limits(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            await _charge(limits, request, None)
            raise Unauthorized("use 'Authorization: Bearer <API key>' (认证方式错误)")
        key = key.strip()
        actor = auth.API_KEYS.get(key)
        if actor is None:
            actor = await run_in_threadpool(auth.resolve_api_actor, session, key)
            if actor is None:
                await _charge(limits, request, None)  # a made-up key is counted under the client address
                raise Unauthorized("invalid or revoked API key (API 密钥无效或已吊销)")
            auth.API_KEYS.put(key, actor)
        await _charge(limits, request, "key:" + actor.id)
        request.state.signed_in = True
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        token = unsign_session_token(cookie)
        found = await run_in_threadpool(auth.resolve_session, session, token) if token else None
        if found is not None:
            user, row = found
            actor = auth.actor_for_user(user)
            await _charge(limits, request, actor.id)  # a verified session: counted per user
            request.state.signed_in = True  # the answer is personal: SecurityHeaders makes it no-store
            request.state.csrf_token = row.csrf_token
            if request.method not in SAFE_METHODS:
                await _check_csrf(request, row.csrf_token)
            if user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
                if request.url.path.startswith(("/console", "/api/", "/my")):
                    raise PasswordChangeRequired(
                        "change the temporary password first (请先修改临时密码)", field="current_password"
                    )
                return Actor.public()  # the public portal stays readable; nothing signed in is
            return actor
    await _charge(limits, request, None)  # the public, and any cookie that did not verify: per address
    return Actor.public()


async def _charge(limits: RateLimits | None, request: Request, identity: str | None) -> None:
    if limits is not None:
        await limits.charge(request, identity)


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent, expected):
        raise Forbidden("missing or wrong CSRF token; reload the page (页面已过期，请刷新)")


async def reject_unknown_query(request: Request) -> None:
    """A misspelt filter must not silently return everything: unknown query parameters are a 422. A boolean filter
    is ``true`` or ``false``: the other spellings FastAPI would take (``on``, ``0``, ``yes``…) are a 422 too, so
    ``?open=0`` cannot mean one thing here and another there. (async: no I/O, so it runs on the loop rather than
    taking a thread-pool round trip.)"""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    params = list(route.dependant.query_params)
    for sub in route.dependant.dependencies:
        params.extend(sub.query_params)
    known = {param.alias for param in params}
    for name in request.query_params:
        if name not in known:
            raise InvalidInput(f"unknown query parameter {name[:64]!r} (未知查询参数)", field=name[:64])
    for param in params:
        if _is_bool(param.field_info.annotation):
            for value in request.query_params.getlist(param.alias):
                if value not in ("true", "false"):
                    raise InvalidInput(
                        f"{param.alias} is true or false, not {value[:16]!r} (布尔参数只能为 true 或 false)",
                        field=param.alias,
                    )


def _is_bool(annotation: Any) -> bool:
    return annotation is bool or bool in get_args(annotation)


ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class OptionsAnswer:
    """``OPTIONS`` on a path of the application answers 204 with ``Allow`` listing every method its routes accept
    (FastAPI answered 405 naming one method). No CORS is configured: a cross-origin preflight gets the same answer
    and no ``Access-Control-*`` headers, so browsers keep other sites out."""

    def __init__(self, app: ASGIApp, routes: Callable[[], list[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        methods = {
            method
            for route in self.routes()
            if not isinstance(route, Mount)  # static files: not a route with methods
            for method in ROUTE_METHODS
            if route.matches({**scope, "method": method})[0] == Match.FULL
        }
        if not methods:
            await self.app(scope, receive, send)
            return
        methods |= {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        allow = ", ".join(sorted(methods))
        await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)


DbSession = Annotated[Session, Depends(request_session, scope="function")]
CurrentActor = Annotated[Actor, Depends(current_actor)]


# Scripts only from this site (the pages' behaviour lives in /static/js, none inline); styles may be inline because
# ECharts' SVG renderer and htmx set style attributes; nothing may frame a page; forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_DOCS_PATHS = ("/docs", "/redoc")  # FastAPI's API explorer pages bootstrap with an inline script
PRIVATE_PREFIXES = ("/console", "/my/")  # staff and entity pages: never stored by a browser or a proxy


class SecurityHeaders:
    """Headers every answer carries: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, a
    ``Referrer-Policy``; HTML pages also a Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`, with
    ``frame-ancestors 'none'``). ``Cache-Control: no-store`` on console and 我的信用 (``/my/…``) pages and on every
    answer to a signed-in caller (a verified session or API key: the answer may hold non-public data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    if path.startswith(API_DOCS_PATHS):
                        headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
                    else:
                        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                signed_in = scope.get("state", {}).get("signed_in", False)
                if signed_in or path == "/my" or path.startswith(PRIVATE_PREFIXES):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def parse_as_of(value: str | None) -> dt.datetime | None:
    """``as_of`` is an ISO date (meaning the end of that day, Beijing time) or an ISO datetime."""
    if value is None or value == "":
        return None
    text = value.strip()
    if len(text) > 40:
        raise InvalidInput("as_of is too long (时间格式错误)", field="as_of")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time.max, tzinfo=BEIJING).astimezone(dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"as_of {text!r} is not an ISO date or datetime (时间格式错误)", field="as_of") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.astimezone(dt.UTC)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "request"


NUMERIC_OUT_OF_RANGE = "22003"  # SQLSTATE numeric_value_out_of_range


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(XinyongError)
    async def _xinyong_error(_request: Request, exc: XinyongError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _field_of(err.get("loc", ())),
                "message": str(err.get("msg", ""))[:300],
                "type": err.get("type"),
            }
            for err in exc.errors()[:50]
        ]
        first = errors[0] if errors else {"field": "request", "message": "invalid request"}
        body = {
            "error": "invalid",
            "message": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "details": errors,
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": code, "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: DataError) -> JSONResponse:
        """A number from the request beyond what the column stores (an id past PostgreSQL's 32-bit integers): the
        caller's input, not a bug — 422, like any other bad input. Other data errors stay bugs (500)."""
        if getattr(exc.orig, "sqlstate", None) != NUMERIC_OUT_OF_RANGE:
            return await _bug(request, exc)
        log.warning("number out of range on %s %s: %s", request.method, request.url.path, exc.orig)
        body = {"error": "invalid", "message": "a number in the request is out of range (数值超出范围)"}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "internal", "message": "internal error (系统内部错误), logged for the team"},
            status_code=500,
        )
