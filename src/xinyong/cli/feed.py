"""``xinyong feed``: write an outbound feed (共享) of 行政许可 or 行政处罚 in the national format, as the credit office.

The feed is written to a temporary file beside the output (or spooled, for standard output) and audited; the
output only appears once the audit entry is committed, so there is never an export without its audit entry.
"""

from __future__ import annotations

import getpass
import os
import shutil
import sys
import tempfile
from pathlib import Path

import typer

from xinyong.core.actor import Actor, Role
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError
from xinyong.records import feeds


def _office() -> Actor:
    return Actor(role=Role.CREDIT_OFFICE, id=f"cli-feed:{getpass.getuser()}", name="信用办（命令行）")


def _to_file(actor: Actor, request: feeds.FeedRequest, output: Path) -> feeds.FeedResult:
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as sink, get_database().unit_of_work() as session:
            result = feeds.export(session, actor, request, sink)
        os.replace(partial, output)  # only after the audit entry is committed
    finally:
        partial.unlink(missing_ok=True)
    return result


def _to_stdout(actor: Actor, request: feeds.FeedRequest) -> feeds.FeedResult:
    with tempfile.TemporaryFile() as spool:
        with get_database().unit_of_work() as session:
            result = feeds.export(session, actor, request, spool)
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return result


def feed(
    kind: str = typer.Option(..., "--kind", help="license (行政许可) or penalty (行政处罚)."),
    since: str | None = typer.Option(
        None, "--since", help="ISO datetime or date (Beijing time): only the changes after it. Default: the full feed."
    ),
    fmt: str = typer.Option("csv", "--format", help="csv (UTF-8 with BOM) or jsonl (JSON lines)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="File to write. Default: standard output."
    ),
) -> None:
    """Export a feed in the national format (change types I/U/D); audited as the credit office."""
    actor = _office()
    try:
        request = feeds.feed_request(kind, since, fmt)
        result = _to_stdout(actor, request) if output is None else _to_file(actor, request, output)
    except XinyongError as error:
        field = f" [{error.field}]" if error.field else ""
        typer.echo(f"error{field}: {error.message}", err=True)
        raise typer.Exit(1) from None
    changes = ", ".join(f"{code} {count}" for code, count in result.to_dict()["changes"].items())
    where = str(output) if output is not None else "standard output"
    since_text = f"changes since {request.since.isoformat()}" if request.since else "full"
    typer.echo(
        f"{request.kind.value} feed ({since_text}, as of {request.as_of.isoformat()}): "
        f"{result.rows} rows ({changes}) -> {where}",
        err=True,
    )
