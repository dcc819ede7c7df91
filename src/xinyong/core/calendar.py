"""The credit office's holiday table (节假日及调休表): the database side of :mod:`xinyong.core.workdays`.

``calendar_days`` holds single days that override chinesecalendar (a holiday, or a 调休 weekend
that is worked); ``calendar_years`` marks a year the office has entered completely from the State
Council's 放假安排 notice, so deadlines in it stop being provisional. Only the credit office (or the
platform itself) may change either table, and every change is written to the audit log in the same
transaction.

:func:`load_calendar` caches the calendar in the session; every change made through this module drops
the cache, and so does the end of any transaction or savepoint, so a session never sees a stale table
across a commit or rollback. (A change written to the tables by raw SQL in the same transaction is not
seen until then.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Base, UTCDateTime
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.workdays import LIBRARY_YEARS, MAX_YEAR, MIN_YEAR, WorkCalendar, check_date

MAY_EDIT = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})
NAME_MAX = 64
NOTE_MAX = 500
SOURCE_MAX = 500
_CACHE_KEY = "xinyong.core.calendar:work_calendar"


class CalendarDay(Base):
    """One day whose status the office sets, over chinesecalendar (e.g. 春节, 国庆节, 调休上班)."""

    __tablename__ = "calendar_days"

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CalendarYear(Base):
    """A year the office declared complete (all its holidays and make-up days entered)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)  # e.g. 国务院办公厅关于2027年部分节假日安排的通知
    declared_by: Mapped[str] = mapped_column(String(128))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# -- reading ------------------------------------------------------------------------------------------------


def load_calendar(session: Session) -> WorkCalendar:
    """The working calendar with the office's table applied (cached in the session until its next change)."""
    cached = session.info.get(_CACHE_KEY)
    if isinstance(cached, WorkCalendar):
        return cached
    overrides = {
        row.date: (row.is_workday, row.name)
        for row in session.execute(select(CalendarDay.date, CalendarDay.is_workday, CalendarDay.name))
    }
    complete = session.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(True))).all()
    calendar = WorkCalendar(overrides, complete)
    session.info[_CACHE_KEY] = calendar
    return calendar


def forget_calendar(session: Session) -> None:
    """Drop the session's cached calendar (done by every change here and at the end of every transaction)."""
    session.info.pop(_CACHE_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_transaction_end(session: Session, _transaction: SessionTransaction) -> None:
    forget_calendar(session)


def list_days(session: Session, year: int) -> list[CalendarDay]:
    """The office's overrides in ``year``, in date order."""
    year = _check_year(year)
    return list(
        session.scalars(
            select(CalendarDay)
            .where(CalendarDay.date >= dt.date(year, 1, 1), CalendarDay.date <= dt.date(year, 12, 31))
            .order_by(CalendarDay.date)
        )
    )


def get_year(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, _check_year(year))


# -- changing -----------------------------------------------------------------------------------------------


def set_day(
    session: Session,
    actor: Actor,
    date: dt.date,
    is_workday: bool,
    name: str,
    note: str | None = None,
) -> CalendarDay:
    """Enter or correct one day (upsert). Audit event ``core:calendar_day:set``."""
    _require_office(actor)
    date = check_date(date)
    name = _clean_text(name, "name", NAME_MAX, required=True)
    note = _clean_text(note, "note", NOTE_MAX, required=False) or None
    if not isinstance(is_workday, bool):
        raise InvalidInput("is_workday must be true or false", field="is_workday")
    now = clock.now()
    row = session.get(CalendarDay, date)
    previous = _day_payload(row) if row is not None else None
    if row is None:
        row = CalendarDay(date=date, is_workday=is_workday, name=name, note=note, created_by=actor.id, created_at=now)
        session.add(row)
    else:
        row.is_workday = is_workday
        row.name = name
        row.note = note
        row.updated_by = actor.id
        row.updated_at = now
    session.flush()
    forget_calendar(session)
    audit.record(
        session,
        actor,
        "core:calendar_day:set",
        "calendar_day",
        date.isoformat(),
        {**_day_payload(row), "previous": previous},
    )
    return row


def remove_day(session: Session, actor: Actor, date: dt.date, reason: str | None = None) -> None:
    """Delete the office's entry for ``date`` (chinesecalendar or Monday–Friday applies again).

    Audit event ``core:calendar_day:removed``.
    """
    _require_office(actor)
    date = check_date(date)
    reason = _clean_text(reason, "reason", NOTE_MAX, required=False) or None
    row = session.get(CalendarDay, date)
    if row is None:
        raise NotFound(f"no calendar entry for {date.isoformat()}", field="date")
    payload = {**_day_payload(row), "reason": reason}
    session.delete(row)
    session.flush()
    forget_calendar(session)
    audit.record(session, actor, "core:calendar_day:removed", "calendar_day", date.isoformat(), payload)


def declare_year(session: Session, actor: Actor, year: int, source: str) -> CalendarYear:
    """Declare that all of ``year``'s holidays and make-up days are entered, so it is no longer provisional.

    ``source`` names the notice the days were taken from. A year for which chinesecalendar has no data must
    have at least one rest day entered first (every real year has holidays; declaring an empty year would make
    plain Monday–Friday look certain). Audit event ``core:calendar_year:declared``.
    """
    _require_office(actor)
    year = _check_year(year)
    source = _clean_text(source, "source", SOURCE_MAX, required=True)
    entered = [day for day in list_days(session, year) if not day.is_workday]
    if not entered and year not in LIBRARY_YEARS:
        raise Conflict(
            f"no holidays are entered for {year}: enter the days of the State Council's notice first",
            field="year",
        )
    now = clock.now()
    row = session.get(CalendarYear, year)
    previous = _year_payload(row) if row is not None else None
    if row is None:
        row = CalendarYear(year=year, complete=True, source=source, declared_by=actor.id, declared_at=now)
        session.add(row)
    else:
        row.complete = True
        row.source = source
        row.declared_by = actor.id
        row.declared_at = now
    session.flush()
    forget_calendar(session)
    audit.record(
        session,
        actor,
        "core:calendar_year:declared",
        "calendar_year",
        str(year),
        {**_year_payload(row), "holidays_entered": len(entered), "previous": previous},
    )
    return row


def withdraw_year(session: Session, actor: Actor, year: int, reason: str) -> CalendarYear:
    """Undo :func:`declare_year`: the year is provisional again.

    Audit event ``core:calendar_year:withdrawn``.
    """
    _require_office(actor)
    year = _check_year(year)
    reason = _clean_text(reason, "reason", NOTE_MAX, required=True)
    row = session.get(CalendarYear, year)
    if row is None or not row.complete:
        raise NotFound(f"{year} is not declared complete", field="year")
    row.complete = False
    session.flush()
    forget_calendar(session)
    audit.record(
        session,
        actor,
        "core:calendar_year:withdrawn",
        "calendar_year",
        str(year),
        {**_year_payload(row), "reason": reason},
    )
    return row


# -- helpers ------------------------------------------------------------------------------------------------


def _require_office(actor: Actor) -> None:
    if actor.role not in MAY_EDIT:
        raise Forbidden("only the credit office may change the holiday calendar (仅信用办可维护节假日表)")


def _check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidInput("year must be a whole number", field="year")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"year must be between {MIN_YEAR} and {MAX_YEAR}", field="year")
    return year


def _clean_text(value: Any, field: str, limit: int, *, required: bool) -> str:
    if value is None:
        if required:
            raise InvalidInput(f"{field} is required", field=field)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} must be at most {limit} characters", field=field)
    return text


def _day_payload(row: CalendarDay) -> dict[str, Any]:
    return {
        "date": row.date.isoformat(),
        "is_workday": row.is_workday,
        "name": row.name,
        "note": row.note,
    }


def _year_payload(row: CalendarYear) -> dict[str, Any]:
    return {"year": row.year, "complete": row.complete, "source": row.source}
