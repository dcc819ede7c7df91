"""Console pages of the honour lists (守信激励名单, 红名单), the credit office's: the honour types with their basis,
issuing body and term; the entries waiting for approval and the latest entries; the form that adds an entry
(拟列入); approval by a second office account (审核公示, the two-person rule), decline, and 终止公示. Every step goes
through the lists service, which checks the step and the person's right and audits it; these pages read forms and
show what the service answers, in Chinese, with department names and Beijing time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.core import clock
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.departments import list_departments
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.lists import service as lists
from xinyong.lists.schemas import HonourIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

DESK = "/console/honours"
EntryId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]
Reason = Annotated[str, Form(max_length=5000)]
Refused = (XinyongError, ValidationError)


@router.get("/honours", dependencies=[Depends(require(OFFICE))])
def honours_page(
    request: Request, session: DbSession, actor: CurrentActor, done: NoticeCode = None, error: NoticeCode = None
) -> HTMLResponse:
    """守信激励名单: the types, the queue waiting for a second account's approval, the latest entries, the add form."""
    names = {d.code: d.full_name for d in list_departments(session)}
    context: dict[str, Any] = {
        "types": lists.honour_types(session),
        "queue": lists.honour_queue(session),
        "recent": lists.recent_honours(session),
        "names": names,
        "departments": sorted(names.items()),
        "today": clock.today(),
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/honours.html", context)


@router.post("/honours", dependencies=[Depends(require(OFFICE))])
def nominate(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    list_type: Annotated[str, Form(max_length=32)],
    uscc: Annotated[str, Form(max_length=64)],
    department: Annotated[str, Form(max_length=16)],
    reason: Reason,
    decision_doc_no: Annotated[str, Form(max_length=128)],
    decision_date: Annotated[str, Form(max_length=10)],
    basis: Reason = "",
) -> Response:
    """拟列入 from the form; a second office account approves it."""
    try:
        with session.begin_nested():
            data = HonourIn.model_validate(
                {
                    "list_type": list_type,
                    "uscc": uscc,
                    "department": department,
                    "reason": reason,
                    "basis": basis or None,
                    "decision_doc_no": decision_doc_no,
                    "decision_date": decision_date,
                }
            )
            entry = lists.nominate_honour(session, actor, data)
    except Refused as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"已录入守信激励条目 {entry.id}（{entry.subject_name}），待另一名信用办人员审核公示")


@router.post("/honours/{entry_id}/approve", dependencies=[Depends(require(OFFICE))])
def approve(session: DbSession, actor: CurrentActor, csrf_token: Csrf, entry_id: EntryId) -> Response:
    try:
        with session.begin_nested():
            entry = lists.approve_honour(session, actor, entry_id)
    except Refused as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"守信激励条目 {entry.id}（{entry.subject_name}）已审核公示")


@router.post("/honours/{entry_id}/decline", dependencies=[Depends(require(OFFICE))])
def decline(session: DbSession, actor: CurrentActor, csrf_token: Csrf, entry_id: EntryId, reason: Reason) -> Response:
    try:
        with session.begin_nested():
            entry = lists.decline_honour(session, actor, entry_id, reason=reason)
    except Refused as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"守信激励条目 {entry.id} 不予列入")


@router.post("/honours/{entry_id}/end", dependencies=[Depends(require(OFFICE))])
def end(session: DbSession, actor: CurrentActor, csrf_token: Csrf, entry_id: EntryId, reason: Reason) -> Response:
    try:
        with session.begin_nested():
            entry = lists.end_honour(session, actor, entry_id, reason=reason)
    except Refused as refused:
        return back(DESK, error=refusal(refused))
    return back(DESK, f"守信激励条目 {entry.id}（{entry.subject_name}）已终止公示")
