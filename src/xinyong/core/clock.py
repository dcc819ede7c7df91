"""The platform's one clock: 'now' and 'today' (Beijing time) come from here, so tests and training copies can move it.

Three ways the clock runs, chosen by ``XINYONG_CLOCK`` (:mod:`xinyong.core.clock_store` applies the setting):

- the wall clock (the default, and the only one production accepts);
- a fixed start date (``XINYONG_CLOCK=2026-12-16``): the platform's today is that date when the process starts, and
  the clock runs on from there (a whole number of days ahead of or behind the wall);
- a training copy (``XINYONG_CLOCK=training``): the offset in whole days is kept in the database, so
  ``xinyong clock set`` / ``xinyong clock advance`` move every process of the copy (each re-reads it within
  :data:`SOURCE_SECONDS`), and ``advance`` runs each passed day's sweeps.

Tests pin the clock with :func:`freeze`, which wins over all three.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
SOURCE_SECONDS = 2.0  # a training copy's processes see a moved clock within this many seconds

_frozen: dt.datetime | None = None
_offset = dt.timedelta(0)
_source: Callable[[], dt.timedelta] | None = None
_source_read = -1e18
_lock = threading.Lock()
log = logging.getLogger("xinyong.clock")


def _current_offset() -> dt.timedelta:
    global _offset, _source_read
    source = _source
    if source is None:
        return _offset
    moment = time.monotonic()
    if moment - _source_read >= SOURCE_SECONDS:
        with _lock:
            if moment - _source_read >= SOURCE_SECONDS:
                try:
                    _offset = source()
                except Exception:  # the database unreachable: keep the last offset, say so, retry after the pause
                    log.exception("training clock: cannot read the offset, keeping %s", _offset)
                _source_read = moment
    return _offset


def now() -> dt.datetime:
    """Current time, timezone-aware (UTC): the wall clock moved by the configured offset, or the frozen moment."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC) + _current_offset()


def today() -> dt.date:
    """Today's date in Beijing: the date that law and deadlines speak of."""
    return now().astimezone(BEIJING).date()


def wall_today() -> dt.date:
    """The wall clock's date in Beijing, whatever the platform's clock says (to compute offsets)."""
    return dt.datetime.now(dt.UTC).astimezone(BEIJING).date()


def offset() -> dt.timedelta:
    """How far the platform's clock is from the wall clock (zero unless configured)."""
    return _current_offset()


def set_offset(value: dt.timedelta) -> None:
    """Run the clock ``value`` ahead of the wall clock (negative: behind); drops a database source."""
    global _offset, _source
    with _lock:
        _source = None
        _offset = value


def use_source(source: Callable[[], dt.timedelta]) -> None:
    """Read the offset from ``source`` (a training copy's database), at most every :data:`SOURCE_SECONDS`."""
    global _source, _source_read
    with _lock:
        _source = source
        _source_read = -1e18


def refresh() -> None:
    """Read the source again at the next call (after this process moved the clock itself)."""
    global _source_read
    _source_read = -1e18


def frozen_at() -> dt.datetime | None:
    """The pinned moment, if the clock is pinned (so a replay can put it back as it found it)."""
    return _frozen


def freeze(at: dt.datetime | None) -> None:
    """Pin the clock (tests, reproducible replays); ``None`` releases it."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def on_day(day: dt.date) -> dt.datetime:
    """The moment of ``day`` at the wall clock's current Beijing time of day (a replay of that day's work)."""
    wall = dt.datetime.now(dt.UTC).astimezone(BEIJING)
    return dt.datetime.combine(day, wall.timetz()).astimezone(dt.UTC)
