"""``xinyong audit``: check the hash-chained audit log."""

from __future__ import annotations

import typer
from rich.console import Console

from xinyong.core import audit as audit_log
from xinyong.core.db import get_database
from xinyong.punishment.service import verify_check_seals

app = typer.Typer(help="The tamper-evident audit log (审计日志).", no_args_is_help=True)
console = Console()


@app.command("verify")
def verify() -> None:
    """Recompute the whole SM3 hash chain and the seals of the check log; exit 1 naming the first break."""
    with get_database().unit_of_work() as session:
        result = audit_log.verify(session)
        seals = verify_check_seals(session) if result.ok else None
    if not result.ok:
        console.print(f"[red]{result.describe()}[/red]")
        raise typer.Exit(1)
    console.print(result.describe())
    assert seals is not None
    if not seals.ok:
        console.print(f"[red]{seals.describe()}[/red]")
        raise typer.Exit(1)
    console.print(seals.describe())
