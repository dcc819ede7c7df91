"""xinyong import: the same ingestion service from the command line, with a summary line or one JSON object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support import builders
from tests.support.ingestion_files import gb18030_csv, row
from xinyong.cli import app
from xinyong.core.db import Database, set_database

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def test_import_json_result_and_resend(cli_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(gb18030_csv([row(1), row(2), row(3, CF_JDRQ="2024-13-01")]))
    first = runner.invoke(app, ["import", str(path), "--department", "SCJGJ", "--kind", "penalty", "--json"])
    assert first.exit_code == 0, first.output
    result = json.loads(first.output)
    assert (result["accepted"], result["rejected"], result["unchanged"], result["layout"]) == (2, 1, 0, "national-2.0")
    assert {e["row"] for e in result["errors"]} == {4} and all(
        {"row", "field", "reason"} <= e.keys() for e in result["errors"]
    )
    uscc = next(d for d in json.loads(runner.invoke(app, ["departments", "--json"]).output) if d["code"] == "SCJGJ")[
        "uscc"
    ]
    again = runner.invoke(app, ["import", str(path), "--department", uscc])
    assert again.exit_code == 0, again.output
    assert "0 accepted" in again.output and "2 unchanged" in again.output and "1 rejected" in again.output
    assert "row 4: CF_JDRQ" in again.output


def test_import_refusals(cli_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"\x00\x01binary")
    bad = runner.invoke(app, ["import", str(path), "--department", "SCJGJ", "--kind", "penalty"])
    assert bad.exit_code == 2, "a refused file is bad input"
    path.write_bytes(b"")
    empty = runner.invoke(app, ["import", str(path), "--department", "SCJGJ", "--kind", "penalty"])
    assert empty.exit_code == 2, "an empty file is refused as bad input"
    unknown = runner.invoke(app, ["import", str(path), "--department", "NOPE", "--kind", "penalty", "--json"])
    assert unknown.exit_code == 1 and json.loads(unknown.output)["field"] == "department"
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.csv"), "--department", "SCJGJ"])
    assert missing.exit_code == 2


def test_tick_runs_the_sweeps(cli_db: Database) -> None:
    ran = runner.invoke(app, ["tick", "--today", "2026-11-26"])
    assert ran.exit_code == 0, ran.output
    assert "publicity expiry (双公示公示期满): examined 0, expired 0" in ran.output
    assert "list expiry" in ran.output and "容缺" in ran.output
    assert "异议逾期督办): 0 changed" in ran.output and "风险预警): 0 changed" in ran.output
    again = runner.invoke(app, ["tick", "--today", "2026-11-26"])

    def sweeps(output: str) -> list[str]:  # the audit chain anchor runs by interval, not by day
        return [line for line in output.splitlines() if "审计链锚点" not in line]

    assert again.exit_code == 0 and sweeps(again.output) == sweeps(ran.output), "a second run changes nothing"
    assert "(审计链锚点): anchored recently already" in again.output
    assert runner.invoke(app, ["tick", "--today", "2026-02-30"]).exit_code == 2
