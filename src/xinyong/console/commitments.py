"""Console pages of credit commitments (信用承诺): the department's catalogue and letter templates, signing at the
window on an entity's behalf, 容缺 cases due soon or overdue, fulfilment checks, self-reported items awaiting
verification, integrity education sessions and industry associations. Every change goes through the areas'
services, which check rights and write the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.commitments import associations, education, fulfilment, service
from xinyong.commitments.rules import TYPE_LABELS, CheckResult, CommitmentType, MemberEvent
from xinyong.commitments.schemas import (
    AssociationIn,
    CheckIn,
    ConsequenceIn,
    EducationIn,
    ItemIn,
    MemberEventIn,
    MemberIn,
    ReachedIn,
    SignIn,
    SupplyIn,
    TemplateIn,
)
from xinyong.console.forms import back, refusal, take_step
from xinyong.console.pages import PageState, chinese_part, console_router, page
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import DEPARTMENT, STAFF, require
from xinyong.core.departments import list_departments
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession
from xinyong.core.pagination import PageRequest
from xinyong.selfreport import service as selfreports
from xinyong.selfreport.rules import Status as ReportStatus
from xinyong.selfreport.schemas import DecisionIn

router = console_router()
Id = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]


def _text(value: str) -> str | None:
    return value.strip() or None


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _refusal(error: XinyongError) -> str:
    return chinese_part(error.message)


# ---------------------------------------------------------------- overview and catalogue


def _overview(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    error: XinyongError | str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    """The commitments overview; ``error`` is a refusal of this request (its status answers) or the words of an
    earlier step's refusal carried back by a notice code (the page itself answers 200)."""
    department = actor.department_code
    items, _ = service.list_items(session, department=department, include_inactive=True, page=PageRequest(1, 200))
    recent, _ = service.list_commitments(session, actor, department=department, page=PageRequest(1, 20))
    today = clock.today()
    context = {
        "items": items,
        "recent": recent,
        "due_soon": fulfilment.tolerance_cases(session, actor, today, state="due_soon"),
        "overdue": fulfilment.tolerance_cases(session, actor, today, state="overdue"),
        "planned": fulfilment.planned_checks(session, actor, today),
        "types": TYPE_LABELS,
        "departments": list_departments(session),
        "error": _refusal(error) if isinstance(error, XinyongError) else error,
        "notice": notice,
        "may_edit": actor.role != "auditor",
    }
    status = error.status if isinstance(error, XinyongError) else 200
    return page(request, session, actor, "console/commitments/index.html", context, status)


@router.get("/commitments", dependencies=[Depends(require(STAFF))])
def overview(screen: PageState) -> HTMLResponse:
    return _overview(screen.request, screen.session, screen.actor, notice=screen.done, error=screen.error)


@router.post("/commitments/items", dependencies=[Depends(require(STAFF))])
def create_item(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    commitment_type: Annotated[str, Form(max_length=16)] = "",
    department: Annotated[str, Form(max_length=16)] = "",
    conditions: Annotated[str, Form(max_length=4000)] = "",
    tolerance_days: Annotated[str, Form(max_length=4)] = "",
    severity: Annotated[str, Form(max_length=4)] = "一般",
    suspend_months: Annotated[str, Form(max_length=4)] = "12",
    list_type: Annotated[str, Form(max_length=32)] = "",
    title: Annotated[str, Form(max_length=200)] = "信用承诺书",
    undertaking: Annotated[str, Form(max_length=4000)] = "",
    verification: Annotated[str, Form(max_length=2000)] = "",
    liability: Annotated[str, Form(max_length=2000)] = "",
    declaration: Annotated[str, Form(max_length=2000)] = "",
    is_public: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    try:
        data = ItemIn(
            code=code,
            department=_text(department),
            name=name,
            commitment_type=CommitmentType(commitment_type) if commitment_type else CommitmentType.APPROVAL,
            conditions=conditions,
            tolerance_days=int(tolerance_days) if tolerance_days.strip() else None,
            consequence=ConsequenceIn(
                severity=_text(severity), suspend_months=int(suspend_months or 0), list_type=_text(list_type)
            ),
            template=TemplateIn(
                title=title,
                conditions=conditions,
                undertaking=undertaking,
                verification=verification,
                liability=liability,
                declaration=declaration,
                is_public=is_public == "on",
            ),
        )
        with session.begin_nested():
            item = service.create_item(session, actor, data)
    except (ValueError, XinyongError) as refused:
        error = refused if isinstance(refused, XinyongError) else InvalidInput(f"表单有误：{str(refused)[:300]}")
        if error.status == 403:
            raise error from None
        return _overview(request, session, actor, error=error)
    return back("/console/commitments", f"已创建事项 {item.code}。")


@router.post("/commitments/items/{item_id}/active", dependencies=[Depends(require(STAFF))])
def set_item_active(
    session: DbSession,
    actor: CurrentActor,
    item_id: Id,
    csrf_token: Csrf,
    active: Annotated[str, Form(pattern="^[01]$")] = "0",
) -> Response:
    """停用 / 启用 an item of the department's catalogue: a stopped item takes no new commitments."""
    return take_step(
        session,
        lambda: service.set_item_active(session, actor, item_id, active == "1"),
        "/console/commitments",
        lambda item: f"事项“{item.name}”已{'启用' if item.active else '停用'}。",
        refused=(XinyongError,),
        passes=(403, 404),
    )


# ---------------------------------------------------------------- the window


def _window(
    request: Request, session: Session, actor: Actor, *, error: str | None = None, reasons: list[str] | None = None
) -> HTMLResponse:
    items, _ = service.list_items(session, department=actor.department_code, page=PageRequest(1, 200))
    context = {"items": items, "error": error, "reasons": reasons or []}
    status = 409 if reasons else (422 if error else 200)
    return page(request, session, actor, "console/commitments/window.html", context, status)


@router.get("/commitments/window", dependencies=[Depends(require(DEPARTMENT))])
def window_form(request: Request, session: DbSession, actor: CurrentActor) -> HTMLResponse:
    return _window(request, session, actor)


@router.post("/commitments/window", dependencies=[Depends(require(DEPARTMENT))])
def window_sign(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    item_id: Annotated[int, Form(ge=1, le=2**62)],
    uscc: Annotated[str, Form(max_length=18)] = "",
    signer: Annotated[str, Form(max_length=100)] = "",
    missing_materials: Annotated[str, Form(max_length=6000)] = "",
    accept: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    try:
        with session.begin_nested():
            outcome = service.sign_commitment(
                session,
                actor,
                SignIn(
                    item_id=item_id,
                    uscc=uscc.strip(),
                    signer=signer.strip() or "—",
                    accept=accept == "on",
                    missing_materials=_lines(missing_materials),
                ),
            )
    except XinyongError as refused:
        if refused.status == 403:
            raise
        return _window(request, session, actor, error=_refusal(refused))
    if outcome.commitment is None:
        return _window(request, session, actor, reasons=outcome.reasons)
    return RedirectResponse(f"/console/commitments/{outcome.commitment.id}", status_code=303)


# ---------------------------------------------------------------- one commitment


def _detail(
    request: Request, session: Session, actor: Actor, commitment_id: int, error: str | None = None
) -> HTMLResponse:
    commitment = service.get_commitment(session, actor, commitment_id)
    context = {
        "commitment": commitment,
        "described": service.describe(session, commitment),
        "tolerance": service.tolerance_of(session, commitment.id),
        "checks": fulfilment.checks_of(session, commitment.id),
        "results": list(CheckResult),
        "own": actor.department_code == commitment.department,
        "error": error,
    }
    return page(request, session, actor, "console/commitments/detail.html", context, 422 if error else 200)


@router.get("/commitments/{commitment_id}", dependencies=[Depends(require(STAFF))])
def detail(request: Request, session: DbSession, actor: CurrentActor, commitment_id: Id) -> HTMLResponse:
    return _detail(request, session, actor, commitment_id)


@router.post("/commitments/{commitment_id}/checks", dependencies=[Depends(require(DEPARTMENT))])
def record_check(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    commitment_id: Id,
    csrf_token: Csrf,
    result: Annotated[str, Form(max_length=8)] = "",
    finding: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        with session.begin_nested():
            fulfilment.record_check(session, actor, commitment_id, CheckIn(result=CheckResult(result), finding=finding))
    except (ValueError, XinyongError) as refused:
        if isinstance(refused, XinyongError) and refused.status in (403, 404):
            raise
        message = _refusal(refused) if isinstance(refused, XinyongError) else "请选择核查结果并填写核查情况"
        return _detail(request, session, actor, commitment_id, message)
    return RedirectResponse(f"/console/commitments/{commitment_id}", status_code=303)


@router.post("/commitments/{commitment_id}/supply", dependencies=[Depends(require(DEPARTMENT))])
def supply(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    commitment_id: Id,
    csrf_token: Csrf,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        with session.begin_nested():
            fulfilment.supply_materials(session, actor, commitment_id, SupplyIn(note=note or "材料已补齐"))
    except XinyongError as refused:
        if refused.status in (403, 404):
            raise
        return _detail(request, session, actor, commitment_id, _refusal(refused))
    return RedirectResponse(f"/console/commitments/{commitment_id}", status_code=303)


# ---------------------------------------------------------------- self-reported items


@router.get("/self-reports", dependencies=[Depends(require(STAFF))])
def report_queue(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    wanted = status or ReportStatus.PENDING
    department = actor.department_code if actor.is_department else None
    reports, total = selfreports.list_reports(
        session, actor, status=wanted, department=department, page=PageRequest(1, 200)
    )
    context = {
        "reports": [selfreports.to_view(session, actor, r) for r in reports],
        "total": total,
        "status": wanted,
        "statuses": list(ReportStatus),
    }
    return page(request, session, actor, "console/commitments/self_reports.html", context)


@router.post("/self-reports/{report_id}/decision", dependencies=[Depends(require(DEPARTMENT))])
def decide(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    report_id: Id,
    csrf_token: Csrf,
    verified: Annotated[str, Form(pattern="^[01]$")],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    selfreports.decide(session, actor, report_id, DecisionIn(verified=verified == "1", reason=_text(reason)))
    return RedirectResponse("/console/self-reports", status_code=303)


# ---------------------------------------------------------------- integrity education


@router.get("/education", dependencies=[Depends(require(STAFF))])
def education_sessions(request: Request, session: DbSession, actor: CurrentActor) -> HTMLResponse:
    return education_page(request, session, actor)


def education_page(
    request: Request, session: Session, actor: Actor, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    sessions, total = education.list_sessions(session, actor, page=PageRequest(1, 100))
    context: dict[str, Any] = {
        "sessions": sessions,
        "total": total,
        "report": education.report(session, actor, clock.today().year),
        "year": clock.today().year,
        "error": error,
        "today": clock.today(),
    }
    return page(request, session, actor, "console/commitments/education.html", context, status_code)


@router.post("/education", dependencies=[Depends(require(DEPARTMENT))])
def record_education(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    held_on: Annotated[str, Form(max_length=10)] = "",
    window: Annotated[str, Form(max_length=100)] = "",
    topic: Annotated[str, Form(max_length=200)] = "",
    delivered_by: Annotated[str, Form(max_length=100)] = "",
    reached: Annotated[str, Form(max_length=40_000)] = "",
) -> Response:
    try:
        data = EducationIn(
            held_on=held_on or clock.today().isoformat(),
            window=window,
            topic=topic,
            delivered_by=delivered_by,
            reached=[ReachedIn(uscc=code) for code in _lines(reached.replace(",", "\n").replace("，", "\n"))],
        )
        with session.begin_nested():
            education.record_session(session, actor, data)
    except (ValueError, XinyongError) as refused:
        message = _refusal(refused) if isinstance(refused, XinyongError) else f"表单有误：{str(refused)[:200]}"
        return education_page(request, session, actor, error=message, status_code=422)
    return RedirectResponse("/console/education", status_code=303)


# ---------------------------------------------------------------- industry associations


@router.get("/associations", dependencies=[Depends(require(STAFF))])
def association_list(screen: PageState) -> HTMLResponse:
    return associations_page(screen.request, screen.session, screen.actor, error=screen.error, notice=screen.done)


def associations_page(
    request: Request,
    session: Session,
    actor: Actor,
    error: str | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> HTMLResponse:
    found = associations.list_associations(session)
    context = {
        "associations": found,
        "events": {row.uscc: associations.events_of(session, row.uscc, limit=10) for row, _ in found},
        "member_rows": {row.uscc: associations.member_names(session, row.uscc) for row, _ in found},
        "event_types": list(MemberEvent),
        "departments": list_departments(session),
        "error": error,
        "notice": notice,
        "today": clock.today(),
    }
    return page(request, session, actor, "console/commitments/associations.html", context, status_code)


@router.post("/associations", dependencies=[Depends(require(STAFF))])
def register_association(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    uscc: Annotated[str, Form(max_length=18)] = "",
    supervising_department: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    try:
        with session.begin_nested():
            associations.register(
                session, actor, AssociationIn(uscc=uscc, supervising_department=_text(supervising_department))
            )
    except (ValueError, XinyongError) as refused:
        if isinstance(refused, XinyongError) and refused.status == 403:
            raise
        message = _refusal(refused) if isinstance(refused, XinyongError) else "请填写统一社会信用代码"
        return associations_page(request, session, actor, error=message, status_code=422)
    return RedirectResponse("/console/associations", status_code=303)


@router.post("/associations/{uscc}/events", dependencies=[Depends(require(STAFF))])
def record_member_event(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str, Path(max_length=64)],
    csrf_token: Csrf,
    member_uscc: Annotated[str, Form(max_length=18)] = "",
    event_type: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        with session.begin_nested():
            associations.record_event(
                session,
                actor,
                uscc,
                MemberEventIn(member_uscc=member_uscc, event_type=MemberEvent(event_type), reason=reason),
            )
    except (ValueError, XinyongError) as refused:
        if isinstance(refused, XinyongError) and refused.status in (403, 404):
            raise
        message = _refusal(refused) if isinstance(refused, XinyongError) else "请完整填写会员信用事件"
        return associations_page(request, session, actor, error=message, status_code=422)
    return RedirectResponse("/console/associations", status_code=303)


@router.post("/associations/{uscc}/members", dependencies=[Depends(require(STAFF))])
def add_member(
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str, Path(max_length=64)],
    csrf_token: Csrf,
    member_uscc: Annotated[str, Form(max_length=18)] = "",
) -> Response:
    return take_step(
        session,
        lambda: associations.add_member(session, actor, uscc, MemberIn(member_uscc=member_uscc)),
        "/console/associations",
        lambda member: f"{member.member_uscc} 已加入本会。",
        refused=(ValueError, XinyongError),
        passes=(403,),
    )


@router.post("/associations/{uscc}/members/{member_uscc}/end", dependencies=[Depends(require(STAFF))])
def end_member(
    session: DbSession,
    actor: CurrentActor,
    uscc: Annotated[str, Path(max_length=64)],
    member_uscc: Annotated[str, Path(max_length=64)],
    csrf_token: Csrf,
    left_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """退会: the membership ends on the date given (default today); the member's events before it stay on record."""
    try:
        day = dt.date.fromisoformat(left_on) if left_on.strip() else None
        with session.begin_nested():
            member = associations.end_membership(session, actor, uscc, member_uscc, day)
    except (ValueError, XinyongError) as refused:
        if isinstance(refused, XinyongError) and refused.status == 403:
            raise
        message = refusal(refused) if isinstance(refused, XinyongError) else "退会日期格式应为 年-月-日"
        return back("/console/associations", error=message)
    return back("/console/associations", f"{member.member_uscc} 已于 {member.left_on} 退会。")
