"""Use cases of the 公共信用综合评价 (req §3.6): model versions, grading (one entity, a queue, a full run in chunks),
reading results, history and "what would raise it". Services flush, never commit.

Grading is set-based (:mod:`xinyong.evaluation.scoring`): for a scope of entities (a USCC range of a full run's chunk,
or an explicit list) the records and list entries are grouped by subject with one filtered list of ids per
indicator; on PostgreSQL the same statement scores, grades and writes results and history, elsewhere Python adds
the numbers up and writes the rows. The entity master and the re-grade queue are read through the entities service.
Other areas call :func:`regrade_entity` (synchronous)
and :func:`current_grades`; records and lists queue entities through ``entities.service.enqueue_regrade``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.entities import service as entities
from xinyong.evaluation import scoring
from xinyong.evaluation.models import EvaluationModel, EvaluationResult, GradeChange, RegradeRun
from xinyong.evaluation.rules import (
    DEFAULT_MODEL_JSON,
    GRADE_LABELS,
    Grade,
    Model,
    parse_model,
)
from xinyong.records.bulk import insert_rows, note_written
from xinyong.records.rules import Kind

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
    """The latest published version and its model (the definition is read and parsed once per digest: versions
    never change, and every re-grade asks)."""
    m = EvaluationModel
    latest = select(m.version, m.digest).order_by(m.version.desc()).limit(1)
    found = session.execute(latest).first()
    if found is None:
        ensure_seeded(session)
        found = session.execute(latest).one()
    model = _parsed.get(found.digest)
    if model is None:
        model = _model_of(get_model_version(session, found.version))
    return found.version, model


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


# ---------------------------------------------------------------- grading


@dataclass
class GradeStats:
    graded: int = 0
    changed: int = 0  # grade or score changed (a history row each)
    grades_changed: int = 0


Written = dict[str, tuple[str | None, str, int]]  # uscc -> (old grade, grade, score)


def _grade(
    session: Session,
    usccs: Sequence[str],
    cause: str,
    today: dt.date,
    *,
    bounds: tuple[str, str] | None = None,
    model: tuple[int, Model] | None = None,
    in_python: bool = False,
) -> tuple[GradeStats, Written]:
    """Grade the entities ``usccs`` (all of them existing; with ``bounds`` they are exactly the entities in that
    USCC range) and write results and history. Returns the stats and, per USCC, the old grade, grade and score.
    On PostgreSQL one statement does it all (:func:`scoring.grade_in_database`); ``in_python`` takes the reference
    way there too (the tests compare them)."""
    version, scoring_model = model or current_model(session)
    if not usccs:
        return GradeStats(), {}
    if in_python or session.get_bind().dialect.name != "postgresql":
        return _grade_in_python(session, usccs, cause, today, bounds, (version, scoring_model))
    session.flush()
    stats = GradeStats()
    written: Written = {}
    scope = {"bounds": bounds} if bounds is not None else {"usccs": usccs}
    for row in scoring.grade_in_database(session, (version, scoring_model), today, cause, clock.now(), **scope):
        stats.graded += 1
        if row.changed:
            stats.changed += 1
            stats.grades_changed += row.old_grade != row.grade
        written[row.uscc] = (row.old_grade, row.grade, row.score)
    note_written(session, EvaluationResult.__tablename__, stats.graded)  # ANALYZE after a large first run
    note_written(session, GradeChange.__tablename__, stats.changed)
    return stats, written


def _grade_in_python(
    session: Session,
    usccs: Sequence[str],
    cause: str,
    today: dt.date,
    bounds: tuple[str, str] | None,
    model: tuple[int, Model],
) -> tuple[GradeStats, Written]:
    """The reference way: count in SQL (:func:`scoring.count_items`), add up in Python, write the rows."""
    version, scoring_model = model
    stats = GradeStats()
    if bounds is None:  # an explicit list: the master's codes only (a range is the master's by construction)
        known = entities.existing_usccs(session, usccs)
        usccs = [uscc for uscc in usccs if uscc in known]
    counted = scoring.count_items(session, scoring_model, today, usccs=None if bounds else usccs, bounds=bounds)
    r = EvaluationResult
    old_stmt = select(r.uscc, r.grade, r.score).where(
        scoring.scope_condition(r.uscc, None if bounds else usccs, bounds)
    )
    old = {row.uscc: row for row in session.execute(old_stmt)}
    now = clock.now()
    results: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    written: Written = {}
    empty = scoring.Counted()
    for uscc in usccs:
        total, grade, forced_by, items = scoring.breakdown_of(scoring_model, counted.get(uscc, empty))
        results.append(
            {"uscc": uscc, "model_version": version, "score": total, "grade": str(grade), "forced_by": forced_by,
             "breakdown": items, "cause": cause[:200], "computed_at": now}
        )  # fmt: skip
        before = old.get(uscc)
        written[uscc] = (before.grade if before else None, str(grade), total)
        stats.graded += 1
        if before is None or before.grade != grade or before.score != total:
            stats.changed += 1
            stats.grades_changed += before is None or before.grade != grade
            history.append(
                {"uscc": uscc, "old_grade": before.grade if before else None, "new_grade": str(grade),
                 "old_score": before.score if before else None, "new_score": total, "model_version": version,
                 "cause": cause[:200], "changed_at": now}
            )  # fmt: skip
    if bounds is not None:  # a run's chunk: replace the range's rows (runs do not overlap)
        session.execute(
            delete(r).where(scoring.scope_condition(r.uscc, None, bounds)),
            execution_options={"synchronize_session": False},
        )
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
    code = entities.resolve_uscc(session, uscc)
    version, model = current_model(session)
    stats, written = _grade(session, [code], cause, clock.today(), model=(version, model))
    if code not in written:  # grading covers the entity master's codes only
        raise NotFound(f"no entity with USCC {code} (未找到该主体)", field="uscc")
    old_grade, grade, total = written[code]
    entities.dequeue_regrade(session, code)
    audit.record(
        session,
        actor,
        "evaluation:entity:regraded",
        "entity",
        code,
        {"cause": cause[:200], "from": old_grade, "to": grade, "score": total},
    )
    return RegradeOutValue(code, old_grade, grade, total, version, stats.changed > 0)


@dataclass(frozen=True)
class RegradeOutValue:
    uscc: str
    old_grade: str | None
    grade: str
    score: int
    model_version: int
    changed: bool


def current_grades(session: Session, usccs: list[str] | None = None) -> dict[str, str]:
    """USCC → grade letter (A/B/C/D) of every graded entity (in USCC order), or of those in ``usccs`` (ungraded ones
    are absent). For the 双随机 draw's strata and graded supervision."""
    stmt = select(EvaluationResult.uscc, EvaluationResult.grade)
    if usccs is None:
        if session.get_bind().dialect.name == "postgresql":  # a million rows: plain tuples from the driver
            session.flush()
            driver = session.connection().connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor:
                cursor.execute("SELECT uscc, grade FROM evaluation_results ORDER BY uscc")
                return dict(cursor.fetchall())
        return {row.uscc: row.grade for row in session.execute(stmt.order_by(EvaluationResult.uscc))}
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
        rows = entities.queued_regrades(session, size)
        if not rows:
            break
        known = entities.existing_usccs(session, [uscc for uscc, _, _ in rows])
        by_cause: dict[str, list[str]] = {}
        for uscc, _, first_cause in rows:
            if uscc in known:
                by_cause.setdefault(first_cause, []).append(uscc)
        for cause, usccs in by_cause.items():
            stats, _ = _grade(session, usccs, cause, today)
            graded += stats.graded
            changed += stats.changed
        for uscc, last, _ in rows:
            entities.dequeue_regrade(session, uscc, last)
        session.flush()
    left = entities.regrades_waiting(session)
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
    total = entities.count_entities(session)
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
    usccs = entities.usccs_after(session, run.last_uscc, chunk)
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
    entities.dequeue_regrades_before(session, run.started_at)
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
    total = entities.count_entities(session)
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
