"""Portal pages of credit repair (信用修复) for the entity signed in as itself: what can be repaired and from when,
the online application with materials, and following an application to its decision. Repair is free."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from xinyong.core.actor import Actor
from xinyong.core.auth.access import ENTITY, require
from xinyong.core.clock import BEIJING
from xinyong.core.departments import list_departments
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.web import render
from xinyong.entities import service as entities
from xinyong.portal.forms import NO_OUTCOME, Outcome, take_step
from xinyong.portal.web import PortalRoute, own_uscc
from xinyong.repair import service as repair
from xinyong.repair.routes import read_uploads
from xinyong.repair.rules import Method
from xinyong.repair.schemas import ApplicationIn

pages = APIRouter(include_in_schema=False, route_class=PortalRoute, dependencies=[Depends(reject_unknown_query)])


def _repair_page(request: Request, session: DbSession, actor: Actor, outcome: Outcome = NO_OUTCOME) -> Response:
    entity = entities.get_entity(session, own_uscc(actor))
    context: dict[str, Any] = {
        "entity": entity,
        "targets": repair.eligibility(session, actor),
        "applications": [repair.to_view(session, a, details=False) for a in repair.list_applications(session, actor)],
        "methods": [m.value for m in Method],
        "departments": {d.code: d.short_name for d in list_departments(session)},
        "notice": outcome.notice,
        "error": outcome.error,
    }
    return render(request, "portal/repair.html", context, status_code=outcome.status_code)


@pages.get("/my/repair", dependencies=[Depends(require(ENTITY))])
def my_repair(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    applied: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    notice = f"修复申请 {applied} 已提交，认定部门将在 3 个工作日内决定是否受理。" if applied else None
    return _repair_page(request, session, actor, Outcome(notice=notice))


@pages.post("/my/repair", dependencies=[Depends(require(ENTITY))])
def apply_for_repair(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    target: Annotated[str, Form(max_length=40)],
    statement: Annotated[str, Form(max_length=5000)] = "",
    methods: Annotated[list[str], Form(max_length=6)] = [],  # noqa: B006 - read declaratively, never mutated
    file: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - read declaratively, never mutated
) -> Response:
    kind, _, target_id = target.partition(":")
    try:
        data = ApplicationIn.model_validate(
            {"target_kind": kind, "target_id": target_id, "methods": methods, "statement": statement}
        )
    except ValidationError as bad:
        where = ".".join(str(p) for p in bad.errors()[0].get("loc", ()))
        message = (
            "请选择修复方式并填写不少于 10 个字的申请说明" if where in ("methods", "statement") else "申请内容有误"
        )
        return _repair_page(request, session, actor, Outcome(error=f"{message}（{where}）", status_code=422))
    return take_step(
        session,
        lambda: repair.apply(session, actor, data, read_uploads(file)),
        lambda row: f"/my/repair/{row.id}?applied=1",
        lambda outcome: _repair_page(request, session, actor, outcome),
    )


@pages.get("/my/repair/{application_id}", dependencies=[Depends(require(ENTITY))])
def my_application(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    application_id: Annotated[int, Path(ge=1, le=2**62)],
    applied: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    row = repair.to_view(session, repair.get_application(session, actor, application_id))
    names = {d.code: d.full_name for d in list_departments(session)}
    context = {
        "app": row,
        "steps": repair.history_of(session, actor, application_id),
        "notice": "申请已提交。" if applied else None,
        "department_name": names.get(row.department, row.department),
        "beijing": lambda moment: moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
    }
    return render(request, "portal/repair_application.html", context)
