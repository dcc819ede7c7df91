"""Working days (req §2): chinesecalendar, the office's overrides over it, and the Monday–Friday fallback."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core.errors import InvalidInput
from xinyong.core.workdays import (
    LIBRARY_YEARS,
    MAKE_UP_WORKDAY,
    DayResult,
    WorkCalendar,
    builtin_calendar,
)

D = dt.date
CAL = builtin_calendar()


# -- single days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "name"),
    [
        # National Day and Mid-Autumn 2020: 10-01..08 off, Sunday 09-27 and Saturday 10-10 worked.
        (D(2020, 9, 27), True, MAKE_UP_WORKDAY),
        (D(2020, 10, 1), False, "国庆节"),
        (D(2020, 10, 3), False, "国庆节"),
        (D(2020, 10, 8), False, "国庆节"),
        (D(2020, 10, 9), True, None),
        (D(2020, 10, 10), True, MAKE_UP_WORKDAY),
        (D(2020, 10, 11), False, None),
        # Spring Festival 2024: 02-10..17 off, Sundays 02-04 and 02-18 worked.
        (D(2024, 2, 4), True, MAKE_UP_WORKDAY),
        (D(2024, 2, 9), True, None),
        (D(2024, 2, 10), False, "春节"),
        (D(2024, 2, 14), False, "春节"),
        (D(2024, 2, 17), False, "春节"),
        (D(2024, 2, 18), True, MAKE_UP_WORKDAY),
        # Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
        (D(2025, 1, 26), True, MAKE_UP_WORKDAY),
        (D(2025, 1, 27), True, None),
        (D(2025, 1, 28), False, "春节"),
        (D(2025, 2, 4), False, "春节"),
        (D(2025, 2, 5), True, None),
        (D(2025, 2, 8), True, MAKE_UP_WORKDAY),
        (D(2025, 2, 9), False, None),
    ],
)
def test_known_days(day: dt.date, working: bool, name: str | None) -> None:
    result = CAL.is_working_day(day)
    assert result.date == day
    assert result.working is working
    assert result.name == name
    assert not result.provisional


def test_unknown_year_falls_back_to_monday_to_friday_and_is_provisional() -> None:
    # 2027-03-08 is a Monday of the (not yet published) 2027 table, no statutory holiday: Monday–Friday applies.
    monday = CAL.is_working_day(D(2027, 3, 8))
    assert monday.working
    assert monday.name is None
    assert monday.provisional
    assert monday.unknown_years == (2027,)
    sunday = CAL.is_working_day(D(2027, 3, 7))
    assert not sunday.working
    assert sunday.provisional


def test_matches_chinesecalendar_over_its_whole_range() -> None:
    for year in LIBRARY_YEARS:
        day = D(year, 1, 1)
        while day.year == year:
            assert CAL.is_working_day(day).working == chinese_calendar.is_workday(day), day
            day += dt.timedelta(days=7 if day.month not in (1, 2, 4, 5, 6, 9, 10) else 1)


def test_overrides_win_over_chinesecalendar_and_fallback() -> None:
    cal = WorkCalendar(
        {
            D(2020, 10, 10): (False, "更正"),  # office correction in a known year
            D(2020, 10, 12): (False, "地方假日"),
            D(2027, 3, 8): (False, "春节"),
            D(2027, 2, 20): (True, MAKE_UP_WORKDAY),  # a Saturday
        }
    )
    assert cal.is_working_day(D(2020, 10, 10)) == DayResult(D(2020, 10, 10), False, "更正")
    assert cal.is_working_day(D(2020, 10, 12)).name == "地方假日"
    holiday = cal.is_working_day(D(2027, 3, 8))
    assert (holiday.working, holiday.name, holiday.provisional) == (False, "春节", True)
    saturday = cal.is_working_day(D(2027, 2, 20))
    assert (saturday.working, saturday.name) == (True, MAKE_UP_WORKDAY)
    # The builtin calendar is unaffected.
    assert CAL.is_working_day(D(2027, 3, 8)).working


def test_declared_complete_year_is_not_provisional() -> None:
    cal = WorkCalendar({D(2027, 2, 8): (False, "春节")}, complete_years={2027})
    result = cal.is_working_day(D(2027, 2, 8))
    assert not result.working
    assert not result.provisional
    assert cal.is_known_year(2027)
    assert not cal.is_known_year(2028)


# -- adding and counting ----------------------------------------------------------------------------


def test_spec_case_national_day_2020() -> None:
    result = CAL.add_working_days(D(2020, 9, 25), 7)
    assert result.date == D(2020, 10, 12)
    assert not result.provisional


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2020, 9, 25), 1, D(2020, 9, 27)),  # Sunday make-up day counts
        (D(2020, 9, 30), 1, D(2020, 10, 9)),
        (D(2020, 9, 30), 2, D(2020, 10, 10)),
        (D(2024, 2, 2), 1, D(2024, 2, 4)),
        (D(2024, 2, 9), 1, D(2024, 2, 18)),
        (D(2024, 2, 9), 2, D(2024, 2, 19)),
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 27), 1, D(2025, 2, 5)),
        (D(2025, 2, 7), 1, D(2025, 2, 8)),
        (D(2025, 2, 7), 2, D(2025, 2, 10)),
    ],
)
def test_add_across_holidays(start: dt.date, n: int, expected: dt.date) -> None:
    assert CAL.add_working_days(start, n).date == expected


def test_add_zero_returns_start_even_on_a_rest_day() -> None:
    assert CAL.add_working_days(D(2020, 10, 3), 0).date == D(2020, 10, 3)
    assert CAL.add_working_days(D(2020, 10, 9), 0).date == D(2020, 10, 9)
    assert CAL.next_working_day(D(2020, 10, 3)).date == D(2020, 10, 9)
    assert CAL.next_working_day(D(2020, 10, 9)).date == D(2020, 10, 9)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2020, 10, 12), -1, D(2020, 10, 10)),
        (D(2020, 10, 12), -2, D(2020, 10, 9)),
        (D(2020, 10, 12), -3, D(2020, 9, 30)),
        (D(2020, 10, 12), -7, D(2020, 9, 25)),
        (D(2024, 2, 19), -1, D(2024, 2, 18)),
        (D(2024, 2, 19), -2, D(2024, 2, 9)),
        (D(2025, 2, 5), -1, D(2025, 1, 27)),
        (D(2025, 2, 5), -2, D(2025, 1, 26)),
    ],
)
def test_add_negative_counts_backwards(start: dt.date, n: int, expected: dt.date) -> None:
    assert CAL.add_working_days(start, n).date == expected


def test_add_into_an_unknown_year_is_provisional() -> None:
    certain = CAL.add_working_days(D(2026, 12, 1), 5)
    assert not certain.provisional
    # 2026-12-31 is a Thursday; 2027 is unknown: its statutory holidays (元旦 on Friday 1 January) over Monday–Friday.
    result = CAL.add_working_days(D(2026, 12, 30), 3)
    assert result.date == D(2027, 1, 5)
    assert result.provisional
    assert result.unknown_years == (2027,)
    assert CAL.count_working_days(D(2026, 12, 30), D(2027, 1, 4)).unknown_years == (2027,)
    assert not CAL.count_working_days(D(2026, 12, 1), D(2026, 12, 31)).provisional


def test_count_convention() -> None:
    # (start, end]: 2020-09-25 is not counted, 2020-10-12 is.
    assert CAL.count_working_days(D(2020, 9, 25), D(2020, 10, 12)).count == 7
    assert CAL.count_working_days(D(2020, 9, 30), D(2020, 10, 8)).count == 0
    assert CAL.count_working_days(D(2020, 10, 1), D(2020, 10, 1)).count == 0
    assert CAL.count_working_days(D(2020, 10, 12), D(2020, 9, 25)).count == -7
    # A whole year, as chinesecalendar counts it.
    assert CAL.count_working_days(D(2024, 12, 31), D(2025, 12, 31)).count == len(
        chinese_calendar.get_workdays(D(2025, 1, 1), D(2025, 12, 31))
    )


def test_count_spans_several_years() -> None:
    start, end = D(2019, 6, 1), D(2022, 3, 1)
    expected = sum(
        1
        for offset in range(1, (end - start).days + 1)
        if chinese_calendar.is_workday(start + dt.timedelta(days=offset))
    )
    assert CAL.count_working_days(start, end).count == expected


dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=-400, max_value=400))
def test_count_inverts_add(start: dt.date, n: int) -> None:
    cal = WorkCalendar({D(2027, 10, 1): (False, "国庆节"), D(2027, 9, 26): (True, MAKE_UP_WORKDAY)})
    result = cal.add_working_days(start, n)
    assert cal.count_working_days(start, result.date).count == n
    if n:
        assert cal.is_working_day(result.date).working
        assert (result.date > start) == (n > 0)


@settings(max_examples=200, deadline=None)
@given(a=dates, b=dates)
def test_count_is_additive_and_backwards_excludes_the_start(a: dt.date, b: dt.date) -> None:
    low, high = min(a, b), max(a, b)
    middle = low + (high - low) / 3
    forward = CAL.count_working_days(low, high).count
    assert forward == CAL.count_working_days(low, middle).count + CAL.count_working_days(middle, high).count
    # Backwards the interval is [low, high): the start (high) is left out, the end (low) counted.
    backward = CAL.count_working_days(high, low).count
    if low != high:
        working = {day: int(CAL.is_working_day(day).working) for day in (low, high)}
        assert backward == -(forward - working[high] + working[low])
    else:
        assert backward == forward == 0


# -- guards -----------------------------------------------------------------------------------------


def test_absurd_inputs_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as too_many:
        CAL.add_working_days(D(2020, 1, 1), 100_001)
    assert too_many.value.field == "n"
    with pytest.raises(InvalidInput) as too_early:
        CAL.add_working_days(D(1899, 12, 31), 1)
    assert too_early.value.field == "start"
    with pytest.raises(InvalidInput) as too_late:
        CAL.count_working_days(D(2020, 1, 1), D(2201, 1, 1))
    assert too_late.value.field == "end"
    with pytest.raises(InvalidInput) as off_the_end:
        CAL.add_working_days(D(2200, 12, 1), 100)
    assert off_the_end.value.field == "n"
    with pytest.raises(InvalidInput) as not_a_date:
        CAL.is_working_day(dt.datetime(2020, 1, 1, 12, 0))  # type: ignore[arg-type]
    assert not_a_date.value.field == "date"
    with pytest.raises(InvalidInput):
        CAL.add_working_days(D(2020, 1, 1), 1.5)  # type: ignore[arg-type]


def test_large_but_allowed_input_is_fast_enough() -> None:
    result = CAL.add_working_days(D(1950, 1, 1), 60_000)
    assert CAL.count_working_days(D(1950, 1, 1), result.date).count == 60_000
    assert result.provisional  # years before 2004 and after 2026 are Monday–Friday
