"""``xinyong privacy``: re-desensitise and re-encrypt every stored record (resumable), and list the office's rules."""

from __future__ import annotations

import getpass
import json

import typer
from rich.console import Console

from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.privacy import service
from xinyong.records.privacy_rescan import CHUNK
from xinyong.records.privacy_rescan import rescan as run_rescan

app = typer.Typer(help="Desensitisation (脱敏): re-scan stored records, list the office's rules.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("rescan")
def rescan(
    restart: bool = typer.Option(False, "--restart", help="Abandon an unfinished run and start again from the first."),
    chunk: int = typer.Option(CHUNK, "--chunk", min=1, max=100_000, help="Versions per transaction."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as one JSON object."),
) -> None:
    """Re-desensitise every record version with the rules in force: identifiers and contact numbers in free text
    masked and stored SM4-encrypted, titles with the persons' names of natural-person records masked (original
    encrypted), unsure natural-person rows held for review; then the cells of rejected batch rows. Resumes an
    interrupted run."""
    actor = Actor.system(f"cli-privacy:{getpass.getuser()}")

    def report(done: int, total: int) -> None:
        if not as_json:
            console.print(f"scanned {done} of {total} versions and rejected rows", end="\r")

    run = run_rescan(get_database(), actor, restart=restart, chunk=chunk, progress=report)
    outcome = {
        "run": run.id,
        "scanned": run.scanned,
        "changed": run.changed,
        "held": run.held,
        "content_changed": run.counts.get("content", 0),
        "rules_version": run.rules_version,
    }
    if as_json:
        typer.echo(json.dumps(outcome))
    else:
        typer.echo(
            f"run {run.id}: scanned {run.scanned} versions, {run.changed} changed "
            f"({outcome['content_changed']} re-protected, {run.held} held for review)"
        )


@app.command("rules")
def rules() -> None:
    """The desensitisation rules the office added (the built-in rules always apply)."""
    with get_database().unit_of_work() as session:
        rows = service.list_rules(session)
        for row in rows:
            state = "retired" if row.retired_at else "active"
            typer.echo(f"{row.id}\t{row.category}\t{state}\t{row.value}\t{row.label}")
        if not rows:
            typer.echo("no rules added: the built-in rules apply")
