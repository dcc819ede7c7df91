"""Use cases of the 公共信用综合评价 (req §3.6): model versions, grading (one entity, a queue, a full run in chunks),
reading results, history and "what would raise it". Services flush, never commit.

Grading is set-based: for a scope of entities (a USCC range of a full run's chunk, or an explicit list) one query
over the current record versions groups by subject with one filtered ``count`` and one filtered list of ids per
record indicator, and one query over published list entries does the same for the list indicators; Python only
adds up a handful of numbers per entity and writes the rows. Other areas call :func:`regrade_entity` (synchronous)
and :func:`current_grades`; records and lists queue entities through ``entities.service.enqueue_regrade``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, cast, delete, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.entities import service as entities
from xinyong.entities.models import Entity, RegradeQueue
from xinyong.evaluation.models import EvaluationModel, EvaluationResult, GradeChange, RegradeRun
from xinyong.evaluation.rules import (
    DEFAULT_MODEL_JSON,
    GRADE_LABELS,
    Grade,
    Indicator,
    Model,
    Source,
    earliest_counted,
    parse_model,
    score,
)
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.rules import EntryStatus
from xinyong.records.bulk import insert_rows
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Kind, SubjectType
from xinyong.records.windows import in_force_condition

SEED_ACTOR = Actor.system("evaluation:seed")
_PUBLISHERS = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})
RUN_CHUNK = 20_000
QUEUE_CHUNK = 1_000
MAX_USCCS = 5_000

_parsed: dict[str, Model] = {}  # digest -> parsed model (versions are immutable)


# ---------------------------------------------------------------- model versions


def _model_of(row: EvaluationModel) -> Model:
    model = _parsed.get(row.digest)
    if model is None:
        model = parse_model(row.definition)
        _parsed[row.digest] = model
    return model


def ensure_seeded(session: Session) -> None:
    """Publish the default model as version 1 when no version exists yet (idempotent, safe under concurrency)."""
    if session.scalar(select(func.count()).select_from(EvaluationModel)):
        return
    model = parse_model(DEFAULT_MODEL_JSON)
    try:
        with session.begin_nested():
            session.add(_model_row(1, model, SEED_ACTOR, "默认模型（系统初始化）"))
            session.flush()
    except IntegrityError:  # another transaction seeded it first
        return
    audit.record(session, SEED_ACTOR, "evaluation:model:seeded", "evaluation_model", "1", {"digest": model.digest()})


def _model_row(version: int, model: Model, actor: Actor, note: str | None) -> EvaluationModel:
    return EvaluationModel(
        version=version,
        name=model.name,
        definition=model.as_json(),
        digest=model.digest(),
        note=note,
        published_by=actor.id,
        published_at=clock.now(),
    )


def current_model(session: Session) -> tuple[int, Model]:
    """The latest published version and its model."""
    latest = select(EvaluationModel).order_by(EvaluationModel.version.desc()).limit(1)
    row = session.scalars(latest).first()
    if row is None:
        ensure_seeded(session)
        row = session.scalars(latest).one()
    return row.version, _model_of(row)


def model_of_version(session: Session, version: int) -> Model:
    """The parsed model of a published version (cached by digest: versions never change)."""
    return _model_of(get_model_version(session, version))


def model_versions(session: Session) -> list[EvaluationModel]:
    ensure_seeded(session)
    return list(session.scalars(select(EvaluationModel).order_by(EvaluationModel.version.desc())))


def get_model_version(session: Session, version: int) -> EvaluationModel:
    ensure_seeded(session)
    row = session.get(EvaluationModel, version)
    if row is None:
        raise NotFound(f"no evaluation model version {version} (未找到该模型版本)", field="version")
    return row


def publish_model(session: Session, actor: Actor, definition: Any, note: str) -> EvaluationModel:
    """The credit office publishes a new model version (immutable from then on) and opens the full run that grades
    everyone under it: the tick advances it a chunk at a time (:func:`sweep_model_runs`), ``xinyong regrade`` can
    finish it at once; results keep naming their old version until their chunk is done. Audit event
    ``evaluation:model:published``."""
    if actor.role not in _PUBLISHERS:
        raise Forbidden("only the credit office publishes evaluation models (仅信用办可发布评价模型)")
    if not note.strip():
        raise InvalidInput("a new model version needs a note (须说明修订理由)", field="note")
    model = parse_model(definition)
    version, current = current_model(session)
    if model.digest() == current.digest():
        raise Conflict(f"the model is the same as version {version} (与现行版本相同)", field="model")
    try:
        with session.begin_nested():
            row = _model_row(version + 1, model, actor, note.strip()[:2000])
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict("another version was published at the same time; try again (版本冲突)") from None
    audit.record(
        session,
        actor,
        "evaluation:model:published",
        "evaluation_model",
        str(row.version),
        {"digest": row.digest, "note": row.note, "indicators": len(model.indicators)},
    )
    open_run(session, actor)
    return row


# ---------------------------------------------------------------- counting


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


def _scope(column: Any, usccs: Sequence[str] | None, bounds: tuple[str, str] | None) -> ColumnElement[bool]:
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
        listed = select(ListEntry.record_id).where(ListEntry.record_id.is_not(None))
        records = (
            select(*columns)
            .where(
                v.valid_to.is_(None),
                v.subject_type == SubjectType.ENTITY.value,
                _bound_scope(v.subject_uscc, ranged),
                in_force_condition(today),
                v.kind.in_(sorted({k for i in record_indicators for k in i.kinds})),
                v.record_id.not_in(listed),  # a list's own record counts through the list indicator
            )
            .group_by(v.subject_uscc)
        )
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
            .where(
                ListEntry.status == EntryStatus.PUBLISHED.value,
                ListEntry.subject_uscc.is_not(None),
                _bound_scope(ListEntry.subject_uscc, ranged),
                or_(ListEntry.valid_to.is_(None), ListEntry.valid_to >= today),
                or_(ListEntry.valid_from.is_(None), ListEntry.valid_from <= today),
            )
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


# ---------------------------------------------------------------- grading


@dataclass
class GradeStats:
    graded: int = 0
    changed: int = 0  # grade or score changed (a history row each)
    grades_changed: int = 0


def _grade(
    session: Session,
    usccs: Sequence[str],
    cause: str,
    today: dt.date,
    *,
    bounds: tuple[str, str] | None = None,
    model: tuple[int, Model] | None = None,
) -> tuple[GradeStats, dict[str, tuple[str | None, EvaluationResult | dict[str, Any]]]]:
    """Grade the entities ``usccs`` (all of them existing; with ``bounds`` they are exactly the entities in that
    USCC range) and write results and history. Returns the stats and, per USCC, the old grade and the new row."""
    version, scoring = model or current_model(session)
    stats = GradeStats()
    if not usccs:
        return stats, {}
    counted = count_items(session, scoring, today, usccs=None if bounds else usccs, bounds=bounds)
    r = EvaluationResult
    old_stmt = select(r.uscc, r.grade, r.score, r.model_version).where(
        _scope(r.uscc, None if bounds else usccs, bounds)
    )
    old = {row.uscc: row for row in session.execute(old_stmt)}
    now = clock.now()
    results: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    written: dict[str, tuple[str | None, EvaluationResult | dict[str, Any]]] = {}
    empty = Counted()
    for uscc in usccs:
        total, grade, forced_by, items = breakdown_of(scoring, counted.get(uscc, empty))
        row = {
            "uscc": uscc,
            "model_version": version,
            "score": total,
            "grade": str(grade),
            "forced_by": forced_by,
            "breakdown": items,
            "cause": cause[:200],
            "computed_at": now,
        }
        results.append(row)
        before = old.get(uscc)
        written[uscc] = (before.grade if before else None, row)
        stats.graded += 1
        if before is None or before.grade != grade or before.score != total:
            stats.changed += 1
            if before is None or before.grade != grade:
                stats.grades_changed += 1
            history.append(
                {
                    "uscc": uscc,
                    "old_grade": before.grade if before else None,
                    "new_grade": str(grade),
                    "old_score": before.score if before else None,
                    "new_score": total,
                    "model_version": version,
                    "cause": cause[:200],
                    "changed_at": now,
                }
            )
    if bounds is not None:  # a run's chunk: replace the range's rows with one COPY (runs do not overlap)
        session.execute(delete(r).where(_scope(r.uscc, None, bounds)), execution_options={"synchronize_session": False})
        insert_rows(session, EvaluationResult, results)
    else:  # a few entities: an upsert, so two re-grades of one entity at once (tick and a repair) both succeed
        _upsert_results(session, results)
    insert_rows(session, GradeChange, history)
    session.flush()
    return stats, written


def _upsert_results(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(EvaluationResult)
    updated = {name: stmt.excluded[name] for name in rows[0] if name != "uscc"}
    session.execute(
        stmt.on_conflict_do_update(index_elements=["uscc"], set_=updated),
        rows,
        execution_options={"synchronize_session": False},
    )


def regrade_entity(session: Session, actor: Actor, uscc: str, cause: str) -> RegradeOutValue:
    """Re-grade one entity now, in the caller's transaction (credit repair calls this when a repair is approved;
    records and lists queue instead). Audit event ``evaluation:entity:regraded``."""
    entity = entities.get_entity(session, uscc)
    stats, written = _grade(session, [entity.uscc], cause, clock.today())
    old_grade, row = written[entity.uscc]
    assert isinstance(row, dict)
    session.execute(
        delete(RegradeQueue).where(RegradeQueue.uscc == entity.uscc),
        execution_options={"synchronize_session": False},
    )
    audit.record(
        session,
        actor,
        "evaluation:entity:regraded",
        "entity",
        entity.uscc,
        {"cause": cause[:200], "from": old_grade, "to": row["grade"], "score": row["score"]},
    )
    return RegradeOutValue(entity.uscc, old_grade, row["grade"], row["score"], row["model_version"], stats.changed > 0)


@dataclass(frozen=True)
class RegradeOutValue:
    uscc: str
    old_grade: str | None
    grade: str
    score: int
    model_version: int
    changed: bool


def current_grades(session: Session, usccs: list[str] | None = None) -> dict[str, str]:
    """USCC → grade letter (A/B/C/D) of every graded entity, or of those in ``usccs`` (ungraded ones are absent).
    For the 双随机 draw's strata and graded supervision."""
    stmt = select(EvaluationResult.uscc, EvaluationResult.grade)
    if usccs is None:
        return {row.uscc: row.grade for row in session.execute(stmt)}
    out: dict[str, str] = {}
    unique = list(dict.fromkeys(usccs))
    for start in range(0, len(unique), MAX_USCCS):
        part = unique[start : start + MAX_USCCS]
        out.update({row.uscc: row.grade for row in session.execute(stmt.where(EvaluationResult.uscc.in_(part)))})
    return out


@dataclass(frozen=True)
class DrainResult:
    entities: int
    changed: int
    left: int


def drain_queue(session: Session, actor: Actor, today: dt.date, *, limit: int | None = None) -> DrainResult:
    """Re-grade the queued entities (each once, whatever how often it was queued) and empty their queue rows.
    ``xinyong tick`` runs this; ``limit`` bounds the entities taken in one call."""
    graded = changed = 0
    while limit is None or graded < limit:
        size = QUEUE_CHUNK if limit is None else min(QUEUE_CHUNK, limit - graded)
        rows = session.execute(
            select(RegradeQueue.uscc, func.max(RegradeQueue.id).label("last"), func.min(RegradeQueue.cause))
            .group_by(RegradeQueue.uscc)
            .order_by(func.min(RegradeQueue.id))
            .limit(size)
        ).all()
        if not rows:
            break
        known = set(session.scalars(select(Entity.uscc).where(Entity.uscc.in_([r.uscc for r in rows]))))
        by_cause: dict[str, list[str]] = {}
        for row in rows:
            if row.uscc in known:
                by_cause.setdefault(row[2], []).append(row.uscc)
        for cause, usccs in by_cause.items():
            stats, _ = _grade(session, usccs, cause, today)
            graded += stats.graded
            changed += stats.changed
        for row in rows:
            session.execute(
                delete(RegradeQueue).where(RegradeQueue.uscc == row.uscc, RegradeQueue.id <= row.last),
                execution_options={"synchronize_session": False},
            )
        session.flush()
    left = session.scalar(select(func.count(func.distinct(RegradeQueue.uscc)))) or 0
    if graded:
        audit.record(
            session, actor, "evaluation:queue:drained", "regrade_queue", "*", {"entities": graded, "changed": changed}
        )
    return DrainResult(graded, changed, left)


def sweep_regrades(session: Session, actor: Actor, today: dt.date) -> DrainResult:
    """``xinyong tick``: prompt re-grading of the entities records and lists queued."""
    return drain_queue(session, actor, today)


# ---------------------------------------------------------------- full runs


def open_run(session: Session, actor: Actor, *, restart: bool = False) -> tuple[RegradeRun, bool]:
    """The unfinished full run to resume, or a new one under the current model. Returns (run, resumed)."""
    version, _ = current_model(session)
    unfinished = session.scalars(
        select(RegradeRun).where(RegradeRun.status == "running").order_by(RegradeRun.id.desc()).limit(1)
    ).first()
    if unfinished is not None and not restart and unfinished.model_version == version:
        return unfinished, True
    if unfinished is not None:
        unfinished.status = "abandoned"
        unfinished.finished_at = clock.now()
    total = session.scalar(select(func.count()).select_from(Entity)) or 0
    run = RegradeRun(
        model_version=version,
        status="running",
        cause="",
        last_uscc=None,
        done=0,
        changed=0,
        total=total,
        started_by=actor.id,
        started_at=clock.now(),
    )
    session.add(run)
    session.flush()
    run.cause = f"run:{run.id}（全量重新评价，模型v{version}）"
    audit.record(session, actor, "evaluation:run:started", "regrade_run", str(run.id), {"model_version": version})
    return run, False


def run_chunk(session: Session, run: RegradeRun, today: dt.date, chunk: int = RUN_CHUNK) -> int:
    """Grade the next ``chunk`` entities of the run (USCC order) and store its progress; 0 when it is finished."""
    stmt = select(Entity.uscc).order_by(Entity.uscc).limit(chunk)
    if run.last_uscc is not None:
        stmt = stmt.where(Entity.uscc > run.last_uscc)
    usccs = list(session.scalars(stmt))
    if not usccs:
        run.status = "done"
        run.finished_at = clock.now()
        session.flush()
        return 0
    model = session.get(EvaluationModel, run.model_version)
    assert model is not None
    stats, _ = _grade(
        session, usccs, run.cause, today, bounds=(usccs[0], usccs[-1]), model=(model.version, _model_of(model))
    )
    run.last_uscc = usccs[-1]
    run.done += stats.graded
    run.changed += stats.changed
    session.flush()
    return stats.graded


def grade_everyone(session: Session, actor: Actor, today: dt.date | None = None, chunk: int = RUN_CHUNK) -> RegradeRun:
    """A whole full run in the caller's transaction (the demo loader, tests); the CLI commits chunk by chunk."""
    run, _ = open_run(session, actor, restart=True)
    day = today or clock.today()
    while run_chunk(session, run, day, chunk):
        pass
    finish_run(session, actor, run)
    return run


@dataclass
class ModelRunStep:
    run: int | None  # the full run advanced, None when every result already names the current model
    graded: int
    done: int
    total: int


def sweep_model_runs(session: Session, actor: Actor, today: dt.date, chunk: int = RUN_CHUNK) -> ModelRunStep:
    """Advance the running full run of the current model by one chunk (a tick's share), finishing it after the last.
    Publishing a model version opens that run; a run of an older version is left to be abandoned by the next one."""
    version, _ = current_model(session)
    run = session.scalars(
        select(RegradeRun)
        .where(RegradeRun.status == "running", RegradeRun.model_version == version)
        .order_by(RegradeRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return ModelRunStep(None, 0, 0, 0)
    graded = run_chunk(session, run, today, chunk)
    if not graded:
        finish_run(session, actor, run)
    return ModelRunStep(run.id, graded, run.done, run.total)


def get_run(session: Session, run_id: int) -> RegradeRun:
    run = session.get(RegradeRun, run_id)
    if run is None:
        raise NotFound(f"no re-grading run {run_id}", field="run")
    return run


def finish_run(session: Session, actor: Actor, run: RegradeRun) -> None:
    """After the last chunk: what was queued before the run started is graded now; later queue rows stay (they
    may concern a chunk already done). Audit event ``evaluation:run:finished``."""
    session.execute(
        delete(RegradeQueue).where(RegradeQueue.queued_at < run.started_at),
        execution_options={"synchronize_session": False},
    )
    audit.record(
        session,
        actor,
        "evaluation:run:finished",
        "regrade_run",
        str(run.id),
        {"done": run.done, "changed": run.changed, "model_version": run.model_version},
    )


# ---------------------------------------------------------------- reading


def result_of(session: Session, uscc: str) -> EvaluationResult | None:
    """The entity's current result (read afresh: grading rewrites the rows set-based, round the identity map)."""
    return session.get(EvaluationResult, uscc, populate_existing=True)


def history_of(session: Session, uscc: str, *, limit: int = 200) -> list[GradeChange]:
    entity = entities.get_entity(session, uscc)
    return list(
        session.scalars(
            select(GradeChange).where(GradeChange.uscc == entity.uscc).order_by(GradeChange.id.desc()).limit(limit)
        )
    )


def distribution(session: Session) -> tuple[int | None, dict[str, int], int, int]:
    """(current model version, grade → entities, entities graded under an older version, all entities)."""
    version, _ = current_model(session)
    counts = {str(g): 0 for g in Grade}
    for row in session.execute(select(EvaluationResult.grade, func.count()).group_by(EvaluationResult.grade)):
        counts[row[0]] = row[1]
    stale = session.scalar(
        select(func.count()).select_from(EvaluationResult).where(EvaluationResult.model_version != version)
    )
    total = session.scalar(select(func.count()).select_from(Entity)) or 0
    return version, counts, int(stale or 0), int(total)


def grade_label(grade: str | None) -> str | None:
    return GRADE_LABELS[Grade(grade)] if grade else None


def industry_kind() -> str:
    return Kind.EVALUATION.value


def grade_facts() -> Select[*tuple[Any, ...]]:
    """Every entity's current grade as plain facts (uscc, grade, computed_at) for set-based cross-checks in other
    areas (contradiction flags). Read-only; callers scope it themselves."""
    r = EvaluationResult
    return select(r.uscc.label("uscc"), r.grade.label("grade"), r.computed_at.label("computed_at"))


def usccs_regraded_since(session: Session, change_id: int, limit: int) -> tuple[list[str], int]:
    """Entities whose grade or score changed in a ``grade_history`` row above ``change_id`` (at most ``limit`` + 1),
    and the highest row id now: what change-driven cross-checks re-read, with the mark to keep."""
    top = int(session.scalar(select(func.max(GradeChange.id))) or 0)
    stmt = select(GradeChange.uscc).where(GradeChange.id > change_id, GradeChange.id <= top).distinct()
    return [str(u) for u in session.scalars(stmt.limit(limit + 1))], top
