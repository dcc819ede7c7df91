"""Generate the command reference in docs/cli.md from the CLI itself, so the docs cannot drift.

    .venv/bin/python scripts/cli_reference.py --write    # rewrite the generated part of docs/cli.md
    .venv/bin/python scripts/cli_reference.py            # print it

tests/unit/test_docs.py fails when docs/cli.md differs from what this produces.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from xinyong.cli import app

BEGIN = "<!-- BEGIN GENERATED: scripts/cli_reference.py -->"
END = "<!-- END GENERATED -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


# Typer ships its own copy of click, so commands and parameters are recognised by shape, not by class.
def _param_line(param: Any) -> str:
    if param.param_type_name == "argument":
        name = (param.name or "").upper()
        return f"- `{name}` (argument{'' if param.required else ', optional'})"
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    text = (param.help or "").strip()
    return f"- {names}: {text}" if text else f"- {names}"


def _walk(command: Any, path: list[str], out: list[str]) -> None:
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            _walk(command.commands[name], [*path, name], out)
        return
    out.append(f"### `xinyong {' '.join(path)}`")
    out.append("")
    out.append((command.help or "").strip())
    params = [p for p in command.params if p.name != "help"]
    if params:
        out.append("")
        out.extend(_param_line(p) for p in params)
    out.append("")


def _root() -> Any:
    """The root command with every command loaded (the CLI imports a command only when it is asked for)."""
    root: Any = typer.main.get_command(app)
    for name in root.list_commands(None):
        root.get_command(None, name)
    return root


def render() -> str:
    root = _root()
    lines: list[str] = []
    _walk(root, [], lines)
    return "\n".join(lines).rstrip() + "\n"


def commands() -> list[str]:
    root = _root()
    found: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found.append(" ".join(path))

    walk(root, [])
    return sorted(found)


def updated(doc: str) -> str:
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n\n{render()}\n{END}{tail}"


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    if "--write" in sys.argv:
        DOC.write_text(updated(text), encoding="utf-8")
    else:
        sys.stdout.write(render())
