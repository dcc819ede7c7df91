"""xinyong feed: the outbound feed from the command line, as the credit office, audited and committed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.support import builders
from tests.support.ingestion_files import gb18030_csv, row
from xinyong.cli import app
from xinyong.core import audit
from xinyong.core.audit import AuditEvent
from xinyong.core.db import Database, set_database
from xinyong.records import feeds

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database, tmp_path: Path) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    source = tmp_path / "处罚.csv"
    source.write_bytes(gb18030_csv([row(1), row(2, CF_NR="=1+1")]))
    loaded = runner.invoke(app, ["import", str(source), "--department", "SCJGJ", "--kind", "penalty", "--json"])
    assert loaded.exit_code == 0, loaded.output
    yield committing_db
    set_database(None)


def events(database: Database) -> list[AuditEvent]:
    with database.unit_of_work() as session:
        stmt = select(AuditEvent).where(AuditEvent.action == feeds.AUDIT_ACTION).order_by(AuditEvent.seq)
        return list(session.execute(stmt).scalars())


def test_feed_to_a_file_is_audited(cli_db: Database, tmp_path: Path) -> None:
    target = tmp_path / "out" / "penalty.csv"
    target.parent.mkdir()
    result = runner.invoke(app, ["feed", "--kind", "penalty", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 rows (I 2, U 0, D 0)" in result.output
    text = target.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(feeds.columns(feeds.Kind.PENALTY))
    assert "'=1+1" in text and len(text.splitlines()) == 3
    assert sorted(p.name for p in target.parent.iterdir()) == ["penalty.csv"]  # no partial file left behind
    (event,) = events(cli_db)
    assert event.actor_role == "credit_office" and event.actor_id.startswith("cli-feed:")
    assert (event.payload["rows"], event.payload["format"], event.payload["kind"]) == (2, "csv", "penalty")
    with cli_db.unit_of_work() as session:
        assert audit.verify(session).ok


def test_feed_to_standard_output_as_json_lines(cli_db: Database) -> None:
    result = runner.invoke(app, ["feed", "--kind", "penalty", "--since", "2000-01-01", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["BGLX"] for r in rows] == ["I", "I"] and rows[1]["CF_NR"] == "=1+1"
    (event,) = events(cli_db)
    assert (event.payload["mode"], event.payload["format"], event.payload["rows"]) == ("changes", "jsonl", 2)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--kind", "judicial"], "kind"),
        (["--kind", "penalty", "--since", "soon"], "since"),
        (["--kind", "penalty", "--format", "xml"], "format"),
    ],
)
def test_refusals_write_nothing(cli_db: Database, tmp_path: Path, args: list[str], field: str) -> None:
    target = tmp_path / "feed.csv"
    result = runner.invoke(app, ["feed", *args, "--output", str(target)])
    assert result.exit_code == 1 and f"[{field}]" in result.output
    assert not target.exists() and events(cli_db) == []
