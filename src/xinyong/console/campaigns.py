"""Console pages of special campaigns (专项治理): the office opens campaigns and publishes results; the office or the
lead department adds targets (USCCs or a filter) and assigns tasks; departments complete their tasks and record
results. Each form posts to one service call, which checks the actor's right and audits."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Form, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.campaigns import service
from xinyong.campaigns.rules import Outcome, is_office, may_organise
from xinyong.campaigns.schemas import CampaignIn, FilterIn, ResultIn, TargetsIn, TaskDoneIn, TaskIn
from xinyong.console.forms import take_step
from xinyong.console.pages import PageState, console_router
from xinyong.core import clock
from xinyong.core.auth.access import DEPARTMENT, OFFICE, STAFF, require
from xinyong.core.departments import list_departments
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=20_000)]
Csrf = Annotated[str, Form(max_length=200)]


Refused = (XinyongError, ValidationError, ValueError)


@router.get("/campaigns", dependencies=[Depends(require(STAFF))])
def campaigns(screen: PageState) -> HTMLResponse:
    context: dict[str, Any] = {
        "campaigns": service.list_campaigns(screen.session),
        "departments": list_departments(screen.session),
        "may_open": is_office(screen.actor),
    }
    return screen.show("console/campaigns.html", context)


@router.post("/campaigns", dependencies=[Depends(require(OFFICE))])
def open_campaign(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    name: Short,
    legal_basis: Long,
    lead_department: Annotated[str, Form(max_length=64)],
    start_date: Annotated[str, Form(max_length=10)],
    end_date: Annotated[str, Form(max_length=10)],
    description: Long,
) -> Response:
    given = {
        "name": name,
        "legal_basis": legal_basis,
        "lead_department": lead_department,
        "start_date": start_date,
        "end_date": end_date,
        "description": description,
    }
    return take_step(
        session,
        lambda: service.create_campaign(session, actor, CampaignIn.model_validate(given)),
        "/console/campaigns",
        "专项治理已创建",
        refused=Refused,
        onward=lambda made: _here(made.id),
    )


@router.get("/campaigns/{campaign_id}", dependencies=[Depends(require(STAFF))])
def campaign(campaign_id: ItemId, screen: PageState) -> HTMLResponse:
    actor = screen.actor
    work = service.campaign_work(screen.session, campaign_id)
    context: dict[str, Any] = {
        "work": work,
        "departments": list_departments(screen.session),
        "outcomes": list(Outcome),
        "may_organise": may_organise(actor, work.lead_department),
        "may_publish": is_office(actor),
        "my_department": actor.department_code,
        "today": clock.today().isoformat(),
    }
    return screen.show("console/campaign.html", context)


def _here(campaign_id: int) -> str:
    return f"/console/campaigns/{campaign_id}"


@router.post("/campaigns/{campaign_id}/targets", dependencies=[Depends(require(STAFF))])
def add_targets(
    campaign_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    usccs: Annotated[str, Form(max_length=40_000)] = "",
    industry: Annotated[str, Form(max_length=5)] = "",
    region_code: Annotated[str, Form(max_length=6)] = "",
    kind: Annotated[str, Form(max_length=2)] = "",
    name_contains: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    def targets() -> TargetsIn:
        codes = [c for c in re.split(r"[\s,，;；]+", usccs) if c]
        if codes:
            return TargetsIn(usccs=codes)
        given = {"industry": industry, "region_code": region_code, "kind": kind, "name_contains": name_contains}
        return TargetsIn(filter=FilterIn(**{k: v.strip() or None for k, v in given.items()}))

    return take_step(
        session,
        lambda: service.add_targets(session, actor, campaign_id, targets()),
        _here(campaign_id),
        lambda added: f"新增治理对象 {added.added} 户（已在册 {added.already} 户）",
        refused=Refused,
    )


@router.post("/campaigns/{campaign_id}/targets/remove", dependencies=[Depends(require(STAFF))])
def remove_target(
    campaign_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    uscc: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    return take_step(
        session,
        lambda: service.remove_target(session, actor, campaign_id, uscc, reason),
        _here(campaign_id),
        f"{uscc} 已移出治理对象",
        refused=Refused,
    )


@router.post("/campaigns/{campaign_id}/tasks", dependencies=[Depends(require(STAFF))])
def add_task(
    campaign_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    department: Annotated[str, Form(max_length=64)],
    title: Short,
    working_days: Annotated[str, Form(max_length=6)],
    description: Long = "",
) -> Response:
    given = {"department": department, "title": title, "description": description, "working_days": working_days}
    return take_step(
        session,
        lambda: service.add_task(session, actor, campaign_id, TaskIn.model_validate(given)),
        _here(campaign_id),
        lambda task: f"任务已分派，办结期限 {task.deadline.isoformat()}",
        refused=Refused,
    )


@router.post("/campaigns/{campaign_id}/tasks/{task_id}/complete", dependencies=[Depends(require(DEPARTMENT))])
def complete_task(
    campaign_id: ItemId,
    task_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    note: Annotated[str, Form(max_length=5000)],
) -> Response:
    return take_step(
        session,
        lambda: service.complete_task(session, actor, campaign_id, task_id, TaskDoneIn(note=note)),
        _here(campaign_id),
        "任务已办结",
        refused=Refused,
    )


@router.post("/campaigns/{campaign_id}/results", dependencies=[Depends(require(STAFF))])
def record_result(
    campaign_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    uscc: Annotated[str, Form(max_length=32)],
    outcome: Annotated[str, Form(max_length=16)],
    notes: Annotated[str, Form(max_length=5000)] = "",
    on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    given = {"uscc": uscc, "outcome": outcome, "notes": notes, "on": on.strip() or None}
    return take_step(
        session,
        lambda: service.record_result(session, actor, campaign_id, ResultIn.model_validate(given)),
        _here(campaign_id),
        f"{uscc} 的治理结果已登记",
        refused=Refused,
    )


@router.post("/campaigns/{campaign_id}/publish", dependencies=[Depends(require(OFFICE))])
def publish(campaign_id: ItemId, session: DbSession, actor: CurrentActor, csrf_token: Csrf) -> Response:
    return take_step(
        session,
        lambda: service.publish_results(session, actor, campaign_id),
        _here(campaign_id),
        "治理结果已在门户公开",
        refused=Refused,
    )
