"""``xinyong import``: load a department's CSV/XLSX file of 行政许可, 行政处罚 or 行业信用评价 through the ingestion
service."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError
from xinyong.records import ingestion

console = Console(stderr=True)


def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV or XLSX file."),
    department: str = typer.Option(..., "--department", help="The sending department: its code or its USCC."),
    kind: str | None = typer.Option(
        None, "--kind", help="license, penalty or evaluation (guessed from the headers if omitted)."
    ),
    encoding: str | None = typer.Option(None, "--encoding", help="Force a CSV encoding (utf-8, utf-8-sig, gb18030)."),
    as_json: bool = typer.Option(False, "--json", help="Print the batch result as one JSON object."),
) -> None:
    """Import a file as one batch: every row accepted or rejected with its row, field and reason.

    Exits 2 when the file itself is refused (unreadable, empty, or beyond an XINYONG_UPLOAD_* limit: nothing is
    stored), 1 when the import is refused for another reason (an unknown department)."""
    actor = Actor.system(f"cli-import:{getpass.getuser()}")
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        ) as progress:
            task = progress.add_task(f"importing {file.name}", total=None)
            with get_database().unit_of_work() as session:
                result = ingestion.ingest_file(
                    session,
                    actor,
                    file,
                    file.name,
                    department=department,
                    kind=kind,
                    encoding=encoding,
                    channel="cli",
                    progress=lambda n: progress.advance(task, n),
                )
    except XinyongError as error:
        if as_json:
            typer.echo(json.dumps(error.to_dict(), ensure_ascii=False))
        else:
            console.print(f"[red]error[/red]: {error.message}")
        # A refused file (unreadable, empty, beyond a limit) is bad input: 2, like bad usage; other refusals 1.
        raise typer.Exit(2 if error.field == "file" else 1) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    for row_error in result.errors[:50]:
        typer.echo(f"row {row_error['row']}: {row_error['field']}: {row_error['reason']}")
    if len(result.errors) > 50:
        typer.echo(f"… and {len(result.errors) - 50} more errors (use --json for all of them)")
    typer.echo(
        f"batch {result.batch_id} {result.department} {result.kind} ({result.layout}, {result.encoding}): "
        f"{result.rows} rows, {result.accepted} accepted ({result.created} new, {result.corrected} corrected), "
        f"{result.unchanged} unchanged, {result.rejected} rejected"
    )
