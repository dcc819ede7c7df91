"""What every portal page shares: error pages in Chinese instead of JSON, output formats by suffix, HTMX fragments,
lenient form values (an empty field means "no filter"), pagination links.

Errors: a portal route puts its own handlers in front of the application's for the duration of the request, so a
refusal still travels up through the request's unit of work (which rolls back) and then becomes a page: 404 for an
unknown entity, 422 naming the field and, for a malformed 统一社会信用代码, the rule it breaks. ``.json`` URLs keep the
API's JSON error shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.config import get_settings
from xinyong.core.display import chinese, invalid_field_message
from xinyong.core.errors import Forbidden, InvalidInput, XinyongError
from xinyong.core.export import MAX_EXPORT_ROWS, MAX_STREAMED_ROWS, Cell
from xinyong.core.http import current_actor, reject_unknown_query
from xinyong.core.ids import USCC_RULE_NAMES
from xinyong.core.pagination import PageRequest
from xinyong.core.ratelimit import rate_limits
from xinyong.core.streaming import StreamStats, streamed_export
from xinyong.core.web import render
from xinyong.enterprise.rules import safe_return_path
from xinyong.portal.views import Column, json_row, pick

Format = Literal["html", "json", "csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("html", "json", "csv", "xlsx")
DEFAULT_PAGE_SIZE = 20
CURSOR_PARAMS = ("page", "after", "before")  # a page's own position, never carried into another link
EXPORT_LIMIT = MAX_EXPORT_ROWS  # rows per CSV/XLSX export read before answering; a module value so tests can lower it
STREAM_LIMIT = MAX_STREAMED_ROWS  # rows per export read while it streams (likewise)
EXPORT_ACTION = "portal:export:created"

TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "未找到", 405: "请求方式不支持", 409: "状态冲突"}
TITLES |= {413: "内容过大", 422: "输入有误", 429: "访问过于频繁"}


def output_format(request: Request) -> Format:
    """The format a URL asks for: ``/publicity/penalties.csv`` → csv; no suffix → html."""
    last = request.url.path.rsplit("/", 1)[-1]
    suffix = last.rsplit(".", 1)[-1] if "." in last else "html"
    return suffix if suffix in FORMATS else "html"


def wants_fragment(request: Request) -> bool:
    """An HTMX request for part of a page (not a history restore, which needs the whole page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"


def _error_page(request: Request, status: int, message: str, field: str | None, hint: str | None) -> Response:
    fmt = output_format(request)
    clicked = fmt in ("csv", "xlsx") and "text/html" in request.headers.get("accept", "")  # a person's 导出 link
    if fmt != "html" and not clicked:
        body: dict[str, Any] = {"error": TITLES.get(status, "error"), "message": message}
        if field:
            body["field"] = field
        return JSONResponse(body, status_code=status)
    context = {"status": status, "title": TITLES.get(status, "出错了"), "message": chinese(message, status)}
    context["field"] = field  # the parameter's own name, shown as an identifier beside the Chinese message
    context["hint"] = hint
    name = "portal/_error.html" if wants_fragment(request) else "portal/error.html"
    response = render(request, name, context, status_code=status)
    response.headers["Vary"] = "HX-Request"
    return response


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not an API client, not a ``.json`` URL)."""
    accept = request.headers.get("accept", "")
    return output_format(request) == "html" and ("text/html" in accept or request.headers.get("hx-request") == "true")


def sign_in_redirect(request: Request) -> Response:
    """Send a browser to the portal's sign-in page, coming back here afterwards (a GET page; else 我的信用)."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        back = "/my"
    target = f"/login?{urlencode({'next': safe_return_path(back)})}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, XinyongError)
    if exc.status == 401 and wants_page(request):
        # anonymous at a page that needs an account: the sign-in page, never a bare 401 (API clients keep the 401)
        return sign_in_redirect(request)
    if exc.status == 403 and request.url.path.startswith("/my"):
        advice = "“我的信用”供企业用户使用：请退出后以企业账号登录；工作人员请使用管理后台。"
        return _error_page(request, 403, "当前账号不是企业账号，无权查看此页面。", None, advice)
    hint = None
    rule = exc.details.get("rule") if isinstance(exc.details, dict) else None
    if isinstance(rule, str) and rule in USCC_RULE_NAMES:
        hint = f"统一社会信用代码校验未通过：{USCC_RULE_NAMES[rule]}（GB 32100-2015）。"
    elif exc.status == 404:
        hint = "请核对名称或统一社会信用代码后重新查询；记录超过公示期限或已修复、撤销的，不再公示。"
    response = _error_page(request, exc.status, exc.message, exc.field, hint)
    response.headers.update(exc.headers)  # a 429's Retry-After
    return response


def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body", "header", "cookie")]
    field = ".".join(loc) or "request"
    message = f"参数 {field[:64]} 无效：{str(first.get('msg', ''))[:200]}"  # the API's words; a page shows Chinese
    if output_format(request) == "html":
        message = invalid_field_message(field)
    return _error_page(request, 422, message, field[:64], "请检查地址栏中的参数，或回到上一页重新填写。")


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return _error_page(request, exc.status_code, str(exc.detail)[:200], None, None)


_HANDLERS: dict[Any, Callable[[Request, Exception], Response]] = {
    XinyongError: _refusal,
    RequestValidationError: _invalid,
    StarletteHTTPException: _http,
}


async def remember_actor(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> None:
    """Keep the caller on the request, so every portal page's header shows who is signed in (登录 or 我的信用 and
    退出). FastAPI resolves ``current_actor`` once per request: this costs nothing beyond the access rule's check."""
    request.state.actor = actor


class PortalRoute(APIRoute):
    """A route whose expected refusals become Chinese pages (or the JSON shape for ``.json`` URLs); an anonymous
    browser at a page that needs an account is sent to the sign-in page with its way back. Every portal route also
    remembers its caller for the header."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(remember_actor)]
        super().__init__(path, endpoint, **kwargs)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        handlers, status_handlers = scope.get("starlette.exception_handlers", ({}, {}))
        scope = {**scope, "starlette.exception_handlers": ({**handlers, **_HANDLERS}, status_handlers)}
        await super().handle(scope, receive, send)


def portal_router() -> APIRouter:
    """A router for portal pages: public, strict about unknown parameters, out of the API schema."""
    return APIRouter(
        include_in_schema=False,
        route_class=PortalRoute,
        dependencies=[Depends(require(PUBLIC)), Depends(reject_unknown_query)],
    )


# ---------------------------------------------------------------- form values


def own_uscc(actor: Actor) -> str:
    """The USCC of the entity a signed-in enterprise account acts for (403 for an account linked to none)."""
    if not actor.entity_uscc:
        raise Forbidden("this account is not linked to an entity (账号未关联市场主体)")
    return actor.entity_uscc


def text_value(value: str | None, field: str | None = None) -> str | None:
    """A form field: trimmed, empty means absent; control characters (a terminal escape, a NUL) refused."""
    if value is None:
        return None
    text = value.strip()
    if any(ch < " " or ch == "\x7f" for ch in text):
        raise InvalidInput("control characters in a query parameter (查询条件含控制字符，请删除后重试)", field=field)
    return text or None


def date_value(value: str | None, field: str) -> dt.date | None:
    text = text_value(value)
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text[:10]) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not 1949 <= day.year <= 2200:
        raise InvalidInput(f"{field} 应为 YYYY-MM-DD 格式的日期 (date expected)", field=field)
    return day


def page_request(page: int, page_size: int) -> PageRequest:
    return PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)


@dataclass(frozen=True)
class Pager:
    """Pagination of a list page: its numbers and links that keep every other query parameter."""

    path: str
    params: Mapping[str, str]
    page: int
    page_size: int
    total: int
    # keyset positions of this page's first and last rows (lists in decision order): 上一页/下一页 seek from them
    first_key: str | None = None
    last_key: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def url(
        self,
        page: int | None = None,
        *,
        suffix: str = "",
        drop_page: bool = False,
        after: str | None = None,
        before: str | None = None,
    ) -> str:
        params = {k: v for k, v in self.params.items() if v not in ("", None) and k not in CURSOR_PARAMS}
        if page is not None and page > 1 and not drop_page:
            params["page"] = str(page)
        if after is not None:
            params["after"] = after
        if before is not None:
            params["before"] = before
        query = urlencode(params)
        return f"{self.path}{suffix}" + (f"?{query}" if query else "")

    def previous_url(self) -> str:
        """上一页: by keyset from this page's first row when the list has positions (page 1 needs none)."""
        if self.first_key is not None and self.page > 2:
            return self.url(self.page - 1, before=self.first_key)
        return self.url(self.page - 1)

    def next_url(self) -> str:
        if self.last_key is not None:
            return self.url(self.page + 1, after=self.last_key)
        return self.url(self.page + 1)

    def hidden_params(self) -> list[tuple[str, str]]:
        """The query without its page, for the page-jump form's hidden fields."""
        return [(k, v) for k, v in self.params.items() if v not in ("", None) and k not in CURSOR_PARAMS]

    def export(self, fmt: str) -> str:
        """The same query in another format; CSV and XLSX carry every row, so the page is dropped."""
        if fmt == "json":
            return self.url(self.page, suffix=".json")
        return self.url(suffix=f".{fmt}", drop_page=True)

    def window(self, size: int = 9) -> list[int]:
        start = max(1, min(self.page - size // 2, self.pages - size + 1))
        return list(range(start, min(self.pages, start + size - 1) + 1))


def pager_for(
    request: Request, path: str, page: PageRequest, total: int, items: Sequence[Mapping[str, Any]] = ()
) -> Pager:
    params = dict(request.query_params.items())
    first_key = last_key = None
    if items and all(isinstance(items[i].get("keyset"), str) for i in (0, -1)):
        first_key, last_key = str(items[0]["keyset"]), str(items[-1]["keyset"])
    return Pager(
        path=path,
        params=params,
        page=page.page,
        page_size=page.page_size,
        total=total,
        first_key=first_key,
        last_key=last_key,
    )


# ---------------------------------------------------------------- one list, many formats


def export_audit(session: Session, actor: Actor, request: Request, fmt: str, rows: int) -> None:
    """Every export is recorded (req §3.15), the last thing a view does before answering."""
    audit.record(session, actor, EXPORT_ACTION, "export", request.url.path[:128], _export_payload(request, fmt, rows))


def _export_payload(request: Request, fmt: str, rows: int) -> dict[str, Any]:
    query = {k: v[:100] for k, v in list(request.query_params.items())[:20]}
    return {"format": fmt, "rows": rows, "query": query}


RowBatches = Callable[[Session], Iterable[Sequence[dict[str, Any]]]]


def export_answer(
    request: Request,
    session: Session,
    actor: Actor,
    fmt: str,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Callable[[int], list[dict[str, Any]]],
    batches: RowBatches | None = None,
) -> Response:
    """A CSV/XLSX of every row of the query, streamed (:mod:`xinyong.core.streaming`) after the hourly export limit
    is charged. With ``batches`` the rows are read by the response's own session as the file is sent (up to
    :data:`STREAM_LIMIT`), the export audited when it ends with the rows sent; without, ``rows`` reads them now
    (up to :data:`EXPORT_LIMIT`) and the export is audited before answering."""
    limits = rate_limits(request)
    if limits is not None:
        limits.charge_export(request, None if actor.role == Role.PUBLIC else f"{actor.role.value}:{actor.id}")
    titles = [column.title for column in columns]
    name = f"{title}-{clock.today().isoformat()}.{fmt}"
    masked = actor.role in (Role.PUBLIC, Role.BUSINESS_SYSTEM)
    note = f"导出自{get_settings().platform_name}；" + (
        "个人信息已按规定脱敏。" if masked else "含按您的权限可见的信息，请依法依规使用。"
    )
    on_end: Callable[[Session, StreamStats], None] | None = None
    if batches is not None:
        payload = _export_payload(request, fmt, 0)
        path = request.url.path[:128]
        read = batches

        def on_end(own: Session, stats: StreamStats) -> None:
            done = payload | {"rows": stats.rows, "complete": stats.complete, "truncated": stats.truncated}
            audit.record(own, actor, EXPORT_ACTION, "export", path, done)

        def cells(own: Session) -> Iterator[list[list[Cell]]]:
            for batch in read(own):
                yield [pick(row, columns) for row in batch]

        limit = STREAM_LIMIT
    else:
        limit = EXPORT_LIMIT
        found = [pick(row, columns) for row in rows(limit + 1)]
        export_audit(session, actor, request, fmt, min(len(found), limit))

        def cells(own: Session) -> Iterator[list[list[Cell]]]:
            yield found

    return streamed_export(
        request,
        session,
        fmt=fmt,
        filename=name,
        titles=titles,
        batches=cells,
        limit=limit,
        sheet=title,
        notes=[note],
        on_end=on_end,
    )


def answer(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Callable[[int], list[dict[str, Any]]],
    page_rows: Callable[[], tuple[list[dict[str, Any]], int, PageRequest]],
    template: str,
    fragment: str = "portal/_list_results.html",
    context: dict[str, Any],
    batches: RowBatches | None = None,
) -> Response:
    """One list in the format the URL asks for: CSV/XLSX carry every row of the query (up to the cap), streamed
    (read batch by batch by the response's own session when the list gives ``batches``), JSON and HTML one page
    of it."""
    fmt = output_format(request)
    if fmt in ("csv", "xlsx"):
        return export_answer(request, session, actor, fmt, title=title, columns=columns, rows=rows, batches=batches)
    items, total, page = page_rows()
    if fmt == "json":
        body = {
            "items": [json_row(row, columns) for row in items],
            "total": total,
            "page": page.page,
            "page_size": page.page_size,
            "columns": {column.key: column.title for column in columns},
        }
        if "total_capped" in context:  # a list whose count stops at a cap: there are more than ``total`` matches
            body["total_capped"] = bool(context["total_capped"])
        return JSONResponse(body)
    pager = pager_for(request, request.url.path, page, total, items)
    html_columns = [column for column in columns if column.html]
    data = context | {"title": title, "columns": html_columns, "rows": items, "pager": pager}
    name = fragment if wants_fragment(request) else template
    response = render(request, name, data)
    response.headers["Vary"] = "HX-Request"
    return response
