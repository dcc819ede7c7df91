"""xinyong sync: a drop folder read row by row (files moved to done/ or refused/), a changes-since pull that stops
at a failing page and resumes from the committed cursor in a second run, and the push queue delivered through the
outbox — on real committed transactions, against a local HTTP server playing the provincial platform."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support import builders
from tests.support.exchange_support import Platform, item, running_platform
from xinyong.cli import app
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database, set_database
from xinyong.exchange import service
from xinyong.exchange.schemas import SourceIn

runner = CliRunner()
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def _source(database: Database, **fields: object) -> None:
    data = {
        "code": "prov",
        "name": "江西省公共信用信息平台",
        "level": "provincial",
        "issuing_body": "江西省发展改革委",
        "list_types": ["court_dishonest"],
        "department": "FY",
    } | fields
    with database.unit_of_work() as session:
        service.create_source(session, OFFICE, SourceIn.model_validate(data))


def test_sync_scan_reads_the_drop_folder(cli_db: Database, tmp_path: Path) -> None:
    _source(cli_db, transport="folder", drop_dir=str(tmp_path))
    good = json.dumps(item("D1", builders.new_uscc(), "九江恒通建材有限公司"), ensure_ascii=False)
    (tmp_path / "a.jsonl").write_text(good + "\n{broken\n", encoding="utf-8")
    (tmp_path / "b.csv").write_bytes(b"")
    (tmp_path / "ignored.txt").write_text("not ours", encoding="utf-8")
    result = runner.invoke(app, ["sync", "scan"])
    assert result.exit_code == 1, result.output  # the empty file was refused
    assert "a.jsonl: received 2, applied 1" in result.output and "row 2 row:" in result.output
    assert "b.csv: refused" in result.output
    assert (tmp_path / "done" / "a.jsonl").exists() and (tmp_path / "refused" / "b.csv").exists()
    assert (tmp_path / "ignored.txt").exists()
    again = runner.invoke(app, ["sync", "scan"])
    assert again.exit_code == 0 and "no files" in again.output


def test_sync_pull_resumes_from_the_committed_cursor(cli_db: Database) -> None:
    platform: Platform
    with running_platform() as platform:
        _source(cli_db, transport="http", feed_url=platform.feed_url, push_url=platform.push_url)
        platform.pages = {
            "": {"items": [item("P1", builders.new_uscc(), "九江一号公司")], "next_cursor": "1", "has_more": True},
            "1": {"items": [item("P2", builders.new_uscc(), "九江二号公司")], "next_cursor": "2", "has_more": False},
        }
        platform.fail_once.add("1")
        first = runner.invoke(app, ["sync", "pull", "prov"])
        assert first.exit_code == 1 and "1 pages" in first.output and "HTTP 500" in first.output
        second = runner.invoke(app, ["sync", "pull", "prov"])
        assert second.exit_code == 0 and "1 pages" in second.output and "complete" in second.output
        assert platform.requests == ["", "1", "1"]
        assert runner.invoke(app, ["sync", "pull", "nope"]).exit_code == 2
        pushed = runner.invoke(app, ["sync", "push"])
        assert pushed.exit_code == 0 and "queued 0" in pushed.output
