"""Counts of published records that the portal shows on every visit — the home page's totals and the unfiltered
lists' 共 N 条 — kept instead of counted per request, and always the figure the list it summarises would count.

A count is cached per process under a stamp of the data it counted: the day (publication depends on it), the
newest version id (every new record, correction, revocation, repair or expiry writes a version; the bulk path too)
and a generation this process bumps whenever a flush touches a version in place. A reader whose stamp differs
counts again, once; the tick's sweep (:func:`refresh`) recounts them all so a reader rarely pays. Only the
public's unfiltered queries are cached (a filter or a signed-in reader counts live): the home page and the list it
links to take their figure from the same cached query, so the two can never disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session

from xinyong.records.models import CreditRecordVersion

MAX_KEYS = 256
T = TypeVar("T")
_cache: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
_generation = [0]


@event.listens_for(Session, "after_flush")
def _touched(session: Session, _context: object) -> None:
    """A version changed in place (a privacy hold, a validity end): every cached count is stale in this process."""
    changed: Iterable[object] = (*session.dirty, *session.deleted)
    if any(isinstance(row, CreditRecordVersion) for row in changed):
        _generation[0] += 1


def stamp(session: Session, on: dt.date) -> tuple[Any, ...]:
    """What a cached count depends on; one index read (the newest version id)."""
    newest = session.scalar(select(func.max(CreditRecordVersion.id)))
    return (on, newest, _generation[0])


def cached(session: Session, key: tuple[Any, ...], on: dt.date, count: Callable[[], T]) -> T:
    """The figure under ``key`` (a count, or counts per day) if counted at the current stamp, else counted now and
    kept."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    full_key = (str(engine.url), *key)
    now = stamp(session, on)
    hit = _cache.get(full_key)
    if hit is not None and hit[0] == now:
        kept: T = hit[1]
        return kept
    value = count()
    if len(_cache) >= MAX_KEYS:
        _cache.clear()
    _cache[full_key] = (now, value)
    return value


def forget() -> None:
    """Drop every cached count (tests, and a restore that rewinds the data)."""
    _cache.clear()
    _generation[0] += 1
