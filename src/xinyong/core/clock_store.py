"""The clock setting of training and test copies (``XINYONG_CLOCK``) and its database side.

``XINYONG_CLOCK`` is empty (the wall clock), a date ``YYYY-MM-DD`` (the platform's today starts there when the process
starts), or ``training`` (the offset in whole days is the one row of ``platform_clock``, moved by ``xinyong clock
set`` / ``xinyong clock advance``). Production refuses anything but the wall clock: a moved clock there would date
decisions, deadlines and the audit chain wrongly. Every move is audited.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.config import Settings
from xinyong.core.db import Base, Database, UTCDateTime
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.core.workdays import check_date

TRAINING = "training"
MAX_ADVANCE_DAYS = 366
log = logging.getLogger("xinyong.clock")


class PlatformClock(Base):
    """A training copy's clock: how many days the platform runs ahead of the wall clock (one row, id 1)."""

    __tablename__ = "platform_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offset_days: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def parse_setting(value: str) -> str | dt.date:
    """``""`` (wall clock), :data:`TRAINING`, or a start date; ``InvalidInput`` otherwise."""
    text = value.strip()
    if not text or text == TRAINING:
        return text
    try:
        return check_date(dt.date.fromisoformat(text), "XINYONG_CLOCK")
    except ValueError:
        raise InvalidInput(
            f"XINYONG_CLOCK {text[:40]!r} is neither a date (YYYY-MM-DD) nor 'training'", field="XINYONG_CLOCK"
        ) from None


def configure(settings: Settings, database: Database | None = None) -> str:
    """Apply ``XINYONG_CLOCK`` to :mod:`xinyong.core.clock`; returns what the clock is (for logs). Refuses a moved
    clock in production (``RuntimeError``)."""
    mode = parse_setting(settings.clock)
    if mode and settings.env == "production":
        raise RuntimeError("XINYONG_CLOCK is for training and test copies: production runs on the wall clock")
    if not mode:
        clock.set_offset(dt.timedelta(0))
        return "wall clock"
    if isinstance(mode, dt.date):
        clock.set_offset(dt.timedelta(days=(mode - clock.wall_today()).days))
        return f"starts on {mode.isoformat()}"
    if database is None:
        raise RuntimeError("XINYONG_CLOCK=training needs the database")

    def read() -> dt.timedelta:
        return dt.timedelta(days=read_offset(database))

    clock.use_source(read)
    return "training copy (offset in the database)"


def read_offset(database: Database) -> int:
    """The stored offset, read outside any transaction of the platform's own. The clock is read from inside
    transactions (every audit event stamps its time), and on SQLite each transaction of a process waits for the one
    writer's turn: reading through a session there waited for the very transaction asking the time (30 s, then the
    old offset). A plain SELECT on a pool connection in autocommit takes no turn; WAL lets it read beside a writer."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("SELECT offset_days FROM platform_clock WHERE id = 1")
            row = cursor.fetchone()
        finally:
            cursor.close()
        raw.rollback()  # PostgreSQL opened a transaction for the SELECT; SQLite (autocommit) had none
    finally:
        raw.close()
    return int(row[0]) if row is not None else 0


def stored_offset(session: Session) -> int:
    row = session.get(PlatformClock, 1)
    return row.offset_days if row is not None else 0


def _require(settings: Settings, actor: Actor) -> None:
    if parse_setting(settings.clock) != TRAINING:
        raise Conflict("the clock can only be moved on a training copy (XINYONG_CLOCK=training)", field="clock")
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office may move a training copy's clock (无权调整平台时钟)")


def set_today(session: Session, settings: Settings, actor: Actor, day: dt.date) -> dt.date:
    """Move a training copy's clock so that today is ``day``. Audited; the processes of the copy follow once the
    transaction commits (this one at once after :func:`xinyong.core.clock.refresh`)."""
    _require(settings, actor)
    check_date(day, "date")
    _store(session, actor, (day - clock.wall_today()).days)
    return day


def advance_one_day(session: Session, settings: Settings, actor: Actor) -> dt.date:
    """Move a training copy's clock one day forward; returns the new today. Audited."""
    _require(settings, actor)
    days = stored_offset(session) + 1
    _store(session, actor, days)
    return clock.wall_today() + dt.timedelta(days=days)


def _store(session: Session, actor: Actor, days: int) -> int:
    row = session.execute(select(PlatformClock).where(PlatformClock.id == 1).with_for_update()).scalar_one_or_none()
    before = row.offset_days if row is not None else 0
    moment = dt.datetime.now(dt.UTC)  # when it was done, by the wall: the platform's own clock is what moves
    if row is None:
        row = PlatformClock(id=1, offset_days=days, set_by=actor.id, set_at=moment)
        session.add(row)
    else:
        row.offset_days, row.set_by, row.set_at = days, actor.id, moment
    session.flush()
    audit.record(session, actor, "core:clock:moved", "clock", "platform", {"from_days": before, "to_days": days})
    return days
