"""Use cases of graded supervision and 双随机、一公开 (req §3.6–3.7). Services flush, never commit.

- A department keeps its **mapping** (class → ratio, frequency) as versioned data, its **item list** and its
  **inspector pool**; the office may act for any department, a department only for itself.
- A **task** freezes its entity pool at creation: the filter runs over the entity master, each entity gets its class
  (key-supervision list in force, else its public credit grade from ``xinyong.evaluation``, else 未评价), the rows
  are stored and the pool's SM3 hash is published with the task.
- A **draw** (one round) takes the public value entered at the draw, refuses one already used on the same pool, and
  runs :mod:`xinyong.inspections.rules` over the frozen rows; entities drawn in earlier rounds of the task are left
  out; inspectors come from the department's active pool, minus conflicts and whoever inspected the entity last time.
  The result and the bundle (without its pool, which the rows hold) are stored and public at once.
- Each drawn entity's **result** becomes a 行政检查 credit record through ``records.service`` (versioned, public,
  audited), with the 20-working-day publication deadline tracked; ``xinyong tick`` flags those overdue.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.config import get_settings
from xinyong.core.departments import Department, get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import InvalidUscc, validate_uscc
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties
from xinyong.entities.models import Entity
from xinyong.evaluation.service import current_grades
from xinyong.inspections import rules
from xinyong.inspections.models import (
    INSPECTION_RESULT,
    InspectionAssignment,
    InspectionDraw,
    InspectionItem,
    InspectionPoolRow,
    InspectionTask,
    Inspector,
    SupervisionMapping,
    TypicalCase,
)
from xinyong.inspections.rules import CLASS_LABELS, CLASSES, DEFAULT_CLASSES, RESULT_SEVERITY, ResultStep
from xinyong.inspections.schemas import (
    AssignmentOut,
    CaseIn,
    CaseOut,
    ClassCount,
    ClassEntity,
    ClassesOut,
    DrawOut,
    InspectorIn,
    InspectorOut,
    InspectorUpdate,
    ItemIn,
    ItemOut,
    MappingIn,
    MappingOut,
    PublicDrawOut,
    PublicTaskOut,
    ResultIn,
    StratumOut,
    TaskIn,
    TaskOut,
)
from xinyong.lists import service as lists
from xinyong.lists.rules import ListCategory
from xinyong.privacy import service as privacy
from xinyong.records import service as records
from xinyong.records.bulk import insert_rows
from xinyong.records.rules import Disclosure, Kind, Severity, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn

KEY_SUPERVISION = (ListCategory.WATCH, ListCategory.SERIOUS)
CHUNK = 5000


# ---------------------------------------------------------------- who acts for which department


def acting_department(session: Session, actor: Actor, requested: str | None) -> str:
    """The department an actor writes for: its own for department staff; the one named for the office."""
    if actor.is_department:
        own = actor.department_code or ""
        if requested and requested.upper() != own:
            raise Forbidden("staff act only for their own department (只能维护本部门数据)")
        return own
    if actor.sees_everything and actor.role != Role.AUDITOR:
        if not requested:
            raise InvalidInput("name the department (请指定部门)", field="department")
        return get_department(session, requested.upper()).code
    raise Forbidden("only the department's staff or the credit office may do this (无权操作)")


def reading_department(session: Session, actor: Actor, requested: str | None) -> str | None:
    """The department whose data an actor reads: its own for department staff, any (or all) for the office."""
    if actor.is_department:
        own = actor.department_code or ""
        if requested and requested.upper() != own:
            raise Forbidden("staff see only their own department (只能查看本部门数据)")
        return own
    if actor.sees_everything:
        return get_department(session, requested.upper()).code if requested else None
    raise Forbidden("staff only (无权访问)")


def _department_names(session: Session) -> dict[str, str]:
    return {d.code: d.full_name for d in session.scalars(select(Department))}


# ---------------------------------------------------------------- classes: grade and key-supervision lists


def grades_of(session: Session, usccs: list[str] | None = None) -> dict[str, str]:
    """USCC → public credit grade (A–D) from ``xinyong.evaluation``; ungraded entities are absent."""
    return current_grades(session, usccs)


def key_supervision(session: Session, on: dt.date) -> set[str]:
    """USCCs on a 重点关注 or serious dishonesty list in force on ``on``."""
    return lists.usccs_in_force(session, on, KEY_SUPERVISION)


def classify(session: Session, usccs: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """USCC → (class, grade) for the given entities."""
    big = len(usccs) > CHUNK
    grades = grades_of(session, None if big else list(usccs))
    watched = key_supervision(session, clock.today())
    return {u: (rules.class_of(grades.get(u), u in watched), grades.get(u)) for u in usccs}


# ---------------------------------------------------------------- mapping (分级分类监管)


def mapping_out(row: SupervisionMapping) -> MappingOut:
    return MappingOut(
        id=row.id,
        department=row.department,
        version=row.version,
        classes=row.classes,
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def current_mapping(session: Session, department: str) -> SupervisionMapping | None:
    return session.scalars(
        select(SupervisionMapping)
        .where(SupervisionMapping.department == department)
        .order_by(SupervisionMapping.version.desc())
        .limit(1)
    ).first()


def save_mapping(session: Session, actor: Actor, data: MappingIn) -> SupervisionMapping:
    department = acting_department(session, actor, data.department)
    classes = rules.check_classes({k: v.model_dump() for k, v in data.classes.items()})
    last = current_mapping(session, department)
    row = SupervisionMapping(
        department=department,
        version=(last.version if last else 0) + 1,
        classes=classes,
        note=data.note,
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspections:mapping:saved",
        "supervision_mapping",
        str(row.id),
        {
            "department": department,
            "version": row.version,
            "classes": classes,
            "previous": last.classes if last else None,
        },
    )
    return row


def list_mappings(session: Session, actor: Actor, department: str | None) -> list[SupervisionMapping]:
    code = reading_department(session, actor, department)
    stmt = select(SupervisionMapping).order_by(SupervisionMapping.department, SupervisionMapping.version.desc())
    if code:
        stmt = stmt.where(SupervisionMapping.department == code)
    return list(session.scalars(stmt.limit(500)))


def entities_by_class(
    session: Session, actor: Actor, department: str | None, stratum: str | None, page: PageRequest
) -> ClassesOut:
    """Each class's count over the entities in business (存续), with the department's ratio and frequency, and one
    page of the entities of ``stratum`` (all classes when None)."""
    code = reading_department(session, actor, department)
    if code is None:
        raise InvalidInput("name the department whose mapping applies (请选择部门)", field="department")
    if stratum is not None and stratum not in CLASSES:
        raise InvalidInput(f"unknown class {stratum[:32]!r} (未知类别)", field="stratum")
    mapping = current_mapping(session, code)
    classes = mapping.classes if mapping else DEFAULT_CLASSES
    in_business = select(Entity.uscc, Entity.name).where(Entity.status == "存续").order_by(Entity.uscc)
    names = dict(session.execute(in_business).all())
    found = classify(session, list(names))
    counts = Counter(cls for cls, _ in found.values())
    chosen = [u for u in names if stratum is None or found[u][0] == stratum]
    window = chosen[page.offset : page.offset + page.page_size]
    audit.record(
        session, actor, "inspections:classes:read", "department", code, {"stratum": stratum, "page": page.page}
    )
    return ClassesOut(
        department=code,
        mapping_version=mapping.version if mapping else None,
        counts=[
            ClassCount(
                stratum=c,
                label=CLASS_LABELS[c],
                count=counts.get(c, 0),
                ratio=str(classes[c]["ratio"]),
                frequency=int(classes[c]["frequency"]),
            )
            for c in CLASSES
        ],
        stratum=stratum,
        total=len(chosen),
        page=page.page,
        page_size=page.page_size,
        entities=[ClassEntity(uscc=u, name=names[u], stratum=found[u][0], grade=found[u][1]) for u in window],
    )


# ---------------------------------------------------------------- items (检查事项清单)


def item_out(row: InspectionItem) -> ItemOut:
    return ItemOut(
        id=row.id,
        department=row.department,
        code=row.code,
        name=row.name,
        basis=row.basis,
        subject=row.subject,
        method=row.method,
        active=row.active,
    )


def create_item(session: Session, actor: Actor, data: ItemIn) -> InspectionItem:
    department = acting_department(session, actor, data.department)
    taken = session.scalars(
        select(InspectionItem.id).where(InspectionItem.department == department, InspectionItem.code == data.code)
    ).first()
    if taken:
        raise Conflict(f"item code {data.code} is taken in {department} (事项编码已存在)", field="code")
    now = clock.now()
    row = InspectionItem(
        department=department,
        code=data.code,
        name=data.name,
        basis=data.basis,
        subject=data.subject,
        method=data.method,
        active=True,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspections:item:created",
        "inspection_item",
        str(row.id),
        {"department": department, "code": data.code, "name": data.name},
    )
    return row


def _item_for_write(session: Session, actor: Actor, item_id: int) -> InspectionItem:
    row = session.get(InspectionItem, item_id)
    if row is None:
        raise NotFound(f"no inspection item {item_id} (未找到该抽查事项)", field="item_id")
    acting_department(session, actor, row.department)
    return row


def retire_item(session: Session, actor: Actor, item_id: int) -> InspectionItem:
    row = _item_for_write(session, actor, item_id)
    if row.active:
        row.active, row.updated_at = False, clock.now()
        audit.record(session, actor, "inspections:item:retired", "inspection_item", str(row.id), {"code": row.code})
    return row


def list_items(session: Session, actor: Actor, department: str | None) -> list[InspectionItem]:
    code = reading_department(session, actor, department)
    stmt = select(InspectionItem).order_by(InspectionItem.department, InspectionItem.code)
    if code:
        stmt = stmt.where(InspectionItem.department == code)
    return list(session.scalars(stmt.limit(1000)))


# ---------------------------------------------------------------- inspectors (执法检查人员)


def inspector_out(row: Inspector) -> InspectorOut:
    return InspectorOut(
        id=row.id,
        department=row.department,
        name=row.name,
        badge_no=row.badge_no,
        conflicts=list(row.conflicts),
        active=row.active,
    )


def _conflicts(values: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for value in values:
        try:
            out.add(validate_uscc(value, field="conflicts").code)
        except InvalidUscc as bad:
            raise InvalidInput(f"conflicts: {bad.message}", field="conflicts") from None
    return sorted(out)


def create_inspector(session: Session, actor: Actor, data: InspectorIn) -> Inspector:
    department = acting_department(session, actor, data.department)
    badge = data.badge_no.upper()
    if session.scalars(select(Inspector.id).where(Inspector.badge_no == badge)).first():
        raise Conflict(f"badge number {badge} is already registered (执法证号已登记)", field="badge_no")
    now = clock.now()
    row = Inspector(
        department=department,
        name=data.name,
        badge_no=badge,
        conflicts=_conflicts(data.conflicts),
        active=True,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspections:inspector:created",
        "inspector",
        str(row.id),
        {"department": department, "badge_no": badge, "conflicts": row.conflicts},
    )
    return row


def update_inspector(session: Session, actor: Actor, inspector_id: int, data: InspectorUpdate) -> Inspector:
    row = session.get(Inspector, inspector_id)
    if row is None:
        raise NotFound(f"no inspector {inspector_id} (未找到该执法检查人员)", field="inspector_id")
    acting_department(session, actor, row.department)
    before = {"conflicts": list(row.conflicts), "active": row.active}
    if data.conflicts is not None:
        row.conflicts = _conflicts(data.conflicts)
    if data.active is not None:
        row.active = data.active
    row.updated_at = clock.now()
    audit.record(
        session,
        actor,
        "inspections:inspector:updated",
        "inspector",
        str(row.id),
        {"before": before, "after": {"conflicts": list(row.conflicts), "active": row.active}},
    )
    return row


def list_inspectors(session: Session, actor: Actor, department: str | None) -> list[Inspector]:
    code = reading_department(session, actor, department)
    stmt = select(Inspector).order_by(Inspector.department, Inspector.badge_no)
    if code:
        stmt = stmt.where(Inspector.department == code)
    return list(session.scalars(stmt.limit(2000)))


# ---------------------------------------------------------------- tasks and frozen pools


def _pool_usccs(session: Session, data: TaskIn) -> list[str]:
    f = data.pool_filter
    stmt = select(Entity.uscc).where(Entity.status.in_([str(s) for s in f.statuses]))
    if f.industry_prefix:
        stmt = stmt.where(Entity.industry_code.like(f"{f.industry_prefix}%"))
    if f.region_code:
        stmt = stmt.where(Entity.region_code == f.region_code)
    if f.org_types:
        bad = [t for t in f.org_types if len(t) != 2 or not rules.USCC_FORM.fullmatch(t * 9)]
        if bad:
            raise InvalidInput(
                f"org type {bad[0][:4]!r} is two USCC characters such as 91 (机构类别有误)",
                field="pool_filter.org_types",
            )
        stmt = stmt.where(func.substr(Entity.uscc, 1, 2).in_(f.org_types))
    return list(session.scalars(stmt.order_by(Entity.uscc)))


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


def _task(session: Session, actor: Actor, task_id: int, *, write: bool = False) -> InspectionTask:
    task = session.get(InspectionTask, task_id)
    if task is None or (actor.is_department and task.department != actor.department_code):
        raise NotFound(f"no inspection task {task_id} (未找到该抽查任务)", field="task_id")
    if write:
        acting_department(session, actor, task.department)
    elif not (actor.is_department or actor.sees_everything):
        raise Forbidden("staff only (无权访问)")
    return task


def get_task(session: Session, actor: Actor, task_id: int) -> InspectionTask:
    return _task(session, actor, task_id)


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


# ---------------------------------------------------------------- the draw


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


def _deadline(session: Session, start: dt.date) -> tuple[dt.date, bool, str]:
    days = get_settings().inspection_publish_days
    result = load_calendar(session).add_working_days(start, days)
    return result.date, result.provisional, f"publish:{days}wd"


def make_draw(session: Session, actor: Actor, task_id: int, public_value: str) -> InspectionDraw:
    """Draw one round of the task with the public value entered now; store the result and publish it."""
    task = _task(session, actor, task_id, write=True)
    # one round at a time per task: a second draw waits here and then sees the first one's round and value
    session.execute(select(InspectionTask.id).where(InspectionTask.id == task.id).with_for_update())
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
    rows = pool_rows(session, task.id)
    excluded = set(session.scalars(select(InspectionAssignment.uscc).where(InspectionAssignment.task_id == task.id)))
    inspectors = [
        rules.Inspector(i.badge_no, i.name, frozenset(i.conflicts))
        for i in session.scalars(
            select(Inspector)
            .where(Inspector.department == task.department, Inspector.active.is_(True))
            .order_by(Inspector.badge_no)
        )
    ]
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
    names = _department_names(session)
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
    deadline, provisional, rule = _deadline(session, task.inspection_end)
    _store_assignments(
        session,
        [
            {
                "draw_id": row.id,
                "task_id": task.id,
                "department": task.department,
                "uscc": p.uscc,
                "stratum": p.stratum,
                "ticket": p.ticket,
                "inspectors": list(p.inspectors),
                "deadline": deadline,
                "deadline_provisional": provisional,
                "deadline_rule": rule,
            }
            for p in assigned
        ],
    )
    audit.record(
        session,
        actor,
        "inspections:draw:made",
        "inspection_draw",
        str(row.id),
        {
            "task_id": task.id,
            "round": round_no,
            "public_value": value,
            "seed": seed,
            "pool_hash": digest,
            "selected": len(assigned),
            "excluded": len(excluded),
        },
    )
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
    names = _department_names(session)
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


# ---------------------------------------------------------------- results


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


def _names(session: Session, usccs: Iterable[str]) -> dict[str, str]:
    wanted = list(set(usccs))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        out.update(dict(session.execute(select(Entity.uscc, Entity.name).where(Entity.uscc.in_(part))).all()))
    return out


def assignments_of_draw(session: Session, draw_id: int) -> list[AssignmentOut]:
    rows = list(
        session.scalars(
            select(InspectionAssignment)
            .where(InspectionAssignment.draw_id == draw_id)
            .order_by(InspectionAssignment.ticket)
        )
    )
    names = _names(session, (r.uscc for r in rows))
    return [assignment_out(r, names.get(r.uscc, "")) for r in rows]


def list_assignments(
    session: Session, actor: Actor, *, department: str | None, task_id: int | None, open_only: bool, limit: int = 500
) -> list[AssignmentOut]:
    code = reading_department(session, actor, department)
    stmt = select(InspectionAssignment).order_by(InspectionAssignment.deadline, InspectionAssignment.id)
    if code:
        stmt = stmt.where(InspectionAssignment.department == code)
    if task_id is not None:
        stmt = stmt.where(InspectionAssignment.task_id == task_id)
    if open_only:
        stmt = stmt.where(InspectionAssignment.published_on.is_(None))
    rows = list(session.scalars(stmt.limit(limit)))
    names = _names(session, (r.uscc for r in rows))
    return [assignment_out(r, names.get(r.uscc, "")) for r in rows]


def get_assignment(session: Session, actor: Actor, assignment_id: int) -> InspectionAssignment:
    """One drawn entity for its department's staff, the credit office and auditors (else 404)."""
    row = session.get(InspectionAssignment, assignment_id)
    if row is None or not (actor.sees_everything or (actor.is_department and row.department == actor.department_code)):
        raise NotFound(f"no drawn entity {assignment_id} (未找到该检查对象)", field="assignment_id")
    return row


def record_result(session: Session, actor: Actor, assignment_id: int, data: ResultIn) -> InspectionAssignment:
    """Record a drawn entity's result: it becomes (or corrects) a public 行政检查 credit record, published today."""
    row = session.get(InspectionAssignment, assignment_id)
    if row is None or (actor.is_department and row.department != actor.department_code):
        raise NotFound(f"no drawn entity {assignment_id} (未找到该检查对象)", field="assignment_id")
    acting_department(session, actor, row.department)
    draw = get_draw(session, row.draw_id)
    today = clock.today()
    if data.result_date > today:
        raise InvalidInput("the inspection date is in the future (检查日期不能晚于今天)", field="result_date")
    if data.result_date < draw.drawn_on:
        raise InvalidInput("the inspection date is before the draw (检查日期早于抽取日期)", field="result_date")
    task = session.get(InspectionTask, row.task_id)
    assert task is not None
    items = list(
        session.scalars(
            select(InspectionItem).where(InspectionItem.id.in_(task.item_ids)).order_by(InspectionItem.code)
        )
    )
    department = get_department(session, row.department)
    entity = session.get(Entity, row.uscc)
    name = entity.name if entity else row.uscc
    item_names = "、".join(i.name for i in items)[:200]
    severity = RESULT_SEVERITY[data.result]
    version, outcome = records.upsert_record(
        session,
        actor,
        RecordIn(
            source_department=row.department,
            kind=Kind.INSPECTION,
            doc_no=f"双随机-{task.id}-{draw.round_no}-{row.uscc}",
            subject=SubjectIn(type=SubjectType.ENTITY, name=name, uscc=row.uscc),
            title=f"{item_names}：{data.result}"[:300],
            decision_date=data.result_date,
            published_date=today,
            disclosure=Disclosure.PUBLIC,
            severity=Severity(severity) if severity else None,
            content={
                "JCSX": item_names,
                "JCFS": "双随机、一公开",
                "JCJG": str(data.result),
                "JCRQ": data.result_date.isoformat(),
                "JCJGMC": department.full_name,
                "JCJGDM": department.uscc,
                "RWMC": task.name[:200],
                "CQLC": draw.round_no,
                "JCRY": "、".join(row.inspectors),
                **({"BZ": data.note[:2000]} if data.note else {}),
            },
            provenance={"source": "inspections", "task_id": task.id, "draw_id": draw.id, "assignment_id": row.id},
        ),
    )
    previous = row.result
    deadline, provisional, rule = _deadline(session, data.result_date)
    row.result, row.result_date, row.result_note = str(data.result), data.result_date, data.note
    row.deadline, row.deadline_provisional, row.deadline_rule = deadline, provisional, rule
    row.published_on = row.published_on or today
    row.record_id, row.recorded_by, row.recorded_at = version.record_id, actor.id, clock.now()
    INSPECTION_RESULT.advance(
        session,
        actor,
        row,
        ResultStep.RECORD,
        parties=Parties(row.department, subject_uscc=row.uscc),
        reason=data.note,
        documents=[f"双随机-{task.id}-{draw.round_no}-{row.uscc}"],
        details={
            "result": str(data.result),
            "previous": previous,
            "record_id": version.record_id,
            "record": outcome,
            "deadline": deadline,
            "late": today > deadline,
        },
    )
    return row


def sweep_overdue(session: Session, actor: Actor, today: dt.date | None = None) -> list[int]:
    """Flag every drawn entity whose result is still unpublished past its deadline (once each; idempotent)."""
    today = today or clock.today()
    due = list(
        session.scalars(
            select(InspectionAssignment)
            .where(
                InspectionAssignment.published_on.is_(None),
                InspectionAssignment.overdue_at.is_(None),
                InspectionAssignment.deadline < today,
            )
            .order_by(InspectionAssignment.id)
        )
    )
    now = clock.now()
    for row in due:
        row.overdue_at = now
        INSPECTION_RESULT.advance(
            session,
            actor,
            row,
            ResultStep.OVERDUE,
            parties=Parties(row.department, subject_uscc=row.uscc),
            details={"department": row.department, "uscc": row.uscc, "deadline": row.deadline, "today": today},
        )
    return [row.id for row in due]


# ---------------------------------------------------------------- typical cases (典型案例)


def case_out(row: TypicalCase, names: dict[str, str]) -> CaseOut:
    return CaseOut(
        id=row.id,
        department=row.department,
        department_name=names.get(row.department, row.department),
        title=row.title,
        summary=row.summary,
        body=row.body,
        stratum=row.stratum,
        published_on=row.published_on,
        withdrawn=row.withdrawn_at is not None,
    )


def create_case(session: Session, actor: Actor, data: CaseIn) -> TypicalCase:
    department = acting_department(session, actor, data.department)
    if data.stratum is not None and data.stratum not in CLASSES:
        raise InvalidInput(f"unknown class {data.stratum[:32]!r} (未知类别)", field="stratum")
    row = TypicalCase(
        department=department,
        title=data.title,
        summary=data.summary,
        body=data.body,
        stratum=data.stratum,
        published_on=clock.today(),
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspections:case:published",
        "supervision_case",
        str(row.id),
        {"department": department, "title": data.title},
    )
    return row


def withdraw_case(session: Session, actor: Actor, case_id: int) -> TypicalCase:
    row = session.get(TypicalCase, case_id)
    if row is None:
        raise NotFound(f"no typical case {case_id} (未找到该典型案例)", field="case_id")
    acting_department(session, actor, row.department)
    if row.withdrawn_at is None:
        row.withdrawn_at = clock.now()
        audit.record(
            session, actor, "inspections:case:withdrawn", "supervision_case", str(row.id), {"title": row.title}
        )
    return row


def _public_case(case: CaseOut) -> CaseOut:
    """A typical case as the public reads it: its texts through the one desensitiser, as about a natural person (a
    case names whom it is about only in its text, so names, addresses and numbers are all looked for)."""
    texts = privacy.public(privacy.about(None), {"title": case.title, "summary": case.summary, "body": case.body})
    return case.model_copy(update=texts)


def public_cases(session: Session, limit: int = 200) -> list[CaseOut]:
    names = _department_names(session)
    rows = session.scalars(
        select(TypicalCase)
        .where(TypicalCase.withdrawn_at.is_(None))
        .order_by(TypicalCase.published_on.desc(), TypicalCase.id.desc())
        .limit(limit)
    )
    return [_public_case(case_out(r, names)) for r in rows]


def public_case(session: Session, case_id: int) -> CaseOut:
    row = session.get(TypicalCase, case_id)
    if row is None or row.withdrawn_at is not None:
        raise NotFound(f"no typical case {case_id} (未找到该典型案例)", field="case_id")
    return _public_case(case_out(row, _department_names(session)))


def entity_name(session: Session, uscc: str) -> str:
    entity = session.get(Entity, uscc)
    return entity.name if entity else ""


def case_view(session: Session, row: TypicalCase) -> CaseOut:
    return case_out(row, _department_names(session))


def task_name(session: Session, task_id: int) -> str:
    task = session.get(InspectionTask, task_id)
    return task.name if task else ""


def department_names(session: Session) -> dict[str, str]:
    return _department_names(session)


def public_tasks(session: Session, limit: int = 200) -> list[PublicTaskOut]:
    """Frozen tasks with their pool hash, newest first: published at freeze, before anyone knows the public value."""
    names = _department_names(session)
    rounds = dict(session.execute(select(InspectionDraw.task_id, func.count()).group_by(InspectionDraw.task_id)).all())
    rows = session.scalars(select(InspectionTask).order_by(InspectionTask.id.desc()).limit(limit))
    return [
        PublicTaskOut(
            id=t.id,
            department=t.department,
            department_name=names.get(t.department, t.department),
            name=t.name,
            pool_size=t.pool_size,
            pool_hash=t.pool_hash,
            strata_sizes=t.strata_sizes,
            ratios=t.ratios,
            frozen_at=t.frozen_at,
            rounds=int(rounds.get(t.id, 0)),
        )
        for t in rows
    ]
