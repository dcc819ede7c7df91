"""One platform clock: XINYONG_CLOCK for training and test copies (refused in production), a training copy moved day
by day with its sweeps, and ``xinyong tick --today`` dating what it writes on that day (both databases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support import builders
from tests.support.lists import OPERATOR, at, listed
from xinyong.cli import app
from xinyong.core import clock, clock_store
from xinyong.core.actor import Actor
from xinyong.core.audit import AuditEvent
from xinyong.core.clock import BEIJING
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database, set_database
from xinyong.core.errors import Conflict, Forbidden
from xinyong.remedies import service as remedies
from xinyong.remedies.models import RectificationStep

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    set_database(committing_db)
    try:
        yield committing_db
    finally:
        set_database(None)
        clock.set_offset(dt.timedelta(0))
        clock.freeze(None)
        get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_setting_is_a_date_or_training_and_refused_in_production() -> None:
    assert clock_store.parse_setting("") == ""
    assert clock_store.parse_setting("training") == "training"
    assert clock_store.parse_setting("2026-12-16") == dt.date(2026, 12, 16)
    with pytest.raises(ValueError, match="XINYONG_CLOCK"):
        Settings(clock="tomorrow")
    with pytest.raises(RuntimeError, match="XINYONG_CLOCK"):
        clock_store.configure(Settings(env="production", clock="2026-12-16"))
    with pytest.raises(RuntimeError, match="XINYONG_CLOCK"):
        Settings(env="production", clock="training").check_production()


def test_a_start_date_moves_every_today() -> None:
    try:
        clock_store.configure(Settings(clock="2030-02-01"))
        assert clock.today() == dt.date(2030, 2, 1)
        assert clock.now().astimezone(BEIJING).date() == dt.date(2030, 2, 1)
        assert clock.offset().days == (dt.date(2030, 2, 1) - clock.wall_today()).days
    finally:
        clock.set_offset(dt.timedelta(0))
    assert clock.today() == clock.wall_today()


def test_a_training_copy_advances_day_by_day_running_the_sweeps(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli_db.unit_of_work() as session:
        builders.departments(session)
    assert _run("clock", "set", "2030-01-01")[0] == 1  # not a training copy
    monkeypatch.setenv("XINYONG_CLOCK", "training")
    get_settings.cache_clear()
    code, out, err = _run("clock", "set", "2030-01-01")
    assert (code, out) == (0, "today 2030-01-01\n"), err
    assert clock.today() == dt.date(2030, 1, 1)
    code, out, err = _run("clock", "advance", "--days", "2")
    assert code == 0, err
    assert [line.split(":")[0] for line in out.splitlines()] == ["2030-01-02", "2030-01-03"]
    assert "sweeps run" in out and "failed" not in out
    assert clock.today() == dt.date(2030, 1, 3)
    code, out, _ = _run("clock", "show")
    assert out.startswith("today 2030-01-03 (training;")
    with cli_db.unit_of_work() as session:
        moves = session.scalars(select(AuditEvent.payload).where(AuditEvent.action == "core:clock:moved")).all()
        assert [m["to_days"] - m["from_days"] for m in moves][-2:] == [1, 1]
        with pytest.raises(Forbidden):
            clock_store.set_today(session, get_settings(), OPERATOR, dt.date(2030, 1, 1))
    with cli_db.unit_of_work() as session, pytest.raises(Conflict):
        clock_store.set_today(session, Settings(clock=""), Actor.system("t"), dt.date(2030, 1, 1))


def test_tick_today_dates_the_escalation_on_that_day(cli_db: Database) -> None:
    with cli_db.unit_of_work() as session:
        builders.departments(session)
        entry = listed(session)
        at(dt.date(2024, 9, 27))
        task = remedies.issue_task(session, OPERATOR, requirement="整改", working_days=5, list_entry_id=entry.id)
        task_id = task.id
    clock.freeze(None)
    code, _out, err = _run("tick", "--today", "2024-10-11")
    assert code == 0, err
    with cli_db.unit_of_work() as session:
        step = session.execute(
            select(RectificationStep).where(RectificationStep.task_id == task_id, RectificationStep.step == "escalate")
        ).scalar_one()
        assert step.on == dt.date(2024, 10, 11)
        assert step.at.astimezone(BEIJING).date() == dt.date(2024, 10, 11)
    assert clock.frozen_at() is None  # the replay put the clock back


def test_an_unreadable_training_clock_keeps_its_last_offset() -> None:
    calls: list[int] = []

    def flaky() -> dt.timedelta:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("database unreachable")
        return dt.timedelta(days=3)

    try:
        clock.use_source(flaky)
        assert clock.today() == clock.wall_today() + dt.timedelta(days=3)
        clock.refresh()
        assert clock.today() == clock.wall_today() + dt.timedelta(days=3)  # the failure is logged, not raised
        assert len(calls) == 2
    finally:
        clock.set_offset(dt.timedelta(0))


def test_a_training_copy_reads_its_clock_inside_a_writing_transaction(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The clock is asked the time from inside transactions (every audit event). On SQLite a second transaction of the
    # same process waits for the first: reading the offset through one waited for the very transaction asking the
    # time. The read takes no transaction now: a writer holding the database does not stop it.
    monkeypatch.setattr("xinyong.core.db.SQLITE_WAIT_SECONDS", 1.0)  # were it to wait, fail within a second
    clock_store.configure(Settings(clock="training"), cli_db)  # the fixture drops the source afterwards
    with cli_db.unit_of_work() as session:
        clock_store.set_today(session, Settings(clock="training"), Actor.system("t"), dt.date(2031, 5, 6))
    with cli_db.unit_of_work() as session:
        builders.departments(session)  # this transaction writes and holds the database
        clock.refresh()
        assert clock.today() == dt.date(2031, 5, 6)
    assert "cannot read the offset" not in caplog.text
