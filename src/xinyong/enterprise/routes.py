"""HTTP API of enterprise account applications for the credit office: the queue, approve, reject, and a one-time
activation code. (Registration and activation by the enterprise itself are portal pages, ``/register``.)"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.auth.access import OFFICE, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.enterprise import service
from xinyong.enterprise.rules import ApplicationStatus
from xinyong.enterprise.schemas import ActivationCodeOut, ApplicationOut, RejectIn

router = APIRouter(
    prefix="/api/v1/enterprise-applications",
    tags=["enterprise 企业账号"],
    dependencies=[Depends(reject_unknown_query)],
)
ApplicationId = Annotated[int, Path(ge=1, le=2**62)]
StatusFilter = Literal["待审核", "已通过", "已激活", "已驳回", "已关闭", "全部"]


@router.get(
    "",
    dependencies=[Depends(require(OFFICE))],
    response_model=list[ApplicationOut],
    summary="Enterprise account applications (default: those waiting for a decision), contact masked",
)
def list_applications(
    session: DbSession, actor: CurrentActor, status: Annotated[StatusFilter, Query()] = "待审核"
) -> list[ApplicationOut]:
    wanted = None if status == "全部" else ApplicationStatus(status)
    return [service.to_view(row) for row in service.list_applications(session, actor, wanted)]


@router.post(
    "/{application_id}/approve",
    dependencies=[Depends(require(OFFICE))],
    response_model=ApplicationOut,
    summary="Approve: the enterprise's account becomes active with the password chosen at registration",
)
def approve(application_id: ApplicationId, session: DbSession, actor: CurrentActor) -> ApplicationOut:
    return service.to_view(service.approve(session, actor, application_id))


@router.post(
    "/{application_id}/reject",
    dependencies=[Depends(require(OFFICE))],
    response_model=ApplicationOut,
    summary="Reject with a reason",
)
def reject(application_id: ApplicationId, body: RejectIn, session: DbSession, actor: CurrentActor) -> ApplicationOut:
    return service.to_view(service.reject(session, actor, application_id, body.reason))


@router.post(
    "/{application_id}/activation-code",
    dependencies=[Depends(require(OFFICE))],
    response_model=ActivationCodeOut,
    summary="Issue a one-time activation code (shown once; a new one replaces the last)",
)
def activation_code(application_id: ApplicationId, session: DbSession, actor: CurrentActor) -> ActivationCodeOut:
    row, code = service.issue_code(session, actor, application_id)
    assert row.code_expires_at is not None
    return ActivationCodeOut(application=service.to_view(row), code=code, expires_at=row.code_expires_at)
