"""The scheduled sweeps run one round at a time for the whole deployment: ``xinyong tick`` (a systemd timer on each
app host) takes the servers' advisory lock on PostgreSQL and skips while another round holds it; a round it runs
records itself for the tick-lag metric."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.core import opstate
from xinyong.core.db import Database, set_database
from xinyong.ticker import ADVISORY_LOCK_KEY

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    set_database(committing_db)
    yield committing_db
    set_database(None)


def test_a_tick_skips_while_another_round_holds_the_lock(cli_db: Database) -> None:
    if cli_db.dialect != "postgresql":
        pytest.skip("SQLite serves one process; the advisory lock is PostgreSQL's")
    with cli_db.engine.connect() as holder:
        assert holder.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
        try:
            result = runner.invoke(app, ["tick"])
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            holder.commit()
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "publicity expiry" not in result.output
    with cli_db.unit_of_work() as session:
        assert opstate.get(session, opstate.TICK) is None  # a skipped round is not a round


def test_a_tick_round_records_itself(cli_db: Database) -> None:
    result = runner.invoke(app, ["tick"])
    assert result.exit_code == 0, result.output
    with cli_db.unit_of_work() as session:
        beat = opstate.get(session, opstate.TICK)
        assert beat is not None and beat.detail["via"] == "cli"
