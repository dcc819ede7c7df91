"""双随机、一公开: the draw (one round over the frozen pool, from the public value entered at the draw), its public
bundle and the public draw pages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.calendar import load_calendar
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, NotFound
from xinyong.entities import lookup
from xinyong.inspections import rules
from xinyong.inspections.classes import CHUNK, department_names
from xinyong.inspections.models import (
    InspectionAssignment,
    InspectionDraw,
    InspectionItem,
    InspectionTask,
    Inspector,
)
from xinyong.inspections.schemas import (
    AssignmentOut,
    PublicDrawOut,
)
from xinyong.inspections.tasks import draw_out, draws_of, pool_rows, task_for
from xinyong.privacy import service as privacy
from xinyong.records.bulk import insert_rows


def _previous_inspectors(session: Session, department: str, usccs: Sequence[str]) -> dict[str, list[str]]:
    """Who inspected each entity last time for this department (its most recent earlier assignment). On PostgreSQL
    the codes travel as one array parameter (``= ANY``), not as thousands of placeholders."""
    out: dict[str, list[str]] = {}
    wanted = list(dict.fromkeys(usccs))
    postgres = session.get_bind().dialect.name == "postgresql"
    step = 100_000 if postgres else CHUNK
    for start in range(0, len(wanted), step):
        part = wanted[start : start + step]
        among = (
            InspectionAssignment.uscc == any_(bindparam("usccs", part, type_=ARRAY(String(18))))
            if postgres
            else InspectionAssignment.uscc.in_(part)
        )
        stmt = (
            select(InspectionAssignment.uscc, InspectionAssignment.inspectors)
            .where(InspectionAssignment.department == department, among)
            .order_by(InspectionAssignment.id)
        )
        for uscc, ids in session.execute(stmt):
            out[uscc] = list(ids)  # later rows overwrite earlier ones: the last inspection wins
    return out


def _store_assignments(session: Session, rows: list[dict[str, Any]]) -> None:
    """The drawn entities: one COPY on PostgreSQL (the inspectors list as JSON text), insert_rows elsewhere."""
    raw = session.connection().connection.driver_connection
    if session.get_bind().dialect.name != "postgresql" or raw is None or not rows:
        insert_rows(session, InspectionAssignment, rows)
        return
    names = list(rows[0])
    columns = ", ".join(names)
    with raw.cursor() as cursor, cursor.copy(f"COPY inspection_assignments ({columns}) FROM STDIN") as copy:
        for item in rows:
            copy.write_row([json.dumps(v) if name == "inspectors" else v for name, v in item.items()])


def publish_deadline(session: Session, start: dt.date) -> tuple[dt.date, bool, str]:
    days = get_settings().inspection_publish_days
    result = load_calendar(session).add_working_days(start, days)
    return result.date, result.provisional, f"publish:{days}wd"


def _unused_public_value(session: Session, task: InspectionTask, public_value: str) -> str:
    """The public value normalised, refused when a round on the same pool already used it."""
    value = rules.normalise_public_value(public_value)
    used = session.scalars(
        select(InspectionDraw.id)
        .join(InspectionTask, InspectionTask.id == InspectionDraw.task_id)
        .where(InspectionTask.pool_hash == task.pool_hash, InspectionDraw.public_value == value)
    ).first()
    if used:
        raise Conflict(
            "this public value was already used on this pool: a new round needs a new public value "
            "(每轮抽取须使用新的公开随机数)",
            field="public_value",
        )
    return value


def _active_inspectors(session: Session, department: str) -> list[rules.Inspector]:
    """The department's active inspector pool, by badge number."""
    query = (
        select(Inspector)
        .where(Inspector.department == department, Inspector.active.is_(True))
        .order_by(Inspector.badge_no)
    )
    return [rules.Inspector(i.badge_no, i.name, frozenset(i.conflicts)) for i in session.scalars(query)]


def make_draw(session: Session, actor: Actor, task_id: int, public_value: str) -> InspectionDraw:
    """Draw one round of the task with the public value entered now; store the result and publish it."""
    task = task_for(session, actor, task_id, write=True)
    # one round at a time per task: a second draw waits here and then sees the first one's round and value
    session.execute(select(InspectionTask.id).where(InspectionTask.id == task.id).with_for_update())
    value = _unused_public_value(session, task, public_value)
    rows = pool_rows(session, task.id)
    excluded = set(session.scalars(select(InspectionAssignment.uscc).where(InspectionAssignment.task_id == task.id)))
    inspectors = _active_inspectors(session, task.department)
    ratios = rules.parse_ratios(task.ratios)
    rules.check_inspectors(inspectors, task.inspectors_per_entity)
    # The rows were checked when frozen, are unique by the table's key, and must hash to the published value: sorting
    # them in code-point order (a no-op pass when the database's order agrees) is all the canonical form still needs.
    checked = sorted(rows)
    if not checked:
        raise Conflict(f"task {task.id} has no frozen pool (对象库为空)")
    digest = rules.pool_hash(checked)
    if digest != task.pool_hash:  # the stored rows no longer match what was published: refuse, loudly
        raise Conflict(f"the frozen pool of task {task.id} no longer matches its published hash (对象库已被改动)")
    seed = rules.derive_seed(value, digest)
    strata, picks = rules.select(checked, seed, ratios, excluded)
    previous = _previous_inspectors(session, task.department, [p.uscc for p in picks])
    assigned = rules.assign(picks, seed, inspectors, previous, task.inspectors_per_entity)
    result = rules.DrawResult(digest, seed, strata, assigned)
    round_no = len(draws_of(session, task.id)) + 1
    names = department_names(session)
    bundle = rules.make_bundle(
        [],
        value,
        ratios,
        inspectors,
        result,
        per_entity=task.inspectors_per_entity,
        previous=previous,
        excluded=excluded,
        task={
            "id": task.id,
            "name": task.name,
            "department": task.department,
            "department_name": names.get(task.department, task.department),
            "round": round_no,
            "pool_filter": task.pool_filter,
        },
    )
    del bundle["pool"]
    today = clock.today()
    row = InspectionDraw(
        task_id=task.id,
        department=task.department,
        round_no=round_no,
        public_value=value,
        seed=seed,
        selected_count=len(assigned),
        bundle=bundle,
        drawn_on=today,
        drawn_at=clock.now(),
        drawn_by=actor.id,
    )
    session.add(row)
    session.flush()
    deadline, provisional, rule = publish_deadline(session, task.inspection_end)
    _store_assignments(
        session,
        [
            {"draw_id": row.id, "task_id": task.id, "department": task.department, "uscc": p.uscc,
             "stratum": p.stratum, "ticket": p.ticket, "inspectors": list(p.inspectors), "deadline": deadline,
             "deadline_provisional": provisional, "deadline_rule": rule}
            for p in assigned
        ],
    )  # fmt: skip
    audit.record(
        session,
        actor,
        "inspections:draw:made",
        "inspection_draw",
        str(row.id),
        {"task_id": task.id, "round": round_no, "public_value": value, "seed": seed, "pool_hash": digest,
         "selected": len(assigned), "excluded": len(excluded)},
    )  # fmt: skip
    return row


def get_draw(session: Session, draw_id: int) -> InspectionDraw:
    row = session.get(InspectionDraw, draw_id)
    if row is None:
        raise NotFound(f"no draw {draw_id} (未找到该抽取结果)", field="draw_id")
    return row


def bundle_of(session: Session, draw_id: int) -> dict[str, Any]:
    """The published bundle of a draw, with its pool rebuilt from the frozen rows (keys in the documented order)."""
    row = get_draw(session, draw_id)
    stored = dict(row.bundle)
    pool = [[u, s] for u, s in pool_rows(session, row.task_id)]
    out: dict[str, Any] = {}
    for key in ("format", "algorithm", "task"):
        out[key] = stored.pop(key, None)
    out["pool"] = pool
    out.update(stored)
    return out


def list_public_draws(session: Session, limit: int = 200) -> list[InspectionDraw]:
    return list(session.scalars(select(InspectionDraw).order_by(InspectionDraw.id.desc()).limit(limit)))


def public_draw(session: Session, draw_id: int) -> PublicDrawOut:
    row = get_draw(session, draw_id)
    task = session.get(InspectionTask, row.task_id)
    assert task is not None
    names = department_names(session)
    items = list(session.scalars(select(InspectionItem.name).where(InspectionItem.id.in_(task.item_ids))))
    return PublicDrawOut(
        draw=draw_out(row),
        task_name=task.name,
        department_name=names.get(row.department, row.department),
        items=items,
        selected=[_public_assignment(a) for a in assignments_of_draw(session, row.id)],
    )


def _public_assignment(row: AssignmentOut) -> AssignmentOut:
    """A drawn entity's result as the public reads it: its note through the one desensitiser."""
    if not row.result_note:
        return row
    note = privacy.public(privacy.about(row.uscc, row.name), row.result_note)
    return row.model_copy(update={"result_note": note})


def assignment_out(row: InspectionAssignment, name: str, today: dt.date | None = None) -> AssignmentOut:
    today = today or clock.today()
    return AssignmentOut(
        id=row.id,
        draw_id=row.draw_id,
        task_id=row.task_id,
        department=row.department,
        uscc=row.uscc,
        name=name,
        stratum=row.stratum,
        ticket=row.ticket,
        inspectors=list(row.inspectors),
        deadline=row.deadline,
        deadline_provisional=row.deadline_provisional,
        result=row.result,
        result_date=row.result_date,
        result_note=row.result_note,
        published_on=row.published_on,
        record_id=row.record_id,
        overdue=row.published_on is None and today > row.deadline,
        late=row.published_on is not None and row.published_on > row.deadline,
    )


def assignments_of_draw(session: Session, draw_id: int) -> list[AssignmentOut]:
    rows = list(
        session.scalars(
            select(InspectionAssignment)
            .where(InspectionAssignment.draw_id == draw_id)
            .order_by(InspectionAssignment.ticket)
        )
    )
    names = lookup.names_of(session, (r.uscc for r in rows))
    return [assignment_out(r, names.get(r.uscc, "")) for r in rows]
