"""xinyong regrade: a full run in chunks that resumes after an interruption, --pending drains only the queue, and
tick drains it too."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support import builders
from xinyong.cli import app
from xinyong.core.actor import Actor
from xinyong.core.db import Database, set_database
from xinyong.entities.models import RegradeQueue
from xinyong.evaluation import service
from xinyong.evaluation.models import EvaluationResult, RegradeRun
from xinyong.records import service as records

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def _entities(database: Database, n: int) -> list[str]:
    with database.unit_of_work() as session:
        return [builders.entity(session, name=f"共青城命令行{i}有限公司").uscc for i in range(n)]


def test_full_run_resumes(cli_db: Database) -> None:
    usccs = _entities(cli_db, 5)
    with cli_db.unit_of_work() as session:  # a run killed after its first chunk
        run, _ = service.open_run(session, Actor.system("test"))
        service.run_chunk(session, run, builders.recent_day(), chunk=2)
    resumed = runner.invoke(app, ["regrade", "--chunk", "2", "--json"])
    assert resumed.exit_code == 0, resumed.output
    outcome = json.loads(resumed.output)
    assert outcome["resumed"] is True and outcome["status"] == "done" and outcome["done"] == 5
    with cli_db.unit_of_work() as session:
        assert set(service.current_grades(session)) == set(usccs)
        assert session.scalar(select(func.count()).select_from(RegradeRun).where(RegradeRun.status == "running")) == 0
    again = runner.invoke(app, ["regrade"])
    assert again.exit_code == 0 and "5 entities graded, 0 changed" in again.output


def test_pending_drains_only_the_queue(cli_db: Database) -> None:
    usccs = _entities(cli_db, 3)
    with cli_db.unit_of_work() as session:
        records.upsert_record(session, builders.SYSTEM, builders.penalty(usccs[0], severity="严重"))
    drained = runner.invoke(app, ["regrade", "--pending", "--json"])
    assert drained.exit_code == 0, drained.output
    assert json.loads(drained.output) == {"pending": True, "entities": 1, "changed": 1, "left": 0}
    with cli_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(EvaluationResult)) == 1
        assert service.current_grades(session) == {usccs[0]: "C"}
        records.upsert_record(session, builders.SYSTEM, builders.penalty(usccs[1], severity="严重"))
    ticked = runner.invoke(app, ["tick"])
    assert ticked.exit_code == 0 and "信用评价重新评价" in ticked.output
    with cli_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(RegradeQueue)) == 0
        assert service.current_grades(session)[usccs[1]] == "C"
