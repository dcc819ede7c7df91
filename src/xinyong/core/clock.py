"""The platform's notion of 'now' and 'today' (Beijing time), in one place so tests can pin it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current time, timezone-aware (UTC)."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in Beijing: the date that law and deadlines speak of."""
    return now().astimezone(BEIJING).date()


def frozen_at() -> dt.datetime | None:
    """The pinned moment, if the clock is pinned (so a replay can put it back as it found it)."""
    return _frozen


def freeze(at: dt.datetime | None) -> None:
    """Pin the clock (tests, reproducible replays); ``None`` releases it."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at
