"""The check log as oversight reads it (谋私预警: a business system checking far beyond its own pattern): checks per
caller and Beijing day, and the checks of one caller's day. Read-only; the log itself is written by :mod:`checks`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core.actor import Role
from xinyong.punishment.models import Check

_BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class LoggedCheck:
    id: int
    at: dt.datetime
    requester_id: str
    purpose: str
    scenario: str
    subject_display: str  # the USCC, or the masked ID number
    outcome: str


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=_BEIJING).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def daily_check_counts(session: Session, first: dt.date, last: dt.date) -> dict[str, dict[dt.date, int]]:
    """Checks per caller (``api:<id>``) and Beijing day, ``first`` to ``last`` inclusive (one indexed query a day)."""
    counts: dict[str, dict[dt.date, int]] = defaultdict(dict)
    day = first
    while day <= last:
        start, end = _day_bounds(day)
        rows = session.execute(
            select(Check.requester_id, func.count())
            .where(Check.at >= start, Check.at < end, Check.requester_role != str(Role.SYSTEM))
            .group_by(Check.requester_id)
        )
        for requester, count in rows:
            counts[str(requester)][day] = int(count)
        day += dt.timedelta(days=1)
    return dict(counts)


def _columns() -> Any:  # a Select of the LoggedCheck columns
    return select(
        Check.id, Check.at, Check.requester_id, Check.purpose, Check.scenario, Check.subject_display, Check.outcome
    )


def checks_on(session: Session, requester_id: str, day: dt.date, limit: int = 500) -> list[LoggedCheck]:
    """The caller's checks of one Beijing day, oldest first (at most ``limit``)."""
    start, end = _day_bounds(day)
    rows = session.execute(
        _columns()
        .where(Check.requester_id == requester_id, Check.at >= start, Check.at < end)
        .order_by(Check.id)
        .limit(limit)
    )
    return [LoggedCheck(*row) for row in rows]


def checks_by_id(session: Session, ids: list[int]) -> list[LoggedCheck]:
    if not ids:
        return []
    rows = session.execute(_columns().where(Check.id.in_(ids[:1000])).order_by(Check.id))
    return [LoggedCheck(*row) for row in rows]
