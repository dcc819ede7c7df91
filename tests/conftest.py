"""Shared fixtures. Every test that touches the database runs on SQLite *and* PostgreSQL.

- ``database``: a migrated database per backend and per xdist worker (session-scoped, parametrized).
- ``db``: a Session inside a transaction that is rolled back after the test (fast isolation).
- ``committing_db``: the Database itself, for code that owns its transactions (CLI, unit of work);
  all tables are emptied after the test.

PostgreSQL comes from ``XINYONG_TEST_DATABASE_URL`` (default: the machine's server on 127.0.0.1:5432 as user
postgres, which ``./dev.sh test`` makes sure is running). Each worker gets its own throwaway database.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.db import Database
from xinyong.models import Base
from xinyong.schema import create_schema

# Property tests assert behaviour, not speed: on a machine shared by other work an example may take longer than
# hypothesis' default 200 ms deadline, which made a passing test fail now and then (tests/unit/test_ids.py).
settings.register_profile("xinyong", deadline=None)
settings.load_profile("xinyong")

# Ordinary tests make many requests from one client; the rate-limit tests set their own limits.
os.environ.setdefault("XINYONG_RATE_LIMIT_PER_MINUTE", "1000000")
os.environ.setdefault("XINYONG_LOGIN_LIMIT_PER_ACCOUNT", "1000000")
os.environ.setdefault("XINYONG_LOGIN_LIMIT_PER_ADDRESS", "1000000")
os.environ.setdefault("XINYONG_ANON_EXPORT_PER_HOUR", "0")  # full exports an hour: off (test_streamed_exports)
os.environ.setdefault("XINYONG_STAFF_EXPORT_PER_HOUR", "0")
# Accounts are made and signed in by the hundred: the suite hashes passwords with cheap argon2 parameters (production
# refuses them; tests/store/test_auth.py checks the standard ones).
os.environ.setdefault("XINYONG_ARGON2_COST", "light")
# The webhook receivers of the tests listen on this host, which the outbox's destination guard refuses by default.
os.environ.setdefault("XINYONG_OUTBOX_ALLOWED_NETWORKS", '["127.0.0.0/8", "::1/128"]')
# The server runs the sweeps in the background by default; tests run them themselves (test_ticker turns it on).
os.environ.setdefault("XINYONG_BACKGROUND_TICK_SECONDS", "0")

# The audit chain's key file and anchor file live outside the database: here, in a directory per test process.
AUDIT_DIR = Path(tempfile.mkdtemp(prefix="xinyong-audit-"))
os.environ.setdefault("XINYONG_AUDIT_KEY_FILE", str(AUDIT_DIR / "audit.key"))
os.environ.setdefault("XINYONG_AUDIT_ANCHOR_FILE", str(AUDIT_DIR / "audit-anchors.jsonl"))
os.environ.setdefault("XINYONG_AUDIT_WITNESS_FILE", str(AUDIT_DIR / "audit-head.json"))


def _forget_audit_witness() -> None:
    """The head witness of a chain the test threw away (frozen clocks can make the next chain's first hash equal)."""
    Path(os.environ["XINYONG_AUDIT_WITNESS_FILE"]).unlink(missing_ok=True)


PG_ADMIN_URL = os.environ.get("XINYONG_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url(admin_url: str, dbname: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def _create_pg_database(admin: Engine, name: str) -> None:
    """A throwaway test database. Commits there skip the wait for the disk (``synchronous_commit = off``): a crash
    could lose the last commits of a database the test drops anyway, and each test stops paying an fsync (tens of ms
    on this kind of machine) for every commit its requests make."""
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))


@pytest.fixture(params=BACKENDS)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no schema) of each backend, for tests that run migrations themselves."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield database
        database.dispose()
        return
    name = f"xinyong_test_fresh_{_worker()}_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    _create_pg_database(admin, name)
    database = Database(_pg_url(PG_ADMIN_URL, name))
    yield database
    database.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    backend: str = request.param
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "test.db"
        database = Database(f"sqlite:///{path}")
        create_schema(database)
        yield database
        database.dispose()
        return
    dbname = f"xinyong_test_{_worker()}_{os.getpid()}"  # unique per process: parallel runs never collide
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    _create_pg_database(admin, dbname)
    database = Database(_pg_url(PG_ADMIN_URL, dbname))
    create_schema(database)
    yield database
    database.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    """A session whose every change is rolled back after the test (services may flush, never commit)."""
    connection = database.engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
        _forget_audit_witness()


def _empty_all_tables(database: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            if tables:
                names = ", ".join(f'"{t}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    from xinyong.schema import seed_reference_rows

    seed_reference_rows(database)
    (AUDIT_DIR / "audit-anchors.jsonl").unlink(missing_ok=True)  # the anchors of the emptied chain go with it
    _forget_audit_witness()


@pytest.fixture
def committing_db(database: Database) -> Iterator[Database]:
    """The real Database for code that commits (CLI commands, unit_of_work); emptied afterwards."""
    try:
        yield database
    finally:
        _empty_all_tables(database)


@pytest.fixture(autouse=True)
def _release_clock() -> Iterator[None]:
    yield
    clock.freeze(None)
