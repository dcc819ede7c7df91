"""The background tick (XINYONG_BACKGROUND_TICK_SECONDS): the server runs the same sweeps as ``xinyong tick`` in a
thread started with the application and stopped on shutdown; each sweep in its own transaction; a failing sweep is
logged and the others still run; a second round changes nothing; on PostgreSQL an advisory lock keeps two server
processes from running a round at once."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.support import builders
from tests.support.repair import apply as _apply
from tests.support.repair import commit as _commit
from tests.support.repair import penalty as _penalty
from xinyong import ticker
from xinyong.app import create_app
from xinyong.core import clock
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database
from xinyong.entities.models import RegradeQueue
from xinyong.evaluation.models import EvaluationResult
from xinyong.records import service as records
from xinyong.repair.models import RepairApplication
from xinyong.schema import create_schema


@pytest.fixture(autouse=True)
def _uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "upload_dir", tmp_path / "uploads")


def _overdue_application(database: Database) -> int:
    with database.unit_of_work() as session:
        builders.departments(session)
        uscc, record_id = _penalty(session, dt.date(2025, 3, 31), NR_FK=0)
        clock.freeze(dt.datetime(2025, 7, 1, 4, tzinfo=dt.UTC))
        _commit(session, uscc)
        return _apply(session, uscc, record_id, files=[])


def test_a_round_escalates_and_a_second_changes_nothing(committing_db: Database) -> None:
    app_id = _overdue_application(committing_db)
    first = dict(ticker.run_round(committing_db, dt.date(2025, 7, 8)))
    assert first["repair applications overdue (信用修复逾期督办)"] == "1 changed"
    second = dict(ticker.run_round(committing_db, dt.date(2025, 7, 8)))
    assert second["repair applications overdue (信用修复逾期督办)"] == "0 changed"
    assert all(outcome != "failed" for outcome in second.values())
    with committing_db.unit_of_work() as session:
        row = session.get(RepairApplication, app_id)
        assert row is not None and row.escalated_stage == "accept"


def test_a_failing_sweep_is_logged_and_the_others_run(
    committing_db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ticker, "SWEEPS", (("broken", broken), *ticker.SWEEPS[:2]))
    outcomes = ticker.run_round(committing_db, dt.date(2026, 11, 26))
    assert outcomes[0] == ("broken", "failed") and len(outcomes) == 3 and "failed" not in dict(outcomes[1:]).values()
    assert "sweep broken failed" in caplog.text


def test_the_server_runs_it_in_the_background_and_stops(
    committing_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "background_tick_seconds", 1)
    app = create_app(committing_db)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        running: ticker.BackgroundTicker = app.state.ticker
        assert running is not None and running.running
        deadline = time.monotonic() + 20
        while running.rounds < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.rounds >= 1
    assert not running.running, "stopped with the application"


def test_on_by_default_and_off_in_the_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINYONG_BACKGROUND_TICK_SECONDS")
    assert Settings().background_tick_seconds == 30
    monkeypatch.setenv("XINYONG_BACKGROUND_TICK_SECONDS", "0")
    assert Settings().background_tick_seconds == 0


def test_off_when_set_to_zero(committing_db: Database) -> None:
    assert get_settings().background_tick_seconds == 0  # the suite's conftest turns it off
    app = create_app(committing_db)
    with TestClient(app):
        assert app.state.ticker is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_started_server_with_default_settings_grades_by_itself(tmp_path: Path) -> None:
    """``xinyong serve`` (what ``./dev.sh start`` runs) with no tick setting: a penalty written while it runs is
    graded without anyone running ``xinyong tick``."""
    database = Database(f"sqlite:///{tmp_path / 'served.db'}")
    create_schema(database)
    with database.unit_of_work() as session:
        builders.departments(session)
        firm = builders.entity(session)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "XINYONG_BACKGROUND_TICK_SECONDS"}
    env |= {"XINYONG_DATABASE_URL": database.url, "XINYONG_ENV": "development"}
    command = [str(Path(sys.executable).parent / "xinyong"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with database.unit_of_work() as session:  # after the start: only the server's ticks can grade it
            records.upsert_record(session, builders.SYSTEM, builders.penalty(firm.uscc, severity="一般"))
        deadline = time.monotonic() + 120  # a round at start, then every 30 s: well inside this
        grade = None
        while grade is None and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.5)
            with database.unit_of_work() as session:
                grade = session.get(EvaluationResult, firm.uscc)
                queued = session.scalar(select(func.count()).select_from(RegradeQueue))
        assert server.poll() is None, server.stderr.read().decode() if server.stderr else "server exited"
        assert grade is not None and grade.score < 1000, "the served server graded the penalty by itself"
        assert queued == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        database.dispose()


def test_two_processes_do_not_run_a_round_at_once(committing_db: Database) -> None:
    if committing_db.dialect != "postgresql":
        pytest.skip("SQLite serves one process; the advisory lock is PostgreSQL's")
    other = ticker.BackgroundTicker(committing_db, 60)
    with committing_db.engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ticker.ADVISORY_LOCK_KEY})
        assert other.run_once() is False and other.skipped == 1
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ticker.ADVISORY_LOCK_KEY})
        holder.commit()
    assert other.run_once() is True and other.rounds == 1
