"""Portal pages of the site's content: 信用动态 (/news), 政策法规 (/policies), 典型案例 (/cases), 通知公告 (/notices)
and 办事指南 (/guides) — each a list with its category filter, search across title and body, pages, an RSS 2.0 feed
(``/news/feed.xml``…) and one page per item at a share-friendly address (``/news/12``); files at
``/content/files/{id}`` (attachments' downloads counted). Only what is live now is shown, desensitised."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Query, Request
from fastapi.responses import FileResponse, Response

from xinyong.content import service
from xinyong.content.rules import CATEGORIES, FIELD_LABELS, KIND_LABELS, KIND_PATHS, Kind
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.web import render
from xinyong.portal.pages import POLICIES
from xinyong.portal.web import DEFAULT_PAGE_SIZE, page_request, pager_for, portal_router, text_value

router = portal_router()
ItemId = Annotated[int, Path(ge=1, le=2**62)]
LEADS = {
    Kind.NEWS: "本市社会信用体系建设的工作动态、部门动态和信用知识。",
    Kind.POLICY: "国家、江西省和本市关于社会信用体系建设和信用监管的政策文件。文件原文以发文机关公布的文本为准。",
    Kind.CASE: "失信惩戒、守信激励、信用修复、分级分类监管和双随机、一公开的典型案例，涉及个人信息的已按规定脱敏。",
    Kind.NOTICE: "信用办和各部门发布的通知公告。",
    Kind.GUIDE: "信用修复、异议申诉、信用承诺和投诉举报的办事指南：流程、材料、时限和咨询方式。",
}
ACTIVE = {Kind.NEWS: "news", Kind.POLICY: "policies", Kind.CASE: "cases", Kind.NOTICE: "notices", Kind.GUIDE: "guides"}


def _list_page(kind: Kind) -> Callable[..., Response]:
    def page(
        request: Request,
        session: DbSession,
        category: Annotated[str | None, Query(max_length=16)] = None,
        q: Annotated[str | None, Query(max_length=100)] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> Response:
        chosen = text_value(category)
        if chosen not in CATEGORIES[kind]:
            chosen = None
        query = text_value(q)
        paging = page_request(page, DEFAULT_PAGE_SIZE)
        rows, total = service.list_public(session, kind, category=chosen, q=query, page=paging)
        context: dict[str, Any] = {
            "active": ACTIVE[kind],
            "kind": str(kind),
            "kind_label": KIND_LABELS[kind],
            "path": f"/{KIND_PATHS[kind]}",
            "lead": LEADS[kind],
            "categories": CATEGORIES[kind],
            "category": chosen or "",
            "q": query or "",
            "rows": rows,
            "total": total,
            "pager": pager_for(request, f"/{KIND_PATHS[kind]}", paging, total),
            "explainers": POLICIES if kind == Kind.POLICY else (),
        }
        return render(request, "portal/content/list.html", context)

    page.__name__ = f"{kind}_list"
    return page


def _item_page(kind: Kind) -> Callable[..., Response]:
    def page(item_id: ItemId, request: Request, session: DbSession) -> Response:
        item = service.public_item(session, kind, item_id)
        context: dict[str, Any] = {
            "active": ACTIVE[kind],
            "item": item,
            "path": f"/{KIND_PATHS[kind]}",
            "field_labels": FIELD_LABELS,
        }
        return render(request, "portal/content/item.html", context)

    page.__name__ = f"{kind}_item"
    return page


def _feed(kind: Kind) -> Callable[..., Response]:
    def feed(
        request: Request, session: DbSession, category: Annotated[str | None, Query(max_length=16)] = None
    ) -> Response:
        chosen = text_value(category)
        if chosen not in CATEGORIES[kind]:
            chosen = None
        body = service.feed(session, kind, str(request.base_url), chosen)
        return Response(body, media_type="application/rss+xml; charset=utf-8")

    feed.__name__ = f"{kind}_feed"
    return feed


for _kind in Kind:
    _path = f"/{KIND_PATHS[_kind]}"
    router.add_api_route(f"{_path}/feed.xml", _feed(_kind), methods=["GET"], response_model=None)
    router.add_api_route(_path, _list_page(_kind), methods=["GET"], response_model=None)
    router.add_api_route(f"{_path}/{{item_id}}", _item_page(_kind), methods=["GET"], response_model=None)


@router.get("/content/files/{attachment_id}")
def content_file(attachment_id: ItemId, session: DbSession, actor: CurrentActor) -> Response:
    """An image or attachment of a live item (content staff also see their drafts' files)."""
    row, path = service.open_file(session, actor, attachment_id)
    disposition = "inline" if row.image else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store" if actor.role.value != "public" else "public, max-age=300",
    }
    return FileResponse(path, media_type=row.media_type, headers=headers)
