"""The publicity end (公示截止日期) of a penalty: the maximum period of its severity under the regime in force on the
decision date, with where it comes from."""

from __future__ import annotations

import datetime as dt

from xinyong.records.publicity import publicity_end
from xinyong.records.rules import Kind, Severity


def test_current_regime_general_penalty() -> None:
    end = publicity_end(Kind.PENALTY, dt.date(2025, 11, 30), "一般")
    assert end is not None
    assert (end.date, end.regime, end.severity, end.max_months) == (dt.date(2026, 11, 30), "现行", Severity.GENERAL, 12)
    assert end.rule == "一般失信：最长公示1年，自决定日期次日起算"


def test_old_regime_serious_penalty_and_month_ends() -> None:
    end = publicity_end(Kind.PENALTY, dt.date(2020, 2, 29), Severity.SERIOUS)
    assert end is not None
    assert (end.date, end.regime, end.max_months) == (dt.date(2023, 2, 28), "2019年旧规", 36)
    assert "527号" in end.document and end.rule.startswith("严重失信：最长公示3年")


def test_missing_severity_is_read_as_general_and_said_so() -> None:
    end = publicity_end(Kind.PENALTY, dt.date(2024, 3, 1), None)
    assert end is not None and end.date == dt.date(2025, 3, 1) and not end.severity_given
    assert "按一般失信" in end.rule


def test_other_kinds_have_no_publicity_end() -> None:
    assert publicity_end(Kind.LICENSE, dt.date(2024, 3, 1), None) is None
    assert publicity_end(Kind.EVALUATION, dt.date(2024, 3, 1), None) is None
