"""Start-up budget of the CLI and the web app, asserted by what they import (never by timing: the machine is shared).

Each command imports what it uses when it runs, so ``xinyong uscc validate`` does not pay for the PDF library,
pypinyin's phrase dictionary, the demo generator or the database layer, and ``xinyong workdays add`` not for the
first three. The web app itself does not load fpdf or pypinyin until a PDF is rendered or a name is keyed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xinyong.core.ids import make_uscc

CODE = make_uscc("9", "1", "360482", "MA35G3R2")

# Run the real entry point in a fresh interpreter and print the modules it imported, after the command has run.
RUNNER = """
import json, sys
from xinyong.cli import main
sys.argv = ["xinyong", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print("@@MODULES@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HEAVY = ("fpdf", "fontTools", "pypinyin", "xinyong.demo", "xinyong.app", "fastapi", "xlsxwriter", "openpyxl")


def _imported(args: list[str], tmp_path: Path, *, code: str = RUNNER) -> tuple[int, set[str]]:
    env = {"XINYONG_DATABASE_URL": f"sqlite:///{tmp_path / 'startup.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    marker = [line for line in done.stdout.splitlines() if line.startswith("@@MODULES@@")]
    assert marker, done.stdout + done.stderr
    answer = json.loads(marker[0].removeprefix("@@MODULES@@"))
    return int(answer["code"] or 0), set(answer["modules"])


def _loaded(modules: set[str], package: str) -> list[str]:
    return sorted(name for name in modules if name == package or name.startswith(package + "."))


def test_uscc_validate_imports_neither_database_nor_pdf_pinyin_demo(tmp_path: Path) -> None:
    code, modules = _imported(["uscc", "validate", CODE], tmp_path)
    assert code == 0
    for package in (*HEAVY, "sqlalchemy", "psycopg", "xinyong.records", "xinyong.entities"):
        assert _loaded(modules, package) == [], package
    assert "xinyong.core.ids" in modules  # it did run the check


@pytest.mark.parametrize("builtin", [True, False], ids=["builtin", "office-table"])
def test_workdays_add_imports_no_pdf_pinyin_demo(tmp_path: Path, builtin: bool) -> None:
    args = ["workdays", "add", "2026-01-05", "3", *(["--builtin"] if builtin else [])]
    _code, modules = _imported(args, tmp_path)
    for package in HEAVY:
        assert _loaded(modules, package) == [], package
    if builtin:  # chinesecalendar and Monday–Friday only: no database layer either
        for package in ("sqlalchemy", "psycopg", "xinyong.core.db", "xinyong.core.calendar"):
            assert _loaded(modules, package) == [], package
    assert "xinyong.core.workdays" in modules


def test_help_still_lists_every_command(tmp_path: Path) -> None:
    code, modules = _imported(["--help"], tmp_path)
    assert code == 0
    assert "xinyong.cli.demo" in modules  # listing the commands imports them: only --help pays for all


def test_web_app_import_leaves_pdf_and_pinyin_for_first_use(tmp_path: Path) -> None:
    probe = RUNNER.replace("from xinyong.cli import main", "import xinyong.app").replace("main()", "pass")
    _code, modules = _imported([], tmp_path, code=probe)
    for package in ("fpdf", "fontTools", "pypinyin", "xinyong.demo"):
        assert _loaded(modules, package) == [], package
