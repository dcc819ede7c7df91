"""Console pages of insider-misuse alerts (谋私预警): the auditor's queue, one alert with the audit events (or API
checks) behind it and the form that closes it with a reason, and the rule settings (auditors read, the office edits).

Only auditors reach the queue; the service hides from each auditor the alerts about themselves (404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from xinyong.console import audit_labels, audit_view
from xinyong.console.forms import NoticeCode, back, read_notices, refusal
from xinyong.console.pages import console_router, page
from xinyong.core.actor import ROLE_LABELS, Role
from xinyong.core.auth.access import AUDIT, AUDITOR, OFFICE, require
from xinyong.core.display import beijing
from xinyong.core.errors import XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.misuse import service as misuse
from xinyong.misuse.rules import SPECS, AlertStatus

# The audit log's Chinese for the events this area reads and writes (actions, the area, subjects, payload fields).
audit_labels.register(
    actions={
        "misuse:alert:raised": "产生谋私预警",
        "misuse:alert:extended": "谋私预警追加事件",
        "misuse:alert:closed": "核查关闭谋私预警",
        "misuse:rule:changed": "修改谋私预警规则",
        "records:entity:read": "查看市场主体信用记录",
    },
    areas={"misuse": "谋私预警"},
    subjects={"misuse_alert": "谋私预警", "misuse_rule": "谋私预警规则"},
    fields={"departments": "部门", "rule": "规则", "rule_version": "规则版本", "params": "参数", "events": "事件数"},
)

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
AlertId = Annotated[int, Path(ge=1, le=2**62)]
RuleCode = Annotated[str, Path(max_length=32, pattern=r"^[a-z_]+$")]
QUEUE = "/console/misuse"
RULES = "/console/misuse/rules"
PAGE_SIZE = 30
STATUS_FILTERS = {"open": AlertStatus.OPEN, "closed": AlertStatus.CLOSED, "all": None}


def _rows(session: DbSession, alerts: list[Any]) -> list[dict[str, Any]]:
    """Alerts (``misuse.service`` rows) with the Chinese their table shows."""
    people = audit_view.people(session, {a.actor_id for a in alerts})
    return [
        {
            "a": a,
            "rule": SPECS[a.rule_code].label,
            "who": people[a.actor_id],
            "role": ROLE_LABELS.get(a.actor_role, "工作人员"),
            "start": beijing(a.window_start),
            "end": beijing(a.window_end),
        }
        for a in alerts
    ]


@router.get("/misuse", dependencies=[Depends(require(AUDITOR))])
def queue(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    rows, total = misuse.page_alerts(
        session, actor, status=STATUS_FILTERS[status], page=PageRequest.checked(page_no, PAGE_SIZE)
    )
    context = {
        "rows": _rows(session, rows),
        "total": total,
        "status": status,
        "page_no": page_no,
        "more": page_no * PAGE_SIZE < total,
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/misuse.html", context)


@router.get("/misuse/rules", dependencies=[Depends(require(AUDIT))])
def rules(
    request: Request, session: DbSession, actor: CurrentActor, done: NoticeCode = None, error: NoticeCode = None
) -> HTMLResponse:
    settings = [
        {"s": s, "spec": SPECS[s.code], "versions": misuse.rule_versions(session, s.code)[:10]}
        for s in misuse.rule_settings(session)
    ]
    context = {"settings": settings, "may_edit": actor.role == Role.CREDIT_OFFICE, **read_notices(done, error)}
    return page(request, session, actor, "console/misuse_rules.html", context)


@router.get("/misuse/{alert_id}", dependencies=[Depends(require(AUDITOR))])
def detail(
    request: Request,
    alert_id: AlertId,
    session: DbSession,
    actor: CurrentActor,
    done: NoticeCode = None,
    error: NoticeCode = None,
) -> HTMLResponse:
    alert = misuse.get_alert(session, actor, alert_id)
    events = misuse.alert_events(session, alert)
    context = {
        "row": _rows(session, [alert])[0],
        "events": audit_view.views(session, events),
        "checks": misuse.alert_checks(session, alert),
        "steps": misuse.alert_steps(session, alert),
        "may_close": alert.status == AlertStatus.OPEN,
        **read_notices(done, error),
    }
    return page(request, session, actor, "console/misuse_alert.html", context)


@router.post("/misuse/{alert_id}/close", dependencies=[Depends(require(AUDITOR))])
def close(
    alert_id: AlertId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    target = f"{QUEUE}/{alert_id}"
    try:
        with session.begin_nested():
            misuse.close_alert(session, actor, alert_id, reason)
    except XinyongError as refused:
        return back(target, error=refusal(refused))
    return back(target, message=f"预警 {alert_id} 已核查关闭")


Short = Annotated[str, Form(max_length=40)]


def _form_params(code: str, form: dict[str, str]) -> dict[str, Any]:
    """The rule's parameters from the form's text fields (numbers as numbers, event types one per line)."""
    params: dict[str, Any] = {}
    for name, spec in SPECS[code].params.items():
        raw = form.get(name, "").strip()
        if spec.kind == "actions":
            params[name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif spec.kind in ("int", "float"):
            try:
                params[name] = int(raw) if spec.kind == "int" else float(raw)
            except ValueError:
                params[name] = raw  # refused by the service with the parameter's name
        else:
            params[name] = raw
    return params


@router.post("/misuse/rules/{code}", dependencies=[Depends(require(OFFICE))])
def change_rule(
    code: RuleCode,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=500)] = "",
    enabled: Short = "",
    p_window_minutes: Short = "",
    p_threshold: Short = "",
    p_day_start: Short = "",
    p_day_end: Short = "",
    p_lookback_days: Short = "",
    p_baseline_days: Short = "",
    p_factor: Short = "",
    p_min_calls: Short = "",
    p_min_history_days: Short = "",
    p_actions: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The office's change of one rule (a new version); the form names every parameter of the catalogue."""
    if code not in SPECS:
        return back(RULES, error="没有这条规则")
    form = {
        "window_minutes": p_window_minutes,
        "threshold": p_threshold,
        "day_start": p_day_start,
        "day_end": p_day_end,
        "lookback_days": p_lookback_days,
        "baseline_days": p_baseline_days,
        "factor": p_factor,
        "min_calls": p_min_calls,
        "min_history_days": p_min_history_days,
        "actions": p_actions,
    }
    try:
        with session.begin_nested():
            misuse.change_rule(
                session, actor, code, enabled=enabled == "on", params=_form_params(code, form), reason=reason
            )
    except XinyongError as refused:
        return back(RULES, error=refusal(refused))
    return back(RULES, message=f"规则「{SPECS[code].label}」已修改")
