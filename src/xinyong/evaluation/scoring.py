"""Counting and scoring of the 公共信用综合评价 for a scope of entities (a full run's USCC range or an explicit list).

Two ways, one result. :func:`count_items` groups the current record versions and published list entries in scope
by subject (one filtered count and one filtered list of ids per indicator) and :func:`breakdown_of` adds the
points up in Python (:func:`xinyong.evaluation.rules.score`): SQLite, and the reference. On PostgreSQL
:func:`grade_statement` does the same in one statement — the same filters, the points capped and summed, the grade
(a forcing indicator first, then the thresholds), the breakdown built as JSONB (indicators in model order, only
those that produced points, ids ascending), the results upserted and a history row for every changed grade or
score — so no row of a full run passes through Python. Both are built once per model and day and bound to the
scope; tests hold the two to the same breakdowns.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.dialects.postgresql import array as postgresql_array
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Session

from xinyong.core.db import UTCDateTime
from xinyong.entities import service as entities_service
from xinyong.evaluation.models import EvaluationResult, GradeChange
from xinyong.evaluation.rules import Grade, Indicator, Model, Source, earliest_counted, score
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.rules import EntryStatus
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import SubjectType
from xinyong.records.windows import in_force_condition

# ---------------------------------------------------------------- counting (both databases)


@dataclass
class Counted:
    counts: dict[str, int] = field(default_factory=dict)
    records: dict[str, list[int]] = field(default_factory=dict)
    entries: dict[str, list[int]] = field(default_factory=dict)


def _ids(text: str | None) -> list[int]:
    return sorted(int(x) for x in text.split(",")) if text else []


def _record_condition(indicator: Indicator, today: dt.date) -> ColumnElement[bool]:
    v = CreditRecordVersion
    parts: list[ColumnElement[bool]] = [v.kind.in_(indicator.kinds)]
    if indicator.severities is not None:
        named = [s for s in indicator.severities if s is not None]
        options: list[ColumnElement[bool]] = []
        if named:
            options.append(v.severity.in_(named))
        if None in indicator.severities:
            options.append(v.severity.is_(None))
        parts.append(or_(*options))
    if indicator.window_months is not None:
        parts.append(v.decision_date >= earliest_counted(today, indicator.window_months))
    return and_(*parts)


def _entry_condition(indicator: Indicator, today: dt.date) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [ListType.category.in_(indicator.list_categories)]
    if indicator.window_months is not None:
        parts.append(ListEntry.valid_from >= earliest_counted(today, indicator.window_months))
    return and_(*parts)


def scope_condition(column: Any, usccs: Sequence[str] | None, bounds: tuple[str, str] | None) -> ColumnElement[bool]:
    if usccs is not None:
        return column.in_(list(usccs))  # type: ignore[no-any-return]
    if bounds is not None:
        return and_(column >= bounds[0], column <= bounds[1])
    return true()


def _bound_scope(column: Any, ranged: bool) -> ColumnElement[bool]:
    """The scope as bind parameters (``lo``/``hi`` or the expanding ``usccs``), so a built statement is reused."""
    if ranged:
        return and_(column >= bindparam("lo"), column <= bindparam("hi"))
    return column.in_(bindparam("usccs", expanding=True))  # type: ignore[no-any-return]


def _record_where(indicators: Sequence[Indicator], today: dt.date, ranged: bool) -> list[ColumnElement[bool]]:
    """The current, in-force versions about entities in scope of the kinds the record indicators count."""
    v = CreditRecordVersion
    listed = select(ListEntry.record_id).where(ListEntry.record_id.is_not(None))
    return [
        v.valid_to.is_(None),
        v.subject_type == SubjectType.ENTITY.value,
        _bound_scope(v.subject_uscc, ranged),
        in_force_condition(today),
        v.kind.in_(sorted({k for i in indicators for k in i.kinds})),
        v.record_id.not_in(listed),  # a list's own record counts through the list indicator
    ]


def _entry_where(today: dt.date, ranged: bool) -> list[ColumnElement[bool]]:
    """Published entries about entities in scope, in their term today."""
    e = ListEntry
    return [
        e.status == EntryStatus.PUBLISHED.value,
        e.subject_uscc.is_not(None),
        _bound_scope(e.subject_uscc, ranged),
        or_(e.valid_to.is_(None), e.valid_to >= today),
        or_(e.valid_from.is_(None), e.valid_from <= today),
    ]


@dataclass(frozen=True)
class _Statements:
    model: Model  # held so the cache key's id() stays this model's
    records: Select[Any] | None
    record_indicators: tuple[Indicator, ...]
    entries: Select[Any] | None
    list_indicators: tuple[Indicator, ...]


_STATEMENTS: dict[tuple[int, dt.date, bool], _Statements] = {}
_STATEMENTS_MAX = 32


def _statements(model: Model, today: dt.date, ranged: bool) -> _Statements:
    """The two counting queries of a model on a day, built once: building them (the publicity windows, one filter
    per indicator) costs more than running them for one entity."""
    key = (id(model), today, ranged)
    found = _STATEMENTS.get(key)
    if found is not None and found.model is model:
        return found
    v = CreditRecordVersion
    record_indicators = tuple(i for i in model.indicators if i.source is Source.RECORD)
    records: Select[Any] | None = None
    if record_indicators:
        columns: list[Any] = [v.subject_uscc]
        for indicator in record_indicators:
            condition = _record_condition(indicator, today)
            columns.append(func.count().filter(condition))
            columns.append(func.aggregate_strings(cast(v.record_id, String), ",").filter(condition))
        records = select(*columns).where(*_record_where(record_indicators, today, ranged)).group_by(v.subject_uscc)
    list_indicators = tuple(i for i in model.indicators if i.source is Source.LIST)
    entries: Select[Any] | None = None
    if list_indicators:
        columns = [ListEntry.subject_uscc]
        for indicator in list_indicators:
            condition = _entry_condition(indicator, today)
            columns.append(func.count().filter(condition))
            columns.append(func.aggregate_strings(cast(ListEntry.id, String), ",").filter(condition))
        entries = (
            select(*columns)
            .join(ListType, ListType.id == ListEntry.list_type_id)
            .where(*_entry_where(today, ranged))
            .group_by(ListEntry.subject_uscc)
        )
    built = _Statements(model, records, record_indicators, entries, list_indicators)
    if len(_STATEMENTS) >= _STATEMENTS_MAX:
        _STATEMENTS.clear()
    _STATEMENTS[key] = built
    return built


def count_items(
    session: Session,
    model: Model,
    today: dt.date,
    *,
    usccs: Sequence[str] | None = None,
    bounds: tuple[str, str] | None = None,
) -> dict[str, Counted]:
    """Items per entity and indicator for the entities in scope (an explicit list or an inclusive USCC range)."""
    params: dict[str, Any]
    if usccs is not None:
        params = {"usccs": list(usccs)}
    elif bounds is not None:
        params = {"lo": bounds[0], "hi": bounds[1]}
    else:
        raise ValueError("count_items needs a scope: usccs or bounds")
    built = _statements(model, today, ranged=usccs is None)
    out: dict[str, Counted] = {}
    for stmt, indicators, ids_of in (
        (built.records, built.record_indicators, "records"),
        (built.entries, built.list_indicators, "entries"),
    ):
        if stmt is None:
            continue
        for row in session.execute(stmt, params):
            counted = out.setdefault(row[0], Counted())
            target: dict[str, list[int]] = getattr(counted, ids_of)
            for index, indicator in enumerate(indicators):
                count = row[1 + 2 * index]
                if count:
                    counted.counts[indicator.code] = count
                    target[indicator.code] = _ids(row[2 + 2 * index])
    return out


def breakdown_of(model: Model, counted: Counted) -> tuple[int, Grade, str | None, list[dict[str, Any]]]:
    """Score, grade, forcing indicator and the stored breakdown (only indicators that produced points)."""
    result = score(model, counted.counts)
    items = [
        {
            "code": indicator.code,
            "points": result.points[indicator.code],
            "count": counted.counts[indicator.code],
            "records": counted.records.get(indicator.code, []),
            "entries": counted.entries.get(indicator.code, []),
        }
        for indicator in model.indicators
        if indicator.code in result.points
    ]
    return result.score, result.grade, result.forced_by, items


# ---------------------------------------------------------------- scoring in one statement (PostgreSQL)


def _int(value: int) -> ColumnElement[Any]:
    """An integer of the model, written into the statement (one text per model: prepared once by the server)."""
    return literal_column(str(int(value)), Integer)


def _text(value: str) -> ColumnElement[Any]:
    """A text constant of the model (a code, a grade, a key), written into the statement as a typed literal."""
    return literal_column("'" + value.replace("'", "''") + "'::text", String)


def _ids_array(column: Any, condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.array_agg(aggregate_order_by(column, column)).filter(condition)


def _found(model: Model, today: dt.date, ranged: bool) -> Select[Any]:
    """uscc and, per indicator in model order (``ids0``, ``ids1``…), the ids that count, of every entity in scope."""
    v, e = CreditRecordVersion, ListEntry
    record_indicators = [i for i in model.indicators if i.source is Source.RECORD]
    list_indicators = [i for i in model.indicators if i.source is Source.LIST]
    master = entities_service.usccs_in_scope().subquery("master")
    entities = select(master.c.uscc).where(_bound_scope(master.c.uscc, ranged)).subquery("scope")
    ids: dict[str, Any] = {}
    joined: Any = entities
    if record_indicators:
        columns = [v.subject_uscc.label("uscc")]
        columns += [
            _ids_array(v.record_id, _record_condition(i, today)).label(f"i{n}") for n, i in enumerate(record_indicators)
        ]
        counted = select(*columns).where(*_record_where(record_indicators, today, ranged)).group_by(v.subject_uscc)
        rec = counted.subquery("counted")
        joined = joined.outerjoin(rec, rec.c.uscc == entities.c.uscc)
        ids.update({i.code: rec.c[f"i{n}"] for n, i in enumerate(record_indicators)})
    if list_indicators:
        columns = [e.subject_uscc.label("uscc")]
        columns += [_ids_array(e.id, _entry_condition(i, today)).label(f"i{n}") for n, i in enumerate(list_indicators)]
        listed = (
            select(*columns)
            .join(ListType, ListType.id == e.list_type_id)
            .where(*_entry_where(today, ranged))
            .group_by(e.subject_uscc)
        )
        lst = listed.subquery("listed")
        joined = joined.outerjoin(lst, lst.c.uscc == entities.c.uscc)
        ids.update({i.code: lst.c[f"i{n}"] for n, i in enumerate(list_indicators)})
    codes = [i.code for i in model.indicators]
    return select(entities.c.uscc, *(ids[c].label(f"ids{n}") for n, c in enumerate(codes))).select_from(joined)


def _scored(model: Model, today: dt.date, ranged: bool) -> Select[Any]:
    """uscc, score, grade, forced_by and breakdown of every entity in scope, as one select. Three layers, each
    computed once (OFFSET 0 keeps the planner from folding them back into repeated expressions): the ids per
    indicator, then counts and capped points, then the score; the grade and the breakdown read those."""
    codes = [i.code for i in model.indicators]
    layer = _found(model, today, ranged).offset(0).subquery("found")
    counts = {c: func.coalesce(func.cardinality(layer.c[f"ids{n}"]), 0) for n, c in enumerate(codes)}
    points = {
        i.code: case(
            (counts[i.code] > 0, func.least(_int(i.cap), func.greatest(_int(-i.cap), _int(i.points) * counts[i.code]))),
            else_=_int(0),
        )
        for i in model.indicators
    }
    counted = select(
        layer.c.uscc,
        *(layer.c[f"ids{n}"] for n in range(len(codes))),
        *(counts[c].label(f"count{n}") for n, c in enumerate(codes)),
        *(points[c].label(f"points{n}") for n, c in enumerate(codes)),
    )
    layer = counted.offset(0).subquery("counted_points")
    total: ColumnElement[Any] = _int(model.base)
    for n in range(len(codes)):
        total = total + layer.c[f"points{n}"]
    layer = select(layer, total.label("score")).offset(0).subquery("scored")
    empty = literal_column("'[]'::jsonb", JSONB)
    items = []
    for n, i in enumerate(model.indicators):
        listed_ids = func.to_jsonb(layer.c[f"ids{n}"])
        item = func.jsonb_build_object(
            _text("code"), _text(i.code), _text("points"), layer.c[f"points{n}"], _text("count"), layer.c[f"count{n}"],
            _text("records"), listed_ids if i.source is Source.RECORD else empty,
            _text("entries"), listed_ids if i.source is Source.LIST else empty,
        )  # fmt: skip
        items.append(case((layer.c[f"count{n}"] > 0, item), else_=cast(null(), JSONB)))
    breakdown = func.to_jsonb(func.array_remove(postgresql_array(items, type_=JSONB), cast(null(), JSONB)))
    forcing = sorted(
        ((n, i) for n, i in enumerate(model.indicators) if i.forces_grade is not None),
        key=lambda pair: (-"ABCD".index(str(pair[1].forces_grade)), pair[0]),
    )
    by_score = case(
        *((layer.c.score >= _int(model.thresholds[g]), _text(str(g))) for g in (Grade.A, Grade.B, Grade.C)),
        else_=_text(str(Grade.D)),
    )
    grade: ColumnElement[Any] = by_score
    forced_by: ColumnElement[Any] = cast(null(), String)
    if forcing:
        grade = case(*((layer.c[f"count{n}"] > 0, _text(str(i.forces_grade))) for n, i in forcing), else_=by_score)
        forced_by = case(*((layer.c[f"count{n}"] > 0, _text(i.code)) for n, i in forcing), else_=cast(null(), String))
    return select(
        layer.c.uscc.label("uscc"),
        layer.c.score.label("score"),
        grade.label("grade"),
        forced_by.label("forced_by"),
        cast(breakdown, JSONB).label("breakdown"),
    )


def cast_table(model: Any) -> Table:
    return typing.cast(Table, model.__table__)


RUN_WORK_MEM = "64MB"
_GRADE_STATEMENTS: dict[tuple[int, dt.date, bool], tuple[Model, Any]] = {}


def grade_statement(model: Model, today: dt.date, ranged: bool) -> Any:
    """Score the entities in scope (``lo``/``hi`` or ``usccs``), upsert their results under ``version`` with
    ``cause`` and ``now``, add a history row for each changed grade or score, and return per entity
    (uscc, old grade, grade, score, changed). Built once per model, day and scope shape."""
    key = (id(model), today, ranged)
    found = _GRADE_STATEMENTS.get(key)
    if found is not None and found[0] is model:
        return found[1]
    r, h = cast_table(EvaluationResult), cast_table(GradeChange)
    new = _scored(model, today, ranged).cte("new")
    old = select(r.c.uscc, r.c.grade, r.c.score).where(_bound_scope(r.c.uscc, ranged)).cte("old")
    version = bindparam("version", type_=Integer)
    cause = bindparam("cause", type_=String)
    now = bindparam("now", type_=UTCDateTime())
    names = ["uscc", "model_version", "score", "grade", "forced_by", "breakdown", "cause", "computed_at"]
    rows = select(new.c.uscc, version, new.c.score, new.c.grade, new.c.forced_by, new.c.breakdown, cause, now)
    upsert = postgresql_insert(r).from_select(names, rows)
    upsert = upsert.on_conflict_do_update(index_elements=["uscc"], set_={n: upsert.excluded[n] for n in names[1:]})
    both = new.outerjoin(old, old.c.uscc == new.c.uscc)
    changed = or_(old.c.uscc.is_(None), old.c.grade != new.c.grade, old.c.score != new.c.score)
    history = h.insert().from_select(
        ["uscc", "old_grade", "new_grade", "old_score", "new_score", "model_version", "cause", "changed_at"],
        select(new.c.uscc, old.c.grade, new.c.grade, old.c.score, new.c.score, version, cause, now)
        .select_from(both)
        .where(changed)
        .order_by(new.c.uscc),
    )
    stmt = (
        select(new.c.uscc, old.c.grade.label("old_grade"), new.c.grade, new.c.score, changed.label("changed"))
        .select_from(both)
        .add_cte(upsert.cte("upserted"), history.cte("history"))
    )
    if len(_GRADE_STATEMENTS) >= _STATEMENTS_MAX:
        _GRADE_STATEMENTS.clear()
    _GRADE_STATEMENTS[key] = (model, stmt)
    return stmt


def grade_in_database(
    session: Session,
    model: tuple[int, Model],
    today: dt.date,
    cause: str,
    now: dt.datetime,
    *,
    usccs: Sequence[str] | None = None,
    bounds: tuple[str, str] | None = None,
) -> list[Any]:
    """Run :func:`grade_statement` for the scope; the rows it returns."""
    params: dict[str, Any] = {"version": model[0], "cause": cause[:200], "now": now}
    if usccs is not None:
        params["usccs"] = list(usccs)
    elif bounds is not None:
        params.update(lo=bounds[0], hi=bounds[1])
    else:
        raise ValueError("grade_in_database needs a scope: usccs or bounds")
    stmt = grade_statement(model[1], today, ranged=usccs is None)
    if usccs is None:  # a run's chunk: sort its versions by subject in memory, not in temporary files
        session.execute(text(f"SET LOCAL work_mem = '{RUN_WORK_MEM}'"))
    return list(session.execute(stmt, params, execution_options={"synchronize_session": False}))
