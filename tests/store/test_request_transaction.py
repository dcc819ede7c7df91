"""The request owns its transaction (core.http.request_session): what a route wrote is committed when it returns,
rolled back when it raises, and a commit that fails is the caller's error, never a silent 200; the connection goes
back to the pool clean either way, so the next request works."""

from __future__ import annotations

import datetime as dt

from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from xinyong.app import create_app
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.db import Database
from xinyong.core.departments import Department, department_uscc
from xinyong.core.errors import InvalidInput
from xinyong.core.http import DbSession

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)


def _department(code: str, index: int, short: str | None = None) -> Department:
    return Department(
        code=code,
        short_name=short or f"测试{code}",
        full_name=f"共青城市测试部门{code}",
        uscc=department_uscc(900 + index),
        active=True,
        created_at=NOW,
    )


def _client(database: Database) -> TestClient:
    app = create_app(database, rate_limit_per_minute=0)
    public = [Depends(require(PUBLIC))]

    @app.post("/t/write/{code}", dependencies=public)
    def write(code: str, session: DbSession) -> dict[str, str]:
        session.add(_department(code, sum(map(ord, code))))
        session.flush()
        return {"written": code}

    @app.post("/t/write-then-refuse", dependencies=public)
    def write_then_refuse(session: DbSession) -> None:
        session.add(_department("TXREFUSE", 1))
        session.flush()
        raise InvalidInput("refused after writing (测试)", field="x")

    @app.post("/t/fails-at-commit", dependencies=public)
    def fails_at_commit(session: DbSession) -> dict[str, str]:
        # Not flushed: the duplicate short name only meets the unique constraint when the request commits.
        session.add(_department("TXDUP1", 2, short="重复简称"))
        session.add(_department("TXDUP2", 3, short="重复简称"))
        return {"status": "looks fine"}

    return TestClient(app, raise_server_exceptions=False)


def _codes(database: Database) -> set[str]:
    with database.sessions() as session:
        return set(session.scalars(select(Department.code).where(Department.code.like("TX%"))))


def test_a_route_that_returns_commits(committing_db: Database) -> None:
    client = _client(committing_db)
    assert client.post("/t/write/TXOK").status_code == 200
    assert _codes(committing_db) == {"TXOK"}


def test_a_route_that_raises_rolls_back_what_it_flushed(committing_db: Database) -> None:
    client = _client(committing_db)
    answer = client.post("/t/write-then-refuse")
    assert answer.status_code == 422
    assert _codes(committing_db) == set()


def test_a_failed_commit_is_an_error_and_the_next_request_works(committing_db: Database) -> None:
    client = _client(committing_db)
    with committing_db.sessions() as session:
        before = session.scalar(select(func.count()).select_from(Department))
    answer = client.post("/t/fails-at-commit")
    assert answer.status_code == 500, "the commit failed: the caller must not be told it worked"
    assert "looks fine" not in answer.text
    with committing_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Department)) == before
    for n in range(3):  # the pool's connections came back usable
        assert client.post(f"/t/write/TXAFTER{n}").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert _codes(committing_db) == {"TXAFTER0", "TXAFTER1", "TXAFTER2"}
