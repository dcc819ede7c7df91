"""``xinyong audit``: check the hash-chained audit log."""

from __future__ import annotations

import typer
from rich.console import Console

from xinyong.core import audit as audit_log
from xinyong.core.db import get_database

app = typer.Typer(help="The tamper-evident audit log (审计日志).", no_args_is_help=True)
console = Console()


@app.command("verify")
def verify() -> None:
    """Recompute the whole SM3 hash chain; exit 1 naming the first broken event."""
    with get_database().unit_of_work() as session:
        result = audit_log.verify(session)
    if result.ok:
        console.print(result.describe())
        return
    console.print(f"[red]{result.describe()}[/red]")
    raise typer.Exit(1)
