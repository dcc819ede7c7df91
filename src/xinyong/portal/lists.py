"""双公示 lists (行政许可 / 行政处罚) and the credit lists page, each one view answering HTML, JSON, CSV and XLSX
for the same query (``/publicity/penalties``, ``.json``, ``.csv``, ``.xlsx``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.core.departments import Department, list_departments
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.pagination import PageRequest
from xinyong.portal.views import (
    COLUMNS,
    LIST_COLUMNS,
    record_row,
)
from xinyong.portal.web import (
    DEFAULT_PAGE_SIZE,
    answer,
    date_value,
    page_request,
    portal_router,
    text_value,
)
from xinyong.records import publication
from xinyong.records.publication import CATEGORIES, Cursor, RecordFilter
from xinyong.records.rules import KIND_LABELS, Kind

router = portal_router()
SUFFIXES = ("", ".json", ".csv", ".xlsx")

DepartmentCode = Annotated[str | None, Query(max_length=16)]
DateText = Annotated[str | None, Query(max_length=10)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=10_000)]
Keyword = Annotated[str | None, Query(max_length=publication.MAX_KEYWORD)]
Position = Annotated[str | None, Query(max_length=40)]

LIST_NAMES = {
    Kind.SERIOUS_DISHONESTY: "严重失信主体名单",
    Kind.ABNORMAL_OPERATION: "经营异常名录",
}


def departments_by_code(session: Session) -> dict[str, Department]:
    return {d.code: d for d in list_departments(session)}


def _department(value: str | None, departments: dict[str, Department]) -> str | None:
    code = text_value(value)
    if code is None:
        return None
    if code.upper() not in departments:
        raise InvalidInput(f"unknown department {code[:16]!r} (未知部门)", field="department")
    return code.upper()


def cursor_of(after: str | None, before: str | None) -> Cursor | None:
    """The keyset position of a 上一页/下一页 link (``after`` or ``before``, never both)."""
    after, before = text_value(after), text_value(before)
    if after is not None and before is not None:
        raise InvalidInput("after and before cannot be combined (翻页位置冲突)", field="before")
    if after is not None:
        return Cursor.parse(after, forward=True, field="after")
    if before is not None:
        return Cursor.parse(before, forward=False, field="before")
    return None


def publicity_view(kind: Kind, path: str, title: str) -> Callable[..., Response]:
    def view(
        request: Request,
        session: DbSession,
        actor: CurrentActor,
        department: DepartmentCode = None,
        date_from: DateText = None,
        date_to: DateText = None,
        category: Annotated[str | None, Query(max_length=20)] = None,
        q: Keyword = None,
        page: Page = 1,
        page_size: PageSize = DEFAULT_PAGE_SIZE,
        after: Position = None,
        before: Position = None,
    ) -> Response:
        departments = departments_by_code(session)
        flt = RecordFilter(
            kinds=(kind,),
            department=_department(department, departments),
            decided_from=date_value(date_from, "date_from"),
            decided_to=date_value(date_to, "date_to"),
            category=text_value(category),
            keyword=text_value(q),
        )
        request_page = page_request(page, page_size)
        cursor = cursor_of(after, before)

        def rows(limit: int) -> list[dict[str, Any]]:
            found = publication.all_published(session, actor, flt, limit=limit)
            return [record_row(r, actor, departments) for r in found]

        def page_rows() -> tuple[list[dict[str, Any]], int, PageRequest]:
            found, total = publication.search_published(session, actor, flt, request_page, cursor=cursor)
            return [record_row(r, actor, departments) for r in found], total, request_page

        context = {
            "path": path,
            "kind": kind.value,
            "kind_label": KIND_LABELS[kind],
            "departments": list(departments.values()),
            "categories": CATEGORIES[kind],
            "category_label": "处罚类别" if kind == Kind.PENALTY else "许可类别",
            "selected": {
                "department": flt.department or "",
                "date_from": flt.decided_from.isoformat() if flt.decided_from else "",
                "date_to": flt.decided_to.isoformat() if flt.decided_to else "",
                "category": flt.category or "",
                "q": flt.keyword or "",
            },
        }
        return answer(
            request,
            session,
            actor,
            title=title,
            columns=COLUMNS[kind],
            rows=rows,
            page_rows=page_rows,
            template="portal/publicity.html",
            context=context,
        )

    view.__name__ = f"publicity_{kind.value}"
    return view


for _kind, _path, _title in (
    (Kind.LICENSE, "/publicity/licenses", "行政许可公示"),
    (Kind.PENALTY, "/publicity/penalties", "行政处罚公示"),
):
    _view = publicity_view(_kind, _path, _title)
    for _suffix in SUFFIXES:
        router.add_api_route(_path + _suffix, _view, methods=["GET"], response_model=None)


def lists_view(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    kind: Literal["serious_dishonesty", "abnormal_operation"] = "serious_dishonesty",
    department: DepartmentCode = None,
    date_from: DateText = None,
    date_to: DateText = None,
    q: Keyword = None,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    after: Position = None,
    before: Position = None,
) -> Response:
    """Entries of the credit lists, read from the records of those kinds until the lists module keeps them."""
    departments = departments_by_code(session)
    chosen = Kind(kind)
    flt = RecordFilter(
        kinds=(chosen,),
        department=_department(department, departments),
        decided_from=date_value(date_from, "date_from"),
        decided_to=date_value(date_to, "date_to"),
        keyword=text_value(q),
    )
    request_page = page_request(page, page_size)
    cursor = cursor_of(after, before)

    def rows(limit: int) -> list[dict[str, Any]]:
        return [record_row(r, actor, departments) for r in publication.all_published(session, actor, flt, limit=limit)]

    def page_rows() -> tuple[list[dict[str, Any]], int, PageRequest]:
        found, total = publication.search_published(session, actor, flt, request_page, cursor=cursor)
        return [record_row(r, actor, departments) for r in found], total, request_page

    context = {
        "path": "/lists",
        "kind": chosen.value,
        "lists": [(k.value, name) for k, name in LIST_NAMES.items()],
        "departments": list(departments.values()),
        "selected": {
            "department": flt.department or "",
            "date_from": flt.decided_from.isoformat() if flt.decided_from else "",
            "date_to": flt.decided_to.isoformat() if flt.decided_to else "",
            "q": flt.keyword or "",
        },
    }
    return answer(
        request,
        session,
        actor,
        title=LIST_NAMES[chosen],
        columns=LIST_COLUMNS,
        rows=rows,
        page_rows=page_rows,
        template="portal/lists.html",
        context=context,
    )


for _suffix in SUFFIXES:
    router.add_api_route("/lists" + _suffix, lists_view, methods=["GET"], response_model=None)
