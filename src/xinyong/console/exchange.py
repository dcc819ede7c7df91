"""Console page of cross-level exchange (信用信息交换): the sources with their reconciliation figures, an upload
form per source, the review list of conflicts, and the pushes to the provincial platform (pending, sent, failed,
with a retry). Every change goes through the exchange service, which audits it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from xinyong.console.forms import NoticeCode, back, read_notices, refusal, take_step
from xinyong.console.pages import console_router, page
from xinyong.core.auth.access import AUDIT, OFFICE, require
from xinyong.core.config import get_settings
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.uploads import spool, suffix_of
from xinyong.exchange import service
from xinyong.exchange.schemas import ResolveIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
RowId = Annotated[int, Path(ge=1, le=2**62)]
EXCHANGE = "/console/exchange"
Code = Annotated[str, Path(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_-]{1,31}$")]


@router.get("/exchange", dependencies=[Depends(require(AUDIT))])
def exchange_desk(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[str | None, Query(max_length=9, pattern="^(pending|retrying|delivered|dead)$")] = None,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    report = service.reconciliation(session)
    figures = {s.source: s for s in report.sources}
    sources = [(service.source_out(s), figures.get(s.code)) for s in service.list_sources(session)]
    context: dict[str, Any] = {
        "sources": sources,
        "pushes": [service.push_out(p) for p in service.list_pushes(session, status=status, limit=100)],
        "push_totals": report.pushes,
        "conflicts": service.list_conflicts(session, open_only=True, limit=200),
        "status": status,
        **read_notices(done, error),
        "may_act": OFFICE.allows(actor.role),
    }
    return page(request, session, actor, "console/exchange.html", context)


@router.post("/exchange/sources/{code}/files", dependencies=[Depends(require(OFFICE))])
def upload_file(
    code: Code,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if file is None or not (file.filename or "").strip():
        return back(EXCHANGE, error="请选择要上传的文件（CSV、XLSX 或 JSON 行）。")
    filename = (file.filename or "")[:200]
    try:  # read from disk, never whole in memory
        with (
            spool(file.file, get_settings().exchange_max_file_bytes, suffix_of(filename)) as path,
            session.begin_nested(),
        ):
            batch = service.ingest_file(session, actor, code, path, filename)
    except XinyongError as refused:
        return back(EXCHANGE, error=refusal(refused))
    reasons = "；".join(f"第{r.row}行 {r.field}：{r.reason}" for r in batch.rejections[:5])
    message = (
        f"{code}：接收 {batch.received} 条，应用 {batch.applied}，未变化 {batch.unchanged}，"
        f"拒收 {batch.rejected}，冲突 {batch.conflicts}" + (f"。拒收原因：{reasons}" if reasons else "")
    )
    return back(EXCHANGE, message=message[:290])


@router.post("/exchange/conflicts/{conflict_id}/resolve", dependencies=[Depends(require(OFFICE))])
def resolve_conflict(
    conflict_id: RowId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    resolution: Annotated[str, Form(max_length=12)],
    note: Annotated[str, Form(max_length=2000)],
) -> Response:
    given = {"resolution": resolution, "note": note}
    return take_step(
        session,
        lambda: service.resolve_conflict(session, actor, conflict_id, ResolveIn.model_validate(given)),
        EXCHANGE,
        f"冲突 {conflict_id} 已处理（{resolution}）",
    )


@router.post("/exchange/pushes/{push_id}/retry", dependencies=[Depends(require(OFFICE))])
def retry_push(
    push_id: RowId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
) -> Response:
    return take_step(
        session,
        lambda: service.retry_push(session, actor, push_id),
        EXCHANGE,
        f"推送 {push_id} 已重新排队",
        refused=(XinyongError,),
    )
