"""Civil Code periods (民法典 arts. 201–203): day, month and year periods and deadlines to act."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core.errors import InvalidInput
from xinyong.core.periods import add_months, deadline_to_act, end_of_period
from xinyong.core.workdays import WorkCalendar, builtin_calendar

D = dt.date
CAL = builtin_calendar()


# -- arts. 201–202 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "kwargs", "expected"),
    [
        # Days: counting starts the next day, so N days end on event + N.
        (D(2025, 3, 1), {"days": 1}, D(2025, 3, 2)),
        (D(2025, 3, 1), {"days": 7}, D(2025, 3, 8)),
        (D(2024, 2, 25), {"days": 5}, D(2024, 3, 1)),  # leap February
        (D(2025, 12, 29), {"days": 15}, D(2026, 1, 13)),
        # Months: the corresponding day of the last month.
        (D(2025, 1, 15), {"months": 1}, D(2025, 2, 15)),
        (D(2025, 10, 31), {"months": 2}, D(2025, 12, 31)),
        # ... or that month's last day when it has no such day.
        (D(2025, 11, 30), {"months": 3}, D(2026, 2, 28)),  # req §2
        (D(2020, 1, 31), {"months": 1}, D(2020, 2, 29)),
        (D(2021, 1, 31), {"months": 1}, D(2021, 2, 28)),
        (D(2025, 8, 31), {"months": 1}, D(2025, 9, 30)),
        (D(2025, 3, 31), {"months": 6}, D(2025, 9, 30)),
        # Years.
        (D(2024, 2, 29), {"years": 1}, D(2025, 2, 28)),
        (D(2024, 2, 29), {"years": 4}, D(2028, 2, 29)),
        (D(2023, 6, 30), {"years": 3}, D(2026, 6, 30)),
        (D(2023, 6, 30), {"years": 1, "months": 6}, D(2024, 12, 30)),
    ],
)
def test_end_of_period(event: dt.date, kwargs: dict[str, int], expected: dt.date) -> None:
    assert end_of_period(event, **kwargs) == expected


def test_months_are_not_thirty_days() -> None:
    assert end_of_period(D(2025, 1, 31), months=1) != D(2025, 1, 31) + dt.timedelta(days=30)
    assert end_of_period(D(2025, 1, 1), months=12) == D(2026, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "days"),
        ({"days": -1}, "days"),
        ({"months": -1}, "months"),
        ({"days": 3, "months": 1}, "days"),
        ({"years": 500}, "years"),
        ({"days": 100_001}, "days"),
        ({"months": 2.5}, "months"),
        ({"years": True}, "years"),
    ],
)
def test_bad_periods_are_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        end_of_period(D(2025, 1, 1), **kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_event_date_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        end_of_period(D(1800, 1, 1), days=1)
    assert refused.value.field == "event_date"
    with pytest.raises(InvalidInput):
        end_of_period(D(2200, 6, 1), years=1)


# -- art. 203 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "kwargs", "expected"),
    [
        # Ends on a working day: unchanged.
        (D(2020, 9, 25), {"days": 3}, D(2020, 9, 28)),
        # Ends in National Day 2020 (10-01..08): moves to 10-09.
        (D(2020, 9, 25), {"days": 7}, D(2020, 10, 9)),
        (D(2020, 9, 1), {"months": 1}, D(2020, 10, 9)),
        # Ends on the make-up Saturday 2020-10-10: a working day, unchanged.
        (D(2020, 10, 5), {"days": 5}, D(2020, 10, 10)),
        # Ends on an ordinary Sunday: moves to Monday.
        (D(2020, 10, 4), {"days": 7}, D(2020, 10, 12)),
        # Spring Festival 2024 (02-10..17 off, Sunday 02-18 worked).
        (D(2024, 1, 12), {"months": 1}, D(2024, 2, 18)),
        (D(2024, 2, 3), {"days": 1}, D(2024, 2, 4)),
        # Spring Festival 2025 (01-28..02-04 off, Saturday 02-08 worked).
        (D(2024, 12, 28), {"months": 1}, D(2025, 2, 5)),
        (D(2025, 1, 8), {"months": 1}, D(2025, 2, 8)),
        # Month-end clamping: 2025-11-30 + 3 months = 2026-02-28, a Saturday but a make-up working day.
        (D(2025, 11, 30), {"months": 3}, D(2026, 2, 28)),
        # ... and 2025-10-31 + 4 months = 2026-02-28 too; 2025-12-01 + 3 months = Sunday 2026-03-01 -> 03-02.
        (D(2025, 10, 31), {"months": 4}, D(2026, 2, 28)),
        (D(2025, 12, 1), {"months": 3}, D(2026, 3, 2)),
    ],
)
def test_deadline_to_act(event: dt.date, kwargs: dict[str, int], expected: dt.date) -> None:
    result = deadline_to_act(event, calendar=CAL, **kwargs)
    assert result.date == expected
    assert not result.provisional


def test_deadline_in_an_unknown_year_is_provisional() -> None:
    # 2027-02-06 is a Saturday and 初一: the statutory holidays computed (除夕 to 初三, 补假 2/9–2/10) move it to
    # Thursday 02-11, provisionally.
    result = deadline_to_act(D(2027, 1, 6), months=1, calendar=CAL)
    assert result.date == D(2027, 2, 11)
    assert result.provisional
    # Once the office enters 2027's Spring Festival and declares the year, it is certain.
    office = WorkCalendar(
        {D(2027, 2, day): (False, "春节") for day in range(5, 12)} | {D(2027, 2, 20): (True, "调休上班")},
        complete_years={2027},
    )
    certain = deadline_to_act(D(2027, 1, 6), months=1, calendar=office)
    assert certain.date == D(2027, 2, 12)
    assert not certain.provisional


# -- properties -------------------------------------------------------------------------------------

events = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(event=events, days=st.integers(1, 5000), months=st.integers(1, 600))
def test_end_is_after_the_event(event: dt.date, days: int, months: int) -> None:
    assert end_of_period(event, days=days) == event + dt.timedelta(days=days)
    assert end_of_period(event, months=months) > event


@settings(max_examples=300, deadline=None)
@given(event=events, months=st.integers(1, 600))
def test_month_end_clamping(event: dt.date, months: int) -> None:
    end = end_of_period(event, months=months)
    month_index = (end.year - event.year) * 12 + end.month - event.month
    assert month_index == months
    last_day = calendar.monthrange(end.year, end.month)[1]
    assert end.day == min(event.day, last_day)


@settings(max_examples=300, deadline=None)
@given(event=events, years=st.integers(1, 50))
def test_twelve_months_is_one_year(event: dt.date, years: int) -> None:
    assert end_of_period(event, months=12 * years) == end_of_period(event, years=years)
    assert add_months(event, 12 * years) == end_of_period(event, years=years)


@settings(max_examples=200, deadline=None)
@given(event=st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 6, 30)), days=st.integers(1, 400))
def test_deadline_is_the_first_working_day_on_or_after_the_end(event: dt.date, days: int) -> None:
    end = end_of_period(event, days=days)
    result = deadline_to_act(event, days=days, calendar=CAL)
    assert result.date >= end
    assert CAL.is_working_day(result.date).working
    day = end
    while day < result.date:
        assert not CAL.is_working_day(day).working
        day += dt.timedelta(days=1)


def test_month_bounds_is_a_half_open_calendar_month() -> None:
    from xinyong.core.periods import month_bounds

    assert month_bounds("2020-12") == (dt.date(2020, 12, 1), dt.date(2021, 1, 1))
    assert month_bounds(" 2024-02 ") == (dt.date(2024, 2, 1), dt.date(2024, 3, 1))
    for bad in ("2020-1", "2020-13", "20-01", "abcd-01", "", "2020-01-01", "9999-01", "2020-01" * 1000):
        with pytest.raises(InvalidInput) as refused:
            month_bounds(bad)
        assert refused.value.field == "month"
