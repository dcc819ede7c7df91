"""``xinyong tick``: the platform's scheduled sweeps, idempotent, safe to run from cron as often as wanted.

Each sweep runs in its own transaction, so one failing sweep does not undo the others; a second run the same day
changes nothing. The sweeps themselves are listed in :mod:`xinyong.ticker` (the server runs the same list in the
background every ``XINYONG_BACKGROUND_TICK_SECONDS`` seconds, 30 by default).
"""

from __future__ import annotations

import datetime as dt

import typer
from sqlalchemy import text

from xinyong.core import clock, opstate
from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.ticker import ADVISORY_LOCK_KEY, SWEEPS, describe


def tick(
    today: str | None = typer.Option(
        None, "--today", help="Run as of this date (YYYY-MM-DD); default: today in Beijing."
    ),
) -> None:
    """Run the sweeps due today: publicity and list expiry, overdue rectification, 容缺 materials, objections and
    repair applications, risk alerts, insider-misuse alerts over the audit log (谋私预警), unpublished 双随机 results
    past their deadline, list change notices to business systems, deliver the webhook outbox's due messages, then
    re-grade the entities whose records or list entries changed."""
    try:
        day = dt.date.fromisoformat(today) if today else clock.today()
    except ValueError:
        typer.echo(f"error: --today {today!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    actor = Actor.system("tick")
    # --today replays a day: the platform's clock stands on it for the run, so every step, stamp and deadline the
    # sweeps write is dated that day (an escalation was dated by the wall clock before, issue 25).
    previous = clock.frozen_at()
    if today:
        clock.freeze(clock.on_day(day))
    database = get_database()
    lock = None
    if database.dialect == "postgresql":
        # The servers' background rounds and every other `xinyong tick` (a timer on each app host) take the same
        # advisory lock: one round at a time for the whole deployment, the others skip.
        lock = database.engine.connect()
        got = lock.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
        lock.commit()
        if not got:
            lock.close()
            typer.echo("another tick round is running (advisory lock held): skipped")
            return
    try:
        for name, sweep in SWEEPS:
            with get_database().unit_of_work() as session:
                result = sweep(session, actor, day)
            typer.echo(f"{day.isoformat()}: {name}: {describe(result)}")
        with get_database().unit_of_work() as session:  # the tick-lag metric (cron runs count as rounds too)
            opstate.put(session, opstate.TICK, {"sweeps": len(SWEEPS), "via": "cli"})
    finally:
        clock.freeze(previous)
        if lock is not None:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            lock.commit()
            lock.close()
