"""双公示 lists (行政许可 / 行政处罚) and the credit lists page, each one view answering HTML, JSON, CSV and XLSX
for the same query (``/publicity/penalties``, ``.json``, ``.csv``, ``.xlsx``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, NamedTuple

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.core.departments import Department, list_departments
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.pagination import POSITION_MAX, PageRequest, check_dates, cursor_of, key_text, keyword_words
from xinyong.lists import service as lists
from xinyong.lists.rules import ListCategory
from xinyong.lists.schemas import ListEntryOut, ListEntryView
from xinyong.portal.views import (
    COLUMNS,
    LIST_COLUMNS,
    PERMANENT,
    department_name,
    list_record_row,
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
from xinyong.privacy import service as privacy_rules
from xinyong.records import publication
from xinyong.records.publication import CATEGORIES, RecordFilter
from xinyong.records.rules import KIND_LABELS, Kind

router = portal_router()
SUFFIXES = ("", ".json", ".csv", ".xlsx")

DepartmentCode = Annotated[str | None, Query(max_length=16)]
DateText = Annotated[str | None, Query(max_length=10)]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=10_000)]
Keyword = Annotated[str | None, Query(max_length=publication.MAX_KEYWORD)]
Position = Annotated[str | None, Query(max_length=POSITION_MAX)]


def departments_by_code(session: Session) -> dict[str, Department]:
    return {d.code: d for d in list_departments(session)}


def _department(value: str | None, departments: dict[str, Department]) -> str | None:
    code = text_value(value)
    if code is None:
        return None
    if code.upper() not in departments:
        raise InvalidInput(f"unknown department {code[:16]!r} (未知部门)", field="department")
    return code.upper()


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
            found = publication.published_page(session, actor, flt, request_page, cursor=cursor)
            context["total_capped"] = found.capped  # a keyword's count stops at the cap (超过 1,000 条)
            return [record_row(r, actor, departments) for r in found.items], found.total, request_page

        def batches(own: Session) -> Iterator[list[dict[str, Any]]]:
            for found in publication.published_batches(own, actor, flt):
                yield [record_row(r, actor, departments) for r in found]

        context: dict[str, Any] = {
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
            batches=batches,
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


class ListTab(NamedTuple):
    name: str
    record_kind: Kind | None  # read from the credit records of this kind (reported lists and the city's serious list)
    category: ListCategory | None  # else from the entries of the lists area in this category


LIST_TABS: dict[str, ListTab] = {
    "serious_dishonesty": ListTab("严重失信主体名单", Kind.SERIOUS_DISHONESTY, None),
    "watch": ListTab("重点关注对象名单", None, ListCategory.WATCH),
    "market_ban": ListTab("市场和行业禁入名单", None, ListCategory.MARKET_BAN),
    "abnormal_operation": ListTab("经营异常名录", Kind.ABNORMAL_OPERATION, None),
    "honour": ListTab("守信激励名单（红名单）", None, ListCategory.HONOUR),
}
ListKind = Literal["serious_dishonesty", "watch", "market_ban", "abnormal_operation", "honour"]


def _public_text(session: Session, entry: ListEntryOut | ListEntryView, text: str | None) -> str:
    """Free text of an entry as the public may read it: the one gate (``privacy.service.public``), as for every
    area's public text (``entry`` is the public view already: a natural person's facts are off)."""
    if not text:
        return ""
    about = privacy_rules.about(entry.subject.uscc, entry.subject.name)
    return privacy_rules.public(about, text, privacy_rules.ruleset(session))


def entry_row(session: Session, entry: ListEntryOut, departments: dict[str, Department]) -> dict[str, Any]:
    """One entry of a list kept by the lists area (重点关注, 市场禁入) in the list page's columns."""
    uscc = entry.subject.uscc or ""
    end: Any = PERMANENT if entry.permanent else entry.valid_to
    return {
        "record_id": entry.id,
        "subject_name": entry.subject.name,
        "uscc": uscc,
        "reason": _public_text(session, entry, entry.facts) or entry.list_name,
        "basis": _public_text(session, entry, entry.basis) or entry.legal_basis,
        "department": department_name(departments, entry.department, full=True),
        "doc_no": entry.decision_doc_no or "",
        "decision_date": entry.decision_date,
        "valid_from": entry.valid_from,
        "valid_to": end,
        "status": "已公示",
        "url": f"/entity/{uscc}" if uscc else "",
        # the list position (core.pagination.Cursor); an entry without a decision date pages by number
        "keyset": key_text(entry.decision_date, entry.id) if entry.decision_date else None,
    }


def honour_rows(session: Session, uscc: str, departments: dict[str, Department]) -> list[dict[str, Any]]:
    """An entity's honours (守信激励) in force today for its profile: list, reason and basis through the privacy
    gate, issuing department, decision document and dates."""
    rows = []
    for honour in lists.honours_of(session, uscc):
        rows.append(
            {
                "id": honour.id,
                "list_name": honour.list_name,
                "reason": _public_text(session, honour, honour.facts),
                "department": department_name(departments, honour.department, full=True),
                "issuing_body": honour.upstream.issuing_body if honour.upstream else None,
                "doc_no": honour.decision_doc_no or "",
                "decision_date": honour.decision_date,
                "valid_to": honour.valid_to,
            }
        )
    return rows


def lists_view(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    kind: ListKind = "serious_dishonesty",
    department: DepartmentCode = None,
    date_from: DateText = None,
    date_to: DateText = None,
    q: Keyword = None,
    page: Page = 1,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    after: Position = None,
    before: Position = None,
) -> Response:
    """The public credit lists, each entry with its reason, legal basis, deciding department, decision document,
    dates and the end of its publication: 严重失信主体名单 and 经营异常名录 from their credit records (the city's
    listing procedure writes one per published entry; other lists arrive as records), 重点关注对象名单,
    市场和行业禁入 and 守信激励名单（红名单） from the lists area's published entries in force."""
    departments = departments_by_code(session)
    tab = LIST_TABS[kind]
    chosen_department = _department(department, departments)
    decided_from, decided_to = date_value(date_from, "date_from"), date_value(date_to, "date_to")
    keyword = text_value(q)
    request_page = page_request(page, page_size)
    cursor = cursor_of(after, before)
    rows: Callable[[int], list[dict[str, Any]]]
    page_rows: Callable[[], tuple[list[dict[str, Any]], int, PageRequest]]
    batches: Callable[[Session], Iterator[list[dict[str, Any]]]] | None
    if tab.record_kind is not None:
        flt = RecordFilter(
            kinds=(tab.record_kind,),
            department=chosen_department,
            decided_from=decided_from,
            decided_to=decided_to,
            keyword=keyword,
        )

        def record_rows(limit: int) -> list[dict[str, Any]]:
            found = publication.all_published(session, actor, flt, limit=limit)
            return [list_record_row(r, actor, departments) for r in found]

        def record_page() -> tuple[list[dict[str, Any]], int, PageRequest]:
            found, total = publication.search_published(session, actor, flt, request_page, cursor=cursor)
            return [list_record_row(r, actor, departments) for r in found], total, request_page

        def record_batches(own: Session) -> Iterator[list[dict[str, Any]]]:
            for found in publication.published_batches(own, actor, flt):
                yield [list_record_row(r, actor, departments) for r in found]

        rows, page_rows, batches = record_rows, record_page, record_batches
    else:
        category = tab.category
        assert category is not None
        keyword_words(keyword)
        check_dates(decided_from, decided_to)

        def entries(page: PageRequest) -> tuple[list[dict[str, Any]], int]:
            found, total = lists.search_public_entries(
                session,
                actor,
                category=category,
                page=page,
                keyword=keyword,
                department=chosen_department,
                decided_from=decided_from,
                decided_to=decided_to,
                cursor=cursor if page is request_page else None,
            )
            return [entry_row(session, e, departments) for e in found], total

        def entry_rows(limit: int) -> list[dict[str, Any]]:
            return entries(PageRequest(1, limit))[0]

        def entry_page() -> tuple[list[dict[str, Any]], int, PageRequest]:
            found, total = entries(request_page)
            return found, total, request_page

        rows, page_rows, batches = entry_rows, entry_page, None

    context = {
        "path": "/lists",
        "kind": kind,
        "lists": [(value, t.name) for value, t in LIST_TABS.items()],
        "departments": list(departments.values()),
        "selected": {
            "department": chosen_department or "",
            "date_from": decided_from.isoformat() if decided_from else "",
            "date_to": decided_to.isoformat() if decided_to else "",
            "q": keyword or "",
        },
    }
    return answer(
        request,
        session,
        actor,
        title=tab.name,
        columns=LIST_COLUMNS,
        rows=rows,
        page_rows=page_rows,
        template="portal/lists.html",
        context=context,
        batches=batches,
    )


for _suffix in SUFFIXES:
    router.add_api_route("/lists" + _suffix, lists_view, methods=["GET"], response_model=None)
