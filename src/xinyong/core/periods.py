"""Periods in days, months and years under the Civil Code (《中华人民共和国民法典》 arts. 201–203), req §2.

- Art. 201: a period counted in years, months or days does not count the day it starts on (the
  event day); counting begins on the next day.
  (“按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。”)
- Art. 202: a period in months or years ends on the corresponding day of its last month; when that
  month has no such day, it ends on the month's last day.
  (“按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日。”)
- Art. 203: when the last day of a period is a statutory holiday (法定休假日), the period ends on the
  day after the holiday ends; the last day runs to 24:00 (or to the close of business where there
  are business hours).
  (“期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。”)

:func:`end_of_period` gives the plain end (arts. 201–202): publicity periods, list durations,
statement windows. :func:`deadline_to_act` adds art. 203 for a time limit within which *someone
must act*: an end on a rest day or a public holiday (anything that is not a working day in the
:class:`~xinyong.core.workdays.WorkCalendar`, so 调休 make-up Saturdays are working days) moves to
the next working day.

Months are added by calendar arithmetic, never as a fixed number of days. Pure: no database, no web framework.
"""

from __future__ import annotations

import calendar as _gregorian
import datetime as dt
import re
from typing import Any

from xinyong.core.errors import InvalidInput
from xinyong.core.workdays import MAX_DAYS, MAX_YEAR, MIN_YEAR, DateResult, WorkCalendar, check_date

MAX_MONTHS = (MAX_YEAR - MIN_YEAR + 1) * 12


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later, or that month's last day when it has none (art. 202)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"the period would end outside the years {MIN_YEAR}–{MAX_YEAR}", field="months")
    last = _gregorian.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def end_of_period(event_date: dt.date, *, days: int = 0, months: int = 0, years: int = 0) -> dt.date:
    """The last day of a period that starts with ``event_date`` (arts. 201–202).

    Counting starts the day after the event (art. 201), so a period of ``days`` ends on
    ``event_date + days``. Years and months may be combined (1 year 6 months = 18 months) and end on
    the corresponding day of the last month, clamped to that month's last day (art. 202): 2025-11-30
    + 3 months ends 2026-02-28, 2024-02-29 + 1 year ends 2025-02-28. Days cannot be combined with
    months or years (the law gives no order for the mix). The length must be positive.
    """
    check_date(event_date, "event_date")
    days = _check_whole(days, "days", MAX_DAYS)
    months = _check_whole(months, "months", MAX_MONTHS)
    years = _check_whole(years, "years", MAX_YEAR - MIN_YEAR + 1)
    if days and (months or years):
        raise InvalidInput("a period is counted in days, or in months and years, not both", field="days")
    if not (days or months or years):
        raise InvalidInput("a period must be at least one day, month or year long", field="days")
    if days:
        end = event_date + dt.timedelta(days=days)
        if end.year > MAX_YEAR:
            raise InvalidInput(f"the period would end after the year {MAX_YEAR}", field="days")
        return end
    return add_months(event_date, years * 12 + months)


def deadline_to_act(
    event_date: dt.date,
    *,
    days: int = 0,
    months: int = 0,
    years: int = 0,
    calendar: WorkCalendar,
) -> DateResult:
    """The last day on which someone may act: :func:`end_of_period`, moved off rest days (art. 203).

    The result is provisional when a day looked at (the end and any day it was moved over) lies in a
    year whose holidays are not known.
    """
    end = end_of_period(event_date, days=days, months=months, years=years)
    return calendar.next_working_day(end)


def _check_whole(value: Any, name: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number", field=name)
    if value < 0:
        raise InvalidInput(f"{name} must not be negative", field=name)
    if value > limit:
        raise InvalidInput(f"{name} must be at most {limit}", field=name)
    return value


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(text: str) -> tuple[dt.date, dt.date]:
    """A calendar month named ``YYYY-MM`` → (its first day, the first day of the next month): the half-open range
    every monthly figure (timeliness, check statistics) counts over. ``InvalidInput`` naming ``month`` otherwise."""
    found = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None or not MIN_YEAR <= int(found.group(1)) <= MAX_YEAR:
        raise InvalidInput(f"month {str(text)[:20]!r} must be YYYY-MM (月份格式应为 YYYY-MM)", field="month")
    first = dt.date(int(found.group(1)), int(found.group(2)), 1)
    return first, add_months(first, 1)
