"""Pure rules of the 公共信用综合评价 (req §3.6): the scoring model as data, its validation, the default model,
scoring of counted items and the grade. No database here; the service counts the items in SQL and applies these.

A model is a base score (default 1000), bonus and penalty indicators and grade thresholds. Each indicator counts
items of one source over one window:

- ``record``: current credit-record versions of the given kinds (and severities: ``null`` in the list matches a
  record without one) that are in force — status 有效 or 异议中, decided by today, a 行政处罚 inside its publicity
  period — and decided within the last ``window_months`` (``null``: no window). Records that a list entry
  published are counted by the list indicators, never twice.
- ``list``: list entries of the given list categories that are 已公示 and not past their term.

Points per item are signed (bonus > 0, penalty < 0); ``cap`` bounds the absolute total of one indicator. The score
is ``base + Σ indicator points`` exactly (nothing is clamped afterwards, so the breakdown always adds up). Grades:
the first of A/B/C whose threshold the score reaches, else D; anyone on the 严重失信主体名单 (an indicator with
``forces_grade``) gets that grade whatever the score.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from xinyong.core.errors import InvalidInput
from xinyong.core.periods import add_months

MAX_INDICATORS = 100
MAX_POINTS = 10_000
MAX_WINDOW_MONTHS = 12 * 50
MAX_MODEL_BYTES = 100_000


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_LABELS: dict[Grade, str] = {Grade.A: "优", Grade.B: "良", Grade.C: "中", Grade.D: "差"}


class Source(StrEnum):
    RECORD = "record"
    LIST = "list"


RECORD_KINDS = frozenset(
    {
        "registration", "judicial", "license", "penalty", "enforcement", "confirmation", "levy", "payment",
        "adjudication", "compensation", "reward", "inspection", "qualification", "abnormal_operation",
        "serious_dishonesty", "contract", "commitment", "evaluation", "honour", "voluntary", "interview",
        "education", "complaint",
    }
)  # fmt: skip  # the values of records.rules.Kind (checked by a unit test; rules stay independent)
SEVERITIES = frozenset({"轻微", "一般", "严重"})
LIST_CATEGORIES = frozenset({"serious", "watch", "market_ban"})


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    source: Source
    points: int  # per item; > 0 bonus, < 0 penalty
    cap: int  # the indicator's total is at most this many points either way
    kinds: tuple[str, ...] = ()
    severities: tuple[str | None, ...] | None = None  # None: any severity
    list_categories: tuple[str, ...] = ()
    window_months: int | None = None
    forces_grade: Grade | None = None  # e.g. D for the serious dishonesty list
    ends_with: str = ""  # what ends it, in words (shown by "what would raise it")

    @property
    def is_penalty(self) -> bool:
        return self.points < 0

    def total(self, count: int) -> int:
        """The indicator's points for ``count`` items, capped."""
        raw = self.points * count
        return max(-self.cap, min(self.cap, raw))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "source": str(self.source),
            "points": self.points,
            "cap": self.cap,
            "window_months": self.window_months,
        }
        if self.source is Source.RECORD:
            out["kinds"] = list(self.kinds)
            out["severities"] = None if self.severities is None else list(self.severities)
        else:
            out["list_categories"] = list(self.list_categories)
        if self.forces_grade is not None:
            out["forces_grade"] = str(self.forces_grade)
        if self.ends_with:
            out["ends_with"] = self.ends_with
        return out


@dataclass(frozen=True)
class Model:
    base: int
    thresholds: dict[Grade, int]  # A, B, C: the lowest score of the grade
    indicators: tuple[Indicator, ...]
    name: str = "公共信用综合评价模型"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def grade(self, score: int, forced: Grade | None = None) -> Grade:
        if forced is not None:
            return forced
        for grade in (Grade.A, Grade.B, Grade.C):
            if score >= self.thresholds[grade]:
                return grade
        return Grade.D

    def indicator(self, code: str) -> Indicator:
        for item in self.indicators:
            if item.code == code:
                return item
        raise KeyError(code)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": self.base,
            "thresholds": {str(g): self.thresholds[g] for g in (Grade.A, Grade.B, Grade.C)},
            "indicators": [i.as_json() for i in self.indicators],
            "note": self.note,
        }

    def digest(self) -> str:
        canonical = json.dumps(self.as_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Result:
    score: int
    grade: Grade
    points: dict[str, int]  # indicator code -> points (only indicators that produced any)
    forced_by: str | None  # indicator code that forced the grade


def score(model: Model, counts: dict[str, int]) -> Result:
    """The score and grade from item counts per indicator code; the points add up to ``score - base``."""
    points: dict[str, int] = {}
    forced: Grade | None = None
    forced_by: str | None = None
    for indicator in model.indicators:
        count = counts.get(indicator.code, 0)
        if count <= 0:
            continue
        points[indicator.code] = indicator.total(count)
        if indicator.forces_grade is not None and (forced is None or indicator.forces_grade > forced):
            forced, forced_by = indicator.forces_grade, indicator.code
    total = model.base + sum(points.values())
    return Result(total, model.grade(total, forced), points, forced_by)


def earliest_counted(today: dt.date, months: int) -> dt.date:
    """The earliest decision date still inside a window of ``months``: an item decided on ``d`` counts while
    ``today <= add_months(d, months)`` (the corresponding day, Civil Code art. 202)."""
    day = add_months(today, -months) - dt.timedelta(days=4)
    while add_months(day, months) < today:
        day += dt.timedelta(days=1)
    return day


def window_end(decided: dt.date, months: int) -> dt.date:
    """The last day an item decided on ``decided`` counts in a window of ``months``."""
    return add_months(decided, months)


# ---------------------------------------------------------------- parsing and validation


def _text(value: Any, field_name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field_name} must be non-empty text (必填文本)", field=field_name)
    if len(value) > limit:
        raise InvalidInput(f"{field_name} is longer than {limit} characters (过长)", field=field_name)
    if "\x00" in value:
        raise InvalidInput(f"{field_name} contains a NUL character (含非法字符)", field=field_name)
    return value.strip()


def _int(value: Any, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field_name} must be a whole number (须为整数)", field=field_name)
    if not low <= value <= high:
        raise InvalidInput(f"{field_name} must be between {low} and {high} (超出范围)", field=field_name)
    return value


def _list(value: Any, field_name: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > 50:
        raise InvalidInput(f"{field_name} must be a list of at most 50 values (须为列表)", field=field_name)
    return value


def parse_indicator(raw: Any, index: int) -> Indicator:
    where = f"indicators[{index}]"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where} must be an object (指标格式错误)", field=where)
    known = {
        "code", "name", "source", "points", "cap", "kinds", "severities", "list_categories", "window_months",
        "forces_grade", "ends_with",
    }  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InvalidInput(f"{where} has unknown fields {unknown[:5]} (未知字段)", field=where)
    code = _text(raw.get("code"), f"{where}.code", 32)
    if not code.replace("_", "").isalnum() or not code.isascii():
        raise InvalidInput(f"{where}.code must be letters, digits and _ (指标代码不合法)", field=f"{where}.code")
    name = _text(raw.get("name"), f"{where}.name", 100)
    try:
        source = Source(str(raw.get("source")))
    except ValueError:
        raise InvalidInput(f"{where}.source must be record or list (来源不合法)", field=f"{where}.source") from None
    points = _int(raw.get("points"), f"{where}.points", -MAX_POINTS, MAX_POINTS)
    if points == 0:
        raise InvalidInput(f"{where}.points must not be 0 (分值不能为0)", field=f"{where}.points")
    cap = _int(raw.get("cap"), f"{where}.cap", 1, MAX_POINTS)
    window = raw.get("window_months")
    window_months = None if window is None else _int(window, f"{where}.window_months", 1, MAX_WINDOW_MONTHS)
    kinds: tuple[str, ...] = ()
    severities: tuple[str | None, ...] | None = None
    categories: tuple[str, ...] = ()
    if source is Source.RECORD:
        kinds = tuple(_list(raw.get("kinds"), f"{where}.kinds"))
        if not kinds or any(k not in RECORD_KINDS for k in kinds):
            raise InvalidInput(f"{where}.kinds must name credit-record kinds (记录类别不合法)", field=f"{where}.kinds")
        if raw.get("severities") is not None:
            severities = tuple(_list(raw["severities"], f"{where}.severities"))
            if not severities or any(s is not None and s not in SEVERITIES for s in severities):
                raise InvalidInput(
                    f"{where}.severities must be 轻微/一般/严重 or null (严重程度不合法)", field=f"{where}.severities"
                )
        if raw.get("list_categories"):
            raise InvalidInput(f"{where}: a record indicator has no list_categories", field=where)
    else:
        categories = tuple(_list(raw.get("list_categories"), f"{where}.list_categories"))
        if not categories or any(c not in LIST_CATEGORIES for c in categories):
            raise InvalidInput(
                f"{where}.list_categories must be serious/watch/market_ban (名单类别不合法)",
                field=f"{where}.list_categories",
            )
        if raw.get("kinds") or raw.get("severities"):
            raise InvalidInput(f"{where}: a list indicator has no kinds or severities", field=where)
    forces = raw.get("forces_grade")
    forces_grade: Grade | None = None
    if forces is not None:
        try:
            forces_grade = Grade(forces)
        except ValueError:
            raise InvalidInput(
                f"{where}.forces_grade must be A–D (等级不合法)", field=f"{where}.forces_grade"
            ) from None
        if points > 0:
            raise InvalidInput(f"{where}: only a penalty indicator forces a grade", field=f"{where}.forces_grade")
    ends_with = raw.get("ends_with") or ""
    if ends_with:
        ends_with = _text(ends_with, f"{where}.ends_with", 300)
    return Indicator(
        code=code,
        name=name,
        source=source,
        points=points,
        cap=cap,
        kinds=kinds,
        severities=severities,
        list_categories=categories,
        window_months=window_months,
        forces_grade=forces_grade,
        ends_with=ends_with,
    )


def parse_model(raw: Any) -> Model:
    """A model from its JSON form; every problem is an :class:`InvalidInput` naming the field."""
    if not isinstance(raw, dict):
        raise InvalidInput("the model must be a JSON object (模型格式错误)", field="model")
    if len(json.dumps(raw, ensure_ascii=False, default=str).encode()) > MAX_MODEL_BYTES:
        raise InvalidInput(f"the model is larger than {MAX_MODEL_BYTES} bytes (模型过大)", field="model")
    unknown = sorted(set(raw) - {"name", "base", "thresholds", "indicators", "note"})
    if unknown:
        raise InvalidInput(f"the model has unknown fields {unknown[:5]} (未知字段)", field="model")
    name = _text(raw.get("name", "公共信用综合评价模型"), "name", 100)
    note = raw.get("note") or ""
    if note:
        note = _text(note, "note", 2000)
    base = _int(raw.get("base"), "base", 0, 100_000)
    thresholds_raw = raw.get("thresholds")
    if not isinstance(thresholds_raw, dict) or set(thresholds_raw) != {"A", "B", "C"}:
        raise InvalidInput("thresholds must give A, B and C (等级阈值须含A、B、C)", field="thresholds")
    thresholds = {Grade(k): _int(v, f"thresholds.{k}", -1_000_000, 1_000_000) for k, v in thresholds_raw.items()}
    if not thresholds[Grade.A] > thresholds[Grade.B] > thresholds[Grade.C]:
        raise InvalidInput("thresholds must fall from A to C (阈值须A>B>C)", field="thresholds")
    raw_indicators = raw.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        raise InvalidInput("indicators must be a non-empty list (指标不能为空)", field="indicators")
    if len(raw_indicators) > MAX_INDICATORS:
        raise InvalidInput(f"at most {MAX_INDICATORS} indicators (指标过多)", field="indicators")
    indicators = tuple(parse_indicator(item, i) for i, item in enumerate(raw_indicators))
    codes = [i.code for i in indicators]
    if len(set(codes)) != len(codes):
        raise InvalidInput("indicator codes must be unique (指标代码重复)", field="indicators")
    return Model(base=base, thresholds=thresholds, indicators=indicators, name=name, note=note)


# ---------------------------------------------------------------- the default model

_PUBLICITY = "行政处罚公示期满或信用修复后不再计分"

DEFAULT_MODEL_JSON: dict[str, Any] = {
    "name": "共青城市公共信用综合评价模型（默认）",
    "base": 1000,
    "thresholds": {"A": 1030, "B": 950, "C": 850},
    "note": "基础分1000分，加分项与减分项按记录类别、严重程度、名单计分；列入严重失信主体名单的，评价结果为D（差）。",
    "indicators": [
        {"code": "serious_list", "name": "列入严重失信主体名单", "source": "list", "list_categories": ["serious"],
         "points": -300, "cap": 300, "forces_grade": "D", "ends_with": "名单期满移出、提前移出（信用修复）或撤销"},
        {"code": "serious_record", "name": "严重失信主体名单信息（部门名单）", "source": "record",
         "kinds": ["serious_dishonesty"], "points": -300, "cap": 300, "window_months": 36, "forces_grade": "D",
         "ends_with": "移出名单、信用修复，或列入满3年"},
        {"code": "market_ban", "name": "市场和行业禁入", "source": "list", "list_categories": ["market_ban"],
         "points": -200, "cap": 200, "ends_with": "禁入期满或撤销"},
        {"code": "watch_list", "name": "列入重点关注对象名单", "source": "list", "list_categories": ["watch"],
         "points": -150, "cap": 150, "ends_with": "名单期满移出或提前移出"},
        {"code": "penalty_serious", "name": "严重行政处罚", "source": "record", "kinds": ["penalty"],
         "severities": ["严重"], "points": -150, "cap": 450, "window_months": 36, "ends_with": _PUBLICITY},
        {"code": "penalty_general", "name": "一般行政处罚", "source": "record", "kinds": ["penalty"],
         "severities": ["一般", None], "points": -50, "cap": 200, "window_months": 12, "ends_with": _PUBLICITY},
        {"code": "penalty_minor", "name": "轻微行政处罚", "source": "record", "kinds": ["penalty"],
         "severities": ["轻微"], "points": -10, "cap": 30, "window_months": 3, "ends_with": _PUBLICITY},
        {"code": "judicial", "name": "失信被执行及司法裁判失信信息", "source": "record", "kinds": ["judicial"],
         "severities": ["一般", "严重"], "points": -100, "cap": 300, "window_months": 36,
         "ends_with": "履行义务后屏蔽、信用修复，或满3年"},
        {"code": "abnormal_operation", "name": "列入经营异常名录", "source": "record",
         "kinds": ["abnormal_operation"], "points": -60, "cap": 120, "window_months": 36,
         "ends_with": "移出经营异常名录（记录撤销或修复）"},
        {"code": "enforcement", "name": "行政强制", "source": "record", "kinds": ["enforcement"], "points": -30,
         "cap": 90, "window_months": 12, "ends_with": "满12个月"},
        {"code": "broken_commitment", "name": "违诺或虚假承诺", "source": "record", "kinds": ["commitment"],
         "severities": ["轻微", "一般", "严重"], "points": -50, "cap": 150, "window_months": 36,
         "ends_with": "信用修复，或满3年"},
        {"code": "contract_default", "name": "合同履行失信", "source": "record", "kinds": ["contract"],
         "severities": ["轻微", "一般", "严重"], "points": -30, "cap": 90, "window_months": 24,
         "ends_with": "信用修复，或满2年"},
        {"code": "interview", "name": "信用约谈", "source": "record", "kinds": ["interview"], "points": -20,
         "cap": 60, "window_months": 12, "ends_with": "满12个月"},
        {"code": "complaint", "name": "投诉举报", "source": "record", "kinds": ["complaint"], "points": -5,
         "cap": 30, "window_months": 12, "ends_with": "满12个月"},
        {"code": "honour", "name": "诚信荣誉", "source": "record", "kinds": ["honour"], "points": 30, "cap": 90,
         "window_months": 36},
        {"code": "reward", "name": "行政奖励", "source": "record", "kinds": ["reward"], "points": 30, "cap": 90,
         "window_months": 36},
        {"code": "kept_commitment", "name": "信用承诺践诺", "source": "record", "kinds": ["commitment"],
         "severities": [None], "points": 10, "cap": 50, "window_months": 36},
        {"code": "voluntary", "name": "自愿提供并经核验的信息", "source": "record", "kinds": ["voluntary"],
         "points": 5, "cap": 20, "window_months": 36},
        {"code": "education", "name": "参加诚信教育", "source": "record", "kinds": ["education"], "points": 5,
         "cap": 10, "window_months": 12},
    ],
}  # fmt: skip

DEFAULT_MODEL = parse_model(DEFAULT_MODEL_JSON)
