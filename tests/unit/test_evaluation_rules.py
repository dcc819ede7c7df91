"""The scoring model as data: parsing (and refusing bad models with the field named), caps, grades, windows."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from xinyong.core.errors import InvalidInput
from xinyong.evaluation.rules import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_JSON,
    LIST_CATEGORIES,
    RECORD_KINDS,
    Grade,
    earliest_counted,
    parse_model,
    score,
    window_end,
)
from xinyong.lists.rules import ListCategory
from xinyong.records.rules import Kind, Severity


def test_vocabulary_matches_records_and_lists() -> None:
    assert {k.value for k in Kind} == RECORD_KINDS
    # every list category that binds is one the model may score; honour lists (守信激励) never bind anyone and are
    # not scored as entries (an honour reaches the grade as a 诚信荣誉 record)
    assert {c.value for c in ListCategory} - {ListCategory.HONOUR.value} == LIST_CATEGORIES
    assert {"serious", "watch", "market_ban"} == LIST_CATEGORIES
    assert {"轻微", "一般", "严重"} == {s.value for s in Severity}


def test_default_model_round_trips() -> None:
    assert parse_model(DEFAULT_MODEL.as_json()) == DEFAULT_MODEL
    assert DEFAULT_MODEL.base == 1000
    assert len(DEFAULT_MODEL.digest()) == 64


def test_caps_and_grades() -> None:
    result = score(DEFAULT_MODEL, {"penalty_serious": 10, "honour": 1})
    assert result.points == {"penalty_serious": -450, "honour": 30}
    assert result.score == 1000 - 450 + 30 and result.grade is Grade.D
    assert score(DEFAULT_MODEL, {}).grade is Grade.B
    assert score(DEFAULT_MODEL, {"honour": 1}).grade is Grade.A
    assert score(DEFAULT_MODEL, {"penalty_general": 2}).grade is Grade.C
    assert score(DEFAULT_MODEL, {"honour": 3, "reward": 3}).score == 1180, "bonus caps hold too"


def test_serious_list_forces_d_whatever_the_score() -> None:
    raw = copy.deepcopy(DEFAULT_MODEL_JSON)
    raw["indicators"][0]["points"] = -1
    model = parse_model(raw)
    result = score(model, {"serious_list": 1, "honour": 3})
    assert result.score == 1089 and result.grade is Grade.D and result.forced_by == "serious_list"


def test_windows_use_corresponding_days() -> None:
    assert earliest_counted(dt.date(2026, 3, 31), 1) == dt.date(2026, 3, 1)  # 2-28 + 1 month is 3-28
    assert window_end(dt.date(2026, 2, 28), 1) == dt.date(2026, 3, 28)
    day = dt.date(2026, 11, 20)
    first = earliest_counted(day, 12)
    assert window_end(first, 12) >= day > window_end(first - dt.timedelta(days=1), 12)


def _bad(change: dict[str, Any] | None = None, **top: Any) -> str | None:
    raw = copy.deepcopy(DEFAULT_MODEL_JSON)
    if change is not None:
        raw["indicators"][0] = {**raw["indicators"][0], **change}
    raw.update(top)
    with pytest.raises(InvalidInput) as error:
        parse_model(raw)
    return error.value.field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": 0}, "indicators[0].points"),
        ({"points": True}, "indicators[0].points"),
        ({"points": 10**9}, "indicators[0].points"),
        ({"cap": -1}, "indicators[0].cap"),
        ({"source": "gossip"}, "indicators[0].source"),
        ({"list_categories": ["nope"]}, "indicators[0].list_categories"),
        ({"code": "有空格 x"}, "indicators[0].code"),
        ({"forces_grade": "E"}, "indicators[0].forces_grade"),
        ({"window_months": 0}, "indicators[0].window_months"),
        ({"extra": 1}, "indicators[0]"),
        ({"name": "x\x00"}, "indicators[0].name"),
    ],
)
def test_bad_indicators_name_the_field(change: dict[str, Any], field: str) -> None:
    assert _bad(change) == field


def test_bad_models_name_the_field() -> None:
    assert _bad(base="1000") == "base"
    assert _bad(thresholds={"A": 900, "B": 950, "C": 850}) == "thresholds"
    assert _bad(thresholds={"A": 1}) == "thresholds"
    assert _bad(indicators=[]) == "indicators"
    assert _bad(indicators="x") == "indicators"
    assert _bad(surprise=1) == "model"
    assert _bad(note="x" * 200_000) == "model"
    duplicate = copy.deepcopy(DEFAULT_MODEL_JSON)
    duplicate["indicators"].append(duplicate["indicators"][0])
    with pytest.raises(InvalidInput):
        parse_model(duplicate)
    with pytest.raises(InvalidInput):
        parse_model([1, 2])
    record = {"code": "x", "name": "x", "source": "record", "kinds": ["penalty"], "points": -1, "cap": 1}
    assert _bad(indicators=[{**record, "kinds": ["nope"]}]) == "indicators[0].kinds"
    assert _bad(indicators=[{**record, "severities": ["很严重"]}]) == "indicators[0].severities"
    assert _bad(indicators=[{**record, "kinds": ["penalty"] * 51}]) == "indicators[0].kinds"
