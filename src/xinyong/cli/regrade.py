"""``xinyong regrade``: recompute every entity's 公共信用综合评价 in chunks (each chunk committed with the run's
progress, so an interrupted run continues where it stopped), or with ``--pending`` only the queued entities."""

from __future__ import annotations

import getpass
import json

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.evaluation import service

console = Console(stderr=True)


def regrade(
    pending: bool = typer.Option(False, "--pending", help="Only drain the re-grade queue (what tick does)."),
    restart: bool = typer.Option(False, "--restart", help="Abandon an unfinished run and start a new one."),
    chunk: int = typer.Option(service.RUN_CHUNK, "--chunk", min=1, max=200_000, help="Entities per transaction."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as one JSON object."),
) -> None:
    """Re-grade every entity under the current model (resumable), or only the queued ones with --pending."""
    actor = Actor.system(f"cli-regrade:{getpass.getuser()}")
    database = get_database()
    today = clock.today()
    if pending:
        with database.unit_of_work() as session:
            drained = service.drain_queue(session, actor, today)
        outcome = {"pending": True, "entities": drained.entities, "changed": drained.changed, "left": drained.left}
        typer.echo(json.dumps(outcome) if as_json else f"re-graded {drained.entities} queued entities, "
                   f"{drained.changed} changed")  # fmt: skip
        return
    with database.unit_of_work() as session:
        run, resumed = service.open_run(session, actor, restart=restart)
        run_id, done, total = run.id, run.done, run.total
    if resumed and not as_json:
        console.print(f"resuming run {run_id} after {done} of {total} entities")
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task(f"re-grading (run {run_id})", total=total, completed=done)
        while True:
            with database.unit_of_work() as session:
                run = service.get_run(session, run_id)
                graded = service.run_chunk(session, run, today, chunk)
                summary: dict[str, int | str] = {
                    "run": run.id,
                    "status": run.status,
                    "done": run.done,
                    "changed": run.changed,
                }
                finished = run.done
                if not graded:
                    service.finish_run(session, actor, run)
            if not graded:
                break
            progress.update(task, completed=finished, total=max(total, finished))
    if as_json:
        typer.echo(json.dumps({**summary, "resumed": resumed}))
    else:
        typer.echo(f"run {summary['run']}: {summary['done']} entities graded, {summary['changed']} changed")
