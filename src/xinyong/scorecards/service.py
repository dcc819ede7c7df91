"""Department scorecards' service API (部门信用工作考核, req §3.15b, clause 21): what routes, the console and the
benchmark call. Services flush, never commit.

Stable signatures::

    list_models(session) -> list[ScoringModel]                        # newest first; version 0 is built in
    model_for(session, month) -> ScoringModel                          # the version a month is scored with
    create_model(session, actor, data: ModelIn) -> ScoringModel        # the office; audited
    compute(session, month, today) -> MonthScores                      # every department, ranked (no rights)
    month_scores(session, actor, month) -> MonthScores                 # rights applied: a department, its own card
    department_card(session, actor, department, month) -> tuple[Card, MonthScores]
    rows(session, actor, department, indicator, month, limit) -> list[dict]   # the rows behind a figure; audited
    trend(session, actor, month, months) -> Trend                      # scores of the months up to ``month``

Rights: the credit office and auditors read every card; a department reads its own card only (its rank is shown,
never another department's figures); nobody else reads any.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import list_departments
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.periods import add_months, month_bounds
from xinyong.punishment import service as punishment
from xinyong.records import service as records
from xinyong.records.publicity import TimelinessStatus
from xinyong.scorecards.gather import Inputs, Span, gather, span
from xinyong.scorecards.models import ScorecardModel
from xinyong.scorecards.rules import (
    DEADLINE_INDICATORS,
    LABELS,
    Card,
    Figure,
    Indicator,
    ItemState,
    ScoringModel,
    check_month,
    item_state,
    month_text,
    overdue_figure,
    pick_model,
    rank,
    rate_figure,
    total_score,
    validate_model,
    volume_figure,
)
from xinyong.scorecards.schemas import CardOut, FigureOut, ModelIn, ModelOut, MonthOut

ROWS_LIMIT = 500
TREND_MONTHS = 12


@dataclass
class MonthScores:
    month: str
    today: dt.date
    reference: dt.date  # the day open items are judged on: the month's last day, or today in the current month
    model: ScoringModel
    cards: list[Card]  # ranked
    ranked: int  # how many departments have a score (the rank's denominator)


@dataclass
class Trend:
    months: list[str]
    series: dict[str, list[float | None]]  # department code → score per month
    names: dict[str, str]


def _model(row: ScorecardModel) -> ScoringModel:
    weights = {i: int(row.weights.get(i.value, 0)) for i in Indicator}
    return ScoringModel(
        row.id, row.effective_month, weights, dict(row.params), row.note, row.created_by, row.created_at
    )


def list_models(session: Session) -> list[ScoringModel]:
    rows = session.scalars(select(ScorecardModel).order_by(ScorecardModel.id.desc()))
    return [_model(row) for row in rows]


def model_for(session: Session, month: str) -> ScoringModel:
    return pick_model(list_models(session), check_month(month))


def create_model(session: Session, actor: Actor, data: ModelIn) -> ScoringModel:
    """A new version (the credit office); it applies from its effective month on, earlier months keep theirs."""
    if actor.role != Role.CREDIT_OFFICE:
        raise Forbidden("only the credit office sets the scorecard weights (仅信用办可调整考核权重)")
    current = month_text(clock.today())
    weights, params, month, note = validate_model(data.weights, data.params, data.effective_month, data.note, current)
    row = ScorecardModel(
        effective_month=month,
        weights={i.value: w for i, w in weights.items()},
        params=params,
        note=note,
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "scorecards:model:created", "scorecard_model", str(row.id), {"effective_month": month})
    return _model(row)


def _bounds(month: str, today: dt.date) -> tuple[dt.date, dt.date]:
    first, following = month_bounds(check_month(month))
    if first > today:
        raise InvalidInput("a scorecard month cannot be in the future (考核月份不得晚于本月)", field="month")
    if first.year < 2000:
        raise InvalidInput("month out of range (月份超出范围)", field="month")
    return first, following


def _deadline_figure(indicator: Indicator, items: list[dict[str, Any]], first: dt.date, reference: dt.date) -> Figure:
    states = [item_state(i["deadline"], i["done_on"], reference) for i in items if i["deadline"] >= first]
    good = sum(1 for s in states if s == ItemState.ON_TIME)
    due = sum(1 for s in states if s != ItemState.PENDING)
    return rate_figure(indicator, good, due)


def _overdue_open(inputs: Inputs, code: str, reference: dt.date) -> int:
    overdue = inputs.statuses.get(code, Counter())[TimelinessStatus.OVERDUE]
    for indicator in DEADLINE_INDICATORS:
        items = inputs.items[indicator].get(code, [])
        overdue += sum(1 for i in items if item_state(i["deadline"], i["done_on"], reference) == ItemState.OVERDUE)
    return int(overdue)


def _data_figures(code: str, inputs: Inputs, first: dt.date, model: ScoringModel) -> list[Figure]:
    """双公示按时率, 数据合格率, 数据报送量 and 核查应用反馈率 of one department."""
    month = month_text(first)
    statuses = inputs.statuses.get(code, Counter())
    on_time = statuses.get(TimelinessStatus.ON_TIME, 0)
    due = on_time + statuses.get(TimelinessStatus.LATE, 0) + statuses.get(TimelinessStatus.OVERDUE, 0)
    publicity = rate_figure(
        Indicator.PUBLICITY_ON_TIME, on_time, due, f"按时公示 {on_time} / 应公示 {due}", "本月无应公示决定"
    )
    accepted, rejected = inputs.batches.get(code, (0, 0))
    sent = accepted + rejected
    quality = rate_figure(
        Indicator.DATA_QUALITY,
        accepted,
        sent,
        f"合格 {accepted} 行 / 报送 {sent} 行（退回 {rejected} 行）",
        "本月无报送批次",
    )
    months = range(1, _months(model) + 1)
    history = [inputs.received.get((code, month_text(add_months(first, -n))), 0) for n in months]
    volume = volume_figure(inputs.received.get((code, month), 0), history)
    checks, returned, answered = inputs.checks.get(code, (0, 0, 0))
    feedback = rate_figure(
        Indicator.CHECK_FEEDBACK,
        answered,
        returned,
        f"核查 {checks} 次；已反馈 {answered} / 返回措施 {returned}",
        f"核查 {checks} 次，无返回措施",
    )
    return [publicity, quality, volume, feedback]


def _card(code: str, name: str, inputs: Inputs, first: dt.date, reference: dt.date, model: ScoringModel) -> Card:
    card = Card(code, name, month_text(first), model.version)
    for figure in _data_figures(code, inputs, first, model):
        card.figures[figure.indicator] = figure
    for indicator in DEADLINE_INDICATORS:
        card.figures[indicator] = _deadline_figure(indicator, inputs.items[indicator].get(code, []), first, reference)
    step = int(model.params.get("overdue_step_percent", 10))
    card.figures[Indicator.OVERDUE_OPEN] = overdue_figure(_overdue_open(inputs, code, reference), step)
    card.score = total_score(card.figures, model.weights)
    return card


def _months(model: ScoringModel) -> int:
    return int(model.params.get("history_months", 6))


def compute(session: Session, month: str, today: dt.date, shared: Span | None = None) -> MonthScores:
    """Every department's card for the month, ranked (no rights applied: callers apply them); ``shared`` holds
    the large reads already done for a span of months that includes this one."""
    first, following = _bounds(month, today)
    model = pick_model(list_models(session), month_text(first))
    params = {"history_months": _months(model)} | {k: int(v) for k, v in model.params.items()}
    params.setdefault("list_decide_working_days", 15)
    params.setdefault("list_publish_working_days", 7)
    reference = min(today, following - dt.timedelta(days=1))
    inputs = gather(session, first, following, today, params, shared)
    cards = [_card(d.code, d.short_name, inputs, first, reference, model) for d in list_departments(session)]
    ranked = rank(cards)
    scored = sum(1 for card in ranked if card.score is not None)
    return MonthScores(month_text(first), today, reference, model, ranked, scored)


def _check_reader(actor: Actor, department: str | None = None) -> None:
    if actor.sees_everything:
        return
    if actor.is_department and (department is None or department == actor.department_code):
        return
    raise Forbidden("a department sees only its own scorecard (仅可查看本部门考核情况)")


def month_scores(session: Session, actor: Actor, month: str) -> MonthScores:
    """The month's cards the actor may read: all of them (office, auditors) or the department's own."""
    _check_reader(actor)
    scores = compute(session, month, clock.today())
    if not actor.sees_everything:
        scores.cards = [card for card in scores.cards if card.department == actor.department_code]
    return scores


def department_card(session: Session, actor: Actor, department: str, month: str) -> tuple[Card, MonthScores]:
    code = (department or "").strip().upper()[:16]
    _check_reader(actor, code)
    scores = month_scores(session, actor, month)
    found = next((card for card in scores.cards if card.department == code), None)
    if found is None:
        raise InvalidInput(f"no department {code!r} (未找到该部门)", field="department")
    return found, scores


def _indicator(value: str) -> Indicator:
    try:
        return Indicator(value)
    except ValueError:
        raise InvalidInput(f"unknown indicator {value[:40]!r} (未知的考核指标)", field="indicator") from None


def rows(
    session: Session, actor: Actor, department: str, indicator: str, month: str, limit: int = ROWS_LIMIT
) -> list[dict[str, Any]]:
    """The rows behind one figure of one card (at most ``limit``); reading them is audited."""
    which = _indicator(indicator)
    card, scores = department_card(session, actor, department, month)
    first, following = month_bounds(scores.month)
    found = _rows(session, card.department, which, first, following, scores, limit)
    audit.record(
        session,
        actor,
        "scorecards:rows:read",
        "scorecard",
        f"{card.department}:{scores.month}",
        {"indicator": which.value, "rows": len(found)},
    )
    return found


def _rows(
    session: Session,
    code: str,
    which: Indicator,
    first: dt.date,
    following: dt.date,
    scores: MonthScores,
    limit: int,
) -> list[dict[str, Any]]:
    if which == Indicator.PUBLICITY_ON_TIME:
        return records.decision_items(session, code, first, following, scores.today, limit)
    if which == Indicator.DATA_QUALITY:
        return records.rejection_items(session, code, first, following, limit)
    if which == Indicator.DATA_VOLUME:
        return records.received_items(session, code, first, following, limit)
    if which == Indicator.CHECK_FEEDBACK:
        return punishment.feedback_items(session, code, scores.month, limit)
    params = {k: int(v) for k, v in scores.model.params.items()}
    inputs = gather(session, first, following, scores.today, {"history_months": 1} | params)
    if which in DEADLINE_INDICATORS:
        items = [i for i in inputs.items[which].get(code, []) if i["deadline"] >= first]
        return [i | {"state": str(item_state(i["deadline"], i["done_on"], scores.reference))} for i in items][:limit]
    overdue = [
        i | {"state": str(ItemState.OVERDUE), "item": LABELS[indicator]}
        for indicator in DEADLINE_INDICATORS
        for i in inputs.items[indicator].get(code, [])
        if item_state(i["deadline"], i["done_on"], scores.reference) == ItemState.OVERDUE
    ]
    decisions = records.decision_items(session, code, first, following, scores.today, limit)
    late = [d for d in decisions if d["status"] == TimelinessStatus.OVERDUE]
    marks = {"state": str(ItemState.OVERDUE), "item": "已逾期未公示的决定"}
    overdue += [d | marks | {"subject": f"{d['title']}（{d['subject']}）"} for d in late]
    return overdue[:limit]


def trend(session: Session, actor: Actor, month: str, months: int = 6) -> Trend:
    """The scores of the ``months`` months up to ``month`` (each with its own model version)."""
    _check_reader(actor)
    if not 1 <= months <= TREND_MONTHS:
        raise InvalidInput(f"months must be 1–{TREND_MONTHS} (月数超出范围)", field="months")
    today = clock.today()
    first, following = _bounds(month, today)
    wanted = [month_text(add_months(first, -n)) for n in range(months - 1, -1, -1)]
    shared = span(session, add_months(first, 1 - months), following, today)  # the large reads once for all months
    series: dict[str, list[float | None]] = {}
    names: dict[str, str] = {}
    for name in wanted:
        cards = compute(session, name, today, shared).cards
        for card in cards if actor.sees_everything else [c for c in cards if c.department == actor.department_code]:
            series.setdefault(card.department, []).append(card.score)
            names[card.department] = card.name
    return Trend(wanted, series, names)


def model_out(model: ScoringModel) -> ModelOut:
    return ModelOut(
        version=model.version,
        effective_month=model.effective_month,
        weights={i.value: int(w) for i, w in model.weights.items()},
        params=dict(model.params),
        note=model.note,
        created_by=model.created_by,
        created_at=model.created_at,
    )


def card_out(card: Card, scores: MonthScores) -> CardOut:
    weights = scores.model.weights
    figures = [
        FigureOut(
            indicator=f.indicator.value,
            label=f.label,
            good=f.good,
            due=f.due,
            value=f.value,
            score=f.score,
            points=card.points(f.indicator, weights),
            weight=int(weights.get(f.indicator, 0)),
            detail=f.detail,
        )
        for f in card.figures.values()
    ]
    return CardOut(
        department=card.department,
        name=card.name,
        month=card.month,
        model_version=card.model_version,
        score=card.score,
        rank=card.rank,
        ranked=scores.ranked,
        figures=figures,
    )


def month_out(scores: MonthScores) -> MonthOut:
    return MonthOut(
        month=scores.month,
        today=scores.today,
        reference=scores.reference,
        model_version=scores.model.version,
        ranked=scores.ranked,
        cards=[card_out(card, scores) for card in scores.cards],
    )
