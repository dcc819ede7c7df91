"""Console pages of graded supervision and 双随机、一公开: the class mapping and entities by class, the item list, the
inspector pool, tasks with their frozen pools, the draw, and results; typical cases. The services audit every step."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.core.auth.access import STAFF, require
from xinyong.core.charts import bar_chart
from xinyong.core.departments import list_departments
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.inspections import rules, service
from xinyong.inspections.routes import INSPECTION_STAFF
from xinyong.inspections.schemas import (
    CaseIn,
    DrawOut,
    InspectorIn,
    InspectorUpdate,
    ItemIn,
    MappingIn,
    PoolFilter,
    ResultIn,
    TaskIn,
)

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
BASE = "/console/inspections"
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]
DepartmentForm = Annotated[str, Form(max_length=16)]
DepartmentQuery = Annotated[str | None, Query(max_length=16)]
WRITE = [Depends(require(INSPECTION_STAFF))]
READ = [Depends(require(STAFF))]
PAGE_SIZE = 20
_SPLIT = re.compile(r"[\s,，;；、]+")


def page_context(
    session: DbSession,
    actor: CurrentActor,
    department: DepartmentQuery = None,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> dict[str, Any]:
    """What every inspections page starts from: the department shown (``?department=``) and the last action's
    message or refusal (``?done=`` / ``?error=``)."""
    code = service.reading_department(session, actor, department)
    return {
        "picked": code,
        "everyone": not actor.is_department,
        "departments": [(d.code, d.full_name) for d in list_departments(session)],
        "may_write": INSPECTION_STAFF.allows(actor.role),
        **read_notices(done, error),
        "base": BASE,
    }


PageContext = Annotated[dict[str, Any], Depends(page_context)]


def strata_chart(draw: DrawOut) -> str:
    labels = [s.stratum for s in draw.strata]
    return bar_chart(
        labels,
        [("对象库", [s.size for s in draw.strata]), ("抽中", [s.count for s in draw.strata])],
        title=f"第 {draw.round_no} 轮按类别抽取情况",
    )


# ---------------------------------------------------------------- mapping and classes


@router.get("/inspections", dependencies=READ)
def supervision(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    context: PageContext,
    stratum: Annotated[str | None, Query(max_length=32)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    code = context["picked"]
    if code:
        chosen = stratum or None
        view = service.entities_by_class(session, actor, code, chosen, PageRequest(page_no, PAGE_SIZE))
        mapping = service.current_mapping(session, code)
        context.update(
            view=view,
            mapping=mapping,
            classes=[(c, rules.CLASS_LABELS[c]) for c in rules.CLASSES],
            current=mapping.classes if mapping else rules.DEFAULT_CLASSES,
            chart=bar_chart(
                [c.label for c in view.counts],
                [("主体数", [c.count for c in view.counts])],
                title="按信用等级和重点监管名单分类的市场主体数",
            ),
            pages=max(1, -(-view.total // PAGE_SIZE)),
            versions=service.list_mappings(session, actor, code)[:10],
        )
    return page(request, session, actor, "console/inspections/index.html", context)


@router.post("/inspections/mapping", dependencies=WRITE)
async def save_mapping(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    form = await request.form()
    department = str(form.get("department", ""))[:16] or None
    try:
        classes: dict[str, Any] = {}
        for index, name in enumerate(rules.CLASSES):
            ratio = str(form.get(f"ratio_{index}", "")).strip()[:12]
            frequency = str(form.get(f"frequency_{index}", "")).strip()[:4]
            classes[name] = {"ratio": ratio, "frequency": int(frequency) if frequency.isdigit() else -1}
        note = str(form.get("note", "")).strip()[:2000] or None
        data = MappingIn.model_validate({"department": department, "classes": classes, "note": note})

        def save() -> Any:
            with session.begin_nested():
                return service.save_mapping(session, actor, data)

        row = await run_in_threadpool(save)  # the form is read on the loop; the database work runs in a thread
    except (XinyongError, ValidationError) as refused:
        return back(BASE, department=department, error=refusal(refused))
    return back(BASE, department=department, message=f"已发布分级分类抽查比例第 {row.version} 版")


# ---------------------------------------------------------------- items


@router.get("/inspections/items", dependencies=READ)
def items_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    context: PageContext,
) -> HTMLResponse:
    context["items"] = [service.item_out(i) for i in service.list_items(session, actor, context["picked"])]
    return page(request, session, actor, "console/inspections/items.html", context)


@router.post("/inspections/items", dependencies=WRITE)
def add_item(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    code: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=200)],
    basis: Annotated[str, Form(max_length=5000)],
    subject: Annotated[str, Form(max_length=200)],
    method: Annotated[str, Form(max_length=64)] = "现场检查",
    department: DepartmentForm = "",
) -> Response:
    target = f"{BASE}/items"
    try:
        data = ItemIn(department=department or None, code=code, name=name, basis=basis, subject=subject, method=method)
        with session.begin_nested():
            service.create_item(session, actor, data)
    except (XinyongError, ValidationError) as refused:
        return back(target, department=department, error=refusal(refused))
    return back(target, department=department, message=f"已添加抽查事项 {code}")


@router.post("/inspections/items/{item_id}/retire", dependencies=WRITE)
def retire_item(
    item_id: ItemId, session: DbSession, actor: CurrentActor, csrf_token: Csrf, department: DepartmentForm = ""
) -> Response:
    target = f"{BASE}/items"
    try:
        with session.begin_nested():
            service.retire_item(session, actor, item_id)
    except XinyongError as refused:
        return back(target, department=department, error=refusal(refused))
    return back(target, department=department, message=f"抽查事项 {item_id} 已停用")


# ---------------------------------------------------------------- inspectors


@router.get("/inspections/inspectors", dependencies=READ)
def inspectors_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    context: PageContext,
) -> HTMLResponse:
    context["inspectors"] = [
        service.inspector_out(i) for i in service.list_inspectors(session, actor, context["picked"])
    ]
    return page(request, session, actor, "console/inspections/inspectors.html", context)


def _codes(text: str) -> list[str]:
    return [c for c in _SPLIT.split(text.strip().upper()) if c]


@router.post("/inspections/inspectors", dependencies=WRITE)
def add_inspector(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    name: Annotated[str, Form(max_length=100)],
    badge_no: Annotated[str, Form(max_length=32)],
    conflicts: Annotated[str, Form(max_length=20_000)] = "",
    department: DepartmentForm = "",
) -> Response:
    target = f"{BASE}/inspectors"
    try:
        data = InspectorIn(department=department or None, name=name, badge_no=badge_no, conflicts=_codes(conflicts))
        with session.begin_nested():
            service.create_inspector(session, actor, data)
    except (XinyongError, ValidationError) as refused:
        return back(target, department=department, error=refusal(refused))
    return back(target, department=department, message=f"已登记执法检查人员 {name}")


@router.post("/inspections/inspectors/{inspector_id}", dependencies=WRITE)
def change_inspector(
    inspector_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    conflicts: Annotated[str, Form(max_length=20_000)] = "",
    active: Annotated[str, Form(max_length=1)] = "1",
    department: DepartmentForm = "",
) -> Response:
    target = f"{BASE}/inspectors"
    try:
        data = InspectorUpdate(conflicts=_codes(conflicts), active=active == "1")
        with session.begin_nested():
            service.update_inspector(session, actor, inspector_id, data)
    except (XinyongError, ValidationError) as refused:
        return back(target, department=department, error=refusal(refused))
    return back(target, department=department, message=f"执法检查人员 {inspector_id} 已更新")


# ---------------------------------------------------------------- tasks, pools and draws


@router.get("/inspections/tasks", dependencies=READ)
def tasks_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    context: PageContext,
) -> HTMLResponse:
    code = context["picked"]
    context["tasks"] = [service.task_out(session, t) for t in service.list_tasks(session, actor, code)]
    context["items"] = (
        [service.item_out(i) for i in service.list_items(session, actor, code) if i.active] if code else []
    )
    context["statuses"] = ["存续", "吊销", "注销", "迁出"]
    return page(request, session, actor, "console/inspections/tasks.html", context)


@router.post("/inspections/tasks", dependencies=WRITE)
async def add_task(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    form = await request.form()
    department = str(form.get("department", ""))[:16]
    target = f"{BASE}/tasks"
    try:
        ids = [int(str(v)) for v in form.getlist("item_ids")[:50] if str(v).isdigit() and len(str(v)) < 19]
        end = str(form.get("inspection_end", ""))[:10]
        pool = PoolFilter.model_validate(
            {
                "industry_prefix": str(form.get("industry_prefix", "")).strip().upper()[:8] or None,
                "region_code": str(form.get("region_code", "")).strip()[:6] or None,
                "statuses": [str(s) for s in form.getlist("statuses")[:4]] or ["存续"],
                "org_types": _codes(str(form.get("org_types", ""))[:200]),
            }
        )
        data = TaskIn(
            department=department or None,
            name=str(form.get("name", ""))[:200],
            item_ids=ids,
            pool_filter=pool,
            inspectors_per_entity=int(str(form.get("inspectors_per_entity", "2"))[:2] or 2),
            inspection_end=dt.date.fromisoformat(end),
        )

        def create() -> Any:
            with session.begin_nested():
                return service.create_task(session, actor, data)

        task = await run_in_threadpool(create)  # the pool is frozen in a thread, never on the event loop
    except (XinyongError, ValidationError, ValueError) as refused:
        return back(target, department=department, error=refusal(refused))
    return back(
        f"{target}/{task.id}", department=department, message=f"任务已创建，对象库已冻结（{task.pool_size} 户）"
    )


@router.get("/inspections/tasks/{task_id}", dependencies=READ)
def task_page(
    task_id: ItemId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    context: PageContext,
) -> HTMLResponse:
    task = service.task_out(session, service.get_task(session, actor, task_id))
    context.update(
        task=task,
        assignments=service.list_assignments(session, actor, department=None, task_id=task.id, open_only=False),
        charts={d.id: strata_chart(d) for d in task.draws},
        results=[r.value for r in rules.Result],
        inspectors_total=len([i for i in service.list_inspectors(session, actor, task.department) if i.active]),
    )
    return page(request, session, actor, "console/inspections/task.html", context)


@router.post("/inspections/tasks/{task_id}/draw", dependencies=WRITE)
def draw(
    task_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    public_value: Annotated[str, Form(max_length=400)],
    department: DepartmentForm = "",
) -> Response:
    target = f"{BASE}/tasks/{task_id}"
    try:
        with session.begin_nested():
            row = service.make_draw(session, actor, task_id, public_value)
    except XinyongError as refused:
        return back(target, department=department, error=refusal(refused))
    return back(
        target, department=department, message=f"第 {row.round_no} 轮抽取完成：抽中 {row.selected_count} 户，结果已公开"
    )


@router.post("/inspections/assignments/{assignment_id}/result", dependencies=WRITE)
def record_result(
    assignment_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    result: Annotated[str, Form(max_length=32)],
    result_date: Annotated[str, Form(max_length=10)],
    note: Annotated[str, Form(max_length=5000)] = "",
    task_id: Annotated[int, Form(ge=1, le=2**62)] = 1,
    department: DepartmentForm = "",
) -> Response:
    target = f"{BASE}/tasks/{task_id}"
    try:
        data = ResultIn.model_validate(
            {"result": result, "result_date": result_date.strip(), "note": note.strip() or None}
        )
        with session.begin_nested():
            row = service.record_result(session, actor, assignment_id, data)
    except (XinyongError, ValidationError) as refused:
        return back(target, department=department, error=refusal(refused))
    return back(f"{BASE}/tasks/{row.task_id}", department=department, message=f"{row.uscc} 检查结果已记录并公示")


# ---------------------------------------------------------------- typical cases


@router.get("/inspections/cases", dependencies=READ)
def cases_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    context: PageContext,
) -> HTMLResponse:
    cases = service.public_cases(session)
    code = context["picked"]
    context["cases"] = [c for c in cases if code is None or c.department == code]
    context["classes"] = list(rules.CLASSES)
    return page(request, session, actor, "console/inspections/cases.html", context)


@router.post("/inspections/cases", dependencies=WRITE)
def add_case(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    title: Annotated[str, Form(max_length=200)],
    summary: Annotated[str, Form(max_length=500)],
    body: Annotated[str, Form(max_length=50_000)],
    stratum: Annotated[str, Form(max_length=32)] = "",
    department: DepartmentForm = "",
) -> Response:
    target = f"{BASE}/cases"
    try:
        data = CaseIn(department=department or None, title=title, summary=summary, body=body, stratum=stratum or None)
        with session.begin_nested():
            row = service.create_case(session, actor, data)
    except (XinyongError, ValidationError) as refused:
        return back(target, department=department, error=refusal(refused))
    return back(target, department=department, message=f"典型案例“{row.title}”已发布")


@router.post("/inspections/cases/{case_id}/withdraw", dependencies=WRITE)
def withdraw_case(
    case_id: ItemId, session: DbSession, actor: CurrentActor, csrf_token: Csrf, department: DepartmentForm = ""
) -> Response:
    target = f"{BASE}/cases"
    try:
        with session.begin_nested():
            service.withdraw_case(session, actor, case_id)
    except XinyongError as refused:
        return back(target, department=department, error=refusal(refused))
    return back(target, department=department, message=f"典型案例 {case_id} 已撤回")
