"""Chinese working days (req §2): Monday–Friday minus public holidays, plus worked 调休 weekend days.

Three layers, the first that knows a day wins:

1. the credit office's own table (``calendar_days``, loaded by
   :func:`xinyong.core.calendar.load_calendar`), so the office can correct a day or enter a new year
   from the State Council's 放假安排 notice;
2. the ``chinesecalendar`` package (2004–2026 in the installed version);
3. for any other year, the statutory holidays computed (:func:`statutory_holidays`): the fixed-date ones of the
   State Council's 全国年节及纪念日放假办法 (元旦, 劳动节, 国庆节) and the lunar ones (春节 with 除夕, 端午节, 中秋节
   from the Chinese calendar of ``lunar-python``; 清明节 on the solar term), a holiday falling on a weekend given back
   on the next working day (补假, art. 4 of the 办法), over Monday–Friday. No 调休 make-up working days: they exist
   only in each year's notice. Once the office declares a year complete, its table replaces the computation
   (its own days over plain Monday–Friday).

A year is *known* when ``chinesecalendar`` covers it or the office has declared it complete
(``calendar_years``). Any answer that had to look at a day of an unknown year is *provisional*: it
may change once the year's holidays are published, and callers must show it as such.

Counting convention, the same in every function: the start day is never counted, the end day is.
So ``add_working_days(d, n)`` is the n-th working day after ``d``, ``count_working_days(d, e)``
counts the working days in ``(d, e]``, and ``count_working_days(d, add_working_days(d, n).date) ==
n`` for every ``n`` (backwards too: for ``e < d`` the count is minus the working days in
``[e, d)``).

This module is pure: no database, no web framework.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import chinese_calendar
from lunar_python import Lunar, Solar

from xinyong.core.errors import InvalidInput

MIN_YEAR = 1900
MAX_YEAR = 2200
MAX_DAYS = 100_000  # larger working-day counts are input errors, not deadlines

MAKE_UP_WORKDAY = "调休上班"

# chinesecalendar names holidays in English; these are the names of the State Council's notices.
_CHINESE_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}

_LIB_HOLIDAYS: Mapping[dt.date, str] = chinese_calendar.holidays
_LIB_WORKDAYS: Mapping[dt.date, str] = chinese_calendar.workdays
LIBRARY_YEARS = range(min(_LIB_HOLIDAYS).year, max(_LIB_HOLIDAYS).year + 1)


def _chinese_name(english: str) -> str:
    if english in _CHINESE_NAMES:
        return _CHINESE_NAMES[english]
    for holiday in chinese_calendar.Holiday:
        if holiday.value == english:
            return str(holiday.chinese)
    return english


@dataclass(frozen=True, slots=True)
class DayResult:
    """One day: working or not, why (holiday name or 调休上班), and whether its year is unknown."""

    date: dt.date
    working: bool
    name: str | None = None
    unknown_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


@dataclass(frozen=True, slots=True)
class DateResult:
    date: dt.date
    unknown_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


@dataclass(frozen=True, slots=True)
class CountResult:
    count: int
    unknown_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


@dataclass(frozen=True, slots=True)
class _Year:
    working: bytes  # one byte per day of the year, 1 = working day
    names: Mapping[dt.date, str] = field(default_factory=dict)
    known: bool = False

    def is_working(self, day: dt.date) -> bool:
        return self.working[day.timetuple().tm_yday - 1] == 1


STATUTORY_NOTE = "法定节假日推算（未含调休，以国务院放假安排为准）"
_RULE_2025 = 2025  # 国务院令第795号: 春节 4 days (除夕 to 初三), 劳动节 2 days, from 2025


def _lunar_day(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    """The day of the 清明 solar term (4–6 April)."""
    term = Solar.fromYmd(year, 4, 20).getLunar().getJieQiTable()["清明"]
    return dt.date(term.getYear(), term.getMonth(), term.getDay())


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """The public holidays of 全国年节及纪念日放假办法 in ``year`` (the 2025 text; from 2008 to 2024 春节 was 初一 to
    初三 and 劳动节 one day), with 补假: a holiday on a Saturday or Sunday is given back on the next weekday that is not
    a holiday itself. No 调休: the make-up working days are in each year's notice only."""
    check_date(dt.date(year, 1, 1), "year")
    spring = _lunar_day(year, 1, 1)
    new_rules = year >= _RULE_2025
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    for offset in range(-1 if new_rules else 0, 3):
        day = spring + dt.timedelta(days=offset)
        if day.year == year:
            days[day] = "春节"
    days[_qingming(year)] = "清明节"
    for day_of_may in (1, 2) if new_rules else (1,):
        days[dt.date(year, 5, day_of_may)] = "劳动节"
    days.setdefault(_lunar_day(year, 5, 5), "端午节")
    days.setdefault(_lunar_day(year, 8, 15), "中秋节")  # 2020, 2001: 中秋 on 国庆; the 国庆 name wins below
    for day_of_october in (1, 2, 3):
        days[dt.date(year, 10, day_of_october)] = "国庆节"
    # 除夕 of next year's 春节 may fall on 31 December: the next year's table has it, not this one.
    next_spring_eve = _lunar_day(year + 1, 1, 1) - dt.timedelta(days=1) if year < MAX_YEAR else None
    if new_rules and next_spring_eve is not None and next_spring_eve.year == year:
        days[next_spring_eve] = "春节"
    given_back: dict[dt.date, str] = {}
    for day, name in sorted(days.items()):
        if day.weekday() < 5:
            continue
        following = day + dt.timedelta(days=1)
        while following.weekday() >= 5 or following in days or following in given_back:
            following += dt.timedelta(days=1)
        if following.year == year:
            given_back[following] = f"{name}补假"
    return {**days, **given_back}


@lru_cache(maxsize=512)
def _base_year(year: int, statutory: bool = True) -> _Year:
    """chinesecalendar for the years it knows; otherwise the statutory holidays (``statutory``) or plain
    Monday–Friday, with no overrides."""
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    known = year in LIBRARY_YEARS
    computed = statutory_holidays(year) if statutory and not known else {}
    flags = bytearray(length)
    names: dict[dt.date, str] = {}
    for offset in range(length):
        day = first + dt.timedelta(days=offset)
        # The same rule as chinese_calendar.is_workday, read from its tables directly (it is much faster).
        if known and day in _LIB_WORKDAYS:
            working = True
            names[day] = MAKE_UP_WORKDAY
        elif known and day in _LIB_HOLIDAYS:
            working = False
            names[day] = _chinese_name(_LIB_HOLIDAYS[day])
        elif day in computed:
            working = False
            names[day] = computed[day]
        else:
            working = day.weekday() < 5
        flags[offset] = 1 if working else 0
    return _Year(working=bytes(flags), names=names, known=known)


def check_date(value: Any, field_name: str = "date") -> dt.date:
    """A plain date within 1900–2200, or :class:`InvalidInput` naming ``field_name``."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput(f"{field_name} must be a date (YYYY-MM-DD)", field=field_name)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidInput(
            f"{field_name} {value.isoformat()} is outside the years {MIN_YEAR}–{MAX_YEAR}", field=field_name
        )
    return value


class WorkCalendar:
    """Working days from the office's overrides over chinesecalendar over Monday–Friday.

    ``overrides`` maps a date to ``(is_workday, name)``; ``complete_years`` are the years the office declared
    complete. The calendar is immutable: build a new one after the table changes.
    """

    def __init__(
        self,
        overrides: Mapping[dt.date, tuple[bool, str | None]] | None = None,
        complete_years: Iterable[int] = (),
    ) -> None:
        self._overrides: dict[dt.date, tuple[bool, str | None]] = dict(overrides or {})
        self.complete_years: frozenset[int] = frozenset(complete_years)
        self._years: dict[int, _Year] = {}

    # -- layers ---------------------------------------------------------------------------------------------

    def is_known_year(self, year: int) -> bool:
        return year in LIBRARY_YEARS or year in self.complete_years

    def year_source(self, year: int) -> str:
        """Where a year's days come from: ``office`` (declared complete), ``chinesecalendar`` (exact), or
        ``statutory`` (computed, provisional)."""
        if year in self.complete_years:
            return "office"
        if year in LIBRARY_YEARS:
            return "chinesecalendar"
        return "statutory"

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        # A year the office declared complete is its table over plain Monday–Friday: the computation is replaced.
        base = _base_year(year, statutory=year not in self.complete_years)
        mine = {d: v for d, v in self._overrides.items() if d.year == year}
        if mine:
            flags = bytearray(base.working)
            names = dict(base.names)
            for day, (working, name) in mine.items():
                flags[day.timetuple().tm_yday - 1] = 1 if working else 0
                if name:
                    names[day] = name
                else:
                    names.pop(day, None)
            built = _Year(working=bytes(flags), names=names, known=self.is_known_year(year))
        else:
            built = _Year(working=base.working, names=base.names, known=self.is_known_year(year))
        self._years[year] = built
        return built

    # -- questions ------------------------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> DayResult:
        check_date(day)
        year = self._year(day.year)
        return DayResult(
            date=day,
            working=year.is_working(day),
            name=year.names.get(day),
            unknown_years=() if year.known else (day.year,),
        )

    def add_working_days(self, start: dt.date, n: int) -> DateResult:
        """The n-th working day after ``start`` (``start`` itself is never counted).

        ``n < 0`` counts backwards: the |n|-th working day before ``start`` (e.g. "alert 2 working
        days before the deadline"). ``n == 0`` returns ``start`` unchanged, even on a rest day, so that
        ``count_working_days(start, add_working_days(start, n).date) == n`` holds for every ``n``; use
        :meth:`next_working_day` for "this day or the next working day".
        """
        check_date(start, "start")
        n = _check_n(n)
        step = 1 if n > 0 else -1
        remaining = abs(n)
        day = start
        unknown: set[int] = set()
        while remaining:
            day = _step(day, step)
            year = self._year(day.year)
            if not year.known:
                unknown.add(day.year)
            if year.is_working(day):
                remaining -= 1
        return DateResult(date=day, unknown_years=tuple(sorted(unknown)))

    def count_working_days(self, start: dt.date, end: dt.date) -> CountResult:
        """Working days in ``(start, end]``; for ``end < start``, minus those in ``[end, start)``."""
        check_date(start, "start")
        check_date(end, "end")
        if end == start:
            return CountResult(0)
        sign = 1 if end > start else -1
        low, high = (start + dt.timedelta(days=1), end) if sign > 0 else (end, start - dt.timedelta(days=1))
        total = 0
        unknown: list[int] = []
        for year_number in range(low.year, high.year + 1):
            year = self._year(year_number)
            first = low if year_number == low.year else dt.date(year_number, 1, 1)
            last = high if year_number == high.year else dt.date(year_number, 12, 31)
            total += sum(year.working[first.timetuple().tm_yday - 1 : last.timetuple().tm_yday])
            if not year.known:
                unknown.append(year_number)
        return CountResult(count=sign * total, unknown_years=tuple(unknown))

    def next_working_day(self, day: dt.date) -> DateResult:
        """``day`` itself when it is a working day, else the first working day after it."""
        check_date(day)
        unknown: set[int] = set()
        while True:
            year = self._year(day.year)
            if not year.known:
                unknown.add(day.year)
            if year.is_working(day):
                return DateResult(date=day, unknown_years=tuple(sorted(unknown)))
            day = _step(day, 1)


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput("n must be a whole number of working days", field="n")
    if abs(n) > MAX_DAYS:
        raise InvalidInput(f"n must be between -{MAX_DAYS} and {MAX_DAYS} working days", field="n")
    return n


def _step(day: dt.date, step: int) -> dt.date:
    try:
        following = day + dt.timedelta(days=step)
    except OverflowError:
        following = None
    if following is None or not MIN_YEAR <= following.year <= MAX_YEAR:
        raise InvalidInput(f"the result would fall outside the years {MIN_YEAR}–{MAX_YEAR}", field="n")
    return following


@lru_cache(maxsize=1)
def builtin_calendar() -> WorkCalendar:
    """chinesecalendar and Monday–Friday only, without the office's table (pure code, tests, fallbacks)."""
    return WorkCalendar()
