"""The ``xinyong`` command. Each group lives in its own module here and is registered below.

Commands are registered by name and imported only when they run (or when ``--help`` lists them): a
command pays for its own dependencies and no one else's, so ``xinyong uscc validate CODE`` does not load
the database layer, the PDF library, pinyin dictionaries or the demo generator (tests/cli/test_startup.py).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer._click import Command, Context  # Typer ships its own click: its commands and contexts are these types
from typer.core import TyperGroup

# name -> (module under xinyong.cli, attribute, is a sub-group (typer.Typer) rather than one command function)
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "db": ("db", "app", True),
    "serve": ("serve", "serve", False),
    "departments": ("departments", "departments", False),
    "legal-representative-rule": ("departments", "legal_representative_rule", False),
    "demo": ("demo", "demo", False),
    "import": ("ingest", "import_file", False),
    "feed": ("feed", "feed", False),
    "tick": ("tick", "tick", False),
    "regrade": ("regrade", "regrade", False),
    "report": ("reports", "report", False),
    "audit": ("audit", "app", True),
    "reports": ("reports", "app", True),
    "inspections": ("inspections", "app", True),
    "uscc": ("uscc", "app", True),
    "workdays": ("workdays", "app", True),
    "users": ("users", "users_app", True),
    "api-clients": ("users", "clients_app", True),
    "apikeys": ("apikeys", "app", True),
    "outbox": ("outbox", "app", True),
    "sync": ("sync", "app", True),
    "privacy": ("privacy", "app", True),
    "clock": ("clock", "app", True),
    "keys": ("keys", "app", True),
}


def load_command(name: str) -> Command:
    """Import the module of command ``name`` and build its click command."""
    module_name, attribute, is_group = COMMANDS[name]
    target: Any = getattr(importlib.import_module(f"xinyong.cli.{module_name}"), attribute)
    if is_group:
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(target)
    return typer.main.get_command(single)


class LazyGroup(TyperGroup):
    """The top-level group: knows the commands by name, imports one only when it is asked for."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]


app = typer.Typer(
    name="xinyong",
    help="xinyong 公共信用信息平台: run the platform, load data, and check its integrity.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyGroup,
)


@app.callback()
def _configure_clock() -> None:
    """Apply XINYONG_CLOCK (a training or test copy's clock; refused in production) before any command runs."""
    from xinyong.core.config import get_settings  # lazy: most commands never need it

    settings = get_settings()
    if settings.clock:
        from xinyong.core import clock_store  # lazy: only a training copy's clock needs the DB
        from xinyong.core.db import get_database

        try:
            clock_store.configure(settings, get_database())
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


def main() -> None:
    app()
