"""``xinyong workdays``: machine-readable answers, provisional years, bad input, and the office's table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.core import audit
from xinyong.core.db import Database, set_database

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    set_database(committing_db)
    try:
        yield committing_db
    finally:
        set_database(None)


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["workdays", *args])
    return result.exit_code, result.stdout, result.stderr


def test_spec_case_prints_the_bare_date(cli_db: Database) -> None:
    code, out, _ = _run("add", "2020-09-25", "7")
    assert code == 0
    assert out == "2020-10-12\n"


def test_builtin_needs_no_database() -> None:
    code, out, _ = _run("add", "2020-09-25", "7", "--builtin")
    assert (code, out) == (0, "2020-10-12\n")


def test_negative_n_counts_backwards() -> None:
    code, out, _ = _run("add", "2020-10-12", "-2", "--builtin")
    assert (code, out) == (0, "2020-10-09\n")


def test_provisional_year_is_said(cli_db: Database) -> None:
    # 2027's statutory holidays are computed: 除夕 2/5 to 初三 2/8, 补假 2/9–2/10 for the weekend's 初一 and 初二
    code, out, _ = _run("add", "2027-02-05", "1")
    assert code == 0
    assert out.startswith("2027-02-11 (provisional: 2027 is not in the holiday calendar")
    code, out, _ = _run("count", "2026-12-30", "2027-01-04")
    assert code == 0
    assert out.startswith("2 (provisional: 2027")  # 2026-12-31 and 2027-01-04; 元旦 is a holiday


def test_count_and_is(cli_db: Database) -> None:
    assert _run("count", "2020-09-25", "2020-10-12")[:2] == (0, "7\n")
    assert _run("is", "2020-10-10")[:2] == (0, "2020-10-10 working day (调休上班)\n")
    assert _run("is", "2020-10-01")[:2] == (0, "2020-10-01 rest day (国庆节)\n")
    assert _run("is", "2020-10-11")[:2] == (0, "2020-10-11 rest day\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "2020-13-01", "3"], "DATE '2020-13-01' is not a date"),
        (["add", "2020-09-25", "seven"], "N 'seven' is not a whole number"),
        (["add", "2020-09-25", "100001"], "n must be between"),
        (["add", "1800-01-01", "1"], "outside the years 1900–2200"),
        (["count", "2020-01-01", "yesterday"], "END 'yesterday' is not a date"),
        (["is", "2020-02-30"], "DATE '2020-02-30' is not a date"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    code, out, err = _run(*args, "--builtin")
    assert code == 2
    assert message in err
    assert out == ""


def test_set_and_declare_year(cli_db: Database) -> None:
    for day in (
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
        "2027-02-12",
    ):
        code, out, err = _run("set", day, "--holiday", "--name", "春节")
        assert code == 0, err
    assert out == "2027-02-12 rest day (春节) saved\n"
    code, out, err = _run("set", "2027-02-20", "--workday", "--note", "春节调休")
    assert (code, out) == (0, "2027-02-20 working day (调休上班) saved\n"), err

    code, out, _ = _run("add", "2027-02-05", "1")
    assert out.startswith("2027-02-15 (provisional: 2027")

    code, out, err = _run("declare-year", "2027", "--source", "国办发明电（测试）")
    assert code == 0, err
    assert out == "2027 declared complete (source: 国办发明电（测试）)\n"
    assert _run("add", "2027-02-05", "1")[:2] == (0, "2027-02-15\n")
    assert _run("is", "2027-02-20")[:2] == (0, "2027-02-20 working day (调休上班)\n")

    code, out, _ = _run("list", "2027")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("2027: declared complete by cli:")
    assert "2027-02-08 rest day (春节)" in lines
    assert "2027-02-20 working day (调休上班)  春节调休" in lines

    with cli_db.unit_of_work() as session:
        actions = [e.action for e in session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.seq))]
        actors = {e.actor_role for e in session.scalars(select(audit.AuditEvent))}
        assert audit.verify(session).ok
    assert actions == ["core:calendar_day:set"] * 8 + ["core:calendar_year:declared"]
    assert actors == {"credit_office"}


def test_set_needs_a_kind_and_a_holiday_name(cli_db: Database) -> None:
    code, _, err = _run("set", "2027-02-08", "--name", "春节")
    assert code == 2
    assert "--workday or --holiday" in err
    code, _, err = _run("set", "2027-02-08", "--holiday")
    assert code == 2
    assert "--name is required" in err


def test_declare_empty_year_is_refused(cli_db: Database) -> None:
    code, out, err = _run("declare-year", "2029", "--source", "x")
    assert code == 1
    assert "no holidays are entered for 2029" in err
    assert out == ""


def test_remove(cli_db: Database) -> None:
    assert _run("set", "2027-05-06", "--holiday", "--name", "劳动节")[0] == 0
    assert _run("is", "2027-05-06")[1].startswith("2027-05-06 rest day (劳动节)")
    assert _run("remove", "2027-05-06", "--reason", "录错")[:2] == (0, "2027-05-06 removed\n")
    assert _run("is", "2027-05-06")[1].startswith("2027-05-06 working day (provisional")
    code, _, err = _run("remove", "2027-05-06")
    assert code == 1
    assert "no calendar entry for 2027-05-06" in err


def test_years_says_which_are_exact(cli_db: Database) -> None:
    code, out, err = _run("years", "--from", "2025", "--to", "2028")
    assert code == 0, err
    assert out.splitlines() == [
        "2025 exact (chinesecalendar)",
        "2026 exact (chinesecalendar)",
        "2027 provisional (statutory holidays computed, no 调休)",
        "2028 provisional (statutory holidays computed, no 调休)",
    ]
    assert _run("set", "2027-10-01", "--holiday", "--name", "国庆节")[0] == 0
    assert _run("declare-year", "2027", "--source", "国务院办公厅关于2027年部分节假日安排的通知")[0] == 0
    code, out, _ = _run("years", "--from", "2027", "--to", "2027")
    assert out == "2027 exact (office's table: 国务院办公厅关于2027年部分节假日安排的通知)\n"
    assert _run("years", "--from", "2030", "--to", "2020")[0] == 2
