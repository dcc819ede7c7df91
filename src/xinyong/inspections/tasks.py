"""双随机、一公开: tasks, each with its entity pool frozen at creation (rows stored, SM3 hash published)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.entities import lookup
from xinyong.inspections import rules
from xinyong.inspections.classes import acting_department, classify, current_mapping, reading_department
from xinyong.inspections.models import (
    InspectionDraw,
    InspectionItem,
    InspectionPoolRow,
    InspectionTask,
)
from xinyong.inspections.registers import item_out
from xinyong.inspections.schemas import (
    DrawOut,
    StratumOut,
    TaskIn,
    TaskOut,
)
from xinyong.records.bulk import insert_rows


def _pool_usccs(session: Session, data: TaskIn) -> list[str]:
    f = data.pool_filter
    if f.org_types:
        bad = [t for t in f.org_types if len(t) != 2 or not rules.USCC_FORM.fullmatch(t * 9)]
        if bad:
            raise InvalidInput(
                f"org type {bad[0][:4]!r} is two USCC characters such as 91 (机构类别有误)",
                field="pool_filter.org_types",
            )
    wanted = lookup.EntityFilter(
        statuses=[str(s) for s in f.statuses],
        industry_prefix=f.industry_prefix,
        region_code=f.region_code,
        org_types=f.org_types or (),
    )
    return lookup.usccs_where(session, wanted)


def create_task(session: Session, actor: Actor, data: TaskIn) -> InspectionTask:
    """Create a task and freeze its pool: the rows and their classes are stored and the pool hash published."""
    department = acting_department(session, actor, data.department)
    if data.inspection_end < clock.today():
        raise InvalidInput(
            "the planned end of inspections is in the past (计划完成日期早于今天)", field="inspection_end"
        )
    items = list(session.scalars(select(InspectionItem).where(InspectionItem.id.in_(set(data.item_ids)))))
    if len(items) != len(set(data.item_ids)) or any(i.department != department or not i.active for i in items):
        raise InvalidInput(
            "the items must be active items of the department's list (抽查事项须为本部门清单内事项)", field="item_ids"
        )
    mapping = current_mapping(session, department)
    if mapping is None:
        raise Conflict(
            "set the department's graded-supervision mapping first (请先设置分级分类抽查比例)", field="mapping"
        )
    usccs = _pool_usccs(session, data)
    found = classify(session, usccs)
    rows = rules.check_pool(((u, found[u][0]) for u in usccs), strict=False)
    digest = rules.pool_hash(rows)
    now = clock.now()
    task = InspectionTask(
        department=department,
        name=data.name,
        item_ids=sorted(set(data.item_ids)),
        pool_filter=data.pool_filter.model_dump(mode="json"),
        mapping_id=mapping.id,
        ratios={c: str(v["ratio"]) for c, v in mapping.classes.items()},
        inspectors_per_entity=data.inspectors_per_entity,
        inspection_end=data.inspection_end,
        pool_size=len(rows),
        pool_hash=digest,
        strata_sizes=dict(sorted(Counter(s for _, s in rows).items())),
        frozen_at=now,
        frozen_by=actor.id,
    )
    session.add(task)
    session.flush()
    _store_pool(session, task.id, rows)
    audit.record(
        session,
        actor,
        "inspections:task:frozen",
        "inspection_task",
        str(task.id),
        {"department": department, "pool_size": len(rows), "pool_hash": digest, "mapping_version": mapping.version},
    )
    return task


def _store_pool(session: Session, task_id: int, rows: Sequence[tuple[str, str]]) -> None:
    """The frozen rows: one COPY of plain tuples on PostgreSQL, an executemany INSERT elsewhere."""
    raw = session.connection().connection.driver_connection
    if session.get_bind().dialect.name != "postgresql" or raw is None:
        insert_rows(session, InspectionPoolRow, [{"task_id": task_id, "uscc": u, "stratum": s} for u, s in rows])
        return
    with raw.cursor() as cursor, cursor.copy("COPY inspection_pool_rows (task_id, uscc, stratum) FROM STDIN") as copy:
        for uscc, stratum in rows:
            copy.write_row((task_id, uscc, stratum))


def task_for(session: Session, actor: Actor, task_id: int, *, write: bool = False) -> InspectionTask:
    task = session.get(InspectionTask, task_id)
    if task is None or (actor.is_department and task.department != actor.department_code):
        raise NotFound(f"no inspection task {task_id} (未找到该抽查任务)", field="task_id")
    if write:
        acting_department(session, actor, task.department)
    elif not (actor.is_department or actor.sees_everything):
        raise Forbidden("staff only (无权访问)")
    return task


def get_task(session: Session, actor: Actor, task_id: int) -> InspectionTask:
    return task_for(session, actor, task_id)


def list_tasks(session: Session, actor: Actor, department: str | None) -> list[InspectionTask]:
    code = reading_department(session, actor, department)
    stmt = select(InspectionTask).order_by(InspectionTask.id.desc())
    if code:
        stmt = stmt.where(InspectionTask.department == code)
    return list(session.scalars(stmt.limit(500)))


def pool_rows(session: Session, task_id: int) -> list[tuple[str, str]]:
    """A task's frozen rows in USCC order. Read through the driver's own cursor: a million rows arrive as plain
    tuples, without building a result row object for each (about twice as fast as the ORM path)."""
    session.flush()
    raw = session.connection().connection.driver_connection
    if raw is None:  # pragma: no cover - every engine here has a driver connection
        stmt = (
            select(InspectionPoolRow.uscc, InspectionPoolRow.stratum)
            .where(InspectionPoolRow.task_id == task_id)
            .order_by(InspectionPoolRow.uscc)
        )
        return [(u, s) for u, s in session.execute(stmt)]
    mark = "%s" if session.get_bind().dialect.name == "postgresql" else "?"
    cursor = raw.cursor()
    try:
        cursor.execute(
            f"SELECT uscc, stratum FROM inspection_pool_rows WHERE task_id = {mark} ORDER BY uscc",  # noqa: S608
            (task_id,),
        )
        rows: list[tuple[str, str]] = cursor.fetchall()
        return rows
    finally:
        cursor.close()


def draws_of(session: Session, task_id: int) -> list[InspectionDraw]:
    return list(
        session.scalars(
            select(InspectionDraw).where(InspectionDraw.task_id == task_id).order_by(InspectionDraw.round_no)
        )
    )


def draw_out(row: InspectionDraw) -> DrawOut:
    bundle = row.bundle
    return DrawOut(
        id=row.id,
        task_id=row.task_id,
        department=row.department,
        round_no=row.round_no,
        public_value=row.public_value,
        seed=row.seed,
        pool_hash=str(bundle.get("pool_hash", "")),
        selected_count=row.selected_count,
        strata=[StratumOut(**s) for s in bundle.get("result", {}).get("strata", [])],
        drawn_on=row.drawn_on,
    )


def task_out(session: Session, task: InspectionTask) -> TaskOut:
    items = list(
        session.scalars(
            select(InspectionItem).where(InspectionItem.id.in_(task.item_ids)).order_by(InspectionItem.code)
        )
    )
    return TaskOut(
        id=task.id,
        department=task.department,
        name=task.name,
        items=[item_out(i) for i in items],
        pool_filter=task.pool_filter,
        mapping_id=task.mapping_id,
        ratios=task.ratios,
        inspectors_per_entity=task.inspectors_per_entity,
        inspection_end=task.inspection_end,
        pool_size=task.pool_size,
        pool_hash=task.pool_hash,
        strata_sizes=task.strata_sizes,
        frozen_at=task.frozen_at,
        draws=[draw_out(d) for d in draws_of(session, task.id)],
    )
