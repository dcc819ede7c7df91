"""``xinyong tick``: the platform's scheduled sweeps, idempotent, safe to run from cron as often as wanted.

Each sweep runs in its own transaction, so one failing sweep does not undo the others; a second run the same day
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import typer

from xinyong.commitments.fulfilment import sweep_commitments
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.core.outbox import sweep_outbox
from xinyong.evaluation.service import sweep_regrades
from xinyong.inspections.service import sweep_overdue
from xinyong.lists.service import expire_entries
from xinyong.objections.service import sweep_objections
from xinyong.records.sweep import expire_publicity
from xinyong.remedies.service import sweep_rectifications
from xinyong.repair.service import sweep_repairs
from xinyong.risk.service import sweep_risk

Sweep = Callable[..., object]

# (name, function, what it reports); every function takes (session, actor, today)
SWEEPS: tuple[tuple[str, Sweep], ...] = (
    ("publicity expiry (双公示公示期满)", expire_publicity),
    ("list expiry (名单期满移出)", expire_entries),
    ("rectification escalation (整改逾期)", sweep_rectifications),
    ("容缺 materials overdue (容缺逾期)", sweep_commitments),
    ("objections overdue (异议逾期督办)", sweep_objections),
    ("risk alerts (风险预警)", sweep_risk),
    ("repair applications overdue (信用修复逾期督办)", sweep_repairs),
    ("webhook outbox (发件箱投递)", sweep_outbox),
    ("inspection results overdue (双随机结果公示逾期)", sweep_overdue),
    ("prompt re-grading (信用评价重新评价)", sweep_regrades),  # last: the sweeps above queue entities
)


def _describe(result: object) -> str:
    if isinstance(result, list):
        return f"{len(result)} changed"
    fields = getattr(result, "__dataclass_fields__", None)
    if fields:
        return ", ".join(f"{name} {getattr(result, name)}" for name in fields)
    return str(result)


def tick(
    today: str | None = typer.Option(
        None, "--today", help="Run as of this date (YYYY-MM-DD); default: today in Beijing."
    ),
) -> None:
    """Run the sweeps due today: publicity and list expiry, overdue rectification, 容缺 materials, objections and
    repair applications, risk alerts, unpublished 双随机 results past their deadline, deliver the webhook outbox's due
    messages, then re-grade the entities whose records or list entries changed."""
    try:
        day = dt.date.fromisoformat(today) if today else clock.today()
    except ValueError:
        typer.echo(f"error: --today {today!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    actor = Actor.system("tick")
    for name, sweep in SWEEPS:
        with get_database().unit_of_work() as session:
            result = sweep(session, actor, day)
        typer.echo(f"{day.isoformat()}: {name}: {_describe(result)}")
