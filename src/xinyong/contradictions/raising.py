"""The rule catalogue and the sweep: run each enabled rule, raise a flag per new contradiction (idempotent), and let
open flags whose contradiction is gone lapse (a full sweep only). The tick runs :func:`sweep_contradictions`: the
whole catalogue once a day, and in between only over the entities whose records, list entries or grades changed
since the last round (the change marks: record versions by time, list steps and grade changes by id — the same
readers the exchange push and the re-grading queue rely on). Services flush, never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.contradictions.detect import DETECTORS
from xinyong.contradictions.models import FLAG, ContradictionFlag, ContradictionRule
from xinyong.contradictions.rules import DEFAULTS, FlagStatus, FlagStep, Found
from xinyong.core import clock, opstate
from xinyong.core.actor import Actor
from xinyong.core.workflow import Parties
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.records import service as records

MARK = "contradictions:marks"
SCOPE_LIMIT = 20_000  # more changed entities than this since the last round: run the whole catalogue instead
SCOPE_CHUNK = 2_000
BEYOND = 2**31 - 1  # a step id above every row: asks only for the current top
RECORD_MARGIN = dt.timedelta(minutes=10)  # re-read before the mark: a slow transaction's versions are not missed


@dataclass(frozen=True)
class SweepOut:
    mode: str  # full / changes / idle
    entities: int  # entities checked in a change-driven round (0 for a full one)
    raised: int
    lapsed: int


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


def _raise(session: Session, actor: Actor, rule: ContradictionRule, found: Found, today: dt.date) -> ContradictionFlag:
    now = clock.now()
    flag = ContradictionFlag(
        rule_code=rule.code,
        pair_key=found.pair_key,
        open_key=found.pair_key,
        fingerprint=found.fingerprint,
        uscc=found.uscc,
        subject_name=found.subject_name,
        department=found.department,
        side_a=found.a.as_json(),
        side_b=found.b.as_json(),
        summary=found.summary,
        status="",
        raised_on=today,
        created_at=now,
        updated_at=now,
    )
    session.add(flag)
    session.flush()
    done = FLAG.advance(
        session,
        actor,
        flag,
        FlagStep.RAISE,
        parties=Parties(found.department, subject_uscc=found.uscc),
        reason=f"{rule.name}：{found.summary}"[:2000],
        documents=[found.a.key, found.b.key],
        deadline_days=rule.deadline_days,
        details={"rule": rule.code, "uscc": found.uscc, "department": found.department, "pair": found.pair_key},
    )
    flag.deadline = done.deadline.date if done.deadline else None
    return flag


def _lapse(session: Session, actor: Actor, flag: ContradictionFlag) -> None:
    flag.open_key = None
    FLAG.advance(
        session,
        actor,
        flag,
        FlagStep.LAPSE,
        parties=Parties(flag.department, subject_uscc=flag.uscc),
        reason="再次比对时矛盾已不存在",
        details={"rule": flag.rule_code, "pair": flag.pair_key},
    )


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
        for key, item in unique.items():
            if _due(item, latest.get(key)):
                raised.append(_raise(session, actor, rule, item, today).id)
        if scope is None:
            for key, flag in latest.items():
                if flag.status == FlagStatus.OPEN and key not in unique:
                    _lapse(session, actor, flag)
                    lapsed.append(flag.id)
    session.flush()
    return raised, lapsed


def _changed(session: Session, detail: dict[str, object]) -> tuple[set[str] | None, dict[str, object]]:
    """Entities changed since the marks in ``detail`` (``None``: too many, run everything) and the new marks."""
    now = clock.now()
    since = dt.datetime.fromisoformat(str(detail["records_at"])) - RECORD_MARGIN
    changed = set(records.usccs_changed_since(session, since, SCOPE_LIMIT))
    stepped, step_top = lists.usccs_stepped_since(session, int(str(detail["list_step"])), SCOPE_LIMIT)
    graded, grade_top = evaluation.usccs_regraded_since(session, int(str(detail["grade_change"])), SCOPE_LIMIT)
    changed.update(stepped)
    changed.update(graded)
    marks = {**detail, "records_at": now.isoformat(), "list_step": step_top, "grade_change": grade_top}
    return (None if len(changed) > SCOPE_LIMIT else changed), marks


def _fresh_marks(session: Session, today: dt.date) -> dict[str, object]:
    _, step_top = lists.usccs_stepped_since(session, BEYOND, 0)
    _, grade_top = evaluation.usccs_regraded_since(session, BEYOND, 0)
    return {"full_on": today.isoformat(), "records_at": clock.now().isoformat(), "list_step": step_top,
            "grade_change": grade_top}  # fmt: skip


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
