"""Console pages of the listing procedure (列入程序, req §3.8): the entries with filters, the department's queue,
candidate serious penalties, the proposal form (拟列入 from a credit record), and one entry's page with the step the
signed-in person may take next: 告知, 陈述申辩 (entered from the written statement received), 列入决定 or 不予列入
(a reviewer who did not propose), 公示, 提前移出 and 撤销. Every step goes through the lists service, which checks
the step and the person's right, computes the working-day deadline and audits it; these pages only read forms and
show what the service answers, in Chinese, with department names and Beijing time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.console.forms import NoticeCode, back, read_notices, refusal, take_step
from xinyong.console.pages import console_router, page
from xinyong.core import clock
from xinyong.core.actor import ROLE_LABELS, Actor, Role
from xinyong.core.auth.access import DEPARTMENT, STAFF, require
from xinyong.core.config import get_settings
from xinyong.core.departments import list_departments
from xinyong.core.errors import InvalidInput, NotFound, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.lists import service as lists
from xinyong.lists.honour_rules import HONOUR_TABLE
from xinyong.lists.rules import EntryStatus
from xinyong.lists.schemas import ListEntryOut
from xinyong.lists.service import ListType
from xinyong.punishment import service as punishment
from xinyong.records import service as records
from xinyong.records.rules import KIND_LABELS, Kind

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

DESK = "/console/lists"
PAGE_SIZE = 20
MAX_DOCUMENT_LINES = 10
EntryId = Annotated[int, Path(ge=1, le=2**62)]
Csrf = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=20_000)]
Reason = Annotated[str, Form(max_length=5000)]
DocNo = Annotated[str, Form(max_length=128)]
Refused = (XinyongError, ValidationError)

STEP_LABELS = {
    "propose": "拟列入",
    "notify": "告知",
    "state": "陈述申辩",
    "decide": "列入决定",
    "decline": "不予列入",
    "publish": "公示",
    "expire": "期满移出",
    "exit_early": "提前移出",
    "revoke": "撤销",
    **HONOUR_TABLE.labels,  # an honour entry's steps (守信激励), in the same step log
}
# what each status waits for, as a queue reads it
WAITING = {
    EntryStatus.PROPOSED: "待告知当事人（或不予列入）",
    EntryStatus.NOTIFIED: "陈述申辩期内；期满后由审核人员决定",
    EntryStatus.STATED: "已收到陈述申辩，待审核人员决定",
    EntryStatus.DECIDED: "待公示",
}


def _names(session: Session) -> dict[str, str]:
    return {d.code: d.full_name for d in list_departments(session)}


def _types(session: Session) -> list[ListType]:
    return lists.current_types(session)


def _account(actor_id: str | None) -> str:
    """An account id as a page shows it (the username, or the platform's job)."""
    text = str(actor_id or "")
    if text.startswith("user:"):
        return text.removeprefix("user:")
    return "平台" if text.startswith(("system:", "tick")) else text


@dataclass(frozen=True)
class StepRow:
    """One step of an entry as its page shows it: what, who (department, role, account), when, and the deadline it
    opened."""

    label: str
    department: str
    role: str
    account: str
    at: dt.datetime
    deadline: dt.date | None
    reason: str | None
    documents: tuple[str, ...]


def _steps(session: Session, entry_id: int, names: dict[str, str]) -> list[StepRow]:
    rows = []
    for s in lists.entry_steps(session, entry_id):
        system = s.actor_role == Role.SYSTEM
        rows.append(
            StepRow(
                label=STEP_LABELS.get(s.step, s.step),
                department=names.get(s.actor_department or "", ""),
                role="平台（自动办理）" if system else ROLE_LABELS.get(s.actor_role, "办理人"),
                account="" if system else _account(s.actor_id),
                at=s.at,
                deadline=s.deadline,
                reason=s.reason,
                documents=tuple(s.documents or ()),
            )
        )
    return rows


def _rule_text(text: str | None, code: str) -> str:
    """A stored rule (``严重失信主体名单（serious 第1版）：…``) as a page shows it: the type's code left out."""
    return (text or "").replace(f"（{code} 第", "（第")


def _decidable_from(entry: ListEntryOut) -> dt.date | None:
    """The first day a decision may be taken: the day after the statement deadline, or at once after a waiver."""
    if entry.statement_waived:
        return entry.notice_date
    if entry.statement_deadline is None:
        return None
    return entry.statement_deadline + dt.timedelta(days=1)


def _row(entry: ListEntryOut, names: dict[str, str], actor: Actor) -> dict[str, Any]:
    today = clock.today()
    decidable = _decidable_from(entry)
    return {
        "e": entry,
        "department": names.get(entry.department, entry.department),
        "waiting": WAITING.get(EntryStatus(entry.status), ""),
        "decidable_from": decidable,
        "may_decide_now": decidable is not None and today >= decidable,
        "own_proposal": entry.proposed_by == actor.id,
        "pipeline": actor.sees_everything or actor.department_code == entry.department,
    }


# ---------------------------------------------------------------- the entries


@router.get("/lists", dependencies=[Depends(require(STAFF))])
def entries_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: EntryStatus | None = None,
    department: Annotated[str | None, Query(max_length=16)] = None,
    list_type: Annotated[str | None, Query(max_length=32)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    """名单管理: every entry the person may see, newest first, by status, department and list type."""
    names = _names(session)
    if department and department.strip().upper() not in names:
        raise InvalidInput(f"unknown department {department[:16]!r} (未知部门)", field="department")
    types = _types(session)
    if list_type and list_type not in {t.code for t in types}:
        raise InvalidInput(f"unknown list type {list_type[:32]!r} (未知名单类型)", field="list_type")
    found, total = lists.search_entries(
        session,
        actor,
        page=PageRequest(page_no, PAGE_SIZE),
        list_code=list_type or None,
        status=status,
        department=department or None,
    )
    context: dict[str, Any] = {
        "rows": [_row(e, names, actor) for e in found],
        "total": total,
        "page_no": page_no,
        "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        "statuses": [s.value for s in EntryStatus],
        "departments": sorted(names.items()),
        "types": [(t.code, t.name) for t in types],
        "selected": {
            "status": status.value if status else "",
            "department": department or "",
            "list_type": list_type or "",
        },
        "may_propose": actor.is_department,
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/lists.html", context)


@router.get("/lists/queue", dependencies=[Depends(require(STAFF))])
def queue_page(
    request: Request, session: DbSession, actor: CurrentActor, done: NoticeCode = None, error: NoticeCode = None
) -> HTMLResponse:
    """待办: the entries of the person's department waiting for a step (the office and auditors see every
    department's), with each one's deadline; the reviewer's part is the decision."""
    names = _names(session)
    size = get_settings().page_size_max
    department = actor.department_code if actor.is_department else None
    sections = []
    for status in (EntryStatus.NOTIFIED, EntryStatus.STATED, EntryStatus.PROPOSED, EntryStatus.DECIDED):
        found, total = lists.search_entries(
            session, actor, page=PageRequest(1, size), status=status, department=department
        )
        sections.append(
            {
                "status": status.value,
                "waiting": WAITING[status],
                "rows": [_row(e, names, actor) for e in found],
                "total": total,
            }
        )
    context: dict[str, Any] = {
        "sections": sections,
        "mine": len(lists.awaiting_decision(session, actor)),  # the dashboard tile's count (reviewer_queue)
        "reviewer": actor.role == Role.DEPT_REVIEWER,
        "today": clock.today(),
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/lists_queue.html", context)


@router.get("/lists/candidates", dependencies=[Depends(require(DEPARTMENT))])
def candidates_page(request: Request, session: DbSession, actor: CurrentActor) -> HTMLResponse:
    """待研判: the department's serious penalties in force that no entry links yet, each with 拟列入."""
    rows = [
        {
            "record_id": v.record_id,
            "doc_no": records.doc_number(session, v.record_id),
            "subject_name": v.subject_name,
            "subject_uscc": v.subject_uscc,
            "title": v.title,
            "decision_date": v.decision_date,
            "kind": KIND_LABELS.get(Kind(v.kind), v.kind),
        }
        for v in lists.candidate_records(session, actor)
    ]
    return page(request, session, actor, "console/lists_candidates.html", {"rows": rows})


# ---------------------------------------------------------------- 拟列入


def _basis_choices(session: Session, types: list[ListType]) -> list[tuple[str, str]]:
    """The bases a proposal may cite: each list type's legal basis and each joint punishment memorandum."""
    choices = [(f"type:{t.code}", f"{t.name}认定依据：{t.legal_basis}") for t in types]
    for memo in punishment.list_memoranda(session):
        choices.append((f"memo:{memo.id}", f"《{memo.name}》（{memo.number}）"))
    return choices


def _prefill(session: Session, actor: Actor, record_id: int) -> dict[str, Any]:
    record = records.get_record(session, actor, record_id)
    content = record.content or {}
    conduct = str(content.get("SY") or content.get("WFXW") or record.title)
    basis = str(content.get("YJ") or "")
    return {
        "record": record,
        "department": record.source_department,
        "facts": f"{conduct}，情节严重（{record.doc_no}，{record.decision_date.isoformat()}）。",
        "basis": basis,
        "conduct_date": record.decision_date,
    }


@router.get("/lists/new", dependencies=[Depends(require(DEPARTMENT))])
def proposal_form(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    record_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    """拟列入 form, filled from a credit record when one is named (its subject, facts, basis and date)."""
    types = _types(session)
    names = _names(session)
    context: dict[str, Any] = {
        "types": types,
        "bases": _basis_choices(session, types),
        "uscc": (uscc or "").strip().upper(),
        "record": None,
        "facts": "",
        "basis": "",
        "conduct_date": None,
        "today": clock.today(),
        **read_notices(None, error),
    }
    if record_id is not None:
        context.update(_prefill(session, actor, record_id))
        context["record_department"] = names.get(context["record"].source_department, "")
    return page(request, session, actor, "console/lists_new.html", context)


def _compose_basis(session: Session, source: str, extra: str) -> str:
    chosen = dict(_basis_choices(session, _types(session))).get(source)
    if source and chosen is None:
        raise InvalidInput("unknown basis (认定依据不在目录中)", field="basis_source")
    parts = [p for p in (extra.strip(), chosen) if p]
    return "；".join(parts)


@router.post("/lists", dependencies=[Depends(require(DEPARTMENT))])
def propose(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    list_type: Annotated[str, Form(max_length=32)],
    facts: Text,
    basis_source: Annotated[str, Form(max_length=40)] = "",
    basis: Reason = "",
    record_id: Annotated[str, Form(max_length=20)] = "",
    uscc: Annotated[str, Form(max_length=18)] = "",
    conduct_date: Annotated[str, Form(max_length=10)] = "",
    key_field: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """拟列入 from the form: the subject is the linked record's (or the USCC given)."""
    retry = f"{DESK}/new"
    try:
        with session.begin_nested():
            linked: list[int] = []
            subject_uscc: str | None = uscc.strip().upper() or None
            person_id: int | None = None
            if record_id.strip():
                if not record_id.strip().isdigit() or not 1 <= int(record_id) <= 2**62:
                    raise InvalidInput("record_id must be a record number (信用记录编号)", field="record_id")
                version = records.visible_record(session, actor, int(record_id))
                if version is None:
                    raise NotFound(f"no credit record {record_id} visible to you (未找到该信用记录)", field="record_id")
                linked = [version.record_id]
                subject_uscc, person_id = version.subject_uscc, version.subject_person_id
            when = None
            if conduct_date.strip():
                try:
                    when = dt.date.fromisoformat(conduct_date.strip())
                except ValueError:
                    raise InvalidInput(
                        "conduct_date is not a date (失信行为日期格式不正确)", field="conduct_date"
                    ) from None
            entry = lists.propose_entry(
                session,
                actor,
                list_type=list_type,
                facts=facts,
                basis=_compose_basis(session, basis_source, basis),
                subject_uscc=subject_uscc if person_id is None else None,
                subject_person_id=person_id,
                conduct_date=when,
                linked_record_ids=linked,
                key_field=key_field.strip() or None,
            )
    except Refused as refused:
        keep = record_id.strip() if record_id.strip().isdigit() else None
        return back(retry, error=refusal(refused), record_id=keep, uscc=uscc.strip() or None)
    return back(f"{DESK}/{entry.id}", f"已提出拟列入（{entry.subject_name}），请向当事人告知")


# ---------------------------------------------------------------- one entry


@router.get("/lists/{entry_id}", dependencies=[Depends(require(STAFF))])
def entry_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    entry_id: EntryId,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    """One entry: its facts, basis, each step with who, when and the deadline it opened, and the next step's form
    for those who may take it."""
    entry = lists.get_entry(session, actor, entry_id)
    names = _names(session)
    pipeline = entry.steps is not None
    ltype = lists.get_type(session, entry.list_type_id)
    status = EntryStatus(entry.status)
    own = actor.is_department and actor.department_code == entry.department and entry.origin == "local"
    reviewer = own and actor.role == Role.DEPT_REVIEWER
    today = clock.today()
    context: dict[str, Any] = {
        **_row(entry, names, actor),
        "ltype": ltype,
        "steps": _steps(session, entry.id, names) if pipeline else [],
        "pipeline": pipeline,
        "today": today,
        "may_notify": own and status == EntryStatus.PROPOSED,
        "may_state": own and status == EntryStatus.NOTIFIED,
        "statement_open": entry.statement_deadline is None or today <= entry.statement_deadline,
        "may_decide": reviewer and status in (EntryStatus.NOTIFIED, EntryStatus.STATED),
        "may_decline": reviewer and status in (EntryStatus.PROPOSED, EntryStatus.NOTIFIED, EntryStatus.STATED),
        "may_publish": own and status == EntryStatus.DECIDED,
        "may_exit": reviewer and status == EntryStatus.PUBLISHED,
        "may_revoke": reviewer and status in (EntryStatus.DECIDED, EntryStatus.PUBLISHED),
        "exit_open": entry.earliest_exit_on is not None and today >= entry.earliest_exit_on,
        "reviewer_needed": own and not reviewer and status in (EntryStatus.NOTIFIED, EntryStatus.STATED),
        "linked": entry.linked_record_ids or [],
        "statement_rule": _rule_text(entry.statement_deadline_rule, ltype.code),
        "validity_rule": _rule_text(entry.validity_rule, ltype.code),
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/list_entry.html", context)


def _step(session: Session, entry_id: int, outcome: str | Callable[[Any], str], take: Callable[[], Any]) -> Response:
    return take_step(session, take, f"{DESK}/{entry_id}", outcome)


def _documents(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_DOCUMENT_LINES:
        raise InvalidInput(f"at most {MAX_DOCUMENT_LINES} documents (材料过多)", field="documents")
    return lines


@router.post("/lists/{entry_id}/notice", dependencies=[Depends(require(DEPARTMENT))])
def notify(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    entry_id: EntryId,
    notice_doc_no: DocNo,
    rights: Reason = "",
) -> Response:
    def told(entry: Any) -> str:
        deadline = entry.statement_deadline.isoformat() if entry.statement_deadline else ""
        return f"已告知当事人，陈述申辩期限至 {deadline}（按工作日计算）"

    notice = rights or None
    return _step(
        session,
        entry_id,
        told,
        lambda: lists.notify_party(session, actor, entry_id, notice_doc_no=notice_doc_no, rights=notice),
    )


@router.post("/lists/{entry_id}/statement", dependencies=[Depends(require(DEPARTMENT))])
def statement(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    entry_id: EntryId,
    statement: Text = "",
    waived: Annotated[str, Form(max_length=8)] = "",
    documents: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    def take() -> None:
        lists.record_statement(
            session, actor, entry_id, statement=statement or None, waived=waived == "1", documents=_documents(documents)
        )

    outcome = "已记录当事人书面放弃陈述申辩" if waived == "1" else "已记录当事人的陈述申辩，待审核人员决定"
    return _step(session, entry_id, outcome, take)


@router.post("/lists/{entry_id}/decision", dependencies=[Depends(require(DEPARTMENT))])
def decide(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    entry_id: EntryId,
    decision_doc_no: DocNo,
    reason: Reason = "",
    duration_months: Annotated[str, Form(max_length=5)] = "",
    permanent: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    def take() -> None:
        months: int | None = None
        if duration_months.strip():
            if not duration_months.strip().isdigit():
                raise InvalidInput("duration_months must be a number (期限月数)", field="duration_months")
            months = int(duration_months)
        lists.decide_entry(
            session,
            actor,
            entry_id,
            decision_doc_no=decision_doc_no,
            reason=reason or None,
            duration_months=months,
            permanent=True if permanent == "1" else None,
        )

    return _step(session, entry_id, "已作出列入决定，待公示", take)


@router.post("/lists/{entry_id}/decline", dependencies=[Depends(require(DEPARTMENT))])
def decline(session: DbSession, actor: CurrentActor, csrf_token: Csrf, entry_id: EntryId, reason: Reason) -> Response:
    return _step(
        session, entry_id, "已决定不予列入", lambda: lists.decline_entry(session, actor, entry_id, reason=reason)
    )


@router.post("/lists/{entry_id}/publication", dependencies=[Depends(require(DEPARTMENT))])
def publish(session: DbSession, actor: CurrentActor, csrf_token: Csrf, entry_id: EntryId) -> Response:
    published = "已公示：名单条目已在门户信用名单中公开"
    return _step(session, entry_id, published, lambda: lists.publish_entry(session, actor, entry_id))


@router.post("/lists/{entry_id}/exit", dependencies=[Depends(require(DEPARTMENT))])
def exit_early(
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Csrf,
    entry_id: EntryId,
    reason: Reason,
    repair_ref: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    ref = repair_ref.strip() or None
    return _step(
        session,
        entry_id,
        "已提前移出名单",
        lambda: lists.exit_entry(session, actor, entry_id, reason=reason, repair_ref=ref),
    )


@router.post("/lists/{entry_id}/revocation", dependencies=[Depends(require(DEPARTMENT))])
def revoke(session: DbSession, actor: CurrentActor, csrf_token: Csrf, entry_id: EntryId, reason: Reason) -> Response:
    return _step(
        session, entry_id, "已撤销列入决定", lambda: lists.revoke_entry(session, actor, entry_id, reason=reason)
    )
