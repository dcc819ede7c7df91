"""The complaints desk (投诉举报): take in a 12345 / 12315 export or one work order by hand, see every row's outcome,
and match the subject of the ones held as unmatched. Department staff see their department's complaints; the
credit office sees all and names the department in charge when it takes in a city-wide export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.complaints import service as complaints
from xinyong.complaints.rules import CHANNEL_LABELS, Channel, Status
from xinyong.complaints.schemas import ComplaintIn, IntakeOut, MatchIn
from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.access import STAFF, require
from xinyong.core.departments import list_departments
from xinyong.core.errors import TooLarge, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.core.uploads import spool, suffix_of

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

PAGE_SIZE = 20
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DESK = "/console/complaints"
FILE_CHANNELS = (Channel.HOTLINE_12345, Channel.MARKET_12315)
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]


def _desk(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    status: str | None = None,
    page_no: int = 1,
    done: str | None = None,
    error: str | None = None,
    result: IntakeOut | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows, total = complaints.page_complaints(session, actor, status=status, page=PageRequest(page_no, PAGE_SIZE))
    departments = list_departments(session)
    names = {d.code: d.short_name for d in departments}
    context: dict[str, Any] = {
        "complaints": [complaints.to_view(session, r, names) for r in rows],
        "total": total,
        "page_no": page_no,
        "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        "status": status or "",
        "statuses": [s.value for s in Status],
        "channels": [(c.value, CHANNEL_LABELS[c]) for c in FILE_CHANNELS],
        "departments": departments,
        "is_office": actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM),
        "may_handle": actor.is_department or actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM),
        "result": result,
        "done": done,
        "error": error,
    }
    return page(request, session, actor, "console/complaints.html", context, status_code)


@router.get("/complaints", dependencies=[Depends(require(STAFF))])
def complaint_desk(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[str | None, Query(max_length=8)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    chosen = status if status in {s.value for s in Status} else None
    shown = read_notices(done, error)
    return _desk(request, session, actor, status=chosen, page_no=page_no, done=shown["done"], error=shown["error"])


@router.post("/complaints/upload", dependencies=[Depends(require(STAFF))])
def upload(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile | None, File()] = None,
    channel: Annotated[str, Form(max_length=8)] = Channel.HOTLINE_12345.value,
    department: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Take in the export and show every row's outcome on the desk."""
    if file is None or not (file.filename or "").strip():
        return _desk(request, session, actor, error="请选择要上传的 CSV 或 XLSX 文件。", status_code=422)
    filename = (file.filename or "")[:200]
    try:
        with spool(file.file, MAX_UPLOAD_BYTES, suffix_of(filename)) as path, session.begin_nested():
            result = complaints.intake_file(session, actor, path, filename, channel, department or None)
    except TooLarge:
        return _desk(request, session, actor, error="文件超过 20 MB，请拆分后分批上传。", status_code=413)
    except XinyongError as refused:
        return _desk(request, session, actor, error=refusal(refused), status_code=refused.status)
    summary = (
        f"共 {result.rows} 行：已接收 {result.created}，待匹配主体 {result.unmatched}，"
        f"重复工单 {result.duplicates}，未接收 {result.rejected}。"
    )
    return _desk(request, session, actor, done=summary, result=result)


@router.post("/complaints/one", dependencies=[Depends(require(STAFF))])
def create_one(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    ticket_no: Short,
    received_on: Annotated[str, Form(max_length=10)],
    subject_name: Short,
    content: Text,
    uscc: Annotated[str, Form(max_length=40)] = "",
    result: Annotated[str, Form(max_length=4000)] = "",
    closed_on: Annotated[str, Form(max_length=10)] = "",
    finding: Annotated[str, Form(max_length=20)] = "",
    department: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        item = ComplaintIn.model_validate(
            {
                "ticket_no": ticket_no,
                "received_on": received_on,
                "subject_name": subject_name,
                "uscc": uscc or None,
                "content": content,
                "result": result or None,
                "closed_on": closed_on or None,
                "finding": finding,
            }
        )
        with session.begin_nested():
            outcome = complaints.create_one(session, actor, item, department=department or None)
    except (XinyongError, ValidationError) as refused:
        return back(DESK, error=refusal(refused))
    if outcome.outcome == "rejected":
        reasons = "；".join(f"{k}：{v}" for k, v in outcome.errors.items())
        return back(DESK, error=f"工单 {ticket_no} 未接收：{reasons}")
    return back(DESK, message=f"工单 {ticket_no}：{outcome.outcome_label}")


@router.post("/complaints/{complaint_id}/match", dependencies=[Depends(require(STAFF))])
def match(
    complaint_id: Annotated[int, Path(ge=1, le=2**62)],
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    uscc: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    try:
        with session.begin_nested():
            row = complaints.match(session, actor, complaint_id, MatchIn(uscc=uscc, reason=reason))
    except (XinyongError, ValidationError) as refused:
        return back(DESK, error=refusal(refused), status=Status.UNMATCHED.value)
    done = f"投诉 {row.ticket_no} 已匹配至 {row.subject_uscc}" + ("，已形成信用记录" if row.record_id else "")
    return back(DESK, message=done, status=Status.UNMATCHED.value)
