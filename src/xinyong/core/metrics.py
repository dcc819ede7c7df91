"""Prometheus metrics of the platform (``/metrics``, served by :mod:`xinyong.ops`).

Counted in the process as things happen: request latency by route template, checks by outcome, ingested rows by
department and outcome (counted when their transaction commits, so a rolled-back upload counts nothing), background
tick rounds. Read from the database when scraped (:mod:`xinyong.ops`): outbox backlog and oldest message age, tick
lag, replica lag.

With several server processes (``xinyong serve --workers N``) each process keeps its own counters; set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder writable by the server (the systemd unit does) and ``/metrics``
sums them across processes (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.core import logs

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "xinyong_http_request_duration_seconds",
    "Time to answer a request, by method, route template and status code.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
CHECKS = Counter(
    "xinyong_checks_total", "Embedded checks (嵌入式核查) answered, by outcome.", ["outcome"], registry=REGISTRY
)
INGESTED_ROWS = Counter(
    "xinyong_ingested_rows_total",
    "Rows of department data ingested (归集), by department code and outcome (accepted or rejected).",
    ["department", "outcome"],
    registry=REGISTRY,
)
TICK_ROUNDS = Counter(
    "xinyong_tick_rounds_total", "Background tick rounds, by result (ok, failed_sweeps).", ["result"], registry=REGISTRY
)
TICK_LAST_ROUND = Gauge(
    "xinyong_tick_last_round_timestamp_seconds",
    "When this server's background tick last finished a round (Unix time).",
    registry=REGISTRY,
    multiprocess_mode="max",
)

access_log = logging.getLogger("xinyong.access")
UNMATCHED = "(unmatched)"  # 404s are one label, never one per made-up path


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(*collectors: Collector) -> bytes:
    """The text format of every metric: this process's (or, in multiprocess mode, every process's), plus the
    ``collectors`` read at scrape time."""
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess_dir():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        scraped = generate_latest(registry)
    else:
        scraped = generate_latest(REGISTRY)
    extra = CollectorRegistry(auto_describe=True)
    for collector in collectors:
        extra.register(collector)
    return scraped + generate_latest(extra)


# -- counted when the transaction commits ---------------------------------------------------------------------------

_ON_COMMIT = "xinyong.metrics.on_commit"


def on_commit(session: Session, count: Callable[[], None]) -> None:
    """Run ``count`` after ``session``'s transaction commits; forgotten when it rolls back."""
    session.info.setdefault(_ON_COMMIT, []).append(count)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for count in session.info.pop(_ON_COMMIT, ()):
        count()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)


def count_ingested(session: Session, department: str, *, accepted: int, rejected: int) -> None:
    """Rows of one batch, counted once the batch's transaction commits."""

    def count() -> None:
        if accepted:
            INGESTED_ROWS.labels(department, "accepted").inc(accepted)
        if rejected:
            INGESTED_ROWS.labels(department, "rejected").inc(rejected)

    on_commit(session, count)


def count_check(outcome: str) -> None:
    CHECKS.labels(outcome).inc()


def tick_finished(*, failed: int) -> None:
    TICK_ROUNDS.labels("ok" if not failed else "failed_sweeps").inc()
    TICK_LAST_ROUND.set(time.time())


# -- per request: the request id, the latency histogram, the access log ----------------------------------------------


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/entities/{uscc}``), never the raw path."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return route.path + "/{path}"
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestObserver:
    """Outermost middleware: takes or makes the request id (``X-Request-ID``), answers it, times the request into
    :data:`REQUEST_SECONDS` under its route template, and writes one ``xinyong.access`` log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                sent = value.decode("latin-1")
                break
        rid = logs.accept_request_id(sent)
        token = logs.set_request_id(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[logs.REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                path = scope["path"][:512]
                extra: dict[str, Any] = {
                    "method": scope["method"],
                    "route": route,
                    "path": path,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client": client[0] if client else None,
                }
                access_log.info("%s %s %s %.1f ms", scope["method"], path, status, elapsed * 1000, extra=extra)
            logs.reset_request_id(token)
