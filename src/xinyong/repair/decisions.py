"""Credit repair: the department's steps (accept, propose, the second person's review), the repair itself and its
consequences (:func:`after_repair`), and the sweep that escalates overdue applications.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.config import get_settings
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.workflow import Deadline
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.punishment import service as punishment
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.repair.applying import parties_of, take_step
from xinyong.repair.models import RepairApplication
from xinyong.repair.reading import visible_to
from xinyong.repair.rules import (
    TABLE,
    AppStatus,
    Proposal,
    Step,
    TargetKind,
    approved_status,
    check_step,
)
from xinyong.repair.schemas import (
    AcceptIn,
    ProposeIn,
    ReviewIn,
)


def awaiting_decision(session: Session, actor: Actor) -> list[RepairApplication]:
    """The applications waiting for ``actor``'s decision: 待审核 ones the person may approve (a reviewer of the
    department who did not propose). The console's repair desk and the dashboard's reviewer tile count this list."""
    stmt = select(RepairApplication).where(visible_to(actor), RepairApplication.status == AppStatus.PROPOSED)
    rows = session.scalars(stmt.order_by(RepairApplication.id))
    return [row for row in rows if Step.APPROVE in TABLE.allowed_for(AppStatus.PROPOSED, actor, parties_of(row))]


def _for_step(session: Session, actor: Actor, application_id: int, step: Step) -> RepairApplication:
    row = session.scalars(
        select(RepairApplication).where(RepairApplication.id == application_id, visible_to(actor)).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no repair application {application_id} (未找到该修复申请)", field="application_id")
    check_step(step, AppStatus(row.status), actor, department=row.department, proposer_id=row.proposed_by)
    return row


def accept(session: Session, actor: Actor, application_id: int, data: AcceptIn) -> RepairApplication:
    """受理 (the decision deadline starts) or 不予受理 with its reasons (the application closes)."""
    step = Step.ACCEPT if data.accept else Step.REFUSE
    row = _for_step(session, actor, application_id, step)
    today = clock.today()
    row.handled_by = actor.id
    if data.accept:
        days = get_settings().repair_decide_days
        deadline = load_calendar(session).add_working_days(today, days)
        row.accepted_on = today
        row.decide_deadline, row.decide_deadline_provisional = deadline.date, deadline.provisional
        take_step(
            session,
            actor,
            row,
            step,
            {"decide_deadline": deadline.date, "rule": f"{days}wd"},
            deadline=Deadline(deadline.date, deadline.provisional, f"{days}wd"),
        )
        return row
    if not data.reason or len(data.reason.strip()) < 2:
        raise InvalidInput("give the reasons for refusing (不予受理须说明理由)", field="reason")
    row.refusal_reason, row.open_key = data.reason, None
    take_step(session, actor, row, step, {"reason": data.reason}, reason=data.reason)
    return row


def propose(session: Session, actor: Actor, application_id: int, data: ProposeIn) -> RepairApplication:
    """经办人拟办: propose 修复 or 不予修复 with the opinion; a second person of the department decides."""
    row = _for_step(session, actor, application_id, Step.PROPOSE)
    parties = parties_of(row)
    row.proposal, row.proposal_opinion, row.proposed_by = data.proposal, data.opinion, actor.id
    take_step(
        session,
        actor,
        row,
        Step.PROPOSE,
        {"proposal": data.proposal, "opinion": data.opinion},
        parties=parties,
        reason=data.opinion,
    )
    return row


def review(session: Session, actor: Actor, application_id: int, data: ReviewIn) -> RepairApplication:
    """A reviewer of the department who did not propose approves the proposal (修复: the repair is carried out
    now, in this transaction) or returns it for a new proposal."""
    step = Step.APPROVE if data.approve else Step.RETURN
    row = _for_step(session, actor, application_id, step)
    parties = parties_of(row)
    now = clock.now()
    if not data.approve:
        returned = {"proposal": row.proposal, "proposal_opinion": row.proposal_opinion, "proposed_by": row.proposed_by}
        row.proposal, row.proposal_opinion, row.proposed_by = None, None, None
        take_step(
            session,
            actor,
            row,
            step,
            {"opinion": data.opinion, "returned": returned},
            parties=parties,
            reason=data.opinion,
        )
        return row
    assert row.proposal is not None
    target = approved_status(Proposal(row.proposal))
    row.decided_by, row.decided_at, row.decision_opinion = actor.id, now, data.opinion
    row.open_key = None
    details: dict[str, Any] = {"opinion": data.opinion, "proposal": row.proposal}
    if target is AppStatus.REPAIRED:
        details.update(_carry_out(session, actor, row))
        details.update(after_repair(session, actor, row))
    take_step(session, actor, row, step, details, parties=parties, outcome=target, reason=data.opinion)
    return row


def _carry_out(session: Session, actor: Actor, row: RepairApplication) -> dict[str, Any]:
    """The repair itself: the record's new version 已修复, or the entry's early exit (its record 已修复)."""
    reason = f"信用修复（{row.number}）：{row.decision_opinion or ''}"[:500]
    if row.target_kind == TargetKind.RECORD:
        assert row.record_id is not None
        version = records.change_status(session, actor, row.record_id, Status.REPAIRED, reason)
        row.result_version = version.version
        return {"record_id": row.record_id, "record_version": version.version}
    assert row.list_entry_id is not None
    entry = lists.exit_entry(session, actor, row.list_entry_id, reason=reason, repair_ref=row.number)
    if entry.record_id is not None:
        row.result_version = records.current_of(session, entry.record_id).version
    return {"list_entry_id": entry.id, "exit_date": entry.exit_date, "record_id": entry.record_id}


def after_repair(session: Session, actor: Actor, row: RepairApplication) -> dict[str, Any]:
    """Follow-ups of a repair in the same transaction: the grade is recomputed now
    (``evaluation.service.regrade_entity``) and every business system that checked the subject in the notify window
    is told (``punishment.service.notify_entry_change`` for a list entry's early exit, ``notify_checkers`` with the
    event ``repaired`` for a record): a kept change notice each, and an outbox message to its webhook if it has one."""
    regraded = evaluation.regrade_entity(session, actor, row.subject_uscc, f"信用修复 {row.number}")
    facts = {"repair": row.number, "department": row.department}
    if row.target_kind == TargetKind.LIST_ENTRY:
        assert row.list_entry_id is not None
        notices = punishment.notify_entry_change(session, actor, row.list_entry_id, "exited", details=facts)
    else:
        notices = punishment.notify_checkers(
            session,
            actor,
            notice_key=f"record-{row.record_id}:repaired",
            event="repaired",
            on=clock.today(),
            uscc=row.subject_uscc,
            details={"record_id": row.record_id, "title": row.title, **facts},
        )
    return {
        "grade_from": regraded.old_grade,
        "grade_to": regraded.grade,
        "score": regraded.score,
        "notified": sorted(n.client_id for n in notices),
    }


def sweep_repairs(session: Session, actor: Actor, today: dt.date | None = None) -> list[int]:
    """Escalate (督办) every open application past its deadline, once per stage (acceptance, decision): a flag, a
    step and an audit event; the status stays. Idempotent. Returns the ids escalated now."""
    if actor.role != Role.SYSTEM:
        raise Forbidden("only the platform's sweep escalates applications (逾期督办由系统执行)")
    today = today or clock.today()
    a = RepairApplication
    due = list(
        session.scalars(
            select(a)
            .where(
                or_(
                    (a.status == AppStatus.SUBMITTED) & (a.accept_deadline < today),
                    a.status.in_([AppStatus.ACCEPTED, AppStatus.PROPOSED]) & (a.decide_deadline < today),
                )
            )
            .order_by(a.id)
            .with_for_update()
        )
    )
    escalated: list[int] = []
    now = clock.now()
    for row in due:
        stage = "accept" if row.status == AppStatus.SUBMITTED else "decide"
        if row.escalated_stage == stage:
            continue
        row.escalated_stage, row.escalated_at = stage, now
        deadline = row.accept_deadline if stage == "accept" else row.decide_deadline
        take_step(session, actor, row, Step.ESCALATE, {"stage": stage, "deadline": deadline, "today": today})
        escalated.append(row.id)
    return escalated
