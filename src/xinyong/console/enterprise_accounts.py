"""Console page 企业账号审核: the credit office's queue of enterprise account applications — read the contact person
(audited) to check that the applicant may act for the enterprise, then approve, reject with a reason, or issue a
one-time activation code (shown once on this page, never again: only its hash is kept).

Answers to the actions are rendered directly (no redirect carrying a message), so no notice text ever travels in a
URL and a fresh activation code never lands in the browser history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Form, Path, Query
from fastapi.responses import HTMLResponse

from xinyong.console.pages import FormState, Screen, beijing_time, console_router
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.errors import XinyongError
from xinyong.core.http import reject_unknown_query
from xinyong.enterprise import service as enterprise
from xinyong.enterprise.rules import ApplicationStatus
from xinyong.enterprise.schemas import Contact

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ApplicationId = Annotated[int, Path(ge=1, le=2**62)]
View = Literal["待审核", "全部"]
Csrf = Annotated[str, Form(max_length=200)]
T = TypeVar("T")


def _queue(
    screen: Screen,
    *,
    view: str = "待审核",
    notice: str | None = None,
    error: str | None = None,
    code: tuple[str, str, str] | None = None,
    contact: tuple[int, Contact] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    session, actor = screen.session, screen.actor
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
    return screen.show("console/enterprise_accounts.html", context, status_code)


def _answer(screen: Screen, action: Callable[[], T], answer: Callable[[T], dict[str, Any]]) -> HTMLResponse:
    """Take the step in a savepoint; the answer is the queue itself, with the refusal or what ``answer`` makes of the
    step's outcome."""
    try:
        with screen.session.begin_nested():
            outcome = action()
    except XinyongError as refused:
        return _queue(screen, error=refused.message, status_code=refused.status)
    return _queue(screen, **answer(outcome))


@router.get("/enterprise-accounts", dependencies=[Depends(require(OFFICE))])
def queue(screen: FormState, view: Annotated[View, Query()] = "待审核") -> HTMLResponse:
    return _queue(screen, view=view)


@router.post("/enterprise-accounts/{application_id}/contact", dependencies=[Depends(require(OFFICE))])
def read_contact(screen: FormState, application_id: ApplicationId, csrf_token: Csrf) -> HTMLResponse:
    contact = enterprise.contact_of(screen.session, screen.actor, application_id)
    return _queue(screen, contact=(application_id, contact))


@router.post("/enterprise-accounts/{application_id}/approve", dependencies=[Depends(require(OFFICE))])
def approve(screen: FormState, application_id: ApplicationId, csrf_token: Csrf) -> HTMLResponse:
    def said(row: Any) -> dict[str, Any]:
        return {"notice": f"申请 {row.number} 已通过，{row.entity_name} 的企业账号已开通，可用统一社会信用代码登录。"}

    return _answer(screen, lambda: enterprise.approve(screen.session, screen.actor, application_id), said)


@router.post("/enterprise-accounts/{application_id}/reject", dependencies=[Depends(require(OFFICE))])
def reject(
    screen: FormState,
    application_id: ApplicationId,
    csrf_token: Csrf,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    return _answer(
        screen,
        lambda: enterprise.reject(screen.session, screen.actor, application_id, reason),
        lambda row: {"notice": f"申请 {row.number} 已驳回。"},
    )


@router.post("/enterprise-accounts/{application_id}/code", dependencies=[Depends(require(OFFICE))])
def issue_code(screen: FormState, application_id: ApplicationId, csrf_token: Csrf) -> HTMLResponse:
    def shown(issued: Any) -> dict[str, Any]:
        row, code = issued
        assert row.code_expires_at is not None
        return {"code": (row.number, code, beijing_time(row.code_expires_at))}

    return _answer(screen, lambda: enterprise.issue_code(screen.session, screen.actor, application_id), shown)
