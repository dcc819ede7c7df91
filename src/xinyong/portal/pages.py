"""Portal pages: home, entity search, the entity credit profile, one record, report verification and policies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.masking import mask_address
from xinyong.core.pagination import PageRequest
from xinyong.core.web import render
from xinyong.entities import service as entities
from xinyong.entities.lookup import Entity
from xinyong.evaluation import views as evaluation
from xinyong.portal.lists import departments_by_code, honour_rows
from xinyong.portal.views import (
    SEARCH_COLUMNS,
    is_public_reader,
    publicity_end,
    record_fields,
    record_row,
    subject_label,
)
from xinyong.portal.web import DEFAULT_PAGE_SIZE, answer, page_request, portal_router, text_value
from xinyong.records import publication
from xinyong.records import service as records
from xinyong.records.publication import RecordFilter
from xinyong.records.rules import KIND_LABELS, Kind
from xinyong.records.schemas import RecordOut
from xinyong.reports import service as reports

router = portal_router()
RECENT_DAYS = publication.RECENT_DAYS
LATEST = 6
PROFILE_LIMIT = 500
HISTORY_LIMIT = 10  # grade changes shown to the entity itself and to staff
SEARCH_SUFFIXES = ("", ".json", ".csv", ".xlsx")

# 政策解读 (address, title, one line on where it comes from): summaries written for citizens and firms, listed beside
# the 政策法规 the office publishes (portal/content.py serves /policies and /policies/<id>).
POLICIES: tuple[tuple[str, str, str], ...] = (
    (
        "notice-2020-7",
        "共社信办字〔2020〕7号：构建以信用为基础的新型监管机制",
        "共青城市社会信用体系建设领导小组办公室，2020年11月26日",
    ),
    ("framework", "国家和江西省关于信用监管的主要文件", "国务院办公厅、江西省发展改革委等"),
    ("double-publicity", "“双公示”：行政许可和行政处罚信息公示规则", "共社信办字〔2020〕7号第（十七）项及国家相关规定"),
    ("lists-and-punishment", "信用名单与失信联合惩戒", "共社信办字〔2020〕7号第（七）至（十四）项"),
    ("repair-and-objection", "信用修复与异议申诉", "共社信办字〔2020〕7号第（十五）、（十九）项"),
)


@router.get("/")
def home(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    since = clock.today() - dt.timedelta(days=RECENT_DAYS)
    departments = departments_by_code(session)
    counts: dict[str, dict[str, int]] = {}
    latest: dict[str, list[dict[str, Any]]] = {}
    for kind in (Kind.LICENSE, Kind.PENALTY):
        counts[kind.value] = {
            "total": publication.count_published(session, actor, kind),
            "recent": publication.count_published(session, actor, kind, since=since),
        }
        found, _ = publication.search_published(session, actor, RecordFilter(kinds=(kind,)), PageRequest(1, LATEST))
        latest[kind.value] = [record_row(r, actor, departments) for r in found]
    context = {"active": "home", "counts": counts, "latest": latest, "recent_days": RECENT_DAYS}
    return render(request, "portal/home.html", context)


def _hit_row(hit: entities.SearchHit) -> dict[str, Any]:
    return _entity_row(hit.entity) | {"matched": hit.matched_labels, "local": entities.is_local(hit.entity)}


def _entity_row(entity: Entity) -> dict[str, Any]:
    return {
        "name": entity.name,
        "uscc": entity.uscc,
        "type_name": entities.type_names(entity.uscc)[1],
        "legal_form": entity.legal_form or "",
        "status": entity.status,
        "url": f"/entity/{entity.uscc}",
        "provisional": entity.provisional,
    }


def search(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = DEFAULT_PAGE_SIZE,
) -> Response:
    """Entities matching every word (name or former name substring, USCC prefix, pinyin or initials), most relevant
    first and the city's own before others, each saying what it matched; nothing for no query."""
    text = text_value(q)
    request_page = page_request(page, page_size)

    def rows(limit: int) -> list[dict[str, Any]]:
        if text is None:
            return []
        found, _ = entities.search_hits(session, text, PageRequest(1, limit))
        return [_hit_row(hit) for hit in found]

    def page_rows() -> tuple[list[dict[str, Any]], int, PageRequest]:
        if text is None:
            return [], 0, request_page
        found, total = entities.search_hits(session, text, request_page)
        return [_hit_row(hit) for hit in found], total, request_page

    return answer(
        request,
        session,
        actor,
        title="信用主体查询",
        columns=SEARCH_COLUMNS,
        rows=rows,
        page_rows=page_rows,
        template="portal/search.html",
        fragment="portal/_search_results.html",
        context={"active": "search", "q": text or "", "search_cap": entities.SEARCH_COUNT_CAP},
    )


for _suffix in SEARCH_SUFFIXES:
    router.add_api_route("/search" + _suffix, search, methods=["GET"], response_model=None)


def _persons(session: DbSession, entity: Entity, full: bool) -> list[dict[str, Any]]:
    """Who the public sees as responsible (法定代表人/主要负责人 now in office, as on the enterprise publicity
    system); the entity itself and staff see every role, with the masked ID number."""
    shown = []
    for link, person in entities.roles_of_entity(session, entity.uscc):
        if not full and (link.role not in entities.PUBLIC_ROLES or link.valid_to is not None):
            continue
        shown.append(
            {
                "role": link.role,
                "name": person.name,
                "id_masked": person.id_masked if full else None,
                "valid_from": link.valid_from,
                "valid_to": link.valid_to,
            }
        )
    return shown


def _sections(found: list[RecordOut]) -> dict[str, Any]:
    licences = [r for r in found if r.kind == Kind.LICENSE]
    penalties = [r for r in found if r.kind == Kind.PENALTY]
    listed = [r for r in found if r.kind in publication.LIST_KINDS]
    others: dict[str, list[RecordOut]] = {}
    for record in found:
        if record.kind not in (Kind.LICENSE, Kind.PENALTY, *publication.LIST_KINDS):
            others.setdefault(KIND_LABELS[Kind(record.kind)], []).append(record)
    return {"licences": licences, "penalties": penalties, "listed": listed, "others": others}


def _sees_in_full(actor: Actor, uscc: str) -> bool:
    return actor.sees_everything or actor.is_department or actor.entity_uscc == uscc


@router.get("/entity/{uscc}")
def entity_profile(
    request: Request, session: DbSession, actor: CurrentActor, uscc: Annotated[str, Path(max_length=64)]
) -> Response:
    entity = entities.get_entity(session, uscc)
    if entity.uscc != uscc:  # an old code or lower case: one address per entity
        return RedirectResponse(f"/entity/{entity.uscc}", status_code=302)
    full = _sees_in_full(actor, entity.uscc)
    found = publication.records_for_profile(session, actor, entity.uscc, full=full, limit=PROFILE_LIMIT)
    departments = departments_by_code(session)
    authority_name, type_name = entities.type_names(entity.uscc)
    address = entity.registered_address or ""
    if not full and entity.authority == "9" and entity.org_type == "2":
        address = mask_address(address)  # a 个体工商户's registered address is often the keeper's home
    today = clock.today()
    context = {
        "active": "search",
        "entity": entity,
        "authority_name": authority_name,
        "type_name": type_name,
        "address": address,
        "persons": _persons(session, entity, full),
        "former_names": entities.former_names(session, entity.uscc),
        "full": full,
        "actor": actor,
        "rows": {r.id: record_row(r, actor, departments) for r in found},
        "on_portal": {r.id: publication.is_on_portal(r, today) for r in found},
        "capped": len(found) >= PROFILE_LIMIT,
        "evaluation": evaluation.evaluation_of(session, actor, entity.uscc),
        "improvements": evaluation.improvements(session, actor, entity.uscc),
        "grade_history": evaluation.history(session, actor, entity.uscc)[:HISTORY_LIMIT] if full else [],
        "honours": honour_rows(session, entity.uscc, departments),
        **_sections(found),
    }
    return render(request, "portal/entity.html", context)


@router.get("/record/{record_id}")
def record_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    record_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    record = records.get_record(session, actor, record_id)
    public = is_public_reader(actor, record)
    on_portal = publication.is_on_portal(record, clock.today())
    if public and not on_portal:
        # Past its publicity period (or not yet decided): the public no longer sees it, as if it never was.
        raise NotFound(f"no credit record {record_id} is published (未找到该公示记录)", field="record_id")
    departments = departments_by_code(session)
    context = {
        "active": "publicity",
        "record": record,
        "row": record_row(record, actor, departments),
        "fields": record_fields(record, actor, full=not public),
        "subject_label": subject_label(record),
        "kind_label": KIND_LABELS[Kind(record.kind)],
        "publicity_end": publicity_end(record),
        "on_portal": on_portal,
        "public": public,
    }
    return render(request, "portal/record.html", context)


@router.get("/verify")
def verify(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    report_no: Annotated[str | None, Query(max_length=64)] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Report verification (the QR code on every report opens this page): 有效, 已被更新 (which record changed) or
    非真实报告."""
    number, check = text_value(report_no), text_value(code)
    if (number is None) != (check is None):
        field = "code" if check is None else "report_no"
        raise InvalidInput("报告编号和核验码都需要填写 (both fields are needed)", field=field)
    result = reports.verify_code(session, actor, number, check) if number and check else None
    context = {
        "active": "verify",
        "report_no": number or "",
        "code": check or "",
        "asked": number is not None,
        "result": result,
    }
    return render(request, "portal/verify.html", context)


def _policy_page(slug: str, title: str, source: str) -> Callable[[Request], Response]:
    def page(request: Request) -> Response:
        context = {"active": "policies", "policies": POLICIES, "slug": slug, "title": title, "source": source}
        return render(request, f"portal/policies/{slug}.html", context)

    page.__name__ = f"policy_{slug.replace('-', '_')}"
    return page


for _slug, _title, _source in POLICIES:
    router.add_api_route(f"/policies/{_slug}", _policy_page(_slug, _title, _source), methods=["GET"])
