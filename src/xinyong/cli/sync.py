"""``xinyong sync``: cross-level exchange from the command line, as the credit office: read the sources' drop
folders, pull a source's changes-since feed (resumable from its stored cursor), queue and deliver the pushes to the
provincial platform. Every page and file is committed with what it applied and audited."""

from __future__ import annotations

import getpass

import typer

from xinyong.core import clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError
from xinyong.exchange import service
from xinyong.exchange.rules import Transport

app = typer.Typer(help="Cross-level exchange (信用信息交换): upstream files and feeds in, the city's data pushed up.")


def _office() -> Actor:
    return Actor(role=Role.CREDIT_OFFICE, id=f"cli-sync:{getpass.getuser()}", name="信用办（命令行）")


@app.command("scan")
def scan(
    source: str | None = typer.Option(None, "--source", help="Only this source (default: every folder source)."),
) -> None:
    """Read the drop folders: each file applied row by row (rejections with reasons), then moved to done/ or
    refused/."""
    database = get_database()
    with database.unit_of_work() as session:
        codes = [s.code for s in service.list_sources(session) if s.transport == Transport.FOLDER and s.active]
    if source is not None:
        codes = [source]
    failed = False
    for code in codes:
        try:
            results = service.scan_folder(database.unit_of_work, _office(), code)
        except XinyongError as error:
            typer.echo(f"{code}: error: {error.message}", err=True)
            failed = True
            continue
        if not results:
            typer.echo(f"{code}: no files")
        for r in results:
            if r.batch is not None:
                b = r.batch
                typer.echo(
                    f"{code}: {r.file}: received {b.received}, applied {b.applied}, unchanged {b.unchanged}, "
                    f"rejected {b.rejected}, conflicts {b.conflicts} (batch {b.id})"
                )
                for j in b.rejections[:20]:
                    typer.echo(f"  row {j.row} {j.field}: {j.reason}")
            else:
                typer.echo(f"{code}: {r.file}: {r.outcome}{': ' + r.reason if r.reason else ''}")
                failed = failed or r.outcome == "refused"
    if failed:
        raise typer.Exit(1)


@app.command("pull")
def pull(
    source: str = typer.Argument(..., help="The source's code."),
    max_pages: int | None = typer.Option(None, "--max-pages", min=1, help="Stop after this many pages."),
) -> None:
    """Pull a source's changes-since feed from its stored cursor, one committed page at a time."""
    try:
        out = service.pull(get_database().unit_of_work, _office(), source, max_pages=max_pages)
    except XinyongError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{out.source}: {out.pages} pages, received {out.received}, applied {out.applied}, unchanged {out.unchanged}, "
        f"rejected {out.rejected}, conflicts {out.conflicts}; cursor {out.cursor or '-'}"
        f"{'; complete' if out.complete else ''}"
    )
    if out.error:
        typer.echo(f"error: {out.error}", err=True)
        raise typer.Exit(1)


@app.command("push")
def push() -> None:
    """Queue the city's new records and list decisions for the provincial platform (outbox) and deliver what is due."""
    actor = Actor.system("sync-push")
    database = get_database()
    with database.unit_of_work() as session:
        scanned = service.scan_outbound(session, actor, clock.today())
    delivered = outbox.deliver_due(database)
    typer.echo(
        f"queued {scanned.queued} (records {scanned.records}, list decisions {scanned.list_decisions}); "
        f"delivered {delivered.delivered}, retrying {delivered.retrying}, dead {delivered.dead}"
    )


@app.command("seed")
def seed() -> None:
    """Add the upstream list types and the national memoranda covering them (idempotent)."""
    with get_database().unit_of_work() as session:
        counts = service.seed_upstream(session)
    typer.echo(", ".join(f"{k} {v}" for k, v in counts.items()))
