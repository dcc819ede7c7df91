"""Portal pages of credit commitments and self-reported information: the catalogue and its letter templates (with
a print view), public commitments (HTML, JSON, CSV, XLSX), one letter with its hash check, an entity's section for
its profile; and, for an entity signed in, signing a letter and reporting information (自主填报)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.commitments import fulfilment, pdf, publication, service
from xinyong.commitments.rules import TYPE_LABELS, CommitmentType, LetterFacts, compose_letter
from xinyong.commitments.schemas import SignIn
from xinyong.commitments.service import Commitment, CommitmentItem
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import ENTITY, require
from xinyong.core.clock import BEIJING
from xinyong.core.departments import list_departments
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest, key_text
from xinyong.core.web import render
from xinyong.entities import service as entities
from xinyong.portal.filtered import ListPage, ListQuery, ListSource, filtered_list, list_form
from xinyong.portal.views import Column
from xinyong.portal.web import PortalRoute, portal_router, text_value
from xinyong.selfreport import rules as selfreport_rules
from xinyong.selfreport import service as selfreports
from xinyong.selfreport.routes import read_uploads, report_in

router = portal_router()
# Pages for the signed-in entity: each declares its own rule (the portal router's rule is PUBLIC).
entity_router = APIRouter(
    include_in_schema=False, route_class=PortalRoute, dependencies=[Depends(reject_unknown_query)]
)

Id = Annotated[int, Path(ge=1, le=2**62)]
SUFFIXES = ("", ".json", ".csv", ".xlsx")
PUBLIC_COLUMNS = (
    Column("number", "承诺书编号"),
    Column("entity_name", "承诺主体"),
    Column("uscc", "统一社会信用代码"),
    Column("item_name", "承诺事项"),
    Column("commitment_type", "承诺类型"),
    Column("department", "受理单位"),
    Column("signed_on", "签署日期"),
    Column("status", "履约状态"),
    Column("url", "详情", html=False),
)


def _departments(session: Session) -> dict[str, str]:
    return {d.code: d.short_name for d in list_departments(session)}


def _row(
    session: Session, commitment: Commitment, names: dict[str, str], items: dict[int, str] | None = None
) -> dict[str, Any]:
    items = {} if items is None else items
    if commitment.item_id not in items:
        items[commitment.item_id] = service.get_item(session, commitment.item_id).name
    return {
        "id": commitment.id,
        "number": commitment.number,
        "entity_name": commitment.entity_name,
        "uscc": commitment.uscc,
        "item_name": items[commitment.item_id],
        "commitment_type": commitment.commitment_type,
        "department": names.get(commitment.department, commitment.department),
        "signed_on": commitment.signed_at.astimezone(BEIJING).date(),
        "status": commitment.status,
        "url": f"/commitments/letters/{commitment.id}",
        "keyset": key_text(commitment.signed_at, commitment.id),  # the list position (core.pagination.Cursor)
    }


# ---------------------------------------------------------------- the catalogue


@router.get("/commitments")
def catalogue(
    request: Request,
    session: DbSession,
    department: Annotated[str | None, Query(max_length=16)] = None,
    commitment_type: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    wanted_type = text_value(commitment_type)
    if wanted_type and wanted_type not in {t.value for t in CommitmentType}:
        raise InvalidInput("unknown commitment type (未知承诺类型)", field="commitment_type")
    items, total = service.list_items(
        session, department=text_value(department), commitment_type=wanted_type, page=PageRequest(1, 500)
    )
    context = {
        "active": "commitments",
        "items": items,
        "total": total,
        "names": _departments(session),
        "departments": list_departments(session),
        "types": TYPE_LABELS,
        "department": text_value(department) or "",
        "commitment_type": wanted_type or "",
    }
    return render(request, "portal/commitments/index.html", context)


def _template_context(session: Session, item: CommitmentItem, version: int | None) -> dict[str, Any]:
    template = service.get_template(session, item.id, version)
    return {
        "active": "commitments",
        "item": item,
        "template": template,
        "versions": service.template_versions(session, item.id),
        "department": _departments(session).get(item.department, item.department),
        "type_label": TYPE_LABELS.get(CommitmentType(item.commitment_type), item.commitment_type),
    }


@router.get("/commitments/items/{item_id}")
def item_page(request: Request, session: DbSession, actor: CurrentActor, item_id: Id) -> Response:
    item = service.get_item(session, item_id)
    context = _template_context(session, item, None) | {"actor": actor}
    return render(request, "portal/commitments/item.html", context)


@router.get("/commitments/items/{item_id}/templates/{version}.pdf")
def template_as_pdf(session: DbSession, item_id: Id, version: Annotated[int, Path(ge=1, le=100_000)]) -> Response:
    """A template version as PDF with an embedded Chinese font."""
    item = service.get_item(session, item_id)
    context = _template_context(session, item, version)
    template = context["template"]
    public = "本承诺书将通过“信用中国（江西共青）”网站向社会公开。" if template.is_public else "本承诺书不向社会公开。"
    sections = [
        ("一、承诺事项及条件", template.conditions),
        ("二、承诺内容", template.undertaking),
        ("三、核查", template.verification),
        ("四、责任", template.liability),
        ("五、公开", public),
        ("六、声明", template.declaration),
    ]
    meta = f"{item.name}（{item.code}，{context['type_label']}）· 受理单位：{context['department']} · 第 {version} 版"
    body = pdf.template_pdf(sections, template.title, meta, template.published_at)
    return _pdf_response(body, f"{item.code}-v{version}.pdf")


def _pdf_response(body: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', "X-Content-Type-Options": "nosniff"}
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/commitments/items/{item_id}/templates/{version}")
def template_print(
    request: Request, session: DbSession, item_id: Id, version: Annotated[int, Path(ge=1, le=100_000)]
) -> Response:
    """A template version as a printable page (浏览器“打印/另存为 PDF”)."""
    item = service.get_item(session, item_id)
    return render(request, "portal/commitments/template_print.html", _template_context(session, item, version))


# ---------------------------------------------------------------- public commitments


def public_commitments(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    args: ListQuery,
    commitment_type: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Public commitment letters (公开的信用承诺), newest first, filtered by keyword (name, USCC or letter number),
    department, type and signing dates; the same query in every twin (.json, .csv, .xlsx)."""
    names = _departments(session)
    form = list_form(names, args, commitment_type)
    flt = publication.CommitmentFilter(
        keyword=form.keyword,
        department=form.department,
        commitment_type=form.category,
        signed_from=form.date_from,
        signed_to=form.date_to,
    )
    shown = ListPage(
        title="信用承诺公示",
        columns=PUBLIC_COLUMNS,
        template="portal/commitments/public.html",
        fragment="portal/commitments/_public_results.html",
        context={
            "active": "commitments",
            "path": "/commitments/public",
            "departments": list_departments(session),
            "categories": [(t.value, label) for t, label in TYPE_LABELS.items()],
            "category_name": "commitment_type",
            "category_label": "承诺类型",
            "department_label": "受理单位",
            "date_label": "签署日期自",
            "keyword_hint": "主体名称、统一社会信用代码或承诺书编号",
        },
    )
    items: dict[int, str] = {}  # each catalogue item's name, read once a page

    def row(commitment: Commitment) -> dict[str, Any]:
        return _row(session, commitment, names, items)

    source = ListSource(
        lambda limit: publication.all_public(session, flt, limit=limit),
        lambda wanted, cursor: publication.search_public(session, flt, wanted, cursor=cursor),
        row,
    )
    return filtered_list(request, session, actor, form, shown, source)


for _suffix in SUFFIXES:
    router.add_api_route("/commitments/public" + _suffix, public_commitments, methods=["GET"], response_model=None)


@router.get("/commitments/letters/{commitment_id}.pdf")
def letter_as_pdf(session: DbSession, actor: CurrentActor, commitment_id: Id) -> Response:
    """A signed letter as PDF: its exact text, with its number and SM3 hash on every page."""
    commitment = service.get_commitment(session, actor, commitment_id)
    shown = service.shown_letter(session, actor, commitment)
    body = pdf.letter_pdf(shown.letter_text, commitment.number, commitment.letter_sm3, commitment.signed_at)
    return _pdf_response(body, f"{commitment.number}.pdf")


@router.get("/commitments/letters/{commitment_id}")
def letter_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    commitment_id: Id,
    signed: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    commitment = service.get_commitment(session, actor, commitment_id)
    shown = service.shown_letter(session, actor, commitment)
    context = {
        "active": "commitments",
        "commitment": commitment,
        "shown": shown,
        "row": _row(session, commitment, _departments(session)),
        "hash_ok": service.verify_letter(commitment),
        "tolerance": service.tolerance_of(session, commitment.id),
        "checks": fulfilment.checks_of(session, commitment.id),
        "signed": bool(signed),
        "signed_local": commitment.signed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S（北京时间）"),
    }
    return render(request, "portal/commitments/letter.html", context)


@router.get("/entity/{uscc}/commitments")
def entity_section(
    request: Request, session: DbSession, actor: CurrentActor, uscc: Annotated[str, Path(max_length=64)]
) -> Response:
    """The commitments and self-reported items of an entity, as its profile shows them (an HTMX fragment)."""
    entity = entities.get_entity(session, uscc)
    found, total = service.list_commitments(session, actor, uscc=entity.uscc, page=PageRequest(1, 50))
    reports, _ = selfreports.list_reports(session, actor, uscc=entity.uscc, page=PageRequest(1, 50))
    context = {
        "entity": entity,
        "rows": [_row(session, c, _departments(session)) for c in found],
        "total": total,
        "reports": reports,
    }
    return render(request, "portal/commitments/_entity_section.html", context)


# ---------------------------------------------------------------- signing (the entity itself)


def _preview(session: Session, actor: Actor, item: CommitmentItem) -> str:
    """The letter as it will read, before the signature is added."""
    entity = entities.get_entity(session, actor.entity_uscc or "")
    template = service.get_template(session, item.id)
    facts = LetterFacts(
        item_code=item.code,
        item_name=item.name,
        department_name=_departments(session).get(item.department, item.department),
        commitment_type=item.commitment_type,
        template_version=template.version,
        entity_name=entity.name,
        uscc=entity.uscc,
        legal_representative="",
        signer="（签署人）",
        signed_at=clock.now().astimezone(BEIJING),
        number="（签署后生成）",
    )
    return compose_letter(service.template_parts(template), facts)


def _sign_page(
    request: Request,
    session: Session,
    actor: Actor,
    item: CommitmentItem,
    *,
    error: XinyongError | None = None,
    reasons: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entity = entities.get_entity(session, actor.entity_uscc or "")
    context = {
        "active": "commitments",
        "item": item,
        "entity": entity,
        "preview": _preview(session, actor, item),
        "reasons": reasons if reasons is not None else service.check_eligibility(session, actor, None, item.id),
        "error": error,
        "form": form or {},
        "tolerance": item.commitment_type == CommitmentType.TOLERANCE,
    }
    return render(request, "portal/commitments/sign.html", context, status_code=status_code)


@entity_router.get("/commitments/items/{item_id}/sign", dependencies=[Depends(require(ENTITY))])
def sign_form(request: Request, session: DbSession, actor: CurrentActor, item_id: Id) -> Response:
    return _sign_page(request, session, actor, service.get_item(session, item_id))


@entity_router.post("/commitments/items/{item_id}/sign", dependencies=[Depends(require(ENTITY))])
def sign(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    item_id: Id,
    csrf_token: Annotated[str, Form(max_length=200)],
    signer: Annotated[str, Form(max_length=100)] = "",
    accept: Annotated[str | None, Form(max_length=8)] = None,
    template_version: Annotated[int | None, Form(ge=1, le=100_000)] = None,
    missing_materials: Annotated[str, Form(max_length=6000)] = "",
) -> Response:
    item = service.get_item(session, item_id)
    form = {"signer": signer, "missing_materials": missing_materials}
    materials = [line for line in missing_materials.splitlines() if line.strip()]
    try:
        if not signer.strip():
            raise InvalidInput("请填写签署人姓名 (signer required)", field="signer")
        with session.begin_nested():
            outcome = service.sign_commitment(
                session,
                actor,
                SignIn(
                    item_id=item.id,
                    signer=signer.strip(),
                    accept=accept == "on",
                    template_version=template_version,
                    missing_materials=materials,
                ),
            )
    except (InvalidInput, XinyongError) as refused:
        if refused.status in (401, 403):
            raise
        return _sign_page(request, session, actor, item, error=refused, form=form, status_code=refused.status)
    if outcome.commitment is None:
        return _sign_page(request, session, actor, item, reasons=outcome.reasons, form=form, status_code=409)
    return RedirectResponse(f"/commitments/letters/{outcome.commitment.id}?signed=1", status_code=303)


@entity_router.get("/my/commitments", dependencies=[Depends(require(ENTITY))])
def my_commitments(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    uscc = actor.entity_uscc or ""
    found, _ = service.list_commitments(session, actor, uscc=uscc, page=PageRequest(1, 100))
    context = {
        "active": "commitments",
        "entity": entities.get_entity(session, uscc),
        "rows": [_row(session, c, _departments(session)) for c in found],
        "refusals": service.refusals(session, actor),
        "cases": fulfilment.tolerance_cases(session, actor, clock.today(), state="all"),
    }
    return render(request, "portal/commitments/my.html", context)


# ---------------------------------------------------------------- self-reported information


def _reports_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    error: XinyongError | None = None,
    form: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    uscc = actor.entity_uscc or ""
    reports, _ = selfreports.list_reports(session, actor, uscc=uscc, page=PageRequest(1, 100))
    context = {
        "active": "commitments",
        "entity": entities.get_entity(session, uscc),
        "reports": [selfreports.to_view(session, actor, r) for r in reports],
        "categories": list(selfreport_rules.Category),
        "departments": list_departments(session),
        "truthfulness": selfreport_rules.TRUTHFULNESS_COMMITMENT,
        "max_mb": selfreport_rules.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "error": error,
        "form": form or {},
        "notice": notice,
    }
    return render(request, "portal/commitments/self_reports.html", context, status_code=status_code)


@entity_router.get("/my/self-reports", dependencies=[Depends(require(ENTITY))])
def my_reports(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    submitted: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    return _reports_page(request, session, actor, notice="已提交，待主管部门核验。" if submitted else None)


@entity_router.post("/my/self-reports", dependencies=[Depends(require(ENTITY))])
def submit_report(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    category: Annotated[str, Form(max_length=16)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    content: Annotated[str, Form(max_length=4000)] = "",
    department: Annotated[str, Form(max_length=16)] = "",
    issued_by: Annotated[str, Form(max_length=200)] = "",
    truthfulness: Annotated[str | None, Form(max_length=8)] = None,
    file: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - read declaratively by FastAPI, never mutated
) -> Response:
    form = {"category": category, "title": title, "content": content, "department": department}
    form["issued_by"] = issued_by
    try:
        data = report_in(
            category=category,
            title=title,
            content=content,
            department=department,
            issued_by=issued_by or None,
            truthfulness=truthfulness == "on",
        )
        uploads = read_uploads(file)
        with session.begin_nested():
            selfreports.submit(session, actor, data, uploads)
    except XinyongError as refused:
        if refused.status in (401, 403):
            raise
        return _reports_page(request, session, actor, error=refused, form=form, status_code=refused.status)
    return RedirectResponse("/my/self-reports?submitted=1", status_code=303)


pages = APIRouter(include_in_schema=False)
pages.include_router(router)
pages.include_router(entity_router)
