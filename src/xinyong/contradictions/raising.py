"""The rule catalogue and the sweep: run each enabled rule, raise a flag per new contradiction (idempotent), and let
open flags whose contradiction is gone lapse (a full sweep only). The tick runs :func:`sweep_contradictions`: the
whole catalogue once a day, and in between only over the entities whose records, list entries or grades changed
since the last round (the change marks: record versions, list steps and grade changes by id — the same
readers the exchange push relies on, each mark re-read with a margin below it). Services flush, never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, Table, insert, select, text, update
from sqlalchemy.orm import Session

from xinyong.contradictions.detect import DETECTORS
from xinyong.contradictions.models import ContradictionFlag, ContradictionFlagStep, ContradictionRule
from xinyong.contradictions.rules import DEFAULTS, TABLE, FlagStatus, FlagStep, Found
from xinyong.core import audit, clock, opstate
from xinyong.core.actor import Actor
from xinyong.core.db import UTCDateTime
from xinyong.core.workflow import Deadline, Parties, plain, working_day_deadline
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.records import service as records

MARK = "contradictions:marks"
SCOPE_LIMIT = 20_000  # more changed entities than this since the last round: run the whole catalogue instead
SCOPE_CHUNK = 2_000
BEYOND = 2**31 - 1  # a step id above every row: asks only for the current top
MARGIN = 1_000  # ids re-read below a mark: a slow transaction's rows (ids taken before it committed) are not missed
AUDIT_IDS = 1_000  # flag ids named in a batch's audit event (all of them are in the step rows)
FLAGS, STEPS = (Table(m.__tablename__, ContradictionFlag.metadata) for m in (ContradictionFlag, ContradictionFlagStep))


@dataclass(frozen=True)
class SweepOut:
    mode: str  # full / changes / idle
    entities: int  # entities checked in a change-driven round (0 for a full one)
    raised: int
    lapsed: int

    def summary(self) -> str:
        """What a tick round prints: the flags it changed (which kind of round ran is the sweep's own business, so a
        second round the same day with nothing new prints the same line)."""
        return f"raised {self.raised}, lapsed {self.lapsed}"


def ensure_rules(session: Session) -> dict[str, ContradictionRule]:
    """The catalogue, with any rule the code knows and the table lacks added from its defaults (idempotent)."""
    rows = {row.code: row for row in session.scalars(select(ContradictionRule))}
    now = clock.now()
    for default in DEFAULTS:
        if default.code.value not in rows:
            row = ContradictionRule(
                code=default.code.value,
                name=default.name,
                description=default.description,
                enabled=True,
                deadline_days=default.deadline_days,
                params=dict(default.params),
                updated_by="system:seed",
                updated_at=now,
            )
            session.add(row)
            rows[row.code] = row
    session.flush()
    return rows


def _latest(session: Session, rule: str, keys: Iterable[str] | None) -> dict[str, ContradictionFlag]:
    """The newest flag of each pair of ``rule`` (of the pairs in ``keys``, or every pair)."""
    stmt = select(ContradictionFlag).where(ContradictionFlag.rule_code == rule)
    out: dict[str, ContradictionFlag] = {}
    if keys is None:
        for row in session.scalars(stmt.order_by(ContradictionFlag.id)):
            out[row.pair_key] = row
        return out
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), SCOPE_CHUNK):
        part = wanted[start : start + SCOPE_CHUNK]
        for row in session.scalars(stmt.where(ContradictionFlag.pair_key.in_(part)).order_by(ContradictionFlag.id)):
            out[row.pair_key] = row
    return out


def _due(found: Found, latest: ContradictionFlag | None) -> bool:
    """Raise unless the pair has an open flag, or a decided one about the same data."""
    if latest is None:
        return True
    if latest.status == FlagStatus.OPEN:
        return False
    if latest.status == FlagStatus.LAPSED:
        return True  # it had gone and is back
    return latest.fingerprint != found.fingerprint


def _step_row(
    flag_id: int,
    actor: Actor,
    step: FlagStep,
    frm: str | None,
    to: str,
    today: dt.date,
    reason: str,
    deadline: Deadline | None,
    details: dict[str, object],
) -> dict[str, object]:
    return {
        "flag_id": flag_id,
        "step": step.value,
        "from_status": frm,
        "to_status": to,
        "on": today,
        "at": clock.now(),
        "actor_role": str(actor.role),
        "actor_id": actor.id,
        "actor_department": actor.department_code,
        "reason": reason[:2000],
        "documents": None,
        "deadline": deadline.date if deadline else None,
        "deadline_provisional": deadline.provisional if deadline else None,
        "details": plain(details),
    }


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_flags(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """The flags' rows, their ids in order: on PostgreSQL ids taken from the table's sequence and the rows written
    with one COPY (a multi-row INSERT of thousands of flags spent most of its time building the statement);
    elsewhere multi-row inserts returning the ids."""
    if _postgres(session):
        sequence = "SELECT nextval(pg_get_serial_sequence('contradiction_flags', 'id')) FROM generate_series(1, :n)"
        ids = [int(i) for i in session.execute(text(sequence), {"n": len(rows)}).scalars()]
        _insert_rows(session, FLAGS, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    ids = []
    for start in range(0, len(rows), SCOPE_CHUNK):
        made = session.execute(
            insert(ContradictionFlag).returning(ContradictionFlag.id, sort_by_parameter_order=True),
            rows[start : start + SCOPE_CHUNK],
        )
        ids.extend(int(i) for i in made.scalars())
    return ids


def _insert_rows(session: Session, table: Table, rows: Sequence[dict[str, object]]) -> None:
    """Rows into ``table``: one ``COPY`` on PostgreSQL (each value as its column type would bind it), multi-row
    inserts elsewhere."""
    if not rows:
        return
    if not _postgres(session):
        for start in range(0, len(rows), SCOPE_CHUNK):
            session.execute(insert(table), list(rows[start : start + SCOPE_CHUNK]))
        return
    session.flush()
    columns = list(rows[0])
    kinds = [table.c[name].type for name in columns]
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(kind, row[name]) for kind, name in zip(kinds, columns, strict=True)])


def _copy_value(kind: object, value: object) -> object:
    if value is None:
        return None
    if isinstance(kind, UTCDateTime) and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(kind, JSON):
        return json.dumps(value, ensure_ascii=False)
    return value


def _digest(keys: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def raise_flags(
    session: Session, actor: Actor, rule: ContradictionRule, found: Sequence[Found], today: dt.date
) -> list[int]:
    """Raise a flag per contradiction, set-based: the step (``raise``, checked against the table once: the platform
    only) and its working-day deadline (one computation for the batch) are the same for all, so the flags and their
    ``contradiction_flag_steps`` rows go in as two multi-row inserts, and one audit event
    ``contradictions:flag:raised`` names the rule, the flag ids and a digest of the pairs."""
    if not found:
        return []
    TABLE.require(FlagStep.RAISE, None, actor, Parties(None))
    deadline = working_day_deadline(session, today, rule.deadline_days, "核查办理期限")
    now = clock.now()
    rows = [
        {
            "rule_code": rule.code,
            "pair_key": f.pair_key,
            "open_key": f.pair_key,
            "fingerprint": f.fingerprint,
            "uscc": f.uscc,
            "subject_name": f.subject_name[:200],
            "department": f.department,
            "side_a": f.a.as_json(),
            "side_b": f.b.as_json(),
            "summary": f.summary,
            "status": FlagStatus.OPEN.value,
            "deadline": deadline.date,
            "raised_on": today,
            "created_at": now,
            "updated_at": now,
        }
        for f in found
    ]
    ids = _insert_flags(session, rows)
    reason = f"{rule.name}（{deadline.rule}）"
    steps = [
        _step_row(
            i,
            actor,
            FlagStep.RAISE,
            None,
            FlagStatus.OPEN.value,
            today,
            f"{reason}：{f.summary}",
            deadline,
            {"rule": rule.code, "pair": f.pair_key, "sides": [f.a.key, f.b.key]},
        )
        for i, f in zip(ids, found, strict=True)
    ]
    _insert_rows(session, STEPS, steps)
    audit.record(
        session,
        actor,
        TABLE.event_of(FlagStep.RAISE),
        "contradiction_rule",
        rule.code,
        {
            "count": len(ids),
            "first": ids[0],
            "last": ids[-1],
            "flags": ids[:AUDIT_IDS],
            "pairs_sha256": _digest([f.pair_key for f in found]),
            "deadline": deadline.date.isoformat(),
        },
    )
    return ids


def lapse_flags(
    session: Session, actor: Actor, rule: ContradictionRule, flags: Sequence[ContradictionFlag], today: dt.date
) -> list[int]:
    """Open flags whose contradiction a full round no longer finds become 已消除 (the platform's ``lapse`` step), set
    based like :func:`raise_flags`, with one audit event ``contradictions:flag:lapsed``."""
    if not flags:
        return []
    TABLE.require(FlagStep.LAPSE, FlagStatus.OPEN, actor, Parties(None))
    ids = [f.id for f in flags]
    now = clock.now()
    for start in range(0, len(ids), SCOPE_CHUNK):
        part = ids[start : start + SCOPE_CHUNK]
        session.execute(
            update(ContradictionFlag)
            .where(ContradictionFlag.id.in_(part), ContradictionFlag.status == FlagStatus.OPEN.value)
            .values(status=FlagStatus.LAPSED.value, open_key=None, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    steps = [
        _step_row(
            f.id,
            actor,
            FlagStep.LAPSE,
            FlagStatus.OPEN.value,
            FlagStatus.LAPSED.value,
            today,
            "再次比对时矛盾已不存在",
            None,
            {"rule": rule.code, "pair": f.pair_key},
        )
        for f in flags
    ]
    _insert_rows(session, STEPS, steps)
    audit.record(
        session,
        actor,
        TABLE.event_of(FlagStep.LAPSE),
        "contradiction_rule",
        rule.code,
        {"count": len(ids), "flags": ids[:AUDIT_IDS]},
    )
    return ids


def run_rules(
    session: Session, actor: Actor, today: dt.date | None = None, scope: Sequence[str] | None = None
) -> tuple[list[int], list[int]]:
    """Run every enabled rule (over ``scope``'s entities, or everyone) and raise what is new; a full run also lets
    open flags of an enabled rule lapse when their contradiction is no longer found. Returns (raised, lapsed) ids."""
    today = today or clock.today()
    raised: list[int] = []
    lapsed: list[int] = []
    for code, rule in ensure_rules(session).items():
        if not rule.enabled or code not in DETECTORS:
            continue
        found = DETECTORS[code](session, today, rule.params or {}, scope)
        unique = {f.pair_key: f for f in found}
        latest = _latest(session, code, None if scope is None else unique.keys())
        due = [item for key, item in unique.items() if _due(item, latest.get(key))]
        raised.extend(raise_flags(session, actor, rule, due, today))
        if scope is None:
            gone = [f for key, f in latest.items() if f.status == FlagStatus.OPEN and key not in unique]
            lapsed.extend(lapse_flags(session, actor, rule, gone, today))
    session.flush()
    return raised, lapsed


def _changed(session: Session, detail: dict[str, object]) -> tuple[set[str] | None, dict[str, object]]:
    """Entities changed since the marks in ``detail`` (``None``: too many, run everything) and the new marks."""
    version = max(0, int(str(detail.get("record_version", 0))) - MARGIN)
    step = max(0, int(str(detail.get("list_step", 0))) - MARGIN)
    grade = max(0, int(str(detail.get("grade_change", 0))) - MARGIN)
    changed, version_top = records.usccs_changed_since(session, version, SCOPE_LIMIT)
    stepped, step_top = lists.usccs_stepped_since(session, step, SCOPE_LIMIT)
    graded, grade_top = evaluation.usccs_regraded_since(session, grade, SCOPE_LIMIT)
    found = {*changed, *stepped, *graded}
    marks = {**detail, "record_version": version_top, "list_step": step_top, "grade_change": grade_top}
    return (None if len(found) > SCOPE_LIMIT else found), marks


def _fresh_marks(session: Session, today: dt.date) -> dict[str, object]:
    _, version_top = records.usccs_changed_since(session, BEYOND, 0)
    _, step_top = lists.usccs_stepped_since(session, BEYOND, 0)
    _, grade_top = evaluation.usccs_regraded_since(session, BEYOND, 0)
    return {
        "full_on": today.isoformat(),
        "record_version": version_top,
        "list_step": step_top,
        "grade_change": grade_top,
    }


def sweep_contradictions(session: Session, actor: Actor, today: dt.date | None = None) -> SweepOut:
    """The tick's sweep: the whole catalogue once a day (the first round of the day), otherwise only the entities
    changed since the last round, in chunks. Idempotent: a second round with no change raises nothing."""
    today = today or clock.today()
    state = opstate.get(session, MARK)
    detail = dict(state.detail) if state is not None else {}
    if detail.get("full_on") == today.isoformat():
        changed, marks = _changed(session, detail)
        if changed is not None:
            raised: list[int] = []
            ordered = sorted(changed)
            for start in range(0, len(ordered), SCOPE_CHUNK):
                made, _ = run_rules(session, actor, today, ordered[start : start + SCOPE_CHUNK])
                raised.extend(made)
            opstate.put(session, MARK, marks)
            return SweepOut("changes" if ordered else "idle", len(ordered), len(raised), 0)
    marks = _fresh_marks(session, today)  # taken before the run: a change during it is read next round
    raised, lapsed = run_rules(session, actor, today)
    opstate.put(session, MARK, marks)
    return SweepOut("full", 0, len(raised), len(lapsed))
