"""Rate limits against bulk harvesting of the portal and API (req §3.15).

Fixed one-minute windows per caller: anonymous callers by client address, API clients by key prefix, console
users by session. In-process counters by default (one server process); Redis when ``XINYONG_REDIS_URL`` is set, so
several processes share the counts. Exports and searches weigh more than a page view.

A Redis limiter is asked from the thread pool, never on the event loop (a slow Redis must not stall every request of
the process), and when Redis cannot be reached the request is let through and the failure logged (at most once a
minute): rate limiting protects the portal from harvesting, it must not take the platform down with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("xinyong.ratelimit")

WINDOW_SECONDS = 60
EXEMPT_PREFIXES = ("/static/", "/healthz")
EXPORT_SUFFIXES = (".csv", ".xlsx", ".json", ".jsonl")
EXPORT_FORMATS = ("csv", "xlsx", "json", "jsonl")
EXPORT_PATHS = ("/api/v1/feeds/",)  # a feed is an export whatever its format


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after: int  # seconds until the window resets


class Limiter(Protocol):
    blocking: bool  # True: asking it is I/O, done from the thread pool, not on the event loop

    def hit(self, key: str, limit: int, cost: int = 1) -> Verdict: ...


class LimiterUnavailable(Exception):
    """The shared counter store could not be asked (the request is let through; see the module's note)."""


class InProcessLimiter:
    """Counters in this process's memory; expired windows are dropped as they are met."""

    blocking = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    def hit(self, key: str, limit: int, cost: int = 1) -> Verdict:
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        with self._lock:
            if len(self._windows) > 100_000:  # keep memory bounded under a flood of distinct callers
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
            seen_window, count = self._windows.get(key, (window, 0))
            if seen_window != window:
                count = 0
            count += cost
            self._windows[key] = (window, count)
        retry = int((window + 1) * WINDOW_SECONDS - now) + 1
        return Verdict(count <= limit, max(0, limit - count), retry)


class RedisLimiter:
    """Counters in Redis (INCRBY + EXPIRE in one round trip), shared by every server process."""

    blocking = True

    def __init__(self, url: str, prefix: str = "xinyong:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def hit(self, key: str, limit: int, cost: int = 1) -> Verdict:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        name = f"{self._prefix}{window}:{key}"
        import redis

        pipe = self._redis.pipeline()
        pipe.incrby(name, cost)
        pipe.expire(name, WINDOW_SECONDS * 2)
        try:
            count = int(pipe.execute()[0])
        except redis.RedisError as failure:
            raise LimiterUnavailable(f"{type(failure).__name__}: {failure}") from failure
        retry = int((window + 1) * WINDOW_SECONDS - now) + 1
        return Verdict(count <= limit, max(0, limit - count), retry)


def caller_key(request: Request) -> str:
    """Who to count: an API key's prefix, a console session, or the client address."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer xy_"):
        return "key:" + header[10:18]
    cookie = request.cookies.get("xinyong_session")
    if cookie:
        return "session:" + cookie[-24:]
    host = request.client.host if request.client else "unknown"
    return "ip:" + host


def cost_of(request: Request) -> int:
    path = request.url.path
    exported = path.endswith(EXPORT_SUFFIXES) or path.startswith(EXPORT_PATHS)
    if exported or request.query_params.get("format") in EXPORT_FORMATS:
        return 10
    if request.query_params.get("q"):
        return 2
    return 1


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: Limiter, per_minute: int) -> None:
        self.app = app
        self.limiter = limiter
        self.per_minute = per_minute
        self._reported_at = float("-inf")

    def _report(self, failure: LimiterUnavailable) -> None:
        now = time.monotonic()
        if now - self._reported_at >= WINDOW_SECONDS:
            self._reported_at = now
            log.error("rate limiting is off until its store answers again (requests are let through): %s", failure)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.per_minute <= 0 or scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key, cost = caller_key(request), cost_of(request)
        try:
            if self.limiter.blocking:
                verdict = await run_in_threadpool(self.limiter.hit, key, self.per_minute, cost)
            else:  # memory only: cheaper inline than a thread hop
                verdict = self.limiter.hit(key, self.per_minute, cost)
        except LimiterUnavailable as failure:
            self._report(failure)
            await self.app(scope, receive, send)
            return
        if verdict.allowed:
            await self.app(scope, receive, send)
            return
        response = _refusal(request, verdict)
        await response(scope, receive, send)


def _refusal(request: Request, verdict: Verdict) -> Response:
    headers = {"Retry-After": str(verdict.retry_after)}
    message = "too many requests; please wait a minute (访问过于频繁，请稍后再试)"
    if "text/html" in request.headers.get("accept", ""):
        return PlainTextResponse(message, status_code=429, headers=headers)
    return JSONResponse({"error": "rate_limited", "message": message}, status_code=429, headers=headers)


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else InProcessLimiter()
