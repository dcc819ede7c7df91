"""HTTP API of rectification tasks (限期整改) and interviews (约谈). Thin: every rule lives in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.auth.access import DEPARTMENT, ENTITY, SIGNED_IN, STAFF, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.remedies import service
from xinyong.remedies.rules import TaskStatus
from xinyong.remedies.schemas import InterviewIn, InterviewOut, TaskIn, TaskOut, TaskReportIn, TaskReviewIn

router = APIRouter(prefix="/api/v1", tags=["remedies 整改与约谈"], dependencies=[Depends(reject_unknown_query)])

TaskId = Annotated[int, Path(ge=1, le=2**62)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1)]


def _page(page: int, page_size: int) -> PageRequest:
    return PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)


@router.post(
    "/rectifications",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=TaskOut,
    summary="下达整改: a rectification task with a working-day deadline",
)
def issue(body: TaskIn, session: DbSession, actor: CurrentActor) -> TaskOut:
    task = service.issue_task(
        session,
        actor,
        requirement=body.requirement,
        working_days=body.working_days,
        list_entry_id=body.list_entry_id,
        record_id=body.record_id,
    )
    return service.get_task(session, actor, task.id)


@router.get(
    "/rectifications",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=Page[TaskOut],
    summary="Rectification tasks: a department's own, an entity's own, all for the office and auditors",
)
def tasks(
    session: DbSession,
    actor: CurrentActor,
    status: TaskStatus | None = None,
    overdue: bool | None = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Page[TaskOut]:
    items, total = service.list_tasks(
        session, actor, page=_page(page, page_size), status=status, overdue=overdue, uscc=uscc
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get(
    "/rectifications/{task_id}",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=TaskOut,
    summary="One rectification task with its steps",
)
def task(task_id: TaskId, session: DbSession, actor: CurrentActor) -> TaskOut:
    return service.get_task(session, actor, task_id)


@router.post(
    "/rectifications/{task_id}/report",
    dependencies=[Depends(require(ENTITY))],
    response_model=TaskOut,
    summary="The entity reports its rectification done",
)
def report(task_id: TaskId, body: TaskReportIn, session: DbSession, actor: CurrentActor) -> TaskOut:
    service.report_completion(session, actor, task_id, report=body.report)
    return service.get_task(session, actor, task_id)


@router.post(
    "/rectifications/{task_id}/confirmation",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=TaskOut,
    summary="The department confirms the rectification",
)
def confirm(task_id: TaskId, body: TaskReviewIn, session: DbSession, actor: CurrentActor) -> TaskOut:
    service.confirm_task(session, actor, task_id, note=body.note)
    return service.get_task(session, actor, task_id)


@router.post(
    "/rectifications/{task_id}/rejection",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=TaskOut,
    summary="The department finds the rectification insufficient and reopens the task",
)
def reject(task_id: TaskId, body: TaskReviewIn, session: DbSession, actor: CurrentActor) -> TaskOut:
    service.reject_task(session, actor, task_id, note=body.note or "")
    return service.get_task(session, actor, task_id)


@router.post(
    "/interviews",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=InterviewOut,
    summary="约谈: record a 提示约谈 or 警示约谈 (the finding department only); it becomes a credit record",
)
def interview(body: InterviewIn, session: DbSession, actor: CurrentActor) -> InterviewOut:
    row = service.record_interview(
        session,
        actor,
        kind=body.kind,
        held_on=body.held_on,
        place=body.place,
        attendees=body.attendees,
        content=body.content,
        list_entry_id=body.list_entry_id,
        record_id=body.record_id,
        task_id=body.task_id,
    )
    return service.interview_out(row)


@router.get(
    "/interviews",
    dependencies=[Depends(require(STAFF))],
    response_model=Page[InterviewOut],
    summary="Interview records (a department's own; all for the office and auditors)",
)
def interviews(
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Page[InterviewOut]:
    items, total = service.list_interviews(session, actor, page=_page(page, page_size), uscc=uscc)
    return Page(items=items, total=total, page=page, page_size=page_size)
