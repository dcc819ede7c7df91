"""What every route shares: the request's unit of work, the acting user, strict query parameters, and the mapping
of errors to clear 4xx answers (a 500 is always a bug, logged with its traceback)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong.core.actor import Actor
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.core.errors import Forbidden, InvalidInput, Unauthorized, XinyongError

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
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(database.finish, session, commit=False)
        raise
    if not session.in_transaction():
        session.close()  # nothing to end (no statement ran, or the route committed in its own thread): no I/O
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(database.finish, session, commit=True)


SESSION_COOKIE = "xinyong_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
    """
    from xinyong.core.auth import service as auth

    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("use 'Authorization: Bearer <API key>' (认证方式错误)")
        key = key.strip()
        cached = auth.API_KEYS.get(key)
        if cached is not None:
            return cached
        actor = await run_in_threadpool(auth.resolve_api_actor, session, key)
        if actor is None:
            raise Unauthorized("invalid or revoked API key (API 密钥无效或已吊销)")
        auth.API_KEYS.put(key, actor)
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        token = unsign_session_token(cookie)
        found = await run_in_threadpool(auth.resolve_session, session, token) if token else None
        if found is not None:
            user, row = found
            request.state.csrf_token = row.csrf_token
            if request.method not in SAFE_METHODS:
                await _check_csrf(request, row.csrf_token)
            return auth.actor_for_user(user)
    return Actor.public()


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
    """A misspelt filter must not silently return everything: unknown query parameters are a 422. (async: no I/O,
    so it runs on the loop rather than taking a thread-pool round trip.)"""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = {param.alias for param in route.dependant.query_params}
    for sub in route.dependant.dependencies:
        known |= {param.alias for param in sub.query_params}
    for name in request.query_params:
        if name not in known:
            raise InvalidInput(f"unknown query parameter {name[:64]!r} (未知查询参数)", field=name[:64])


DbSession = Annotated[Session, Depends(request_session, scope="function")]
CurrentActor = Annotated[Actor, Depends(current_actor)]


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(XinyongError)
    async def _xinyong_error(_request: Request, exc: XinyongError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

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

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "internal", "message": "internal error (系统内部错误), logged for the team"},
            status_code=500,
        )
