"""Read replicas: the portal, the public API, the check API's reads and exports read from PostgreSQL standbys
(``XINYONG_READ_DATABASE_URL``); everything else reads the primary.

How a request's statements are routed (:class:`RoutingSession`, the session class of every :class:`Database`):

- only a request that may read from a replica (:func:`replica_eligible`: ``GET``/``HEAD`` outside the console and
  the signed-in pages, console exports, and the embedded check) gets a :class:`ReadRouter`; every other session
  reads and writes the primary exactly as before;
- in such a request, plain ``SELECT`` statements go to a replica once the caller is known (the access rule has
  run: the caller's own sign-in lookups always read the primary, so a session created a moment ago is found);
  ``INSERT``/``UPDATE``/``DELETE``, ``SELECT … FOR UPDATE``, text statements and the ORM's flushes go to the
  primary (the check's log row, a key's last-used stamp);
- read-your-writes: a signed-in caller whose change committed reads the primary for ``XINYONG_READ_YOUR_WRITES_SECONDS``
  afterwards (a cookie for browser sessions, so every server process knows; remembered in the process for API keys);
- a replica is used only while its replay lag is at most ``XINYONG_REPLICA_MAX_LAG_SECONDS`` (probed at most every
  ``XINYONG_REPLICA_CHECK_SECONDS``); one that lags, is down, or refuses the connection is skipped and the
  statement reads the primary — the caller never sees an error for it. A replica's connection is opened (and
  checked) before the first statement is sent to it, so a replica that died since its last probe is skipped too.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Delete, Engine, Insert, Select, Update, text
from sqlalchemy.orm import Session

log = logging.getLogger("xinyong.replicas")

# Replay lag in seconds: 0 while everything received is replayed (an idle primary sends nothing, and the standby
# is then as fresh as it can be), else the age of the last transaction replayed. NULL on a server not in recovery.
LAG_QUERY = text(
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END"
)
ROUTER = "xinyong.read_router"
RW_COOKIE = "xinyong_rw"  # the time (Unix seconds) until which this browser's reads go to the primary


def replica_name(url: str) -> str:
    """A replica's label in metrics and /readyz: host:port, never the credentials."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    return parts.netloc.rsplit("@", 1)[-1] or url[:40]


@dataclass
class ReplicaState:
    name: str
    reachable: bool = False
    lag: float | None = None
    usable: bool = False
    probed_at: float = 0.0  # time.monotonic() of the last probe (0: never)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "reachable": self.reachable,
            "lag_seconds": None if self.lag is None else round(self.lag, 3),
            "in_use": self.usable,
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class Replica:
    url: str
    engine: Engine
    state: ReplicaState
    lock: threading.Lock = field(default_factory=threading.Lock)


class Replicas:
    """The read replicas of one primary, each probed for its lag at most every ``check_seconds``."""

    def __init__(
        self,
        urls: list[str],
        make_engine: Any,
        *,
        max_lag_seconds: float,
        check_seconds: float,
        read_your_writes_seconds: float,
    ) -> None:
        self.replicas = [Replica(url, make_engine(url), ReplicaState(replica_name(url))) for url in urls]
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self.read_your_writes_seconds = read_your_writes_seconds
        self._turn = itertools.count()
        self._writers: dict[str, float] = {}  # actor id -> monotonic deadline (API keys: no cookie)
        self._writers_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.replicas)

    def probe(self, replica: Replica, *, force: bool = False) -> ReplicaState:
        state = replica.state
        now = time.monotonic()
        if not force and state.probed_at and now - state.probed_at < self.check_seconds:
            return state
        if not replica.lock.acquire(blocking=False):  # another thread is probing it: use what is known
            return state
        try:
            try:
                with replica.engine.connect() as conn:
                    in_recovery, lag = conn.execute(LAG_QUERY).one()
                state.reachable, state.error = True, None
                state.lag = float(lag) if in_recovery and lag is not None else 0.0
            except Exception as exc:
                if state.reachable or not state.probed_at:
                    log.warning("read replica %s unreachable: %s", state.name, exc.__class__.__name__)
                state.reachable, state.lag, state.error = False, None, exc.__class__.__name__
            state.usable = state.reachable and state.lag is not None and state.lag <= self.max_lag_seconds
            state.probed_at = time.monotonic()
        finally:
            replica.lock.release()
        return state

    def probe_all(self) -> list[ReplicaState]:
        return [self.probe(replica) for replica in self.replicas]

    def connect(self) -> Connection | None:
        """An open connection to a usable replica (round robin), or None: then the primary serves the read."""
        count = len(self.replicas)
        start = next(self._turn)
        for offset in range(count):
            replica = self.replicas[(start + offset) % count]
            if not self.probe(replica).usable:
                continue
            try:
                return replica.engine.connect()
            except Exception as exc:  # died since its probe: skip it until the next probe says otherwise
                log.warning("read replica %s refused a connection: %s", replica.state.name, exc.__class__.__name__)
                replica.state.usable = replica.state.reachable = False
                replica.state.error = exc.__class__.__name__
                replica.state.probed_at = time.monotonic()
        return None

    # read-your-writes for callers without a cookie (API keys), in this process
    def wrote(self, actor_id: str) -> None:
        with self._writers_lock:
            now = time.monotonic()
            self._writers[actor_id] = now + self.read_your_writes_seconds
            if len(self._writers) > 10_000:
                self._writers = {k: v for k, v in self._writers.items() if v > now}

    def wrote_recently(self, actor_id: str) -> bool:
        deadline = self._writers.get(actor_id)
        return deadline is not None and deadline > time.monotonic()

    def dispose(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()


class ReadRouter:
    """One request's choice: reads go to a replica once the caller is known and has not written lately."""

    def __init__(self, replicas: Replicas, state: dict[str, Any]) -> None:
        self.replicas = replicas
        self.state = state  # the request's scope["state"], filled by the access rule and the cookie
        self.connection: Connection | None = None
        self.decided = False

    def allowed(self) -> bool:
        state = self.state
        if not state.get("caller_known"):
            return False  # the sign-in lookups themselves: always the primary
        if state.get("signed_in"):
            if state.get("primary_until", 0.0) > time.time():
                return False
            actor_id = state.get("actor_id")
            if actor_id and self.replicas.wrote_recently(actor_id):
                return False
        return True

    def bind(self) -> Connection | None:
        if self.connection is not None:
            return self.connection
        if self.decided or not self.allowed():
            return None
        self.decided = True
        self.connection = self.replicas.connect()
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None


def _is_plain_read(clause: Any) -> bool:
    if not isinstance(clause, Select):
        return False
    return getattr(clause, "_for_update_arg", None) is None


class RoutingSession(Session):
    """A session that sends plain reads to a replica when its request's :class:`ReadRouter` allows it."""

    def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Any:
        router = self.info.get(ROUTER)
        if (
            router is not None
            and not self._flushing
            and not isinstance(clause, Insert | Update | Delete)
            and _is_plain_read(clause)
        ):
            connection = router.bind()
            if connection is not None:
                return connection
        return super().get_bind(mapper=mapper, clause=clause, **kw)


def release(session: Session) -> None:
    """After the session ended: close its replica connection (the session does not own it)."""
    router = session.info.pop(ROUTER, None)
    if isinstance(router, ReadRouter):
        router.close()


# -- which requests may read from a replica ----------------------------------------------------------------------

PRIMARY_PREFIXES = (
    "/console",
    "/my",
    "/login",
    "/logout",
    "/register",
    "/password",
    "/enterprise",
    "/healthz",
    "/readyz",
    "/metrics",
)
EXPORT_SUFFIXES = (".csv", ".xlsx", ".json", ".jsonl")
REPLICA_POSTS = frozenset({"/api/v1/checks"})  # the check's reads; its log row is written to the primary


def replica_eligible(method: str, path: str, query: str = "") -> bool:
    """May this request's reads come from a replica? The portal, the public API and exports (console exports too),
    and the embedded check; not the console's screens, sign-in and registration, or any other change."""
    if method == "POST":
        return path in REPLICA_POSTS
    if method not in ("GET", "HEAD"):
        return False
    if path.startswith(PRIMARY_PREFIXES):
        return path.startswith("/console") and (path.endswith(EXPORT_SUFFIXES) or "format=" in query)
    return True


def read_your_writes_until(cookie: str | None) -> float:
    try:
        return float(cookie) if cookie else 0.0
    except ValueError:
        return 0.0
