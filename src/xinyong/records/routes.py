"""HTTP API for reading credit records with the caller's disclosure rights."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from xinyong.core.auth.access import BUSINESS_SYSTEM, DEPARTMENT, PUBLIC, STAFF, STAFF_OR_ENTITY, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, parse_as_of, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.core.uploads import spool, suffix_of
from xinyong.records import feeds, ingestion, service
from xinyong.records.rules import Kind
from xinyong.records.schemas import BatchIn, BatchOut, RecordOut, RejectionOut, RowErrorOut, RowSourceOut

router = APIRouter(prefix="/api/v1", tags=["records 信用记录"], dependencies=[Depends(reject_unknown_query)])

AsOf = Annotated[str | None, Query(description="ISO date (end of that day, Beijing) or datetime", max_length=40)]


@router.get(
    "/entities/{uscc}/records",
    dependencies=[Depends(require(PUBLIC))],
    response_model=Page[RecordOut],
    summary="An entity's credit records, now or as of a past moment",
)
def entity_records(
    uscc: str,
    session: DbSession,
    actor: CurrentActor,
    as_of: AsOf = None,
    kind: Annotated[list[Kind] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1)] = 20,
) -> Page[RecordOut]:
    request = PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)
    items, total = service.records_of_entity(session, actor, uscc, as_of=parse_as_of(as_of), kinds=kind, page=request)
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get(
    "/records/{record_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=RecordOut,
    summary="One credit record",
)
def read_record(
    record_id: Annotated[int, Path(ge=1, le=2**62)],
    session: DbSession,
    actor: CurrentActor,
    as_of: AsOf = None,
) -> RecordOut:
    return service.get_record(session, actor, record_id, as_of=parse_as_of(as_of))


@router.get(
    "/records/{record_id}/history",
    dependencies=[Depends(require(STAFF_OR_ENTITY))],
    response_model=list[RecordOut],
    summary="Every version of a record (staff and the entity itself)",
)
def history(
    record_id: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, actor: CurrentActor
) -> list[RecordOut]:
    return service.record_history(session, actor, record_id)


@router.get(
    "/records/{record_id}/versions/{version}/source",
    dependencies=[Depends(require(STAFF))],
    response_model=RowSourceOut,
    summary="Which cell of which file said this: the batch, file, row and cells behind one version (IDs masked)",
)
def version_source(
    record_id: Annotated[int, Path(ge=1, le=2**62)],
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    session: DbSession,
    actor: CurrentActor,
) -> RowSourceOut:
    return RowSourceOut.model_validate(ingestion.row_source(session, actor, record_id, version))


@router.post(
    "/batches",
    status_code=201,
    response_model=BatchOut,
    dependencies=[Depends(require(DEPARTMENT))],
    summary="Send a batch of 行政许可 or 行政处罚 rows (JSON)",
)
def send_batch(body: BatchIn, session: DbSession, actor: CurrentActor) -> BatchOut:
    result = ingestion.ingest_rows(
        session, actor, body.rows, department=actor.department_code or "", kind=body.kind, channel="api"
    )
    return BatchOut.model_validate(result.to_dict())


@router.post(
    "/batches/file",
    status_code=201,
    response_model=BatchOut,
    dependencies=[Depends(require(DEPARTMENT))],
    summary="Send a CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX file of 行政许可 or 行政处罚 rows",
)
def send_file(
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="CSV or XLSX")],
    kind: Annotated[str | None, Form(max_length=32)] = None,
    encoding: Annotated[str | None, Form(max_length=32)] = None,
) -> BatchOut:
    filename = file.filename or "upload.csv"
    limit = get_settings().upload_max_bytes
    with spool(file.file, limit, suffix_of(filename)) as path:  # read from disk, never whole in memory
        result = ingestion.ingest_file(
            session,
            actor,
            path,
            filename,
            department=actor.department_code or "",
            kind=kind or None,
            encoding=encoding or None,
            channel="api",
        )
    return BatchOut.model_validate(result.to_dict())


@router.get("/batches/{batch_id}", response_model=BatchOut, dependencies=[Depends(require(STAFF))], summary="One batch")
def read_batch(batch_id: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, actor: CurrentActor) -> BatchOut:
    batch = ingestion.get_batch(session, actor, batch_id)
    rejected = ingestion.rejections(session, actor, batch.department, batch_id=batch.id, status=None, limit=1000)
    return BatchOut(
        batch_id=batch.id,
        department=batch.department,
        kind=batch.kind,
        layout=batch.layout,
        encoding=batch.encoding,
        rows=batch.rows_total,
        accepted=batch.accepted,
        created=batch.created,
        corrected=batch.corrected,
        unchanged=batch.unchanged,
        rejected=batch.rejected,
        unknown_columns=batch.unknown_columns,
        errors=[RowErrorOut.model_validate(e) for r in rejected for e in r.errors],
        warnings=[RowErrorOut.model_validate(w) for w in batch.warnings or []],
    )


@router.get(
    "/batches/{batch_id}/rejections",
    response_model=list[RejectionOut],
    dependencies=[Depends(require(STAFF))],
    summary="The rejected rows of a batch, to correct and resubmit (ID numbers masked)",
)
def batch_rejections(
    batch_id: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, actor: CurrentActor
) -> list[RejectionOut]:
    batch = ingestion.get_batch(session, actor, batch_id)
    rows = ingestion.rejections(session, actor, batch.department, batch_id=batch.id, status=None)
    return [
        RejectionOut(
            batch_id=r.batch_id,
            row=r.row_number,
            doc_no=r.doc_no,
            status=r.status,
            errors=[RowErrorOut.model_validate(e) for e in r.errors],
            values=ingestion.rejection_cells(r, reveal=False),
        )
        for r in rows
    ]


# ---------------------------------------------------------------- outbound feeds (共享)


def _spooled(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(1 << 16):
            yield chunk


@router.get(
    "/feeds/{kind}",
    dependencies=[Depends(require(BUSINESS_SYSTEM))],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}, "description": "the feed"}},
    summary="Outbound feed (共享) of 行政许可 or 行政处罚 in the national format, full or changes since a moment",
)
def feed(
    kind: Annotated[str, Path(max_length=32, description="license or penalty")],
    session: DbSession,
    actor: CurrentActor,
    since: Annotated[
        str | None, Query(max_length=40, description="ISO datetime or date (Beijing): only the changes after it")
    ] = None,
    fmt: Annotated[str, Query(alias="format", max_length=16, description="csv or jsonl")] = "csv",
) -> StreamingResponse:
    """The feed is spooled to an anonymous temporary file and audited in this request's transaction, which commits
    before the response starts: no byte leaves without its audit entry (see ``records.feeds``)."""
    request = feeds.feed_request(kind, since, fmt)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response's iterator (or its background task)
    try:
        result = feeds.export(session, actor, request, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    headers = {
        "Content-Disposition": f'attachment; filename="{request.filename}"',
        "X-Feed-Rows": str(result.rows),
        "X-Feed-As-Of": request.as_of.isoformat(),
        "X-Feed-SHA256": result.sha256,
    }
    if request.since is not None:
        headers["X-Feed-Since"] = request.since.isoformat()
    return StreamingResponse(
        _spooled(spool), media_type=request.media_type, headers=headers, background=BackgroundTask(spool.close)
    )
