"""Console pages for objections (异议处理) and risk alerts (风险预警): the office and departments see what is theirs,
take the next step, and every step is audited by the services."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Depends, Form, Path
from fastapi.responses import HTMLResponse, Response

from xinyong.console.forms import take_step
from xinyong.console.pages import PageState, console_router
from xinyong.core.auth.access import DEPARTMENT, OFFICE, STAFF, require
from xinyong.core.errors import InvalidInput, XinyongError
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.objections import service as objections
from xinyong.objections.routes import DECIDERS
from xinyong.objections.schemas import ForwardIn, ProposeIn, ReviewIn
from xinyong.records import service as records
from xinyong.records.ingest.layouts import LABELS
from xinyong.records.rules import Disclosure, Severity
from xinyong.records.schemas import RecordCorrection, RecordOut
from xinyong.risk import service as risk
from xinyong.risk.rules import AlertAction
from xinyong.risk.schemas import AlertStepIn

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=5000)]


DESK = "/console/objections"
CHANGE_KINDS = {"created": "首次归集", "corrected": "更正", "status": "状态变更"}
OUTCOMES = ("维持", "更正", "撤销")


def _detail(objection_id: int) -> str:
    return f"{DESK}/{objection_id}"


@router.get("/objections", dependencies=[Depends(require(STAFF))])
def objection_desk(screen: PageState) -> HTMLResponse:
    session, actor = screen.session, screen.actor
    found = objections.list_objections(session, actor)
    labels = objections.record_labels(session, found)
    rows = [
        {"o": objections.to_view(row, label=labels.get(row.record_id)), "steps": objections.steps_for(row, actor)}
        for row in found
    ]
    context: dict[str, Any] = {"objections": rows}
    context["mine"] = len(objections.awaiting_decision(session, actor))  # the dashboard tile's count
    return screen.show("console/objections.html", context)


def _content_fields(record: RecordOut) -> list[dict[str, Any]]:
    labels = LABELS.get(record.kind, {})
    fields = []
    for key, value in record.content.items():
        if isinstance(value, dict):
            continue
        kind = "list" if isinstance(value, list) else type(value).__name__ if value is not None else "str"
        shown = "、".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)
        fields.append({"key": key, "label": labels.get(key, ""), "value": shown, "kind": kind})
    return fields


@router.get("/objections/{objection_id}", dependencies=[Depends(require(STAFF))])
def objection_detail(objection_id: ItemId, screen: PageState) -> HTMLResponse:
    """One objection: the objected record (its fields now and every version kept), the proposal, the steps, and the
    forms of the steps the signed-in person may take (the proposer is never offered the decision)."""
    session, actor = screen.session, screen.actor
    row = objections.get_objection(session, actor, objection_id)
    view = objections.view_of(session, actor, row)
    try:
        record: RecordOut | None = records.get_record(session, actor, row.record_id)
        versions = records.record_history(session, actor, row.record_id)
    except XinyongError:
        record, versions = None, []
    context: dict[str, Any] = {
        "o": view,
        "record": record,
        "content_fields": _content_fields(record) if record else [],
        "versions": versions,
        "change_kinds": CHANGE_KINDS,
        "steps": objections.history_of(session, actor, row.id),
        "allowed": [str(step) for step in objections.steps_for(row, actor)],
        "proposer_is_me": row.proposed_by == actor.id,
        "outcomes": OUTCOMES,
        "disclosures": [d.value for d in Disclosure],
        "severities": [d.value for d in Severity],
    }
    return screen.show("console/objection.html", context)


@router.post("/objections/{objection_id}/forward", dependencies=[Depends(require(OFFICE))])
def forward_objection(
    objection_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Text,
) -> Response:
    return take_step(
        session,
        lambda: objections.forward(session, actor, objection_id, ForwardIn(note=note)),
        _detail(objection_id),
        f"异议 {objection_id} 已转办来源部门",
    )


def _typed(kind: str, text: str) -> Any:
    """A content value from the form, of the type it had (lists split on 、, numbers parsed)."""
    text = text.strip()
    if kind == "list":
        return [part.strip() for part in re.split("[、,，]", text) if part.strip()]
    if kind in ("int", "float") and text:
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            raise InvalidInput(f"{text[:40]} is not a number (数值格式不正确)", field="content") from None
    if kind == "bool":
        return text in ("是", "true", "True", "1")
    return text or None


def _correction(
    record: RecordOut,
    reason: str,
    fields: dict[str, str],
    content_keys: list[str],
    content_values: list[str],
) -> RecordCorrection:
    """The fields the form changed, as a correction: any published field of the record (title, dates, disclosure,
    severity, each content field); what the form sends back unchanged stays as it is."""
    changed: dict[str, Any] = {"reason": reason[:500]}
    if fields["title"] and fields["title"] != record.title:
        changed["title"] = fields["title"]
    for name in ("decision_date", "published_date"):
        value = fields[name]
        current = getattr(record, name)
        if value and value != (current.isoformat() if current else ""):
            try:
                changed[name] = dt.date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"{value[:20]} is not a date (日期格式不正确)", field=name) from None
    for name in ("disclosure", "severity"):
        value = fields[name]
        current = getattr(record, name)
        if value and value != (str(current) if current else ""):
            changed[name] = value
    if len(content_keys) != len(content_values) or len(content_keys) > 200:
        raise InvalidInput("the content fields do not match (内容字段不匹配)", field="content")
    if any(len(key) > 64 for key in content_keys) or any(len(value) > 2000 for value in content_values):
        raise InvalidInput("a content field is too long (内容过长)", field="content")
    shown = {f["key"]: f for f in _content_fields(record)}
    edits = dict(zip(content_keys, content_values, strict=True))
    if any(key not in shown for key in edits):
        raise InvalidInput("a content field the record does not have (内容字段不存在)", field="content")
    if any(edits[key].strip() != shown[key]["value"] for key in edits):
        content = {k: v for k, v in record.content.items() if not isinstance(v, dict)}
        for key, text in edits.items():
            content[key] = _typed(shown[key]["kind"], text)
        changed["content"] = content
    return RecordCorrection.model_validate(changed)


@router.post("/objections/{objection_id}/propose", dependencies=[Depends(require(DECIDERS))])
def propose_objection(
    objection_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    outcome: Annotated[str, Form(max_length=8)],
    reason: Text,
    title: Annotated[str, Form(max_length=300)] = "",
    decision_date: Annotated[str, Form(max_length=10)] = "",
    published_date: Annotated[str, Form(max_length=10)] = "",
    disclosure: Annotated[str, Form(max_length=8)] = "",
    severity: Annotated[str, Form(max_length=8)] = "",
    content_key: Annotated[list[str] | None, Form()] = None,
    content_value: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """拟办 from the objection's page: for 更正 the form carries every published field of the record."""

    def proposal() -> ProposeIn:
        row = objections.get_objection(session, actor, objection_id)
        correction = None
        if outcome == "更正":
            record = records.get_record(session, actor, row.record_id)
            fields = {
                "title": title.strip(),
                "decision_date": decision_date.strip(),
                "published_date": published_date.strip(),
                "disclosure": disclosure.strip(),
                "severity": severity.strip(),
            }
            correction = _correction(record, reason, fields, content_key or [], content_value or [])
        return ProposeIn.model_validate({"outcome": outcome, "reason": reason, "correction": correction})

    return take_step(
        session,
        lambda: objections.propose(session, actor, objection_id, proposal()),
        _detail(objection_id),
        f"异议 {objection_id} 已拟办（{outcome}），待另一名人员审核",
    )


@router.post("/objections/{objection_id}/review", dependencies=[Depends(require(DECIDERS))])
def review_objection(
    objection_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    decision: Annotated[str, Form(max_length=8)],
    opinion: Annotated[str, Form(max_length=2000)],
) -> Response:
    return take_step(
        session,
        lambda: objections.review(
            session, actor, objection_id, ReviewIn(approve=decision == "approve", opinion=opinion)
        ),
        _detail(objection_id),
        lambda row: (
            f"异议 {objection_id} 已办结（{row.outcome}）" if row.outcome else f"异议 {objection_id} 已退回重新拟办"
        ),
    )


@router.get("/risk", dependencies=[Depends(require(STAFF))])
def risk_desk(screen: PageState) -> HTMLResponse:
    rows = [risk.to_view(row) for row in risk.list_alerts(screen.session, screen.actor)]
    return screen.show("console/risk.html", {"alerts": rows, "may_handle": screen.actor.is_department})


def _alert_step(session: DbSession, actor: CurrentActor, alert_id: int, action: AlertAction, note: str) -> Response:
    return take_step(
        session,
        lambda: risk.step(session, actor, alert_id, action, AlertStepIn(note=note)),
        "/console/risk",
        f"预警 {alert_id} 已{'确认' if action == AlertAction.ACKNOWLEDGE else '关闭'}",
    )


@router.post("/risk/{alert_id}/acknowledge", dependencies=[Depends(require(DEPARTMENT))])
def acknowledge_alert(
    alert_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Text,
) -> Response:
    return _alert_step(session, actor, alert_id, AlertAction.ACKNOWLEDGE, note)


@router.post("/risk/{alert_id}/close", dependencies=[Depends(require(DEPARTMENT))])
def close_alert(
    alert_id: ItemId,
    session: DbSession,
    actor: CurrentActor,
    csrf_token: Annotated[str, Form(max_length=200)],
    note: Text,
) -> Response:
    return _alert_step(session, actor, alert_id, AlertAction.CLOSE, note)
