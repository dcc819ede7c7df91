"""HTTP API of credit reports: request one (JSON twin or PDF), fetch an issued one, verify."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Path, Query, UploadFile
from fastapi.responses import Response

from xinyong.core.auth.access import PUBLIC, SIGNED_IN, require
from xinyong.core.errors import TooLarge
from xinyong.core.http import CurrentActor, DbSession, parse_as_of, reject_unknown_query
from xinyong.reports import service
from xinyong.reports.models import IssuedReport
from xinyong.reports.rules import Audience
from xinyong.reports.schemas import ReportOut, ReportRequest, VerifyOut

router = APIRouter(prefix="/api/v1", tags=["reports 信用报告"], dependencies=[Depends(reject_unknown_query)])
MAX_PDF = 20 * 1024 * 1024
ReportNo = Annotated[str, Path(min_length=1, max_length=40)]


def _out(row: IssuedReport) -> ReportOut:
    return ReportOut(
        number=row.number,
        code=row.code,
        uscc=row.uscc,
        audience=Audience(row.audience),
        as_of=row.as_of,
        issued_at=row.issued_at,
        verify_url=service.verify_url(row),
        content=row.content,
    )


def _pdf(row: IssuedReport) -> Response:
    return Response(
        service.render_pdf(row),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{row.number}.pdf"'},
    )


def _issue(body: ReportRequest, session: DbSession, actor: CurrentActor) -> IssuedReport:
    return service.issue_report(session, actor, body.uscc, full=body.full, as_of=parse_as_of(body.as_of))


@router.post(
    "/reports",
    dependencies=[Depends(require(PUBLIC))],
    response_model=ReportOut,
    status_code=201,
    summary="Issue a credit report (public masked version; full version for the entity itself or staff): JSON",
)
def issue_report(body: ReportRequest, session: DbSession, actor: CurrentActor) -> ReportOut:
    return _out(_issue(body, session, actor))


@router.post(
    "/reports/pdf",
    dependencies=[Depends(require(PUBLIC))],
    summary="Issue a credit report as PDF (embedded Chinese font, QR code to the verification page)",
    response_class=Response,
)
def issue_report_pdf(body: ReportRequest, session: DbSession, actor: CurrentActor) -> Response:
    row, pdf = service.issue_report_pdf(session, actor, body.uscc, full=body.full, as_of=parse_as_of(body.as_of))
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{row.number}.pdf"'}
    )


@router.get(
    "/reports/verify",
    dependencies=[Depends(require(PUBLIC))],
    response_model=VerifyOut,
    summary="Verify a report by its number and code: 有效 / 已被更新 / 非真实报告",
)
def verify_report(
    session: DbSession,
    actor: CurrentActor,
    report_no: Annotated[str, Query(min_length=1, max_length=64)],
    code: Annotated[str, Query(min_length=1, max_length=64)],
) -> VerifyOut:
    return service.verify_code(session, actor, report_no, code)


@router.post(
    "/reports/verify-json",
    dependencies=[Depends(require(PUBLIC))],
    response_model=VerifyOut,
    summary="Verify a report's JSON twin (its content and code): 有效 / 已被更新 / 非真实报告",
)
def verify_report_json(session: DbSession, actor: CurrentActor, twin: Annotated[dict[str, Any], Body()]) -> VerifyOut:
    content = twin.get("content")
    return service.verify_json(session, actor, content if isinstance(content, dict) else {}, str(twin.get("code", "")))


@router.post(
    "/reports/verify-pdf",
    dependencies=[Depends(require(PUBLIC))],
    response_model=VerifyOut,
    summary="Verify a report PDF file: 有效 / 已被更新 / 非真实报告",
)
def verify_report_pdf(session: DbSession, actor: CurrentActor, file: Annotated[UploadFile, File()]) -> VerifyOut:
    data = file.file.read(MAX_PDF + 1)
    if len(data) > MAX_PDF:
        raise TooLarge("the file is larger than 20 MB (文件过大)")
    return service.verify_pdf(session, actor, data)


@router.get(
    "/reports/{report_id}",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=ReportOut,
    summary="An issued report's JSON twin (the entity itself, whoever requested it, or staff)",
)
def read_report(report_id: ReportNo, session: DbSession, actor: CurrentActor) -> ReportOut:
    return _out(service.get_report(session, actor, report_id))


@router.get(
    "/reports/{report_id}/pdf",
    dependencies=[Depends(require(SIGNED_IN))],
    summary="An issued report's PDF (byte-identical to the one issued)",
    response_class=Response,
)
def read_report_pdf(report_id: ReportNo, session: DbSession, actor: CurrentActor) -> Response:
    return _pdf(service.get_report(session, actor, report_id))
