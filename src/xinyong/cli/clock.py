"""``xinyong clock``: the clock of a training copy (``XINYONG_CLOCK=training``): show it, set it, move it forward day
by day running each day's sweeps, so an office can rehearse a procedure across holidays and deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from xinyong.core import clock, clock_store
from xinyong.core.actor import Actor
from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError
from xinyong.ticker import run_round

app = typer.Typer(help="The platform clock of a training copy (XINYONG_CLOCK=training).", no_args_is_help=True)
ACTOR = Actor.system("cli:clock")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command("show")
def show() -> None:
    """Print the platform's today and how the clock runs (wall clock, a start date, or a training copy's offset)."""
    settings = get_settings()
    mode = settings.clock or "wall clock"
    offset = clock.offset().days
    typer.echo(f"today {clock.today().isoformat()} ({mode}; {offset:+d} days from the wall clock)")


@app.command("set")
def set_(day: Annotated[str, typer.Argument(metavar="DATE", help="The new today (YYYY-MM-DD).")]) -> None:
    """Set a training copy's today (no sweeps are run; use advance to pass days with their sweeps)."""
    try:
        target = dt.date.fromisoformat(day)
    except ValueError:
        raise _fail(f"{day!r} is not a date (YYYY-MM-DD)") from None
    try:
        with get_database().unit_of_work() as session:
            clock_store.set_today(session, get_settings(), ACTOR, target)
    except XinyongError as exc:
        raise _fail(exc.message, 2 if exc.status in (400, 422) else 1) from None
    clock.refresh()
    typer.echo(f"today {clock.today().isoformat()}")


@app.command("advance")
def advance(
    days: Annotated[int, typer.Option("--days", min=1, max=clock_store.MAX_ADVANCE_DAYS, help="Days to pass.")] = 1,
) -> None:
    """Move a training copy's clock forward one day at a time; after each day, run that day's sweeps (publicity and
    list expiry, overdue objections, repair and rectification, risk alerts, outbox…) as the background tick would."""
    database = get_database()
    settings = get_settings()
    for _ in range(days):
        try:
            with database.unit_of_work() as session:
                new_today = clock_store.advance_one_day(session, settings, ACTOR)
        except XinyongError as exc:
            raise _fail(exc.message, 2 if exc.status in (400, 422) else 1) from None
        clock.refresh()
        outcomes = run_round(database, new_today)
        failed = [name for name, outcome in outcomes if outcome == "failed"]
        summary = f"{len(outcomes) - len(failed)} sweeps run" + (f", failed: {', '.join(failed)}" if failed else "")
        typer.echo(f"{new_today.isoformat()}: {summary}")
