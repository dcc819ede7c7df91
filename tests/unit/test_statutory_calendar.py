"""The provisional calendar: statutory fixed-date and lunar holidays computed for years beyond chinesecalendar's
table, checked against that table for the years it knows; the office's table replaces the computation."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from xinyong.core.workdays import LIBRARY_YEARS, WorkCalendar, builtin_calendar, statutory_holidays


@pytest.mark.parametrize("year", range(2008, 2027))
def test_computed_holidays_are_the_known_ones(year: int) -> None:
    """Every statutory day computed for 2008–2026 (春节 on the lunar calendar, 清明 on its solar term, 端午, 中秋, the
    fixed dates) is a rest day in chinesecalendar's data for that year, so the computation is right where it can be
    checked (补假 days are left out: the State Council arranges those with 调休)."""
    computed = {day for day, name in statutory_holidays(year).items() if not name.endswith("补假")}
    working = sorted(day for day in computed if chinese_calendar.is_workday(day))
    assert working == []
    # and the lunar ones are named as holidays there whenever they fall on a weekday
    for day, name in statutory_holidays(year).items():
        if name in ("端午节", "中秋节", "清明节") and day.weekday() < 5:
            assert day in chinese_calendar.holidays, (day, name)


def test_lunar_festivals_of_known_years() -> None:
    names = {(d, n) for d, n in statutory_holidays(2026).items()}
    assert (dt.date(2026, 2, 16), "春节") in names  # 除夕
    assert (dt.date(2026, 2, 17), "春节") in names  # 正月初一
    assert (dt.date(2026, 4, 5), "清明节") in names
    assert (dt.date(2026, 6, 19), "端午节") in names
    assert (dt.date(2026, 9, 25), "中秋节") in names


def test_a_year_beyond_the_table_is_provisional_with_its_holidays() -> None:
    assert 2027 not in LIBRARY_YEARS
    calendar = builtin_calendar()
    for day, name in [
        (dt.date(2027, 1, 1), "元旦"),
        (dt.date(2027, 2, 5), "春节"),  # 除夕 (Friday)
        (dt.date(2027, 2, 8), "春节"),  # 初三 (Monday)
        (dt.date(2027, 2, 9), "春节补假"),  # 初一 and 初二 fell on the weekend
        (dt.date(2027, 4, 5), "清明节"),
        (dt.date(2027, 5, 3), "劳动节补假"),
        (dt.date(2027, 6, 9), "端午节"),
        (dt.date(2027, 9, 15), "中秋节"),
        (dt.date(2027, 10, 1), "国庆节"),
    ]:
        answer = calendar.is_working_day(day)
        assert (answer.working, answer.name, answer.provisional) == (False, name, True), day
    # no make-up working days: a weekend stays a rest day
    assert not calendar.is_working_day(dt.date(2027, 9, 26)).working
    # 7 working days from 2027-09-28: 29, 30, (1–5 Oct off), 6, 7, 8, 11, 12
    result = calendar.add_working_days(dt.date(2027, 9, 28), 7)
    assert result.date == dt.date(2027, 10, 12) and result.unknown_years == (2027,)
    assert calendar.year_source(2027) == "statutory" and calendar.year_source(2026) == "chinesecalendar"


def test_the_offices_table_replaces_the_computation() -> None:
    notice = {
        dt.date(2027, 10, 1): (False, "国庆节"),
        dt.date(2027, 10, 4): (False, "国庆节"),
        dt.date(2027, 10, 9): (True, "调休上班"),  # a Saturday worked
    }
    entered = WorkCalendar(notice, complete_years=[2027])
    assert entered.year_source(2027) == "office"
    assert not entered.is_working_day(dt.date(2027, 10, 4)).provisional
    assert entered.is_working_day(dt.date(2027, 10, 5)).working  # not in the notice: no computed 补假 left
    assert entered.is_working_day(dt.date(2027, 10, 9)).working
    assert entered.is_working_day(dt.date(2027, 2, 9)).working  # the computed 春节补假 is gone too
    # a table not yet declared complete lays its days over the computation, still provisional
    partial = WorkCalendar(notice)
    assert not partial.is_working_day(dt.date(2027, 10, 5)).working
    assert (
        partial.is_working_day(dt.date(2027, 10, 9)).working
        and partial.is_working_day(dt.date(2027, 10, 9)).provisional
    )


def test_far_years_compute() -> None:
    assert statutory_holidays(2200)[dt.date(2200, 10, 1)] == "国庆节"
    assert statutory_holidays(1990)[dt.date(1990, 1, 1)] == "元旦"
