"""Rate limits against bulk harvesting of the portal and API (req §3.15).

Fixed one-minute windows per caller, counted once the caller is known: API clients by their *verified* key,
signed-in users by their *verified* session (per user), everyone else — an unknown, revoked or made-up key or cookie
included — by client address (proxy headers believed only from ``XINYONG_TRUSTED_PROXIES``). Sign-in attempts are
limited separately, per account and per address. In-process counters by default (one server process); Redis when
``XINYONG_REDIS_URL`` is set, so several processes share the counts. Exports and searches weigh more than a page
view.

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
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from xinyong.core.errors import TooManyRequests

log = logging.getLogger("xinyong.ratelimit")

WINDOW_SECONDS = 60
EXPORT_WINDOW_SECONDS = 3600  # full exports are counted by the hour
EXEMPT_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics")
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

    def hit(self, key: str, limit: int, cost: int = 1, window: int = WINDOW_SECONDS) -> Verdict: ...


class LimiterUnavailable(Exception):
    """The shared counter store could not be asked (the request is let through; see the module's note)."""


class InProcessLimiter:
    """Counters in this process's memory; expired windows are dropped as they are met."""

    blocking = False

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    def hit(self, key: str, limit: int, cost: int = 1, window: int = WINDOW_SECONDS) -> Verdict:
        now = self._clock()
        number = int(now // window)
        key = f"{window}:{key}"
        with self._lock:
            if len(self._windows) > 100_000:  # keep memory bounded under a flood of distinct callers
                self._windows = {k: v for k, v in self._windows.items() if v[0] == int(now // int(k.split(":")[0]))}
            seen_window, count = self._windows.get(key, (number, 0))
            if seen_window != number:
                count = 0
            count += cost
            self._windows[key] = (number, count)
        retry = int((number + 1) * window - now) + 1
        return Verdict(count <= limit, max(0, limit - count), retry)


class RedisLimiter:
    """Counters in Redis (INCRBY + EXPIRE in one round trip), shared by every server process."""

    blocking = True

    def __init__(self, url: str, prefix: str = "xinyong:rl:", clock: Callable[[], float] = time.time) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._clock = clock  # wall-clock seconds: every process must agree on the window

    def hit(self, key: str, limit: int, cost: int = 1, window: int = WINDOW_SECONDS) -> Verdict:
        now = self._clock()
        number = int(now // window)
        name = (
            f"{self._prefix}{number}:{key}" if window == WINDOW_SECONDS else f"{self._prefix}{window}s:{number}:{key}"
        )
        import redis

        pipe = self._redis.pipeline()
        pipe.incrby(name, cost)
        pipe.expire(name, window * 2)
        try:
            count = int(pipe.execute()[0])
        except redis.RedisError as failure:
            raise LimiterUnavailable(f"{type(failure).__name__}: {failure}") from failure
        retry = int((number + 1) * window - now) + 1
        return Verdict(count <= limit, max(0, limit - count), retry)


def cost_of(request: Request) -> int:
    path = request.url.path
    exported = path.endswith(EXPORT_SUFFIXES) or path.startswith(EXPORT_PATHS)
    if exported or request.query_params.get("format") in EXPORT_FORMATS:
        return 10
    if request.query_params.get("q"):
        return 2
    return 1


class RateLimits:
    """The platform's limits, kept on ``app.state.rate_limits`` and asked by :func:`xinyong.core.http.current_actor`
    once the caller is known — after the API key or session has been *verified*, so a made-up cookie or key never
    opens a bucket of its own: it is counted, like every anonymous call, under the client address."""

    def __init__(
        self,
        limiter: Limiter,
        per_minute: int,
        *,
        login_per_account: int = 10,
        login_per_address: int = 30,
        exports_per_hour: int = 0,
        staff_exports_per_hour: int = 0,
    ) -> None:
        self.limiter = limiter
        self.per_minute = per_minute
        self.login_per_account = login_per_account
        self.login_per_address = login_per_address
        self.exports_per_hour = exports_per_hour  # full CSV/XLSX exports an hour per client address (0: off)
        self.staff_exports_per_hour = staff_exports_per_hour  # per signed-in user (0: off)
        self._reported_at = float("-inf")

    def _report(self, failure: LimiterUnavailable) -> None:
        now = time.monotonic()
        if now - self._reported_at >= WINDOW_SECONDS:
            self._reported_at = now
            log.error("rate limiting is off until its store answers again (requests are let through): %s", failure)

    async def _ask(self, key: str, limit: int, cost: int) -> Verdict | None:
        try:
            if self.limiter.blocking:
                return await run_in_threadpool(self.limiter.hit, key, limit, cost)
            return self.limiter.hit(key, limit, cost)  # memory only: cheaper inline than a thread hop
        except LimiterUnavailable as failure:
            self._report(failure)
            return None

    async def charge(self, request: Request, identity: str | None) -> None:
        """Count one request of a verified ``identity`` (``key:<client id>``, ``user:<username>``) or, for ``None``,
        of the client address; raise :class:`TooManyRequests` past the limit."""
        if self.per_minute <= 0 or request.url.path.startswith(EXEMPT_PREFIXES):
            return
        key = identity or "ip:" + client_address(request)
        verdict = await self._ask(key, self.per_minute, cost_of(request))
        if verdict is not None and not verdict.allowed:
            raise TooManyRequests(
                "too many requests; please wait a minute (访问过于频繁，请稍后再试)", retry_after=verdict.retry_after
            )

    def charge_login(self, request: Request, username: str) -> None:
        """Count one login attempt against the account and against the client address (before the password is
        checked); raise :class:`TooManyRequests` past either limit. The lockout (five failures) still applies.
        Called from a (synchronous) login route, which already runs in the thread pool."""
        account = "login-user:" + username.strip().lower()[:64]
        address = "login-ip:" + client_address(request)
        retry_after = 0
        for key, limit in ((account, self.login_per_account), (address, self.login_per_address)):
            if limit <= 0:
                continue
            try:
                verdict = self.limiter.hit(key, limit, 1)  # both are counted, whichever refuses
            except LimiterUnavailable as failure:
                self._report(failure)
                continue
            if not verdict.allowed:
                retry_after = max(retry_after, verdict.retry_after)
        if retry_after:
            raise TooManyRequests(
                "too many sign-in attempts; please wait a minute (登录尝试过于频繁，请稍后再试)",
                retry_after=retry_after,
            )

    def charge_export(self, request: Request, user: str | None) -> None:
        """Count one full export (CSV/XLSX of a whole list) in hourly windows — per signed-in ``user``, else per
        client address — on top of the per-minute limit; raise :class:`TooManyRequests` with a Chinese message past
        it. Called from a (synchronous) view, which runs in the thread pool."""
        limit = self.staff_exports_per_hour if user else self.exports_per_hour
        if limit <= 0:
            return
        key = f"export-user:{user}" if user else "export-ip:" + client_address(request)
        try:
            verdict = self.limiter.hit(key, limit, 1, EXPORT_WINDOW_SECONDS)
        except LimiterUnavailable as failure:
            self._report(failure)
            return
        if not verdict.allowed:
            minutes = max(1, -(-verdict.retry_after // 60))
            raise TooManyRequests(
                f"导出过于频繁：每小时最多导出 {limit} 次，请约 {minutes} 分钟后再试；如需批量数据，请联系市信用办。",
                retry_after=verdict.retry_after,
            )


def rate_limits(request: Request) -> RateLimits | None:
    found = getattr(request.app.state, "rate_limits", None)
    return found if isinstance(found, RateLimits) else None


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(cidr, strict=False) for cidr in cidrs)


def _ip(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: Request, trusted: tuple[str, ...] | None = None) -> str:
    """The caller's address. ``X-Forwarded-For`` and ``X-Real-IP`` are believed only when the connection comes from
    a configured proxy (``XINYONG_TRUSTED_PROXIES``): then the forwarded chain is read from the right, skipping the
    trusted proxies, and the first address that is not one of them is the client. Anyone else's headers are
    ignored, so a caller cannot choose the address it is counted (or audited) under."""
    peer = request.client.host if request.client else "unknown"
    if trusted is None:
        from xinyong.core.config import get_settings

        trusted = tuple(get_settings().trusted_proxies)
    if not trusted:
        return peer
    networks = _networks(trusted)

    def is_trusted(address: IPv4Address | IPv6Address) -> bool:
        return any(address in network for network in networks)

    peer_ip = _ip(peer)
    if peer_ip is None or not is_trusted(peer_ip):
        return peer
    hops = [hop for line in request.headers.getlist("x-forwarded-for") for hop in line.split(",")]
    client = peer
    for hop in reversed(hops):
        address = _ip(hop)
        if address is None:
            return client  # a malformed hop: trust nothing to its left
        client = str(address)
        if not is_trusted(address):
            return client
    if not hops:
        real = _ip(request.headers.get("x-real-ip", ""))
        if real is not None:
            return str(real)
    return client


def make_limiter(redis_url: str | None) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else InProcessLimiter()
