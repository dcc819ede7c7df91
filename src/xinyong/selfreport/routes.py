"""HTTP API of self-reported information: entities report (multipart, with attachments), the competent
department verifies or rejects, everyone reads what they may; attachments only for those entitled."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import ValidationError

from xinyong.core.auth.access import DEPARTMENT, ENTITY, PUBLIC, SIGNED_IN, require
from xinyong.core.config import get_settings
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.selfreport import rules, service
from xinyong.selfreport.schemas import DecisionIn, ReportIn, ReportOut

router = APIRouter(prefix="/api/v1", tags=["self-reports 自主填报"], dependencies=[Depends(reject_unknown_query)])

Id = Annotated[int, Path(ge=1, le=2**62)]
Files = Annotated[list[UploadFile], File(description="PDF, PNG or JPEG; checked by content")]


def read_uploads(files: list[UploadFile]) -> list[service.Upload]:
    """Each file read up to one byte past the limit, so an oversized one is refused without reading it all.

    Synchronous (the spooled file's own ``read``): called from plain ``def`` routes, which run in the thread pool, so
    neither the read nor the database work that follows blocks the event loop."""
    if len(files) > rules.MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {rules.MAX_ATTACHMENTS} attachments (附件过多)", field="file")
    return [(f.filename or "", f.file.read(rules.MAX_ATTACHMENT_BYTES + 1)) for f in files if f.filename or f.size]


def report_in(**fields: object) -> ReportIn:
    try:
        return ReportIn.model_validate(fields)
    except ValidationError as bad:
        first = bad.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "request"
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')} (填报内容有误)", field=where) from None


@router.post(
    "/self-reports",
    status_code=201,
    dependencies=[Depends(require(ENTITY))],
    response_model=ReportOut,
    summary="Report an item as the calling entity (multipart form with attachments)",
)
def submit(
    session: DbSession,
    actor: CurrentActor,
    category: Annotated[str, Form(max_length=16)],
    title: Annotated[str, Form(max_length=200)],
    content: Annotated[str, Form(max_length=4000)],
    department: Annotated[str, Form(max_length=16)],
    truthfulness: Annotated[bool, Form()],
    uscc: Annotated[str | None, Form(max_length=18)] = None,
    issued_by: Annotated[str | None, Form(max_length=200)] = None,
    occurred_on: Annotated[dt.date | None, Form()] = None,
    valid_until: Annotated[dt.date | None, Form()] = None,
    file: Files = [],  # noqa: B006 - FastAPI reads the default declaratively, it is never mutated
) -> ReportOut:
    data = report_in(
        uscc=uscc or None,
        category=category,
        title=title,
        content=content,
        department=department,
        truthfulness=truthfulness,
        issued_by=issued_by or None,
        occurred_on=occurred_on,
        valid_until=valid_until,
    )
    report = service.submit(session, actor, data, read_uploads(file))
    return service.to_view(session, actor, report)


@router.get(
    "/self-reports",
    dependencies=[Depends(require(PUBLIC))],
    response_model=Page[ReportOut],
    summary="Self-reported items the caller may read (the public: verified ones, labelled self-reported)",
)
def list_reports(
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    status: Annotated[str | None, Query(max_length=8)] = None,
    category: Annotated[str | None, Query(max_length=8)] = None,
    department: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1)] = 20,
) -> Page[ReportOut]:
    request = PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)
    rows, total = service.list_reports(
        session, actor, uscc=uscc, status=status, category=category, department=department, page=request
    )
    return Page(items=[service.to_view(session, actor, r) for r in rows], total=total, page=page, page_size=page_size)


@router.get(
    "/self-reports/{report_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=ReportOut,
    summary="One self-reported item",
)
def read_report(report_id: Id, session: DbSession, actor: CurrentActor) -> ReportOut:
    return service.to_view(session, actor, service.get_report(session, actor, report_id))


@router.post(
    "/self-reports/{report_id}/attachments",
    dependencies=[Depends(require(ENTITY))],
    response_model=ReportOut,
    summary="Add attachments to an item awaiting verification",
)
def add_attachments(report_id: Id, session: DbSession, actor: CurrentActor, file: Files) -> ReportOut:
    report = service.add_attachments(session, actor, report_id, read_uploads(file))
    return service.to_view(session, actor, report)


@router.post(
    "/self-reports/{report_id}/decision",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ReportOut,
    summary="Verify (已核验) or reject with a reason (未通过核验): the competent department",
)
def decide(report_id: Id, body: DecisionIn, session: DbSession, actor: CurrentActor) -> ReportOut:
    return service.to_view(session, actor, service.decide(session, actor, report_id, body))


@router.post(
    "/self-reports/{report_id}/withdraw",
    dependencies=[Depends(require(ENTITY))],
    response_model=ReportOut,
    summary="Withdraw an item awaiting verification",
)
def withdraw(report_id: Id, session: DbSession, actor: CurrentActor) -> ReportOut:
    return service.to_view(session, actor, service.withdraw(session, actor, report_id))


@router.get(
    "/self-reports/{report_id}/attachments/{attachment_id}",
    dependencies=[Depends(require(SIGNED_IN))],
    response_class=FileResponse,
    summary="An attachment (the entity, the competent department, the credit office and auditors only)",
)
def download(report_id: Id, attachment_id: Id, session: DbSession, actor: CurrentActor) -> FileResponse:
    row, path = service.attachment_file(session, actor, report_id, attachment_id)
    headers = {
        "Content-Disposition": f'attachment; filename="attachment{row.filename[row.filename.rfind(".") :]}"; '
        f"filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return FileResponse(path, media_type=row.media_type, headers=headers)
