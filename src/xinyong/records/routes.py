"""HTTP API for reading credit records with the caller's disclosure rights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.auth.access import PUBLIC, SIGNED_IN, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, parse_as_of, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.records import service
from xinyong.records.rules import Kind
from xinyong.records.schemas import RecordOut

router = APIRouter(prefix="/api/v1", tags=["records 信用记录"], dependencies=[Depends(reject_unknown_query)])

AsOf = Annotated[str | None, Query(description="ISO date (end of that day, Beijing) or datetime", max_length=40)]


@router.get(
    "/entities/{uscc}/records",
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
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=list[RecordOut],
    summary="Every version of a record (staff and the entity itself)",
)
def history(
    record_id: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, actor: CurrentActor
) -> list[RecordOut]:
    return service.record_history(session, actor, record_id)
