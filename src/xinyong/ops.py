"""What the people who run the platform look at: ``/readyz`` (may this process take traffic?) and ``/metrics``
(Prometheus). ``/healthz`` (alive) stays in :mod:`xinyong.app`.

``/readyz`` answers 200 only when the primary database answers and its schema is at the migrations' head (a process
started before ``xinyong db upgrade`` ran, or against a database not yet upgraded, is not ready); read replicas are
reported with their lag but never make the process unready (a lagging or down replica is skipped, reads go to the
primary). ``/metrics`` answers only callers from ``XINYONG_METRICS_NETWORKS`` (the client address as
:func:`xinyong.core.ratelimit.client_address` resolves it, so a header cannot fake it) or with
``Authorization: Bearer <XINYONG_METRICS_TOKEN>``; it is deliberately not a role-checked API route: the monitoring
system is not a user of the platform.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from xinyong.core import opstate
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.config import get_settings
from xinyong.core.db import Database, get_database
from xinyong.core.http import DbSession
from xinyong.core.metrics import exposition
from xinyong.core.outbox import DUE, OutboxMessage, Status
from xinyong.core.ratelimit import client_address
from xinyong.schema import alembic_config

log = logging.getLogger("xinyong.ops")
router = APIRouter(tags=["ops"])
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _database(request: Request) -> Database:
    found = getattr(request.app.state, "database", None)
    return found if isinstance(found, Database) else get_database()


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The newest revisions of the migrations this code ships (read once per process)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config(None)).get_heads())


def database_revisions(session: Session) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    return frozenset(MigrationContext.configure(session.connection()).get_current_heads())


def readiness(session: Session, database: Database | None) -> tuple[bool, dict[str, Any]]:
    """(ready, the answer's body): the primary reachable, its schema at head, and each replica's state."""
    body: dict[str, Any] = {"database": "ok", "schema": "ok"}
    ready = True
    try:
        session.execute(text("SELECT 1"))
        current = database_revisions(session)
    except Exception as exc:  # the database is down or refuses us: not ready, and say why (no stack trace)
        log.warning("readyz: database unreachable: %s", exc.__class__.__name__)
        session.rollback()
        return False, {"status": "unready", "database": f"unreachable ({exc.__class__.__name__})"}
    heads = migration_heads()
    if current != heads:
        ready = False
        body["schema"] = f"behind: database at {sorted(current) or ['(empty)']}, code expects {sorted(heads)}"
    replicas = getattr(database, "replicas", None)
    if replicas is not None:
        body["replicas"] = [state.as_dict() for state in replicas.probe_all()]
    body["status"] = "ready" if ready else "unready"
    return ready, body


@router.get(
    "/readyz",
    dependencies=[Depends(require(PUBLIC))],
    summary="Readiness: primary database reachable, schema at the migrations' head, replica lag",
    responses={503: {"description": "Not ready: the database is unreachable or its schema is behind"}},
)
async def readyz(request: Request, session: DbSession) -> JSONResponse:
    ready, body = await run_in_threadpool(readiness, session, getattr(request.app.state, "database", None))
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})


# -- /metrics ------------------------------------------------------------------------------------------------------


def metrics_allowed(request: Request) -> bool:
    settings = get_settings()
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if settings.metrics_token and scheme.lower() == "bearer":
        return hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in settings.metrics_networks)


class DatabaseCollector(Collector):
    """Read at scrape time from the primary: the outbox backlog and its oldest due message's age, the tick lag; and
    each read replica's lag."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def describe(self) -> list[Metric]:
        return []  # collected on demand only: registering must not query the database

    def collect(self) -> Iterator[Metric]:
        now = dt.datetime.now(dt.UTC)
        backlog = GaugeMetricFamily("xinyong_outbox_messages", "Outbox messages by status.", labels=["status"])
        oldest = GaugeMetricFamily(
            "xinyong_outbox_oldest_due_age_seconds", "Age of the oldest outbox message not yet delivered (0: none)."
        )
        tick = GaugeMetricFamily(
            "xinyong_tick_lag_seconds", "Seconds since any process last finished a background tick round (-1: never)."
        )
        up = GaugeMetricFamily("xinyong_database_up", "1 when the primary database answered this scrape.")
        try:
            with self.database.sessions() as session:
                counts = dict.fromkeys((str(s) for s in Status), 0)
                for status, count in session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ):
                    counts[status] = count
                first = session.execute(
                    select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status.in_([str(s) for s in DUE]))
                ).scalar()
                beat = opstate.get(session, opstate.TICK)
        except Exception as exc:
            log.warning("metrics: database unreachable: %s", exc.__class__.__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for status, count in sorted(counts.items()):
            backlog.add_metric([status], count)
        yield backlog
        if first is not None and first.tzinfo is None:
            first = first.replace(tzinfo=dt.UTC)
        oldest.add_metric([], max(0.0, (now - first).total_seconds()) if first else 0.0)
        yield oldest
        tick.add_metric([], (now - beat.at).total_seconds() if beat else -1.0)
        yield tick
        replicas = getattr(self.database, "replicas", None)
        if replicas is not None:
            lag = GaugeMetricFamily(
                "xinyong_replica_lag_seconds", "Replay lag of each read replica (-1: unreachable).", labels=["replica"]
            )
            used = GaugeMetricFamily(
                "xinyong_replica_in_use",
                "1 when reads are sent to the replica (reachable, lag within the limit).",
                labels=["replica"],
            )
            for state in replicas.probe_all():
                lag.add_metric([state.name], state.lag if state.lag is not None else -1.0)
                used.add_metric([state.name], 1 if state.usable else 0)
            yield lag
            yield used


def install_metrics(app: FastAPI) -> None:
    """``/metrics`` as a plain route (no role: network or token, see the module's note), outside the schema."""

    async def metrics(request: Request) -> Response:
        if not metrics_allowed(request):
            message = "metrics are for the monitoring network or its token (仅限监控网络访问)"
            return JSONResponse({"error": "forbidden", "message": message}, status_code=403)
        data = await run_in_threadpool(exposition, DatabaseCollector(_database(request)))
        return Response(data, media_type=PROMETHEUS_TEXT, headers={"Cache-Control": "no-store"})

    app.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
