"""``xinyong workdays``."""

from __future__ import annotations

import typer

app = typer.Typer(help="workdays", no_args_is_help=True)
