"""One filtered public list page: the filter form read from the query (keyword, department, category and a date
range), a page of the query in every twin (HTML, .json, .csv, .xlsx) through ``portal.web.answer``, and the
paging of a short list already in memory (a draw's drawn entities, the published rounds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import MAX_KEYWORD, POSITION_MAX, Cursor, PageRequest, cursor_of
from xinyong.portal.views import Column
from xinyong.portal.web import DEFAULT_PAGE_SIZE, Pager, answer, date_value, page_request, text_value

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListArgs:
    """The query every filtered public list takes besides its category: keyword, department, dates and paging."""

    q: str | None = None
    department: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    before: str | None = None


def list_args(
    q: Annotated[str | None, Query(max_length=MAX_KEYWORD)] = None,
    department: Annotated[str | None, Query(max_length=16)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = DEFAULT_PAGE_SIZE,
    after: Annotated[str | None, Query(max_length=POSITION_MAX)] = None,
    before: Annotated[str | None, Query(max_length=POSITION_MAX)] = None,
) -> ListArgs:
    return ListArgs(q, department, date_from, date_to, page, page_size, after, before)


ListQuery = Annotated[ListArgs, Depends(list_args)]


@dataclass(frozen=True, slots=True)
class ListForm:
    """A public list's filter form as the query gave it: trimmed (empty means absent), the department checked
    against the known codes and upper-cased, the dates parsed; with the query's paging."""

    keyword: str | None
    department: str | None
    category: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    args: ListArgs

    def selected(self) -> dict[str, str]:
        """What the form shows as chosen."""
        return {
            "q": self.keyword or "",
            "department": self.department or "",
            "category": self.category or "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


def list_form(departments: Collection[str], args: ListArgs, category: str | None) -> ListForm:
    """The form of a filtered list; an unknown department or a malformed date is refused with a Chinese message."""
    chosen = text_value(args.department)
    if chosen is not None and chosen.upper() not in departments:
        raise InvalidInput(f"unknown department {chosen[:16]!r} (未知部门)", field="department")
    return ListForm(
        keyword=text_value(args.q),
        department=chosen.upper() if chosen else None,
        category=text_value(category),
        date_from=date_value(args.date_from, "date_from"),
        date_to=date_value(args.date_to, "date_to"),
        args=args,
    )


@dataclass(frozen=True, slots=True)
class ListPage:
    """How a list page is titled and drawn (the template's context besides the rows, pager and form)."""

    title: str
    columns: Sequence[Column]
    template: str
    context: dict[str, Any]
    fragment: str = "portal/_list_results.html"


@dataclass(frozen=True, slots=True)
class ListSource(Generic[T]):
    """Where a list's rows come from: ``every(limit)`` the export's, ``one_page`` a page (by number, or from a
    上一页/下一页 position) and its total; ``row`` each item's columns."""

    every: Callable[[int], Sequence[T]]
    one_page: Callable[[PageRequest, Cursor | None], tuple[Sequence[T], int]]
    row: Callable[[T], dict[str, Any]]


def filtered_list(
    request: Request, session: Session, actor: Actor, form: ListForm, shown: ListPage, source: ListSource[T]
) -> Response:
    """One filtered list in the format the URL asks for (``portal.web.answer``)."""
    args = form.args
    wanted, cursor = page_request(args.page, args.page_size), cursor_of(args.after, args.before)

    def rows(limit: int) -> list[dict[str, Any]]:
        return [source.row(item) for item in source.every(limit)]

    def page_rows() -> tuple[list[dict[str, Any]], int, PageRequest]:
        found, total = source.one_page(wanted, cursor)
        return [source.row(item) for item in found], total, wanted

    return answer(
        request,
        session,
        actor,
        title=shown.title,
        columns=shown.columns,
        rows=rows,
        page_rows=page_rows,
        template=shown.template,
        fragment=shown.fragment,
        context=shown.context | {"selected": form.selected()},
    )


def plain_keyword(q: str | None) -> str | None:
    """A keyword box's text, trimmed; refused when it holds a control character."""
    keyword = text_value(q)
    if keyword is not None and any(ord(ch) < 32 for ch in keyword):
        raise InvalidInput("关键词含非法字符", field="q")
    return keyword


def memory_page(request: Request, items: Sequence[T], page: int, page_size: int) -> tuple[Pager, list[T]]:
    """Page ``page`` of a list already filtered in memory, with its pager; a page past the end is refused."""
    pager = Pager(
        path=request.url.path,
        params=dict(request.query_params.items()),
        page=page,
        page_size=page_size,
        total=len(items),
    )
    if page > pager.pages:
        raise InvalidInput(f"页码超出范围（共 {pager.pages} 页）", field="page")
    return pager, list(items[(page - 1) * page_size : page * page_size])
