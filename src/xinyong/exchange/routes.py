"""HTTP API of cross-level exchange: the credit office configures upstream sources, uploads their files, pulls
their feeds, decides conflicts, watches the pushes to the provincial platform and reads the reconciliation report
(JSON or XLSX). Thin: every rule lives in the service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from xinyong.core import export
from xinyong.core.auth.access import AUDIT, OFFICE, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.uploads import spool, suffix_of
from xinyong.exchange import service
from xinyong.exchange.schemas import (
    BatchOut,
    ConflictOut,
    ItemOut,
    ItemVersionOut,
    PullOut,
    PushOut,
    ReconciliationOut,
    ResolveIn,
    SourceIn,
    SourceOut,
)

router = APIRouter(
    prefix="/api/v1/exchange", tags=["exchange 信用信息交换"], dependencies=[Depends(reject_unknown_query)]
)
Code = Annotated[str, Path(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_-]{1,31}$")]
RowId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/sources", dependencies=[Depends(require(AUDIT))], response_model=list[SourceOut], summary="Upstream sources"
)
def sources(session: DbSession) -> list[SourceOut]:
    return [service.source_out(s) for s in service.list_sources(session)]


@router.post(
    "/sources",
    dependencies=[Depends(require(OFFICE))],
    response_model=SourceOut,
    status_code=201,
    summary="Add an upstream source (national, provincial or another city): what it carries and how it arrives",
)
def create_source(body: SourceIn, session: DbSession, actor: CurrentActor) -> SourceOut:
    return service.source_out(service.create_source(session, actor, body))


@router.get(
    "/sources/{code}", dependencies=[Depends(require(AUDIT))], response_model=SourceOut, summary="One upstream source"
)
def read_source(code: Code, session: DbSession) -> SourceOut:
    return service.source_out(service.get_source(session, code))


@router.put(
    "/sources/{code}",
    dependencies=[Depends(require(OFFICE))],
    response_model=SourceOut,
    summary="Change an upstream source's configuration (audited with the changed fields)",
)
def update_source(code: Code, body: SourceIn, session: DbSession, actor: CurrentActor) -> SourceOut:
    return service.source_out(service.update_source(session, actor, code, body))


@router.post(
    "/sources/{code}/files",
    dependencies=[Depends(require(OFFICE))],
    response_model=BatchOut,
    summary="Upload an upstream file (CSV, XLSX or JSON lines): every row applied or rejected with its reason",
)
def upload_file(
    code: Code,
    session: DbSession,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="CSV, XLSX or JSON lines")],
) -> BatchOut:
    filename = file.filename or "upload.csv"
    # read from disk, never whole in memory; past XINYONG_EXCHANGE_MAX_FILE_BYTES a 413
    with spool(file.file, get_settings().exchange_max_file_bytes, suffix_of(filename)) as path:
        return service.ingest_file(session, actor, code, path, filename)


@router.post(
    "/sources/{code}/pull",
    dependencies=[Depends(require(OFFICE))],
    response_model=PullOut,
    summary="Pull the source's changes-since feed now, from its stored cursor (pages committed as they apply)",
)
def pull_now(
    code: Code,
    session: DbSession,
    actor: CurrentActor,
    max_pages: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> PullOut:
    @contextmanager
    def units() -> Iterator[Session]:
        with session.begin_nested():  # each page is its own savepoint within the request's transaction
            yield session

    return service.pull(units, actor, code, max_pages=max_pages)


@router.get(
    "/sources/{code}/items",
    dependencies=[Depends(require(AUDIT))],
    response_model=list[ItemOut],
    summary="The source's items with their current version and status",
)
def items(
    code: Code,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[ItemOut]:
    rows, _ = service.list_items(session, code, limit=limit, offset=offset)
    return [
        ItemOut(
            id=r.id,
            source=code,
            upstream_id=r.upstream_id,
            list_code=r.list_code,
            subject_uscc=r.subject_uscc,
            subject_name=r.subject_name,
            status=r.status,
            version=r.version,
            applied_version=r.applied_version,
            entry_id=r.entry_id,
            versions=[
                ItemVersionOut(
                    version=v.version,
                    status=v.status,
                    valid_from=v.valid_from,
                    valid_to=v.valid_to,
                    state=v.state,
                    batch_id=v.batch_id,
                    received_at=v.received_at,
                    content=dict(v.content),
                )
                for v in service.item_versions(session, r.id)
            ],
        )
        for r in rows
    ]


@router.get(
    "/conflicts",
    dependencies=[Depends(require(AUDIT))],
    response_model=list[ConflictOut],
    summary="Items that conflict with local data, waiting for the office (review list)",
)
def conflicts(session: DbSession, open_only: Annotated[bool, Query(alias="open")] = True) -> list[ConflictOut]:
    return service.list_conflicts(session, open_only=open_only)


@router.post(
    "/conflicts/{conflict_id}/resolve",
    dependencies=[Depends(require(OFFICE))],
    response_model=ConflictOut,
    summary="Accept (apply the held version) or dismiss a conflict, with a note",
)
def resolve(conflict_id: RowId, body: ResolveIn, session: DbSession, actor: CurrentActor) -> ConflictOut:
    return service.resolve_conflict(session, actor, conflict_id, body)


@router.get(
    "/pushes",
    dependencies=[Depends(require(AUDIT))],
    response_model=list[PushOut],
    summary="Pushes to the provincial platform (outbox messages): pending, retrying, delivered, dead",
)
def pushes(
    session: DbSession,
    status: Annotated[Literal["pending", "retrying", "delivered", "dead"] | None, Query()] = None,
) -> list[PushOut]:
    return [service.push_out(p) for p in service.list_pushes(session, status=status)]


@router.post(
    "/pushes/{push_id}/retry",
    dependencies=[Depends(require(OFFICE))],
    response_model=PushOut,
    summary="Send a push again now (same idempotency key); 409 once delivered",
)
def retry(push_id: RowId, session: DbSession, actor: CurrentActor) -> PushOut:
    return service.push_out(service.retry_push(session, actor, push_id))


@router.get(
    "/reconciliation",
    dependencies=[Depends(require(AUDIT))],
    response_model=None,
    summary="Reconciliation (对账): per source received, applied, rejected with reasons, conflicts; pushes and acks",
)
def reconciliation(session: DbSession, format: Literal["json", "xlsx"] = "json") -> ReconciliationOut | FileResponse:
    report = service.reconciliation(session)
    if format == "json":
        return report
    rows = service.reconciliation_rows(report)
    titles = list(dict.fromkeys(k for row in rows for k in row)) or ["类型"]
    cells: list[list[export.Cell]] = [[row.get(t) for t in titles] for row in rows]
    stamp = report.generated_at.strftime("%Y%m%d")
    return export.xlsx_response(f"信用信息交换对账-{stamp}.xlsx", titles, cells, sheet="对账")
