"""``xinyong uscc``: one line per code, exit status 1 when any code is invalid."""

from __future__ import annotations

from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.core.ids import make_uscc

runner = CliRunner()
GOOD = make_uscc("9", "1", "360482", "MA35G3R2")  # 91360482MA35G3R202
VILLAGE = make_uscc("N", "2", "360482", "MA35G3R2")
BAD = GOOD[:-1] + "X"


def test_validate_mixed_prints_each_line_and_exits_1() -> None:
    result = runner.invoke(app, ["uscc", "validate", GOOD, BAD])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{GOOD} valid",
        f"{BAD} invalid: USCC (统一社会信用代码): final check character (校验码) at position 18 is 'X', expected '2'",
    ]


def test_validate_all_good_exits_0() -> None:
    result = runner.invoke(app, ["uscc", "validate", GOOD, VILLAGE])
    assert result.exit_code == 0
    assert result.stdout == f"{GOOD} valid\n{VILLAGE} valid\n"


def test_validate_reports_the_rule() -> None:
    result = runner.invoke(app, ["uscc", "validate", "12345"])
    assert result.exit_code == 1
    assert result.stdout == "12345 invalid: USCC (统一社会信用代码) must be 18 characters, got 5\n"


def test_decode() -> None:
    result = runner.invoke(app, ["uscc", "decode", VILLAGE])
    assert result.exit_code == 0
    assert "N 农业" in result.stdout
    assert "2 村级集体经济组织" in result.stdout
    assert "360482 江西省" in result.stdout
    assert "MA35G3R20" in result.stdout
    result = runner.invoke(app, ["uscc", "decode", BAD])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{BAD} invalid: ")
