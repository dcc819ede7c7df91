"""Console page 企业账号审核: the credit office's queue of enterprise account applications — read the contact person
(audited) to check that the applicant may act for the enterprise, then approve, reject with a reason, or issue a
one-time activation code (shown once on this page, never again: only its hash is kept).

Answers to the actions are rendered directly (no redirect carrying a message), so no notice text ever travels in a
URL and a fresh activation code never lands in the browser history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse

from xinyong.console.pages import beijing_time, console_router, page
from xinyong.core.actor import Actor
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.enterprise import service as enterprise
from xinyong.enterprise.rules import ApplicationStatus
from xinyong.enterprise.schemas import Contact

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ApplicationId = Annotated[int, Path(ge=1, le=2**62)]
View = Literal["待审核", "全部"]


def _queue(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    view: str = "待审核",
    notice: str | None = None,
    error: str | None = None,
    code: tuple[str, str, str] | None = None,
    contact: tuple[int, Contact] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    wanted = ApplicationStatus.PENDING if view == "待审核" else None
    rows = [enterprise.to_view(row) for row in enterprise.list_applications(session, actor, wanted)]
    context: dict[str, Any] = {
        "applications": rows,
        "view": view,
        "notice": notice,
        "error": error,
        "code": code,  # (application number, code, expiry in Beijing time), shown once
        "contact": contact,
        "beijing": beijing_time,
        "pending": enterprise.count_pending(session),
    }
    return page(request, session, actor, "console/enterprise_accounts.html", context, status_code)


@router.get("/enterprise-accounts", dependencies=[Depends(require(OFFICE))])
def queue(
    request: Request, session: DbSession, actor: CurrentActor, view: Annotated[View, Query()] = "待审核"
) -> HTMLResponse:
    return _queue(request, session, actor, view=view)


@router.post("/enterprise-accounts/{application_id}/contact", dependencies=[Depends(require(OFFICE))])
def read_contact(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    application_id: ApplicationId,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> HTMLResponse:
    contact = enterprise.contact_of(session, actor, application_id)
    return _queue(request, session, actor, contact=(application_id, contact))


@router.post("/enterprise-accounts/{application_id}/approve", dependencies=[Depends(require(OFFICE))])
def approve(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    application_id: ApplicationId,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> HTMLResponse:
    try:
        with session.begin_nested():
            row = enterprise.approve(session, actor, application_id)
    except XinyongError as refused:
        return _queue(request, session, actor, error=refused.message, status_code=refused.status)
    notice = f"申请 {row.number} 已通过，{row.entity_name} 的企业账号已开通，可用统一社会信用代码登录。"
    return _queue(request, session, actor, notice=notice)


@router.post("/enterprise-accounts/{application_id}/reject", dependencies=[Depends(require(OFFICE))])
def reject(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    application_id: ApplicationId,
    csrf_token: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    try:
        with session.begin_nested():
            row = enterprise.reject(session, actor, application_id, reason)
    except XinyongError as refused:
        return _queue(request, session, actor, error=refused.message, status_code=refused.status)
    return _queue(request, session, actor, notice=f"申请 {row.number} 已驳回。")


@router.post("/enterprise-accounts/{application_id}/code", dependencies=[Depends(require(OFFICE))])
def issue_code(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    application_id: ApplicationId,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> HTMLResponse:
    try:
        with session.begin_nested():
            row, code = enterprise.issue_code(session, actor, application_id)
    except XinyongError as refused:
        return _queue(request, session, actor, error=refused.message, status_code=refused.status)
    assert row.code_expires_at is not None
    return _queue(request, session, actor, code=(row.number, code, beijing_time(row.code_expires_at)))
