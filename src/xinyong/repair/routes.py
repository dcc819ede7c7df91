"""HTTP API of credit repair (信用修复). Thin: every rule lives in the service."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import ValidationError

from xinyong.core.auth.access import DEPARTMENT, ENTITY, STAFF_OR_ENTITY, require
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.repair import service
from xinyong.repair.rules import MAX_MATERIAL_BYTES, MAX_MATERIALS
from xinyong.repair.schemas import AcceptIn, ApplicationIn, ApplicationOut, EligibilityOut, ProposeIn, ReviewIn

router = APIRouter(prefix="/api/v1/repair", tags=["repair 信用修复"], dependencies=[Depends(reject_unknown_query)])

ApplicationId = Annotated[int, Path(ge=1, le=2**62)]
MaterialId = Annotated[int, Path(ge=1, le=2**62)]
Files = Annotated[list[UploadFile], File(description="PDF, PNG or JPEG; checked by content; at most 5 MB each")]


def read_uploads(files: list[UploadFile]) -> list[service.Upload]:
    """Each file read up to one byte past the limit, so an oversized one is refused without reading it all.

    Synchronous (the spooled file's own ``read``): called from plain ``def`` routes, which run in the thread pool, so
    neither the read nor the database work that follows blocks the event loop."""
    if len(files) > MAX_MATERIALS:
        raise InvalidInput(f"at most {MAX_MATERIALS} materials (材料过多)", field="file")
    return [(f.filename or "", f.file.read(MAX_MATERIAL_BYTES + 1)) for f in files if f.filename or f.size]


def application_in(**fields: object) -> ApplicationIn:
    try:
        return ApplicationIn.model_validate(fields)
    except ValidationError as bad:
        first = bad.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "request"
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')} (申请内容有误)", field=where) from None


@router.get(
    "/eligibility",
    dependencies=[Depends(require(STAFF_OR_ENTITY))],
    response_model=list[EligibilityOut],
    summary="Whether and from when each dishonest record and list entry of an entity can be repaired",
)
def eligibility(
    session: DbSession, actor: CurrentActor, uscc: Annotated[str | None, Query(max_length=18)] = None
) -> list[EligibilityOut]:
    return service.eligibility(session, actor, uscc)


@router.post(
    "/applications",
    status_code=201,
    dependencies=[Depends(require(ENTITY))],
    response_model=ApplicationOut,
    summary="Apply for credit repair (multipart: target, methods, statement, materials); free of charge",
)
def apply(
    session: DbSession,
    actor: CurrentActor,
    target_kind: Annotated[str, Form(max_length=16)],
    target_id: Annotated[int, Form(ge=1, le=2**62)],
    methods: Annotated[list[str], Form(max_length=6)],
    statement: Annotated[str, Form(max_length=5000)],
    file: Files = [],  # noqa: B006 - FastAPI reads the default declaratively, it is never mutated
) -> ApplicationOut:
    data = application_in(target_kind=target_kind, target_id=target_id, methods=methods, statement=statement)
    row = service.apply(session, actor, data, read_uploads(file))
    return service.to_view(session, row)


@router.get(
    "/applications",
    dependencies=[Depends(require(STAFF_OR_ENTITY))],
    response_model=list[ApplicationOut],
    summary="Repair applications the caller may see (own, own department's, or all)",
)
def list_applications(
    session: DbSession, actor: CurrentActor, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[ApplicationOut]:
    rows = service.list_applications(session, actor, open_only=open_only)
    return [service.to_view(session, row, details=False) for row in rows]


@router.get(
    "/applications/{application_id}",
    dependencies=[Depends(require(STAFF_OR_ENTITY))],
    response_model=ApplicationOut,
    summary="One repair application with its materials and steps",
)
def read_application(application_id: ApplicationId, session: DbSession, actor: CurrentActor) -> ApplicationOut:
    return service.to_view(session, service.get_application(session, actor, application_id))


@router.get(
    "/applications/{application_id}/materials/{material_id}",
    dependencies=[Depends(require(STAFF_OR_ENTITY))],
    response_class=FileResponse,
    summary="Download one material (the applicant and the deciding department)",
)
def material(
    application_id: ApplicationId, material_id: MaterialId, session: DbSession, actor: CurrentActor
) -> FileResponse:
    row, path = service.material_file(session, actor, application_id, material_id)
    return FileResponse(
        path,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/applications/{application_id}/accept",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ApplicationOut,
    summary="受理 or 不予受理 (with reasons), by the department that made the record",
)
def accept(application_id: ApplicationId, body: AcceptIn, session: DbSession, actor: CurrentActor) -> ApplicationOut:
    return service.to_view(session, service.accept(session, actor, application_id, body))


@router.post(
    "/applications/{application_id}/propose",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ApplicationOut,
    summary="经办拟办: propose 修复 or 不予修复 with the opinion",
)
def propose(application_id: ApplicationId, body: ProposeIn, session: DbSession, actor: CurrentActor) -> ApplicationOut:
    return service.to_view(session, service.propose(session, actor, application_id, body))


@router.post(
    "/applications/{application_id}/review",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ApplicationOut,
    summary="审核: a second reviewer approves the proposal (the repair is carried out) or returns it",
)
def review(application_id: ApplicationId, body: ReviewIn, session: DbSession, actor: CurrentActor) -> ApplicationOut:
    return service.to_view(session, service.review(session, actor, application_id, body))
