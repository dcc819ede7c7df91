"""Console pages of desensitisation (脱敏): the review queue of held records (the department's reviewer confirms or
edits the public text; staff see the original, and each read is audited) and the office's rule table."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import back, refusal
from xinyong.console.pages import console_router, page
from xinyong.core.actor import Role
from xinyong.core.auth.access import OFFICE, STAFF, require
from xinyong.core.departments import list_departments
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.privacy import service as rules_service
from xinyong.privacy.rules import CATEGORY_LABELS, Category
from xinyong.records import privacy_review
from xinyong.records.rules import KIND_LABELS, Kind

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
RecordId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]
Done = Annotated[str | None, Query(max_length=300)]
Error = Annotated[str | None, Query(max_length=1000)]
Refused = (XinyongError, ValidationError, ValueError)


@router.get("/privacy", dependencies=[Depends(require(STAFF))])
def queue(
    request: Request, session: DbSession, actor: CurrentActor, done: Done = None, error: Error = None
) -> HTMLResponse:
    rows, total = privacy_review.pending(session, actor)
    departments = {d.code: d.short_name for d in list_departments(session)}
    items = [
        {
            "record_id": v.record_id,
            "doc_no": doc_no,
            "kind": KIND_LABELS.get(Kind(v.kind), v.kind),
            "department": departments.get(v.source_department, v.source_department),
            "decision_date": v.decision_date,
            "received": v.valid_from,
        }
        for v, doc_no in rows
    ]
    context = {"items": items, "total": total, "done": done, "error": error}
    return page(request, session, actor, "console/privacy.html", context)


@router.get("/privacy/rules", dependencies=[Depends(require(OFFICE))])
def rules(
    request: Request, session: DbSession, actor: CurrentActor, done: Done = None, error: Error = None
) -> HTMLResponse:
    rows = rules_service.list_rules(session)
    context: dict[str, Any] = {
        "rows": rows,
        "labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
        "categories": list(Category),
        "version": max((r.id for r in rows), default=0),
        "done": done,
        "error": error,
    }
    return page(request, session, actor, "console/privacy_rules.html", context)


@router.post("/privacy/rules", dependencies=[Depends(require(OFFICE))])
def add_rule(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    category: Annotated[str, Form(max_length=32)],
    value: Annotated[str, Form(max_length=400)],
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        with session.begin_nested():
            row = rules_service.add_rule(session, actor, category, value, label)
    except Refused as refused:
        return back("/console/privacy/rules", error=refusal(refused))
    return back("/console/privacy/rules", message=f"已新增脱敏规则（第 {row.id} 号），规则版本 {row.id}")


@router.post("/privacy/rules/{rule_id}/retire", dependencies=[Depends(require(OFFICE))])
def retire_rule(
    rule_id: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, actor: CurrentActor, csrf_token: Csrf
) -> Response:
    try:
        with session.begin_nested():
            rules_service.retire_rule(session, actor, rule_id)
    except Refused as refused:
        return back("/console/privacy/rules", error=refusal(refused))
    return back("/console/privacy/rules", message=f"第 {rule_id} 号规则已停用")


@router.get("/privacy/{record_id}", dependencies=[Depends(require(STAFF))])
def review(
    record_id: RecordId, request: Request, session: DbSession, actor: CurrentActor, error: Error = None
) -> HTMLResponse:
    item = privacy_review.review_item(session, actor, record_id)
    departments = {d.code: d.short_name for d in list_departments(session)}
    context = {
        "item": item,
        "record": item.version,
        "kind": KIND_LABELS.get(Kind(item.version.kind), item.version.kind),
        "department": departments.get(item.version.source_department, item.version.source_department),
        "may_confirm": actor.role in (Role.DEPT_REVIEWER, Role.CREDIT_OFFICE),
        "error": error,
    }
    return page(request, session, actor, "console/privacy_review.html", context)


@router.post("/privacy/{record_id}", dependencies=[Depends(require(STAFF))])
def confirm(
    record_id: RecordId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    key: Annotated[list[str], Form(max_length=64)],
    text: Annotated[list[str], Form(max_length=20_000)],
) -> Response:
    try:
        if len(key) != len(text) or len(key) > 200:
            raise ValueError("表单字段不完整")
        with session.begin_nested():
            privacy_review.confirm(session, actor, record_id, dict(zip(key, text, strict=True)))
    except Refused as refused:
        return back(f"/console/privacy/{record_id}", error=refusal(refused))
    return back("/console/privacy", message=f"记录 {record_id} 的公示文本已确认，已对外公示")
