"""HTTP API of complaints and reports (投诉举报): intake by batch (a hotline system), by file (12345 / 12315 exports)
and one by one; the staff list, one complaint with its steps, matching the subject; the subject's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile

from xinyong.complaints import service
from xinyong.complaints.schemas import ComplaintBatchIn, ComplaintIn, ComplaintOut, IntakeOut, MatchIn, RowResultOut
from xinyong.core.auth.access import ENTITY, STAFF, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.core.uploads import spool, suffix_of

router = APIRouter(prefix="/api/v1", tags=["complaints 投诉举报"], dependencies=[Depends(reject_unknown_query)])
ComplaintId = Annotated[int, Path(ge=1, le=2**62)]
Department = Annotated[str | None, Query(max_length=16, description="承办部门 (the credit office names it)")]
MAX_FILE_BYTES = 20 * 1024 * 1024


@router.post(
    "/complaints",
    status_code=201,
    response_model=IntakeOut,
    dependencies=[Depends(require(STAFF))],
    summary="Work orders from a hotline system (12345 / 12315): every row answered (created, unmatched, duplicate, "
    "rejected)",
)
def send_batch(
    body: ComplaintBatchIn, session: DbSession, actor: CurrentActor, department: Department = None
) -> IntakeOut:
    return service.intake_batch(session, actor, body, department=department)


@router.post(
    "/complaints/file",
    status_code=201,
    response_model=IntakeOut,
    dependencies=[Depends(require(STAFF))],
    summary="A 12345 or 12315 export (CSV or XLSX); complainants' columns are dropped unread",
)
def send_file(
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="CSV or XLSX")],
    channel: Annotated[str, Form(max_length=8)] = "12345",
    department: Annotated[str | None, Form(max_length=16)] = None,
) -> IntakeOut:
    filename = file.filename or "upload.csv"
    with spool(file.file, MAX_FILE_BYTES, suffix_of(filename)) as path:  # from disk, never whole in memory
        return service.intake_file(session, actor, path, filename, channel, department or None)


@router.post(
    "/complaints/one",
    status_code=201,
    response_model=RowResultOut,
    dependencies=[Depends(require(STAFF))],
    summary="One work order typed in by hand (人工录入)",
)
def create_one(
    body: ComplaintIn, session: DbSession, actor: CurrentActor, department: Department = None
) -> RowResultOut:
    return service.create_one(session, actor, body, department=department)


@router.get(
    "/complaints",
    response_model=Page[ComplaintOut],
    dependencies=[Depends(require(STAFF))],
    summary="Complaints, newest first: a department's own, all for the office and auditors; status=待匹配 for the "
    "ones a person must match",
)
def list_complaints(
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[str | None, Query(max_length=8)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ComplaintOut]:
    rows, total = service.page_complaints(session, actor, status=status, page=PageRequest.checked(page, page_size))
    return Page(items=[service.to_view(session, r) for r in rows], total=total, page=page, page_size=page_size)


@router.get(
    "/complaints/{complaint_id}",
    response_model=dict[str, Any],
    dependencies=[Depends(require(STAFF))],
    summary="One complaint with its steps (who received and matched it, when)",
)
def read_complaint(complaint_id: ComplaintId, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    row = service.get_complaint(session, actor, complaint_id)
    return {"complaint": service.to_view(session, row), "steps": service.steps(session, row.id)}


@router.post(
    "/complaints/{complaint_id}/match",
    response_model=ComplaintOut,
    dependencies=[Depends(require(STAFF))],
    summary="Name the subject of an unmatched complaint (the department in charge or the office)",
)
def match(complaint_id: ComplaintId, body: MatchIn, session: DbSession, actor: CurrentActor) -> ComplaintOut:
    return service.to_view(session, service.match(session, actor, complaint_id, body))


@router.get(
    "/my/complaints",
    response_model=Page[ComplaintOut],
    dependencies=[Depends(require(ENTITY))],
    summary="Complaints about the signed-in entity (true ones are also among its records, where it may object)",
)
def my_complaints(
    session: DbSession,
    actor: CurrentActor,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ComplaintOut]:
    rows, total = service.page_complaints(session, actor, page=PageRequest.checked(page, page_size))
    items = [service.to_view(session, r, reader=actor) for r in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)
