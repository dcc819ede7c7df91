"""Console pages of contradiction flags (可比对): the department's queue, the office's overview with the rule
catalogue, and one flag with both sides side by side, where the responsible department resolves it (确认有误已更正 /
不构成矛盾, with the reason). The services audit every step; nothing here changes the compared data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.contradictions import service as flags
from xinyong.contradictions.rules import DEFAULTS_BY_CODE, RESOLUTIONS, TABLE, FlagStatus, FlagStep
from xinyong.contradictions.schemas import ResolveIn, RuleIn, SideOut
from xinyong.core.actor import Actor
from xinyong.core.auth.access import AUDIT, OFFICE, STAFF, require
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties
from xinyong.entities import service as entities
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.records import service as records

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
FlagId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DESK = "/console/contradictions"
PAGE_SIZE = 50
KIND_LABELS = {"record": "信用记录", "list_entry": "名单条目", "grade": "信用评价", "entity": "登记状态"}
STEP_CHOICES = {"correct": FlagStep.CORRECT, "dismiss": FlagStep.DISMISS}


@router.get("/contradictions", dependencies=[Depends(require(STAFF))])
def queue(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[FlagStatus | None, Query()] = FlagStatus.OPEN,
    rule: Annotated[str | None, Query(max_length=32)] = None,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    """The queue: a department's own flags; the office and auditors see every department's."""
    rule = rule or None
    rows, total = flags.page_flags(
        session, actor, status=status, rule=rule, page=PageRequest(page=page_no, page_size=PAGE_SIZE)
    )
    context: dict[str, Any] = {
        "flags": [flags.to_view(row) for row in rows],
        "total": total,
        "status": status.value if status else "",
        "statuses": [s.value for s in FlagStatus],
        "rule": rule or "",
        "rules": {code: d.name for code, d in DEFAULTS_BY_CODE.items()},
        "page_no": page_no,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "sees_all": actor.sees_everything,
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/contradictions.html", context)


@router.get("/contradictions/overview", dependencies=[Depends(require(AUDIT))])
def overview(
    request: Request, session: DbSession, actor: CurrentActor, done: NoticeCode = None, error: NoticeCode = None
) -> HTMLResponse:
    """The office's overview: open, overdue and decided flags per department, and the rule catalogue."""
    context: dict[str, Any] = {
        "queues": flags.queue_counts(session, actor),
        "rules": flags.list_rules(session),
        "may_edit": OFFICE.allows(actor.role),
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/contradictions_overview.html", context)


def _side(session: Any, actor: Actor, side: SideOut) -> dict[str, Any]:
    """One side for the page: what it is and, when the reader may see it, its facts from its own area."""
    shown: dict[str, Any] = {"side": side, "kind_label": KIND_LABELS.get(side.kind, side.kind), "facts": None}
    try:
        if side.kind == "record":
            shown["record"] = records.get_record(session, actor, int(side.ref))
        elif side.kind == "list_entry":
            shown["entry"] = lists.get_entry(session, actor, int(side.ref))
        elif side.kind == "grade":
            result = evaluation.result_of(session, side.ref)
            shown["grade"] = evaluation.grade_label(result.grade) if result else None
        elif side.kind == "entity":
            shown["entity"] = entities.get_entity(session, side.ref)
    except XinyongError:
        shown["hidden"] = True  # not visible to this reader: the label on the flag is all they see
    return shown


@router.get("/contradictions/{flag_id}", dependencies=[Depends(require(STAFF))])
def detail(
    request: Request,
    flag_id: FlagId,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    """One flag: the rule, both sides with their facts, the deadline, the steps, and the resolve form."""
    row = flags.get_flag(session, actor, flag_id)
    view = flags.to_view(row)
    allowed = TABLE.allowed_for(TABLE.status_of(row.status), actor, Parties(row.department, subject_uscc=row.uscc))
    context: dict[str, Any] = {
        "f": view,
        "rule": DEFAULTS_BY_CODE.get(row.rule_code),
        "a": _side(session, actor, view.side_a),
        "b": _side(session, actor, view.side_b),
        "steps": flags.steps_of(session, row),
        "choices": [(key, RESOLUTIONS[step]) for key, step in STEP_CHOICES.items() if step in allowed],
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/contradiction.html", context)


@router.post("/contradictions/{flag_id}/resolve", dependencies=[Depends(require(STAFF))])
def resolve(
    flag_id: FlagId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    resolution: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=5000)],
) -> Response:
    target = f"{DESK}/{flag_id}"
    step = STEP_CHOICES.get(resolution)
    if step is None:
        return back(target, error="请选择处理结果（确认有误已更正或不构成矛盾）")
    try:
        with session.begin_nested():
            flags.resolve(session, actor, flag_id, step, ResolveIn(reason=reason))
    except (XinyongError, ValidationError) as refused:
        return back(target, error=refusal(refused))
    return back(target, message=f"矛盾线索 {flag_id} 已处理：{RESOLUTIONS[step]}")


@router.post("/contradictions/rules/{code}", dependencies=[Depends(require(OFFICE))])
def update_rule(
    code: Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z_]+$")],
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    deadline_days: Annotated[str, Form(max_length=10)],
    enabled: Annotated[str | None, Form(max_length=10)] = None,
    window_months: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    target = f"{DESK}/overview"
    try:
        params = {"window_months": int(window_months)} if window_months else {}
        data = RuleIn(enabled=enabled == "on", deadline_days=int(deadline_days), params=params)
        with session.begin_nested():
            saved = flags.update_rule(session, actor, code, data)
    except ValueError:
        return back(target, error="办理时限和参数须为整数")
    except (XinyongError, ValidationError) as refused:
        return back(target, error=refusal(refused))
    return back(target, message=f"比对规则「{saved.name}」已保存")
