"""Department scorecards (部门信用工作考核, req §3.15b, clause 21): the indicators, the scoring model as data, and
the arithmetic — pure, so every figure can be recomputed by hand from the rows behind it.

A month's card holds one :class:`Figure` per :class:`Indicator`: a count of what went right over a count of what
was due (or a ratio), turned into a score between 0 and 1. The card's total is the weighted mean of the scores
that apply, on a 100-point scale; an indicator without any row that month (nothing due) does not count and its
weight is shared out among the rest. A department with no data at all in the month gets no score ("本月无考核数据")
and ranks last.

The weights and parameters are a :class:`ScoringModel` version the credit office edits; each version has the month
it takes effect from, and a month is scored with the newest version in effect then, so a past month's card is
reproduced with its own version. A new version may only take effect from the current month on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from xinyong.core.errors import InvalidInput


class Indicator(StrEnum):
    PUBLICITY_ON_TIME = "publicity_on_time"  # 双公示按时率 (7 working days)
    DATA_QUALITY = "data_quality"  # 数据合格率: rows accepted / rows sent (必填项 and format refusals)
    DATA_VOLUME = "data_volume"  # 数据报送量 against the department's own history
    CHECK_FEEDBACK = "check_feedback"  # 核查应用反馈率 (clause 11)
    OBJECTIONS_ON_TIME = "objections_on_time"  # 异议按期办结率
    REPAIRS_ON_TIME = "repairs_on_time"  # 信用修复按期办理率
    RECTIFICATION_ON_TIME = "rectification_on_time"  # 整改按期完成率
    LISTS_ON_TIME = "lists_on_time"  # 名单程序按期率
    OVERDUE_OPEN = "overdue_open"  # 逾期未办结事项


LABELS: dict[Indicator, str] = {
    Indicator.PUBLICITY_ON_TIME: "双公示按时率",
    Indicator.DATA_QUALITY: "数据合格率",
    Indicator.DATA_VOLUME: "数据报送量",
    Indicator.CHECK_FEEDBACK: "核查应用反馈率",
    Indicator.OBJECTIONS_ON_TIME: "异议按期办结率",
    Indicator.REPAIRS_ON_TIME: "信用修复按期办理率",
    Indicator.RECTIFICATION_ON_TIME: "整改按期完成率",
    Indicator.LISTS_ON_TIME: "名单程序按期率",
    Indicator.OVERDUE_OPEN: "逾期未办结事项",
}

EXPLANATIONS: dict[Indicator, str] = {
    Indicator.PUBLICITY_ON_TIME: "本月作出的行政许可、行政处罚决定中，决定之日起 7 个工作日内公示的比例"
    "（按时公示 ÷（按时公示 + 逾期公示 + 已逾期未公示），与双公示时效页同一口径）",
    Indicator.DATA_QUALITY: "本月报送批次中通过校验的行数 ÷ 报送总行数（缺必填项、格式错误的行被退回）",
    Indicator.DATA_VOLUME: "本月新归集记录数 ÷ 本部门前若干个月的月均归集数（超过月均按满分计）",
    Indicator.CHECK_FEEDBACK: "本部门业务系统本月核查返回的惩戒措施中，已反馈执行情况的比例",
    Indicator.OBJECTIONS_ON_TIME: "转办本部门、本月到期的异议中，在工作日期限内办结的比例",
    Indicator.REPAIRS_ON_TIME: "本月到期的信用修复受理（3 个工作日）、决定（10 个工作日）环节中按期办理的比例",
    Indicator.RECTIFICATION_ON_TIME: "本月到期的失信主体整改任务中，在期限内确认完成的比例",
    Indicator.LISTS_ON_TIME: "陈述申辩期满后在规定工作日内作出决定、决定后在规定工作日内公示的名单程序环节比例",
    Indicator.OVERDUE_OPEN: "统计截止日仍逾期未办结的事项（异议、修复、整改、名单程序、已逾期未公示的决定），"
    "每项扣减一定比例",
}

DEADLINE_INDICATORS = (
    Indicator.OBJECTIONS_ON_TIME,
    Indicator.REPAIRS_ON_TIME,
    Indicator.RECTIFICATION_ON_TIME,
    Indicator.LISTS_ON_TIME,
)

DEFAULT_WEIGHTS: dict[Indicator, int] = {
    Indicator.PUBLICITY_ON_TIME: 20,
    Indicator.DATA_QUALITY: 10,
    Indicator.DATA_VOLUME: 10,
    Indicator.CHECK_FEEDBACK: 10,
    Indicator.OBJECTIONS_ON_TIME: 10,
    Indicator.REPAIRS_ON_TIME: 10,
    Indicator.RECTIFICATION_ON_TIME: 10,
    Indicator.LISTS_ON_TIME: 10,
    Indicator.OVERDUE_OPEN: 10,
}

PARAM_LABELS: dict[str, str] = {
    "history_months": "数据量对比的历史月数",
    "overdue_step_percent": "每项逾期未办结事项扣减该指标的百分比",
    "list_decide_working_days": "陈述申辩期满后作出决定的工作日数",
    "list_publish_working_days": "作出列入决定后公示的工作日数",
}
PARAM_RANGES: dict[str, tuple[int, int]] = {
    "history_months": (1, 24),
    "overdue_step_percent": (1, 100),
    "list_decide_working_days": (1, 60),
    "list_publish_working_days": (1, 60),
}
DEFAULT_PARAMS: dict[str, int] = {
    "history_months": 6,
    "overdue_step_percent": 10,
    "list_decide_working_days": 15,
    "list_publish_working_days": 7,
}
NOTE_LIMIT = 500
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class ScoringModel:
    """One version of the weights and parameters (version 0 is the built-in default, in effect from the start)."""

    version: int
    effective_month: str
    weights: Mapping[Indicator, int]
    params: Mapping[str, int]
    note: str = ""
    created_by: str | None = None
    created_at: dt.datetime | None = None


BUILTIN = ScoringModel(0, "2000-01", DEFAULT_WEIGHTS, DEFAULT_PARAMS, "内置默认权重")


def month_text(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def check_month(value: Any, field_name: str = "month") -> str:
    if not isinstance(value, str) or not _MONTH.fullmatch(value.strip()):
        raise InvalidInput(f"{field_name} must be YYYY-MM (月份格式应为 YYYY-MM)", field=field_name)
    return value.strip()


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{name} must be a whole number (应为整数)", field=name)
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,4}", text) or not low <= int(text) <= high:
        raise InvalidInput(f"{name} must be {low}–{high} (应为 {low} 至 {high} 的整数)", field=name)
    return int(text)


def validate_model(
    weights: Mapping[str, Any], params: Mapping[str, Any], effective_month: Any, note: Any, current_month: str
) -> tuple[dict[Indicator, int], dict[str, int], str, str]:
    """A new version as the office sent it: every indicator's weight 0–100 summing to 100, every parameter in its
    range, an effective month from ``current_month`` on (past months keep their version), a short note."""
    unknown = set(weights) - {i.value for i in Indicator}
    if unknown:
        raise InvalidInput(f"unknown indicator {sorted(unknown)[0][:40]!r} (未知的考核指标)", field="weights")
    checked = {i: _whole(weights.get(i.value, 0), f"weights.{i.value}", 0, 100) for i in Indicator}
    if sum(checked.values()) != 100:
        raise InvalidInput("the weights must add up to 100 (各项权重合计应为 100 分)", field="weights")
    if set(params) - set(PARAM_RANGES):
        raise InvalidInput("unknown parameter (未知的考核参数)", field="params")
    values = {
        name: _whole(params.get(name, DEFAULT_PARAMS[name]), f"params.{name}", *bounds)
        for name, bounds in PARAM_RANGES.items()
    }
    month = check_month(effective_month, "effective_month")
    if month < current_month:
        raise InvalidInput(
            "a new version takes effect from the current month on (生效月份不得早于本月，已考核月份保持原版本)",
            field="effective_month",
        )
    text = "" if note is None else str(note).strip()
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(f"the note is longer than {NOTE_LIMIT} characters (说明过长)", field="note")
    return checked, values, month, text


def pick_model(versions: list[ScoringModel], month: str) -> ScoringModel:
    """The version a month is scored with: the newest one in effect that month (the built-in one otherwise)."""
    in_effect = [m for m in versions if m.effective_month <= month]
    return max(in_effect, key=lambda m: (m.effective_month, m.version), default=BUILTIN)


class ItemState(StrEnum):
    ON_TIME = "按期办结"
    LATE = "超期办结"
    OVERDUE = "逾期未办结"
    PENDING = "未到期"


def item_state(deadline: dt.date, done_on: dt.date | None, reference: dt.date) -> ItemState:
    """An item with a working-day deadline (already computed on the Chinese calendar), seen on ``reference``:
    finished by the deadline (the deadline day counts), finished after it, overdue and open, or not yet due."""
    if done_on is not None and done_on <= reference:
        return ItemState.ON_TIME if done_on <= deadline else ItemState.LATE
    return ItemState.OVERDUE if deadline < reference else ItemState.PENDING


@dataclass
class Figure:
    """One indicator of one card: ``good`` of ``due`` (or a ratio), its score 0–1 (None: nothing to score)."""

    indicator: Indicator
    good: int = 0
    due: int = 0
    value: float | None = None
    score: float | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.indicator]


def rate_figure(indicator: Indicator, good: int, due: int, detail: str = "", empty: str = "本月无到期事项") -> Figure:
    """A rate: ``good / due``; nothing due → no score."""
    value = good / due if due else None
    text = (detail or f"按期 {good} / 到期 {due}") if due else empty
    return Figure(indicator, good, due, value, value, text)


def volume_figure(current: int, history: list[int]) -> Figure:
    """This month's records against the mean of the months before (any month without records counts as 0)."""
    mean = sum(history) / len(history) if history else 0.0
    if mean == 0:
        score = 1.0 if current else None
        detail = f"本月 {current} 条，此前无归集记录"
        return Figure(Indicator.DATA_VOLUME, current, 0, None, score, detail)
    ratio = current / mean
    detail = f"本月 {current} 条 / 前 {len(history)} 个月月均 {mean:.1f} 条"
    return Figure(Indicator.DATA_VOLUME, current, round(mean), ratio, min(1.0, ratio), detail)


def overdue_figure(count: int, step_percent: int) -> Figure:
    score = max(0.0, 1.0 - count * step_percent / 100)
    return Figure(Indicator.OVERDUE_OPEN, count, count, float(count), score, f"逾期未办结 {count} 项")


@dataclass
class Card:
    """One department's month: its figures, total score (0–100) and rank among the departments."""

    department: str
    name: str
    month: str
    model_version: int
    figures: dict[Indicator, Figure] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None

    def points(self, indicator: Indicator, weights: Mapping[Indicator, int]) -> float | None:
        """The points this indicator contributes to the total (its share of the applicable weights)."""
        figure = self.figures.get(indicator)
        applicable = sum(weights[i] for i, f in self.figures.items() if f.score is not None)
        if figure is None or figure.score is None or not applicable or self.score is None:
            return None
        return round(100 * weights[indicator] * figure.score / applicable, 2)


def total_score(figures: Mapping[Indicator, Figure], weights: Mapping[Indicator, int]) -> float | None:
    """The weighted mean of the scores that apply, out of 100; None when nothing but the overdue count applies."""
    scored = [(weights[i], f.score) for i, f in figures.items() if f.score is not None and weights.get(i, 0) > 0]
    if not any(f.score is not None for i, f in figures.items() if i != Indicator.OVERDUE_OPEN):
        return None
    total = sum(w for w, _ in scored)
    return round(100 * sum(w * (s or 0.0) for w, s in scored) / total, 1) if total else None


def rank(cards: list[Card]) -> list[Card]:
    """Highest score first; equal scores share a rank (1, 2, 2, 4); cards without a score last, unranked."""
    ordered = sorted(cards, key=lambda c: (c.score is None, -(c.score or 0.0), c.name))
    previous: float | None = None
    for position, card in enumerate(ordered, start=1):
        if card.score is None:
            card.rank = None
            continue
        card.rank = ordered[position - 2].rank if position > 1 and card.score == previous else position
        previous = card.score
    return ordered
