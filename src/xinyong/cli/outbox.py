"""``xinyong outbox``: the webhook outbox (发件箱) — list messages, deliver the due ones now, retry a dead one."""

from __future__ import annotations

import typer

from xinyong.cli.users import _fail, _operator
from xinyong.core import outbox
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError

app = typer.Typer(
    help="Webhook outbox (发件箱): notices to other systems, delivered with retries.", no_args_is_help=True
)


@app.command("list")
def list_messages(
    status: outbox.Status | None = typer.Option(None, help="Only messages in this state."),
    topic: str | None = typer.Option(None, help="Only messages of this topic, e.g. checks.change."),
    limit: int = typer.Option(50, min=1, max=10_000, help="At most this many, newest first."),
) -> None:
    """List messages, newest first, with their state, attempts and last error."""
    with get_database().unit_of_work() as session:
        counts = outbox.count_by_status(session, topic)
        typer.echo("  ".join(f"{name} {count}" for name, count in counts.items()))
        for m in outbox.list_messages(session, status=status, topic=topic, limit=limit):
            error = f"  [{m.last_error[:80]}]" if m.last_error else ""
            typer.echo(
                f"{m.id:<7} {m.status:<10} {m.attempts:>2} {m.topic:<20} {m.destination} "
                f"next {m.next_attempt_at:%Y-%m-%d %H:%M:%S}{error}"
            )


@app.command("deliver")
def deliver(
    limit: int | None = typer.Option(None, min=1, max=10_000, help="At most this many (default XINYONG_OUTBOX_BATCH)."),
) -> None:
    """Post the messages that are due now and record each attempt."""
    report = outbox.deliver_due(get_database(), limit=limit)
    typer.echo(f"delivered {report.delivered}, retrying {report.retrying}, dead {report.dead}")


@app.command("retry")
def retry(
    message_id: int = typer.Argument(..., min=1, help="The message's number (see `xinyong outbox list`)."),
) -> None:
    """Queue a dead or failing message again now, with a fresh count of attempts."""
    try:
        with get_database().unit_of_work() as session:
            message = outbox.retry(session, _operator(), message_id)
            typer.echo(f"message {message.id} queued again for {message.destination}")
    except XinyongError as error:
        _fail(error)
