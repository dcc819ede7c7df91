"""Engine, sessions and the unit of work, shared by SQLite (embedded default) and PostgreSQL (production).

Rule: services only ``flush``; the request, the CLI command or the job owns the transaction through
:func:`unit_of_work`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from xinyong.core.errors import XinyongError
from xinyong.core.replicas import Replicas, RoutingSession
from xinyong.core.replicas import release as release_replica

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# JSON that is JSONB on PostgreSQL (indexable, compact) and JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps are stored as UTC and always come back timezone-aware, on both databases."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


SQLITE_WAIT_SECONDS = 30.0
_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


class DatabaseBusy(XinyongError):
    """503: the embedded database stayed busy longer than it is worth waiting (another transaction held it)."""

    status = 503
    code = "busy"


def _writer_lock(path: str) -> threading.Lock:
    """The in-process lock of one SQLite database file (shared by every engine on that file)."""
    key = path if path in ("", ":memory:") else str(Path(path).resolve())
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.Lock())


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the behaviour both databases need.

    SQLite: WAL journal, foreign keys on, a busy timeout, and real transactions (pysqlite's own implicit
    transaction handling is switched off so that SAVEPOINT and BEGIN behave as on PostgreSQL); transactions on one
    database file are serialised in the process and begin IMMEDIATE, so concurrent requests wait for each other
    instead of failing with "database is locked".
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        writer = _writer_lock(path or url)
        held: dict[int, threading.Lock] = {}  # raw connection id -> the lock its open transaction holds

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # One transaction at a time per database file in this process, each started with BEGIN IMMEDIATE: it
            # holds SQLite's write lock from its first statement, so a transaction that reads and then writes can
            # never fail to upgrade its lock (SQLite answers "database is locked" at once there: the busy timeout
            # does not apply), and waiting happens here, in order, instead of in SQLite's polling busy handler.
            # Other processes (a CLI import beside the server) wait through the busy timeout.
            raw = conn.connection.dbapi_connection
            if not writer.acquire(timeout=SQLITE_WAIT_SECONDS):
                raise DatabaseBusy("数据库繁忙，请稍后重试 (the embedded database stayed busy; try again in a moment)")
            held[id(raw)] = writer
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                held.pop(id(raw), None)
                writer.release()
                raise

        def _ending(end: Callable[[Any], None]) -> Callable[[Any], None]:
            def finish(dbapi_connection: Any) -> None:
                try:
                    end(dbapi_connection)
                finally:
                    raw = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)  # a pool proxy, or not
                    lock = held.pop(id(raw), None)
                    if lock is not None:
                        lock.release()

            return finish

        # After the real COMMIT/ROLLBACK (the engine's commit and rollback events come before them); a connection
        # returned to the pool mid-transaction is rolled back through do_rollback too, so the lock never leaks.
        for name in ("do_commit", "do_rollback"):
            setattr(engine.dialect, name, _ending(getattr(engine.dialect, name)))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    from xinyong.core.config import get_settings

    # The pool holds as many connections as a worker's thread pool keeps busy under load (XINYONG_DB_POOL_SIZE):
    # a connection opened in a burst and dropped after it (overflow) costs a new backend with cold caches, which
    # showed as 50–100 ms stalls in the check benchmark. Workers × (size + overflow) must stay under the server's
    # max_connections.
    settings = get_settings()
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def make_replica_engine(url: str) -> Engine:
    """A read replica's engine: like the primary's, and a replica that does not answer within 2 s is skipped."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    from xinyong.core.config import get_settings

    settings = get_settings()
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_args={"connect_timeout": 2},
    )


class Database:
    """An engine and its session factory; with ``read_urls`` (PostgreSQL standbys) also the read replicas that
    eligible requests read from (:mod:`xinyong.core.replicas`)."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        read_urls: Sequence[str] = (),
        replica_max_lag_seconds: float | None = None,
        replica_check_seconds: float | None = None,
        read_your_writes_seconds: float | None = None,
    ) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.sessions = sessionmaker(bind=self.engine, class_=RoutingSession, expire_on_commit=False, autoflush=True)
        self.replicas: Replicas | None = None
        if read_urls and self.dialect != "postgresql":
            raise ValueError("read replicas (XINYONG_READ_DATABASE_URL) need a PostgreSQL primary")
        if read_urls:
            from xinyong.core.config import get_settings

            settings = get_settings()
            self.replicas = Replicas(
                list(read_urls),
                make_replica_engine,
                max_lag_seconds=_given(replica_max_lag_seconds, settings.replica_max_lag_seconds),
                check_seconds=_given(replica_check_seconds, settings.replica_check_seconds),
                read_your_writes_seconds=_given(read_your_writes_seconds, settings.read_your_writes_seconds),
            )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit when the block ends normally, roll back on any exception."""
        session = self.sessions()
        try:
            yield session
        except BaseException:
            self.finish(session, commit=False)
            raise
        self.finish(session, commit=True)

    @staticmethod
    def finish(session: Session, *, commit: bool) -> None:
        """End a unit of work: commit (rolling back if the commit fails) or roll back; close the session either way."""
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            release_replica(session)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replicas is not None:
            self.replicas.dispose()


def _given(value: float | None, default: float) -> float:
    return default if value is None else value


_database: Database | None = None


def get_database() -> Database:
    """The process-wide database built from settings (created on first use)."""
    global _database
    if _database is None:
        from xinyong.core.config import get_settings

        settings = get_settings()
        _database = Database(settings.database_url, echo=settings.database_echo, read_urls=settings.read_database_urls)
    return _database


def set_database(database: Database | None) -> None:
    """Replace the process-wide database (tests and the CLI's --database option)."""
    global _database
    _database = database
