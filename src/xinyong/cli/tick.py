"""``xinyong tick``: the platform's scheduled sweeps, idempotent, safe to run from cron as often as wanted."""

from __future__ import annotations

import datetime as dt

import typer

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.records.sweep import expire_publicity


def tick(
    today: str | None = typer.Option(
        None, "--today", help="Run as of this date (YYYY-MM-DD); default: today in Beijing."
    ),
) -> None:
    """Run the sweeps due today: penalties past their maximum publicity period go offline (已过期)."""
    try:
        day = dt.date.fromisoformat(today) if today else clock.today()
    except ValueError:
        typer.echo(f"error: --today {today!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    with get_database().unit_of_work() as session:
        result = expire_publicity(session, Actor.system("tick"), day)
    typer.echo(f"{day.isoformat()}: publicity expiry examined {result.examined}, expired {result.expired}")
