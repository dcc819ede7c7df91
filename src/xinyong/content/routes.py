"""HTTP API of the portal's content: the public reads of 信用动态, 政策法规, 典型案例, 通知公告 and 办事指南 as JSON
(the same live items, filters and desensitised text as the portal's pages). Editing happens in the console."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from xinyong.content import service
from xinyong.content.rules import Kind
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.http import DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest

router = APIRouter(prefix="/api/v1", tags=["content 网站内容"], dependencies=[Depends(reject_unknown_query)])
ItemId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/content/{kind}", dependencies=[Depends(require(PUBLIC))], summary="网站内容列表（已发布）")
def list_content(
    kind: Kind,
    session: DbSession,
    category: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    rows, total = service.list_public(session, kind, category=category, q=q, page=PageRequest(page, page_size))
    body: dict[str, Any] = {"items": [asdict(r) for r in rows], "total": total, "page": page, "page_size": page_size}
    return JSONResponse(jsonable_encoder(body))


@router.get("/content/{kind}/{item_id}", dependencies=[Depends(require(PUBLIC))], summary="网站内容（已发布）")
def read_content(kind: Kind, item_id: ItemId, session: DbSession) -> JSONResponse:
    return JSONResponse(jsonable_encoder(asdict(service.public_item(session, kind, item_id))))
