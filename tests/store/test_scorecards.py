"""Department scorecards (部门信用工作考核) on a hand-made month, on both databases: each indicator's right answer is
written in tests/support/scorecard_rows.py (across 国庆 2026), the total, the ranking, the department's view of its
own card only, the rows behind a figure, and weight versions that leave a past month as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.support import builders, scorecard_rows
from tests.support.scorecard_rows import EXPECTED, EXPECTED_SCORE, MONTH
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.scorecards import service
from xinyong.scorecards.rules import Indicator
from xinyong.scorecards.schemas import ModelIn

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:xyb", department_code="FGW")
AUDITOR = Actor(role=Role.AUDITOR, id="user:auditor")
BUSINESS = Actor(role=Role.BUSINESS_SYSTEM, id="client:1", department_code="SCJGJ")


@pytest.fixture
def month(db: Session) -> Session:
    scorecard_rows.build_month(db)
    return db


def test_every_indicator_and_the_total_on_the_hand_made_month(month: Session) -> None:
    card, scores = service.department_card(month, OFFICE, "SCJGJ", MONTH)
    assert scores.reference == dt.date(2026, 9, 30) and scores.model.version == 0
    for key, (good, due, value) in EXPECTED.items():
        figure = card.figures[Indicator(key)]
        assert (figure.good, figure.due) == (good, due), key
        assert figure.value == pytest.approx(value), key
    assert card.figures[Indicator.OVERDUE_OPEN].score == pytest.approx(0.7)
    assert card.score == EXPECTED_SCORE
    points = sum(card.points(i, scores.model.weights) or 0 for i in Indicator)
    assert points == pytest.approx(60.833, abs=0.01)


def test_ranking_puts_departments_without_data_last(month: Session) -> None:
    scores = service.month_scores(month, OFFICE, MONTH)
    assert [(c.department, c.rank, c.score) for c in scores.cards[:2]] == [("SWJ", 1, 100.0), ("SCJGJ", 2, 60.8)]
    assert scores.ranked == 2 and len(scores.cards) == 47
    assert all(c.rank is None and c.score is None for c in scores.cards[2:])
    assert [c.department for c in service.month_scores(month, AUDITOR, MONTH).cards[:2]] == ["SWJ", "SCJGJ"]


def test_a_department_sees_only_its_own_card(month: Session) -> None:
    own = service.month_scores(month, builders.operator("SCJGJ"), MONTH)
    assert [(c.department, c.rank) for c in own.cards] == [("SCJGJ", 2)]
    with pytest.raises(Forbidden):
        service.department_card(month, builders.operator("SWJ"), "SCJGJ", MONTH)
    with pytest.raises(Forbidden):
        service.rows(month, builders.operator("SWJ"), "SCJGJ", "publicity_on_time", MONTH)
    with pytest.raises(Forbidden):
        service.month_scores(month, BUSINESS, MONTH)


def test_rows_behind_each_figure(month: Session) -> None:
    decisions = service.rows(month, OFFICE, "SCJGJ", "publicity_on_time", MONTH)
    assert sorted(r["status"] for r in decisions) == ["已逾期未公示", "按时公示", "按时公示", "逾期公示"]
    assert {r["deadline"] for r in decisions if r["decision_date"] == dt.date(2026, 9, 28)} == {dt.date(2026, 10, 13)}
    objections = service.rows(month, OFFICE, "SCJGJ", "objections_on_time", MONTH)
    assert sorted(r["state"] for r in objections) == ["按期办结", "超期办结", "逾期未办结"]
    overdue = service.rows(month, OFFICE, "SCJGJ", "overdue_open", MONTH)
    assert len(overdue) == EXPECTED["overdue_open"][0]
    feedback = service.rows(month, OFFICE, "SCJGJ", "check_feedback", MONTH)
    assert len(feedback) == 4 and feedback[0]["feedback_at"] is None
    assert len(service.rows(month, OFFICE, "SCJGJ", "data_volume", MONTH)) == 4
    refused = service.rows(month, OFFICE, "SCJGJ", "data_quality", MONTH)
    assert [r["fields"] for r in refused] == ["行政相对人名称", "行政相对人名称"]
    lists = service.rows(month, OFFICE, "SCJGJ", "lists_on_time", MONTH)
    # 09-20 is a make-up working Sunday before 国庆: 09-01 + 15 working days is 09-21, 09-10 + 7 is 09-20
    assert [r["deadline"] for r in lists] == [dt.date(2026, 9, 21), dt.date(2026, 9, 20)]
    with pytest.raises(InvalidInput):
        service.rows(month, OFFICE, "SCJGJ", "nonsense", MONTH)


def _weights(**changed: int) -> dict[str, int]:
    weights = {i.value: 10 for i in Indicator} | {"publicity_on_time": 20}
    return weights | changed


def test_a_new_weight_version_leaves_past_months_as_they_were(month: Session) -> None:
    before = service.department_card(month, OFFICE, "SCJGJ", MONTH)[0].score
    clock.freeze(dt.datetime(2026, 10, 20, 2, tzinfo=dt.UTC))
    made = service.create_model(
        month,
        OFFICE,
        ModelIn(
            effective_month="2026-10",
            weights=_weights(publicity_on_time=50, data_quality=0, data_volume=0, check_feedback=0),
            note="十月起加重双公示",
        ),
    )
    assert made.version >= 1
    assert service.department_card(month, OFFICE, "SCJGJ", MONTH)[0].score == before  # September keeps version 0
    assert service.model_for(month, "2026-10").version == made.version
    assert service.model_for(month, MONTH).version == 0
    with pytest.raises(InvalidInput):  # a version cannot reach back into a month already scored
        service.create_model(month, OFFICE, ModelIn(effective_month=MONTH, weights=_weights()))
    with pytest.raises(InvalidInput):
        service.create_model(month, OFFICE, ModelIn(effective_month="2026-11", weights=_weights(data_quality=11)))
    with pytest.raises(Forbidden):
        service.create_model(month, builders.operator("SCJGJ"), ModelIn(effective_month="2026-11", weights=_weights()))


def test_bad_months(month: Session) -> None:
    for bad in ("2026-13", "2026-9", "abcd-ef", "2027-01", "1999-12"):
        with pytest.raises(InvalidInput):
            service.month_scores(month, OFFICE, bad)
    with pytest.raises(InvalidInput):
        service.trend(month, OFFICE, MONTH, 13)


def test_trend_scores_each_month(month: Session) -> None:
    found = service.trend(month, OFFICE, "2026-10", 2)
    assert found.months == ["2026-09", "2026-10"]
    assert found.series["SCJGJ"][0] == EXPECTED_SCORE
