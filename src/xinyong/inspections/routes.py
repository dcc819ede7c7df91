"""HTTP API of graded supervision (分级分类监管) and 双随机、一公开 random inspections."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from xinyong.core.actor import Role
from xinyong.core.auth.access import PUBLIC, STAFF, AccessRule, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.inspections import service
from xinyong.inspections.schemas import (
    AssignmentOut,
    CaseIn,
    CaseOut,
    ClassesOut,
    DrawIn,
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
    TaskIn,
    TaskOut,
)

router = APIRouter(prefix="/api/v1", tags=["inspections 双随机、一公开"], dependencies=[Depends(reject_unknown_query)])

# who maintains a department's supervision data: its own staff, or the credit office for any department
INSPECTION_STAFF = AccessRule(
    "inspection_staff", frozenset({Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM})
)
WRITE = [Depends(require(INSPECTION_STAFF))]
READ = [Depends(require(STAFF))]
Id = Annotated[int, Path(ge=1, le=2**62)]
DepartmentQuery = Annotated[str | None, Query(max_length=16)]


@router.get(
    "/inspections/mappings", dependencies=READ, response_model=list[MappingOut], summary="分级分类监管 mapping versions"
)
def list_mappings(session: DbSession, actor: CurrentActor, department: DepartmentQuery = None) -> list[MappingOut]:
    return [service.mapping_out(r) for r in service.list_mappings(session, actor, department)]


@router.post(
    "/inspections/mappings",
    dependencies=WRITE,
    response_model=MappingOut,
    status_code=201,
    summary="Publish a new version of a department's class → ratio and frequency mapping",
)
def save_mapping(body: MappingIn, session: DbSession, actor: CurrentActor) -> MappingOut:
    return service.mapping_out(service.save_mapping(session, actor, body))


@router.get(
    "/inspections/classes",
    dependencies=READ,
    response_model=ClassesOut,
    summary="A department's entities by supervision class: counts, ratios, frequencies and one page of entities",
)
def entities_by_class(
    session: DbSession,
    actor: CurrentActor,
    department: DepartmentQuery = None,
    stratum: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = 20,
) -> ClassesOut:
    request = PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)
    return service.entities_by_class(session, actor, department, stratum, request)


@router.get("/inspections/items", dependencies=READ, response_model=list[ItemOut], summary="随机抽查事项清单")
def list_items(session: DbSession, actor: CurrentActor, department: DepartmentQuery = None) -> list[ItemOut]:
    return [service.item_out(r) for r in service.list_items(session, actor, department)]


@router.post("/inspections/items", dependencies=WRITE, response_model=ItemOut, status_code=201, summary="Add an item")
def create_item(body: ItemIn, session: DbSession, actor: CurrentActor) -> ItemOut:
    return service.item_out(service.create_item(session, actor, body))


@router.post(
    "/inspections/items/{item_id}/retire", dependencies=WRITE, response_model=ItemOut, summary="Retire an item"
)
def retire_item(item_id: Id, session: DbSession, actor: CurrentActor) -> ItemOut:
    return service.item_out(service.retire_item(session, actor, item_id))


@router.get("/inspections/inspectors", dependencies=READ, response_model=list[InspectorOut], summary="执法检查人员库")
def list_inspectors(session: DbSession, actor: CurrentActor, department: DepartmentQuery = None) -> list[InspectorOut]:
    return [service.inspector_out(r) for r in service.list_inspectors(session, actor, department)]


@router.post(
    "/inspections/inspectors",
    dependencies=WRITE,
    response_model=InspectorOut,
    status_code=201,
    summary="Register an inspector (name, badge number, declared conflicts)",
)
def create_inspector(body: InspectorIn, session: DbSession, actor: CurrentActor) -> InspectorOut:
    return service.inspector_out(service.create_inspector(session, actor, body))


@router.patch(
    "/inspections/inspectors/{inspector_id}",
    dependencies=WRITE,
    response_model=InspectorOut,
    summary="Change an inspector's declared conflicts or take them out of the pool",
)
def update_inspector(inspector_id: Id, body: InspectorUpdate, session: DbSession, actor: CurrentActor) -> InspectorOut:
    return service.inspector_out(service.update_inspector(session, actor, inspector_id, body))


@router.get("/inspections/tasks", dependencies=READ, response_model=list[TaskOut], summary="抽查任务")
def list_tasks(session: DbSession, actor: CurrentActor, department: DepartmentQuery = None) -> list[TaskOut]:
    return [service.task_out(session, t) for t in service.list_tasks(session, actor, department)]


@router.post(
    "/inspections/tasks",
    dependencies=WRITE,
    response_model=TaskOut,
    status_code=201,
    summary="Create a task and freeze its entity pool (the pool hash is published)",
)
def create_task(body: TaskIn, session: DbSession, actor: CurrentActor) -> TaskOut:
    return service.task_out(session, service.create_task(session, actor, body))


@router.get("/inspections/tasks/{task_id}", dependencies=READ, response_model=TaskOut, summary="One task")
def read_task(task_id: Id, session: DbSession, actor: CurrentActor) -> TaskOut:
    return service.task_out(session, service.get_task(session, actor, task_id))


@router.post(
    "/inspections/tasks/{task_id}/draws",
    dependencies=WRITE,
    response_model=DrawOut,
    status_code=201,
    summary="Draw a round with the public value entered now (a new round needs a new value)",
)
def make_draw(task_id: Id, body: DrawIn, session: DbSession, actor: CurrentActor) -> DrawOut:
    return service.draw_out(service.make_draw(session, actor, task_id, body.public_value))


@router.get(
    "/inspections/assignments",
    dependencies=READ,
    response_model=list[AssignmentOut],
    summary="Drawn entities with inspectors, results and publication deadlines",
)
def list_assignments(
    session: DbSession,
    actor: CurrentActor,
    department: DepartmentQuery = None,
    task_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> list[AssignmentOut]:
    return service.list_assignments(session, actor, department=department, task_id=task_id, open_only=open_only)


@router.post(
    "/inspections/assignments/{assignment_id}/result",
    dependencies=WRITE,
    response_model=AssignmentOut,
    summary="Record a drawn entity's result: it becomes a public 行政检查 credit record",
)
def record_result(assignment_id: Id, body: ResultIn, session: DbSession, actor: CurrentActor) -> AssignmentOut:
    row = service.record_result(session, actor, assignment_id, body)
    return service.assignment_out(row, service.entity_name(session, row.uscc))


@router.post(
    "/inspections/cases", dependencies=WRITE, response_model=CaseOut, status_code=201, summary="Publish a 典型案例"
)
def create_case(body: CaseIn, session: DbSession, actor: CurrentActor) -> CaseOut:
    return service.case_view(session, service.create_case(session, actor, body))


@router.post(
    "/inspections/cases/{case_id}/withdraw", dependencies=WRITE, response_model=CaseOut, summary="Withdraw a case"
)
def withdraw_case(case_id: Id, session: DbSession, actor: CurrentActor) -> CaseOut:
    return service.case_view(session, service.withdraw_case(session, actor, case_id))


# ---------------------------------------------------------------- public


@router.get(
    "/public/inspections/tasks",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[PublicTaskOut],
    summary="Frozen tasks with their pool hash (published at freeze, before the draw)",
)
def public_tasks(session: DbSession) -> list[PublicTaskOut]:
    return service.public_tasks(session)


@router.get(
    "/public/inspections/draws",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[DrawOut],
    summary="Published draws (newest first)",
)
def public_draws(session: DbSession) -> list[DrawOut]:
    return [service.draw_out(d) for d in service.list_public_draws(session)]


@router.get(
    "/public/inspections/draws/{draw_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=PublicDrawOut,
    summary="One published draw with its drawn entities, inspectors and results",
)
def public_draw(draw_id: Id, session: DbSession) -> PublicDrawOut:
    return service.public_draw(session, draw_id)


@router.get(
    "/public/inspections/draws/{draw_id}/bundle",
    dependencies=[Depends(require(PUBLIC))],
    summary="The draw's bundle: pool, pool hash, public value, seed, rules, inspectors and result (re-run it)",
)
def draw_bundle(draw_id: Id, session: DbSession) -> JSONResponse:
    bundle: dict[str, Any] = service.bundle_of(session, draw_id)
    return JSONResponse(
        bundle, headers={"Content-Disposition": f'attachment; filename="inspection-draw-{draw_id}.json"'}
    )


@router.get(
    "/public/inspections/cases",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[CaseOut],
    summary="Typical cases of graded supervision (典型案例)",
)
def public_cases(session: DbSession) -> list[CaseOut]:
    return service.public_cases(session)
