"""``xinyong report`` writes a PDF and its JSON twin; ``xinyong reports verify`` answers 有效, 已被更新 (exit 1)
or 非真实报告 (exit 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support import builders
from xinyong.cli import app
from xinyong.core.db import Database, set_database
from xinyong.records import service as records
from xinyong.records.rules import Status

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    set_database(committing_db)
    try:
        yield committing_db
    finally:
        set_database(None)


def test_report_then_verify(cli_db: Database, tmp_path: Path) -> None:
    with cli_db.unit_of_work() as session:
        builders.departments(session)
        made = builders.entity(session, name="共青城报告命令测试有限公司")
        version, _ = records.upsert_record(session, builders.SYSTEM, builders.penalty(made.uscc))
        uscc, record_id = made.uscc, version.record_id
    out = tmp_path / "report.pdf"
    result = runner.invoke(app, ["report", uscc, "--out", str(out), "--full"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and out.with_suffix(".json").is_file()
    checked = runner.invoke(app, ["reports", "verify", str(out)])
    assert checked.exit_code == 0 and checked.stdout.startswith("有效")
    assert runner.invoke(app, ["reports", "verify", str(out.with_suffix(".json"))]).exit_code == 0
    forged = tmp_path / "forged.pdf"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x01
    forged.write_bytes(bytes(data))
    assert runner.invoke(app, ["reports", "verify", str(forged)]).exit_code == 3
    with cli_db.unit_of_work() as session:
        records.change_status(session, builders.SYSTEM, record_id, Status.REVOKED, "撤销")
    superseded = runner.invoke(app, ["reports", "verify", str(out)])
    assert superseded.exit_code == 1 and "已撤销" in superseded.stdout
    assert runner.invoke(app, ["report", "91360482MA00000000", "--out", str(tmp_path / "x.pdf")]).exit_code == 2
