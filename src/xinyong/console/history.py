"""The console page of a procedure's history (办理过程): every procedure on the workflow mechanism, one page.

``/console/history/{procedure}/{id}`` shows the steps of one subject (步骤/办理人/时间/原状态/新状态/理由, with
department names and Beijing time) after the subject's own area has said the signed-in person may read it: each
procedure names the area service that finds its subject under that area's visibility rule (invisible and missing
look the same: 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.agencies import service as agencies
from xinyong.agencies.rules import PURPOSE_LABELS
from xinyong.commitments import service as commitments
from xinyong.complaints import service as complaints
from xinyong.console.pages import console_router, page
from xinyong.contradictions import service as contradictions
from xinyong.core.actor import Actor
from xinyong.core.auth.access import STAFF, require
from xinyong.core.errors import NotFound
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.workflow import PROCEDURES, Procedure, history
from xinyong.inspections import service as inspections
from xinyong.lists import service as lists
from xinyong.objections import service as objections
from xinyong.records import service as records
from xinyong.remedies import service as remedies
from xinyong.repair import service as repair
from xinyong.risk import service as risk
from xinyong.selfreport import service as selfreport

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))
SubjectId = Annotated[int, Path(ge=1, le=2**62)]
ProcedureKey = Annotated[str, Path(max_length=40, pattern=r"^[a-z]+-[a-z_]+$")]


@dataclass(frozen=True)
class Subject:
    title: str
    status: str
    back: str | None = None
    actions: tuple[tuple[str, str], ...] = ()  # (label, link) of what the reader may start from this subject


def _entry(session: Session, actor: Actor, subject_id: int) -> Subject:
    entry = lists.get_entry(session, actor, subject_id)
    if entry.steps is None:  # the pipeline before publication is the deciding department's own
        raise NotFound(f"no list entry {subject_id} visible to you (未找到该名单条目)", field="entry_id")
    return Subject(f"{entry.subject.name}（{entry.list_name}）", entry.status, f"/console/lists/{subject_id}")


def _task(session: Session, actor: Actor, subject_id: int) -> Subject:
    task = remedies.get_task(session, actor, subject_id)
    return Subject(f"{task.subject_name}：{task.requirement[:60]}", task.status)


def _repair(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = repair.get_application(session, actor, subject_id)
    return Subject(f"{row.number} {row.subject_name}：{row.title}", row.status, "/console/repair")


def _objection(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = objections.get_objection(session, actor, subject_id)
    label = objections.record_labels(session, [row]).get(row.record_id, f"信用记录 {row.record_id}")
    return Subject(f"异议 {row.id}：{label}（第 {row.record_version} 版）", row.status, f"/console/objections/{row.id}")


def _alert(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = risk.get_alert(session, actor, subject_id)
    return Subject(f"{row.subject_name}：{row.rule_label}", row.status, "/console/risk")


def _flag(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = contradictions.get_flag(session, actor, subject_id)
    return Subject(f"{row.subject_name}：{row.summary}", row.status, f"/console/contradictions/{row.id}")


def _report(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = selfreport.get_report(session, actor, subject_id)
    return Subject(f"{row.category}：{row.title}", row.status)


def _commitment(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = commitments.get_commitment(session, actor, subject_id)
    return Subject(f"{row.number} {row.entity_name}", row.status)


def _tolerance(session: Session, actor: Actor, subject_id: int) -> Subject:
    case = commitments.get_tolerance_case(session, actor, subject_id)
    return Subject(f"容缺受理（承诺书 {case.commitment_id}）：{'、'.join(case.missing_materials)[:80]}", case.status)


def _complaint(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = complaints.get_complaint(session, actor, subject_id)
    return Subject(f"投诉举报 {row.id}：{row.subject_name}", row.status)


def _record(session: Session, actor: Actor, subject_id: int) -> Subject:
    record = records.get_record(session, actor, subject_id)
    actions: tuple[tuple[str, str], ...] = ()
    if actor.is_department and actor.department_code == record.source_department:
        actions = (("据此拟列入信用名单", f"/console/lists/new?record_id={record.id}"),)
    return Subject(f"{record.subject.name}：{record.title}", record.status, actions=actions)


def _result(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = inspections.get_assignment(session, actor, subject_id)
    return Subject(f"双随机抽查对象 {row.uscc}：{row.result or '未录入结果'}", row.status)


def _agency(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = agencies.read_agency(session, actor, subject_id)
    return Subject(f"信用服务机构 {row.name}（{row.uscc}）", row.status, f"/console/agencies/{row.id}")


def _grant(session: Session, actor: Actor, subject_id: int) -> Subject:
    row = agencies.read_grant(session, actor, subject_id)
    agency = agencies.get_agency(session, row.agency_id)
    purpose = PURPOSE_LABELS.get(row.purpose, row.purpose)  # type: ignore[call-overload]
    title = f"{row.subject_uscc} 授权 {agency.name}：{purpose}，至 {row.valid_until.isoformat()}"
    return Subject(title, row.status, f"/console/agencies/{row.agency_id}")


READERS: dict[str, Callable[[Session, Actor, int], Subject]] = {
    "lists:entry": _entry,
    "remedies:rectification": _task,
    "repair:application": _repair,
    "objections:objection": _objection,
    "risk:alert": _alert,
    "contradictions:flag": _flag,
    "selfreport:report": _report,
    "commitments:commitment": _commitment,
    "commitments:tolerance": _tolerance,
    "records:record": _record,
    "inspections:result": _result,
    "complaints:complaint": _complaint,
    "agencies:agency": _agency,
    "agencies:grant": _grant,
}


def key_of(procedure: Procedure[Any, Any]) -> str:
    """The procedure's name in a console address (``lists:entry`` → ``lists-entry``)."""
    return procedure.table.name.replace(":", "-")


def history_link(procedure: Procedure[Any, Any], subject_id: int) -> str:
    return f"/console/history/{key_of(procedure)}/{subject_id}"


@router.get("/history/{procedure}/{subject_id}", dependencies=[Depends(require(STAFF))])
def procedure_history(
    request: Request, procedure: ProcedureKey, subject_id: SubjectId, session: DbSession, actor: CurrentActor
) -> HTMLResponse:
    """办理过程 of one subject of one procedure, for staff who may read that subject."""
    name = procedure.replace("-", ":", 1)
    found = PROCEDURES.get(name)
    reader = READERS.get(name)
    if found is None or reader is None:
        raise NotFound(f"no procedure {procedure} (未找到该办理程序)", field="procedure")
    subject = reader(session, actor, subject_id)
    context = {
        "procedure_label": found.label,
        "subject_title": subject.title,
        "current_status": subject.status,
        "steps": history(session, found, subject_id),
        "back_link": subject.back,
        "actions": subject.actions,
    }
    return page(request, session, actor, "console/history.html", context)
