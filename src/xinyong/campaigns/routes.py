"""HTTP API of special campaigns (专项治理): public list and published results; staff work view; the office opens
and publishes; the office or lead department adds targets and tasks; departments complete tasks and record
results. Thin: every rule lives in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from xinyong.campaigns import service
from xinyong.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignWorkOut,
    PublicCampaignOut,
    ResultIn,
    TargetRemoveIn,
    TargetsAdded,
    TargetsIn,
    TaskDoneIn,
    TaskIn,
)
from xinyong.core.actor import Actor
from xinyong.core.auth.access import DEPARTMENT, OFFICE, PUBLIC, STAFF, require
from xinyong.core.http import DbSession, reject_unknown_query

router = APIRouter(
    prefix="/api/v1/campaigns", tags=["campaigns 专项治理"], dependencies=[Depends(reject_unknown_query)]
)

CampaignId = Annotated[int, Path(ge=1, le=2**62)]
TaskId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("", dependencies=[Depends(require(PUBLIC))], response_model=list[CampaignOut], summary="Special campaigns")
def campaigns(session: DbSession) -> list[CampaignOut]:
    return service.list_campaigns(session)


@router.post("", status_code=201, response_model=CampaignWorkOut, summary="Open a campaign (credit office)")
def create(data: CampaignIn, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]) -> CampaignWorkOut:
    campaign = service.create_campaign(session, actor, data)
    return service.campaign_work(session, campaign.id)


@router.get(
    "/{campaign_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=PublicCampaignOut,
    summary="A campaign and, once published, each target's outcome",
)
def campaign(campaign_id: CampaignId, session: DbSession) -> PublicCampaignOut:
    return service.public_campaign(session, campaign_id)


@router.get(
    "/{campaign_id}/work",
    dependencies=[Depends(require(STAFF))],
    response_model=CampaignWorkOut,
    summary="Staff view: targets, tasks and every result",
)
def work(campaign_id: CampaignId, session: DbSession) -> CampaignWorkOut:
    return service.campaign_work(session, campaign_id)


@router.post("/{campaign_id}/targets", response_model=TargetsAdded, summary="Add targets by USCC or by a filter")
def add_targets(
    campaign_id: CampaignId, data: TargetsIn, session: DbSession, actor: Annotated[Actor, Depends(require(STAFF))]
) -> TargetsAdded:
    return service.add_targets(session, actor, campaign_id, data)


@router.post(
    "/{campaign_id}/targets/remove", response_model=CampaignWorkOut, summary="Take a target out (kept in history)"
)
def remove_target(
    campaign_id: CampaignId, data: TargetRemoveIn, session: DbSession, actor: Annotated[Actor, Depends(require(STAFF))]
) -> CampaignWorkOut:
    service.remove_target(session, actor, campaign_id, data.uscc, data.reason)
    return service.campaign_work(session, campaign_id)


@router.post("/{campaign_id}/tasks", status_code=201, response_model=CampaignWorkOut, summary="Assign a task")
def add_task(
    campaign_id: CampaignId, data: TaskIn, session: DbSession, actor: Annotated[Actor, Depends(require(STAFF))]
) -> CampaignWorkOut:
    service.add_task(session, actor, campaign_id, data)
    return service.campaign_work(session, campaign_id)


@router.post(
    "/{campaign_id}/tasks/{task_id}/complete",
    response_model=CampaignWorkOut,
    summary="Complete a task (its department)",
)
def complete_task(
    campaign_id: CampaignId,
    task_id: TaskId,
    data: TaskDoneIn,
    session: DbSession,
    actor: Annotated[Actor, Depends(require(DEPARTMENT))],
) -> CampaignWorkOut:
    service.complete_task(session, actor, campaign_id, task_id, data)
    return service.campaign_work(session, campaign_id)


@router.post("/{campaign_id}/results", status_code=201, response_model=CampaignWorkOut, summary="Record a result")
def record_result(
    campaign_id: CampaignId, data: ResultIn, session: DbSession, actor: Annotated[Actor, Depends(require(STAFF))]
) -> CampaignWorkOut:
    service.record_result(session, actor, campaign_id, data)
    return service.campaign_work(session, campaign_id)


@router.post(
    "/{campaign_id}/publish", response_model=PublicCampaignOut, summary="Publish the results on the portal (office)"
)
def publish(
    campaign_id: CampaignId, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]
) -> PublicCampaignOut:
    service.publish_results(session, actor, campaign_id)
    return service.public_campaign(session, campaign_id)
