"""``xinyong uscc``."""

from __future__ import annotations

import typer

app = typer.Typer(help="uscc", no_args_is_help=True)
