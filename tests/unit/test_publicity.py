"""双公示 rules (req §3.3): publicity periods by severity and regime, and the 7-working-day timeliness rule."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.core.errors import InvalidInput
from xinyong.core.workdays import WorkCalendar, builtin_calendar
from xinyong.records.publicity import (
    CURRENT_REGIME,
    DEFAULT_POLICY,
    REGIME_2019,
    MonthRange,
    PublicityPolicy,
    PublicityRegime,
    TimelinessStatus,
    is_published_on,
    on_time_rate,
    publication_deadline,
    publication_window,
    timeliness,
    withdrawal_deadline,
)
from xinyong.records.rules import Kind, Severity, Status

D = dt.date
CAL = builtin_calendar()
S = TimelinessStatus


# -- the 7-working-day deadline ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "deadline"),
    [
        # National Day and Mid-Autumn 2020: 10-01..08 off, Sunday 09-27 and Saturday 10-10 worked (req §2).
        (D(2020, 9, 25), D(2020, 10, 12)),
        (D(2020, 9, 30), D(2020, 10, 16)),
        (D(2020, 10, 1), D(2020, 10, 16)),  # a decision on a holiday: counting still starts the next day
        # Spring Festival 2024: 02-10..17 off, Sunday 02-18 worked.
        (D(2024, 2, 7), D(2024, 2, 22)),
        (D(2024, 2, 8), D(2024, 2, 23)),
        # Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
        (D(2025, 1, 24), D(2025, 2, 10)),
        (D(2025, 1, 27), D(2025, 2, 12)),
    ],
)
def test_publication_deadline(decision: dt.date, deadline: dt.date) -> None:
    result = publication_deadline(decision, CAL)
    assert result.date == deadline
    assert not result.provisional


def test_deadline_in_an_unknown_year_is_provisional() -> None:
    result = publication_deadline(D(2026, 12, 28), CAL)
    assert result.date == D(2027, 1, 7)  # 2027's statutory holidays computed: 元旦 is not a working day
    assert result.provisional
    assert result.unknown_years == (2027,)
    status = timeliness(D(2026, 12, 28), None, D(2026, 12, 30), CAL)
    assert status.provisional
    # Once the office enters 2027's holidays the answer is final.
    office = WorkCalendar({D(2027, 1, 1): (False, "元旦")}, complete_years=[2027])
    final = publication_deadline(D(2026, 12, 28), office)
    assert final.date == D(2027, 1, 7)
    assert not final.provisional


def test_withdrawal_deadline_counts_three_working_days() -> None:
    assert withdrawal_deadline(D(2020, 9, 30), CAL).date == D(2020, 10, 12)
    assert withdrawal_deadline(D(2025, 3, 7), CAL).date == D(2025, 3, 12)
    assert withdrawal_deadline(D(2025, 3, 7), CAL, working_days=5).date == D(2025, 3, 14)


# -- timeliness -------------------------------------------------------------------------------------


def test_published_on_the_deadline_is_on_time_and_the_day_after_is_late() -> None:
    on_time = timeliness(D(2020, 9, 25), D(2020, 10, 12), D(2020, 10, 20), CAL)
    assert on_time.status is S.ON_TIME
    assert on_time.deadline == D(2020, 10, 12)
    assert on_time.working_days_elapsed == 7
    assert on_time.working_days_left is None
    late = timeliness(D(2020, 9, 25), D(2020, 10, 13), D(2020, 10, 20), CAL)
    assert late.status is S.LATE
    assert late.working_days_elapsed == 8
    same_day = timeliness(D(2020, 9, 25), D(2020, 9, 25), D(2020, 9, 25), CAL)
    assert (same_day.status, same_day.working_days_elapsed) == (S.ON_TIME, 0)


@pytest.mark.parametrize(
    ("today", "status", "left"),
    [
        (D(2020, 9, 25), S.PENDING, 7),
        (D(2020, 10, 8), S.PENDING, 3),  # last day of the holiday: three working days left
        (D(2020, 10, 9), S.DUE_SOON, 2),  # two working days before the deadline
        (D(2020, 10, 10), S.DUE_SOON, 1),  # the make-up Saturday: the working day before the deadline
        (D(2020, 10, 11), S.DUE_SOON, 1),  # a rest day inside the alert stays in alert
        (D(2020, 10, 12), S.DUE_SOON, 0),  # the deadline day itself
        (D(2020, 10, 13), S.OVERDUE, -1),
    ],
)
def test_unpublished_decision_across_national_day(today: dt.date, status: TimelinessStatus, left: int) -> None:
    result = timeliness(D(2020, 9, 25), None, today, CAL)
    assert result.status is status
    assert result.working_days_left == left
    assert result.working_days_elapsed == CAL.count_working_days(D(2020, 9, 25), today).count


def test_alert_window_is_configurable() -> None:
    assert timeliness(D(2020, 9, 25), None, D(2020, 10, 10), CAL, alert_before=0).status is S.PENDING
    assert timeliness(D(2020, 9, 25), None, D(2020, 10, 12), CAL, alert_before=0).status is S.DUE_SOON
    assert timeliness(D(2020, 9, 25), None, D(2020, 9, 30), CAL, alert_before=5).status is S.DUE_SOON
    assert timeliness(D(2020, 9, 25), D(2020, 10, 13), D(2020, 10, 13), CAL, working_days=10).status is S.ON_TIME


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"decision_date": D(2020, 10, 2), "published_date": None, "today": D(2020, 10, 1)}, "decision_date"),
        (
            {"decision_date": D(2020, 9, 25), "published_date": D(2020, 9, 24), "today": D(2020, 10, 1)},
            "published_date",
        ),
        (
            {"decision_date": D(2020, 9, 25), "published_date": None, "today": D(2020, 10, 1), "working_days": 0},
            "working_days",
        ),
        (
            {"decision_date": D(2020, 9, 25), "published_date": None, "today": D(2020, 10, 1), "alert_before": -1},
            "alert_before",
        ),
        ({"decision_date": "2020-09-25", "published_date": None, "today": D(2020, 10, 1)}, "decision_date"),
    ],
)
def test_timeliness_rejects_impossible_input(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        timeliness(calendar=CAL, **kwargs)
    assert caught.value.field == field


def test_on_time_rate_across_national_day_2020() -> None:
    today = D(2020, 10, 14)
    decisions = [
        (D(2020, 9, 25), D(2020, 10, 12)),  # on time, on its deadline
        (D(2020, 9, 25), D(2020, 10, 13)),  # a day late
        (D(2020, 9, 24), None),  # deadline 10-10 passed: overdue, counts as due and not on time
        (D(2020, 10, 9), D(2020, 10, 9)),  # published the same day
        (D(2020, 9, 28), None),  # deadline today (10-14): still possible, not due
        (D(2020, 9, 30), None),  # deadline 10-16: not due
    ]
    items = [timeliness(decision, published, today, CAL) for decision, published in decisions]
    assert [item.status for item in items] == [S.ON_TIME, S.LATE, S.OVERDUE, S.ON_TIME, S.DUE_SOON, S.DUE_SOON]
    assert items[4].deadline == today
    rate = on_time_rate(items)
    assert (rate.on_time, rate.due, rate.rate) == (2, 4, 0.5)
    on_time, due, share = rate  # a plain tuple too
    assert (on_time, due, share) == (2, 4, 0.5)
    # Statuses alone work too, and nothing due gives no rate rather than 0 % or 100 %.
    assert on_time_rate([S.ON_TIME, S.LATE, S.PENDING]) == (1, 2, 0.5)
    assert on_time_rate([]) == (0, 0, None)
    assert on_time_rate([S.PENDING, S.DUE_SOON]) == (0, 0, None)


# -- publicity periods ------------------------------------------------------------------------------


def test_general_penalty_window_clamps_to_the_month_end() -> None:
    window = publication_window(D(2025, 11, 30), Severity.GENERAL)
    assert window.min_end == D(2026, 2, 28)  # req §2: 2025-11-30 + 3 months
    assert window.max_end == D(2026, 11, 30)
    assert window.regime == CURRENT_REGIME.name
    assert not window.may_end_early_on(D(2026, 2, 28))
    assert window.may_end_early_on(D(2026, 3, 1))


def test_serious_penalty_lasts_at_most_three_years() -> None:
    window = publication_window(D(2024, 2, 29), Severity.SERIOUS)
    assert window.min_end == D(2025, 2, 28)
    assert window.max_end == D(2027, 2, 28)
    assert is_published_on(D(2024, 2, 29), Severity.SERIOUS, D(2027, 2, 28))
    assert not is_published_on(D(2024, 2, 29), Severity.SERIOUS, D(2027, 3, 1))
    assert window.expired_on(D(2027, 3, 1))


def test_minor_penalty_has_no_minimum() -> None:
    window = publication_window(D(2025, 5, 31), Severity.MINOR)
    assert window.min_end is None
    assert window.max_end == D(2025, 8, 31)
    assert window.may_end_early_on(D(2025, 5, 31))
    assert not is_published_on(D(2025, 5, 31), "轻微", D(2025, 9, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("decision", "severity", "min_end", "max_end", "regime"),
    [
        (D(2022, 6, 15), Severity.SERIOUS, D(2022, 12, 15), D(2025, 6, 15), REGIME_2019.name),
        (D(2024, 6, 15), Severity.SERIOUS, D(2025, 6, 15), D(2027, 6, 15), CURRENT_REGIME.name),
        (D(2023, 4, 30), Severity.SERIOUS, D(2023, 10, 30), D(2026, 4, 30), REGIME_2019.name),
        (D(2023, 5, 1), Severity.SERIOUS, D(2024, 5, 1), D(2026, 5, 1), CURRENT_REGIME.name),
        (D(2022, 6, 15), Severity.MINOR, D(2022, 9, 15), D(2023, 6, 15), REGIME_2019.name),  # 2019 had no 轻微
        (D(2018, 3, 31), Severity.GENERAL, D(2018, 6, 30), D(2019, 3, 31), REGIME_2019.name),
    ],
)
def test_periods_follow_the_regime_at_the_decision_date(
    decision: dt.date, severity: Severity, min_end: dt.date, max_end: dt.date, regime: str
) -> None:
    window = publication_window(decision, severity)
    assert (window.min_end, window.max_end, window.regime) == (min_end, max_end, regime)


def test_publication_by_status_and_kind() -> None:
    decided = D(2025, 6, 1)
    assert not is_published_on(decided, Severity.GENERAL, D(2025, 5, 31))  # not before the decision
    assert is_published_on(decided, Severity.GENERAL, decided)
    assert is_published_on(decided, Severity.GENERAL, D(2025, 7, 1), status=Status.OBJECTED)
    for status in (Status.REPAIRED, Status.REVOKED, Status.EXPIRED):
        assert not is_published_on(decided, Severity.GENERAL, D(2025, 7, 1), status=status)
    # Licences have no automatic end; only their status takes them offline.
    assert is_published_on(D(2010, 1, 1), None, D(2040, 1, 1), kind=Kind.LICENSE)
    assert not is_published_on(D(2010, 1, 1), None, D(2011, 1, 1), kind=Kind.LICENSE, status=Status.REVOKED)
    with pytest.raises(InvalidInput) as caught:
        is_published_on(decided, None, D(2025, 7, 1))
    assert caught.value.field == "severity"
    with pytest.raises(InvalidInput) as caught:
        is_published_on(decided, Severity.GENERAL, D(2025, 7, 1), kind=Kind.INSPECTION)
    assert caught.value.field == "kind"
    with pytest.raises(InvalidInput) as caught:
        publication_window(decided, "很严重")  # type: ignore[arg-type]
    assert caught.value.field == "severity"


# -- configuration ----------------------------------------------------------------------------------


def test_default_policy_round_trips_through_json() -> None:
    data = json.loads(json.dumps(DEFAULT_POLICY.to_dict(), ensure_ascii=False))
    assert data["regimes"][1]["periods"]["严重"] == {"min_months": 12, "max_months": 36}
    assert data["regimes"][1]["effective_from"] == "2023-05-01"
    assert PublicityPolicy.from_dict(data) == DEFAULT_POLICY
    assert PublicityPolicy.from_dict({"regimes": data["regimes"]}) == DEFAULT_POLICY  # limits default


def test_office_adds_a_regime() -> None:
    data = DEFAULT_POLICY.to_dict()
    later = json.loads(json.dumps(data["regimes"][1]))
    later.update(name="2027", document="假设的新规", effective_from="2027-01-01")
    later["periods"]["严重"] = {"min_months": 6, "max_months": 24}
    policy = PublicityPolicy.from_dict({**data, "regimes": [*data["regimes"], later]})
    assert policy.regime_for(D(2026, 12, 31)).name == CURRENT_REGIME.name
    window = publication_window(D(2027, 1, 31), Severity.SERIOUS, policy)
    assert (window.min_end, window.max_end, window.regime) == (D(2027, 7, 31), D(2029, 1, 31), "2027")


def _policy(**changes: Any) -> dict[str, Any]:
    data = DEFAULT_POLICY.to_dict()
    data.update(changes)
    return data


def _with_period(index: int, severity: str, **period: Any) -> dict[str, Any]:
    data = DEFAULT_POLICY.to_dict()
    data["regimes"][index]["periods"][severity] = period
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_with_period(1, "一般", min_months=13, max_months=12), "regimes[1].periods.一般.min_months"),
        (_with_period(0, "严重", min_months=-1, max_months=36), "regimes[0].periods.严重.min_months"),
        (_with_period(1, "轻微", min_months=0, max_months=0), "regimes[1].periods.轻微.max_months"),
        (_with_period(1, "轻微", min_months=0, max_months=-3), "regimes[1].periods.轻微.max_months"),
        (_with_period(1, "轻微", min_months="3", max_months=3), "regimes[1].periods.轻微.min_months"),
        (_with_period(1, "轻微", min_months=1.5, max_months=3), "regimes[1].periods.轻微.min_months"),
        (_with_period(1, "轻微", min_months=0, max_months=3, note="x"), "regimes[1].periods.轻微.note"),
        (_with_period(1, "特别严重", min_months=0, max_months=3), "regimes[1].periods.特别严重"),
        (_policy(regimes=[]), "regimes"),
        (_policy(regimes="2019"), "regimes"),
        (_policy(regimes=[CURRENT_REGIME.to_dict(), REGIME_2019.to_dict()]), "regimes[1].effective_from"),
        (_policy(regimes=[CURRENT_REGIME.to_dict(), CURRENT_REGIME.to_dict()]), "regimes[1].effective_from"),
        (_policy(regimes=[{**CURRENT_REGIME.to_dict(), "effective_from": "2023-02-30"}]), "regimes[0].effective_from"),
        (_policy(regimes=[{**CURRENT_REGIME.to_dict(), "name": ""}]), "regimes[0].name"),
        (_policy(regimes=[{**CURRENT_REGIME.to_dict(), "periods": None}]), "regimes[0].periods"),
        (_policy(regimes=["2019"]), "regimes[0]"),
        (_policy(deadline_working_days=0), "deadline_working_days"),
        (_policy(alert_working_days=-1), "alert_working_days"),
        (_policy(withdrawal_working_days=True), "withdrawal_working_days"),
        (_policy(extra=1), "extra"),
    ],
)
def test_policy_validation_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        PublicityPolicy.from_dict(data)
    assert caught.value.field == field


def test_missing_severity_and_uncovered_dates() -> None:
    data = CURRENT_REGIME.to_dict()
    del data["periods"]["严重"]
    with pytest.raises(InvalidInput) as caught:
        PublicityRegime.from_dict(data)
    assert caught.value.field == "periods.严重"
    only_current = PublicityPolicy(regimes=(CURRENT_REGIME,))
    with pytest.raises(InvalidInput) as caught:
        only_current.regime_for(D(2023, 4, 30))
    assert caught.value.field == "decision_date"
    with pytest.raises(InvalidInput):
        PublicityRegime("x", "", D(2025, 1, 1), {s: MonthRange(5, 3) for s in Severity})


# -- properties -------------------------------------------------------------------------------------

dates = st.dates(min_value=D(2005, 1, 1), max_value=D(2026, 12, 20))


@settings(max_examples=150, deadline=None)
@given(decision=dates, severity=st.sampled_from(list(Severity)))
def test_window_is_ordered(decision: dt.date, severity: Severity) -> None:
    window = publication_window(decision, severity)
    assert window.max_end > decision
    if window.min_end is not None:
        assert decision < window.min_end <= window.max_end
    assert is_published_on(decision, severity, window.max_end)
    assert not is_published_on(decision, severity, window.max_end + dt.timedelta(days=1))


@settings(max_examples=150, deadline=None)
@given(decision=dates, working_days=st.integers(min_value=1, max_value=20))
def test_deadline_is_a_working_day_and_publishing_on_it_is_on_time(decision: dt.date, working_days: int) -> None:
    deadline = publication_deadline(decision, CAL, working_days=working_days).date
    assert CAL.is_working_day(deadline).working
    assert CAL.count_working_days(decision, deadline).count == working_days
    on_deadline = timeliness(decision, deadline, deadline, CAL, working_days=working_days)
    assert on_deadline.status is S.ON_TIME
    assert on_deadline.working_days_elapsed == working_days
    after = deadline + dt.timedelta(days=1)
    assert timeliness(decision, after, after, CAL, working_days=working_days).status is S.LATE
    assert timeliness(decision, None, after, CAL, working_days=working_days).status is S.OVERDUE
