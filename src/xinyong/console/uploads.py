"""Data upload (数据上报): a department sends a CSV/XLSX file and sees each row's outcome; lists its batches; lists,
downloads and corrects its rejected rows (one at a time in the browser, or the whole file again).

Every ingestion goes through :func:`xinyong.records.ingestion.ingest_file` / ``ingest_rows`` in the request's
transaction, inside a savepoint: a refused file leaves nothing behind and is answered with the form and a clear
message, never a half batch.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.console import aggregation as agg
from xinyong.console.audit_view import person
from xinyong.console.pages import chinese_part, console_router, page
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import DEPARTMENT, STAFF, require
from xinyong.core.errors import InvalidInput, NotFound, TooLarge, XinyongError
from xinyong.core.export import MAX_EXPORT_ROWS, csv_response, xlsx_response
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.core.uploads import spool, suffix_of
from xinyong.records import ingestion

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a larger file goes through the batch API or `xinyong import`
MAX_FILENAME = 255
PAGE_SIZE = 30
SHOWN_REJECTIONS = 1000  # rows listed on a batch page; the download has them all
BatchId = Annotated[int, Path(ge=1, le=2**62)]
RejectionId = Annotated[int, Path(ge=1, le=2**62)]
PageNo = Annotated[int, Query(alias="page", ge=1, le=1_000_000)]
StatusFilter = Annotated[str | None, Query(max_length=16)]
BatchFilter = Annotated[int | None, Query(alias="batch", ge=1, le=2**62)]
KindFilter = Annotated[str | None, Query(max_length=16)]
DepartmentFilter = Annotated[str | None, Query(max_length=16)]


def _rejection_filter(
    status: StatusFilter = None,
    batch_id: BatchFilter = None,
    kind: KindFilter = None,
    department: DepartmentFilter = None,
) -> agg.RejectionFilter:
    return agg.RejectionFilter.parse(status, batch_id, kind, department)


Rejected = Annotated[agg.RejectionFilter, Depends(_rejection_filter)]  # the rejected rows a page or a file shows


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _link(path: str, params: dict[str, str], page_no: int | None = None) -> str:
    query = dict(params)
    if page_no and page_no > 1:
        query["page"] = str(page_no)
    return path + ("?" + urlencode(query) if query else "")


# ---------------------------------------------------------------- upload


def _upload_form(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    kind: str = "",
    encoding: str = "",
    error: XinyongError | None = None,
) -> HTMLResponse:
    context = {
        "kinds": agg.KIND_CHOICES,
        "encodings": agg.ENCODING_CHOICES,
        "form": {"kind": kind, "encoding": encoding},
        "max_mb": MAX_UPLOAD_BYTES // 2**20,
        "error": chinese_part(error.message) if error else None,
        "error_detail": error.message if error else None,
        "error_field": error.field if error else None,
        "pending": agg.rejection_page(session, actor, agg.RejectionFilter(), PageRequest(1, 1))[1],
    }
    return page(request, session, actor, "console/upload.html", context, error.status if error else 200)


@router.get("/upload", dependencies=[Depends(require(DEPARTMENT))])
def upload_form(request: Request, session: DbSession, actor: CurrentActor) -> HTMLResponse:
    return _upload_form(request, session, actor)


@router.post("/upload", dependencies=[Depends(require(DEPARTMENT))])
def upload(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile | None, File()] = None,
    kind: Annotated[str, Form(max_length=32)] = "",
    encoding: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Ingest the file as one batch of the user's own department, then show the batch's row-level result."""

    def refuse(message: str, field: str, too_large: bool = False) -> HTMLResponse:
        error = TooLarge(message, field=field) if too_large else InvalidInput(message, field=field)
        return _upload_form(request, session, actor, kind=kind, encoding=encoding, error=error)

    if kind not in {value for value, _ in agg.KIND_CHOICES}:
        return refuse("请选择数据类别：自动识别、行政许可或行政处罚。", "kind")
    if encoding not in {value for value, _ in agg.ENCODING_CHOICES}:
        return refuse("请选择字符编码：自动识别、UTF-8 或 GB18030。", "encoding")
    if file is None or not (file.filename or "").strip():
        return refuse("请选择要上传的 CSV 或 XLSX 文件。", "file")
    filename = file.filename or ""
    if len(filename) > MAX_FILENAME:
        return refuse(f"文件名过长（超过 {MAX_FILENAME} 个字符），请改短后重新上传。", "file")
    try:
        with (
            spool(file.file, MAX_UPLOAD_BYTES, suffix_of(filename)) as path,  # from disk, never whole in memory
            session.begin_nested(),  # a refused file leaves no batch, not even a flushed part of one
        ):
            result = ingestion.ingest_file(
                session,
                actor,
                path,
                filename,
                department=actor.department_code or "",
                kind=kind or None,
                encoding=encoding or None,
                channel="upload",
            )
    except TooLarge as refused:
        if (refused.details or {}).get("reason") == "file_size":
            megabytes = MAX_UPLOAD_BYTES // 2**20
            message = f"文件超过 {megabytes} MB，请拆分为多个文件分批上传，或通过批量接口、命令行导入报送。"
            return refuse(message, "file", too_large=True)
        return _upload_form(request, session, actor, kind=kind, encoding=encoding, error=refused)
    except XinyongError as refused:
        return _upload_form(request, session, actor, kind=kind, encoding=encoding, error=refused)
    return RedirectResponse(f"/console/batches/{result.batch_id}?uploaded=1", status_code=303)


# ---------------------------------------------------------------- batches


@router.get("/batches", dependencies=[Depends(require(STAFF))])
def batches(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    department: DepartmentFilter = None,
    page_no: PageNo = 1,
) -> HTMLResponse:
    chosen = (department or "").strip().upper() or None
    lines, total = agg.list_batches(session, actor, PageRequest(page_no, PAGE_SIZE), chosen)
    params = {"department": chosen} if chosen else {}
    pages = _pages(total)
    context = {
        "lines": lines,
        "total": total,
        "page_no": page_no,
        "pages": pages,
        "previous": _link("/console/batches", params, page_no - 1) if page_no > 1 else None,
        "next": _link("/console/batches", params, page_no + 1) if page_no < pages else None,
        "everyone": not actor.is_department,
        "departments": sorted(agg.department_names(session).items()) if not actor.is_department else [],
        "chosen": chosen,
        "labels": _labels(),
    }
    return page(request, session, actor, "console/batches.html", context)


def _labels() -> dict[str, Any]:
    return {
        "kind": agg.KIND_LABELS,
        "layout": agg.LAYOUT_LABELS,
        "channel": agg.CHANNEL_LABELS,
        "label": agg.label,
        "field": agg.field_name,
    }


@router.get("/batches/{batch_id}", dependencies=[Depends(require(STAFF))])
def batch_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    batch_id: BatchId,
    uploaded: Annotated[int | None, Query(ge=0, le=1)] = None,
) -> HTMLResponse:
    """A batch's result: layout, encoding, counts, unknown columns kept, and each rejected row's errors."""
    batch = ingestion.get_batch(session, actor, batch_id)  # another department's batch is a 404
    rejected = ingestion.rejections(
        session, actor, batch.department, batch_id=batch.id, status=None, limit=SHOWN_REJECTIONS
    )
    errors = [(rejection, error) for rejection in rejected for error in rejection.errors]
    names = agg.department_names(session)
    context = {
        "batch": batch,
        "department_name": names.get(batch.department, batch.department),
        "submitter": person(session, batch.actor_id),
        "rejected": rejected,
        "errors": [(rejection, error, agg.field_name(batch.kind, error.get("field"))) for rejection, error in errors],
        "cut": batch.rejected > len(rejected),
        "shown": SHOWN_REJECTIONS,
        "uploaded": bool(uploaded),
        "own": agg.reveals(actor),
        "pending": sum(1 for r in rejected if r.status == ingestion.PENDING),
        "download": urlencode({"batch": batch.id}),
        "labels": _labels(),
        "resolved": {r.id: r.resolved_by_batch for r in rejected if r.resolved_by_batch},
    }
    return page(request, session, actor, "console/batch.html", context)


# ---------------------------------------------------------------- rejected rows


@router.get("/rejections", dependencies=[Depends(require(STAFF))])
def rejections(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    query: Rejected,
    page_no: PageNo = 1,
) -> HTMLResponse:
    rows, total = agg.rejection_page(session, actor, query, PageRequest(page_no, PAGE_SIZE))
    params = query.query()
    pages = _pages(total)
    downloads = []
    for found in agg.kinds_pending(session, actor, query) if total else []:
        suffix = urlencode({**params, "kind": found})
        downloads.append((agg.KIND_LABELS.get(found, found), suffix))
    context = {
        "rows": rows,
        "total": total,
        "page_no": page_no,
        "pages": pages,
        "previous": _link("/console/rejections", params, page_no - 1) if page_no > 1 else None,
        "next": _link("/console/rejections", params, page_no + 1) if page_no < pages else None,
        "filter": query,
        "statuses": [("pending", "待更正"), ("resubmitted", "已重新报送"), ("all", "全部")],
        "downloads": downloads,
        "own": agg.reveals(actor),
        "everyone": not actor.is_department,
        "departments": sorted(agg.department_names(session).items()) if not actor.is_department else [],
        "names": agg.department_names(session),
        "labels": _labels(),
    }
    return page(request, session, actor, "console/rejections.html", context)


def _export(session: Session, actor: Actor, query: agg.RejectionFilter, fmt: str) -> Response:
    table = agg.export_rejections(session, actor, query, fmt, MAX_EXPORT_ROWS)
    kind = agg.KIND_LABELS.get(query.kind or "", "")
    stamp = clock.now().astimezone(clock.BEIJING).strftime("%Y%m%d-%H%M%S")
    name = f"退回数据{('-' + kind) if kind else ''}{f'-批次{query.batch_id}' if query.batch_id else ''}-{stamp}.{fmt}"
    if fmt == "csv":
        answer: Response = csv_response(name, table.titles, table.rows)
    else:
        # The department's file goes back through the upload as it is: no note rows under the data.
        notes = [] if agg.reveals(actor) else ["个人证件号码已脱敏；更正由报送部门完成。"]
        answer = xlsx_response(name, table.titles, table.rows, sheet="退回数据", notes=notes)
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.get("/rejections.xlsx", dependencies=[Depends(require(STAFF))])
def rejections_xlsx(session: DbSession, actor: CurrentActor, query: Rejected) -> Response:
    """The matching rejected rows with their original columns and a 退回原因 column, to correct and upload again."""
    return _export(session, actor, query, "xlsx")


@router.get("/rejections.csv", dependencies=[Depends(require(STAFF))])
def rejections_csv(session: DbSession, actor: CurrentActor, query: Rejected) -> Response:
    return _export(session, actor, query, "csv")


def _row_page(
    request: Request,
    session: Session,
    actor: Actor,
    rejection_id: int,
    *,
    values: dict[str, str] | None = None,
    error: XinyongError | None = None,
    resent: int | None = None,
    previous: int | None = None,
) -> HTMLResponse:
    rejection = agg.get_rejection(session, actor, rejection_id)
    pending = rejection.status == ingestion.PENDING
    form = agg.row_form(session, actor, rejection, values) if pending else None
    resent_batch = None
    if resent is not None:
        try:
            resent_batch = ingestion.get_batch(session, actor, resent)
        except NotFound:
            resent_batch = None
    context = {
        "rejection": rejection,
        "form": form,
        "pending": pending,
        "error": chinese_part(error.message) if error else None,
        "resent": resent_batch,
        "labels": _labels(),
        "previous_rejection": previous,
    }
    return page(request, session, actor, "console/rejection.html", context, error.status if error else 200)


@router.get("/rejections/{rejection_id}", dependencies=[Depends(require(DEPARTMENT))])
def rejection_form(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    rejection_id: RejectionId,
    resent: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    previous: Annotated[int | None, Query(alias="from", ge=1, le=2**62)] = None,
) -> HTMLResponse:
    """One rejected row as an editable form (the department's own rows only)."""
    return _row_page(request, session, actor, rejection_id, resent=resent, previous=previous)


@router.post("/rejections/{rejection_id}", dependencies=[Depends(require(DEPARTMENT))])
def resubmit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    rejection_id: RejectionId,
    csrf_token: Annotated[str, Form(max_length=200)],
    header: Annotated[list[str], Form(max_length=agg.MAX_FORM_CELLS)],
    value: Annotated[list[str] | None, Form(max_length=agg.MAX_FORM_CELLS)] = None,
) -> Response:
    """Send the corrected row as a new one-row batch. Accepted: back to the row, now 已重新报送. Still wrong: on to
    the row's new rejection, with the new reasons."""
    rejection = agg.get_rejection(session, actor, rejection_id)
    values = list(value or [])
    values += [""] * max(0, len(header) - len(values))
    try:
        with session.begin_nested():
            outcome = agg.resubmit_row(session, actor, rejection, header, values)
    except XinyongError as refused:
        session.expire(rejection)
        sent = dict(zip(header, values, strict=False)) if len(header) <= agg.MAX_FORM_CELLS else None
        return _row_page(request, session, actor, rejection_id, values=sent, error=refused)
    batch_id = outcome.result.batch_id
    if outcome.again is not None:
        return RedirectResponse(
            f"/console/rejections/{outcome.again.id}?{urlencode({'resent': batch_id, 'from': rejection.id})}",
            status_code=303,
        )
    return RedirectResponse(f"/console/rejections/{rejection.id}?resent={batch_id}", status_code=303)
