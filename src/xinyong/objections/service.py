"""Use cases of objections (req §3.12): file, forward, propose and review (two people decide), read, and the sweep
that escalates overdue ones.

The record moves to 异议中 the moment an objection is filed and back to 有效 (upheld), to a corrected new version
(corrected: any published field; the old version stays readable) or to 已撤销 (revoked) when the second person
approves the handler's proposal. Those record changes go through ``records.service`` under a
platform actor named after the objection and the person deciding, so the record's own history says why it moved;
every step here goes through the workflow mechanism (an ``objection_steps`` row and the audit event
``objections:objection:*``) with the real actor. Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.workflow import Deadline, Parties, StepView, history
from xinyong.objections.models import OBJECTION, Objection
from xinyong.objections.rules import (
    OPEN_STATUSES,
    TABLE,
    Action,
    ObjectionStatus,
    Outcome,
    Stage,
    department_in_charge,
    escalation_outcome,
)
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ObjectionOut, ProposeIn, ReviewIn, StepOut
from xinyong.records import service as records
from xinyong.records.rules import Status

ON_BEHALF = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})


def _deadline(session: Session, start: dt.date, stage: Stage) -> tuple[dt.date, bool, str]:
    settings = get_settings()
    days = settings.objection_platform_days if stage == Stage.PLATFORM else settings.objection_department_days
    result = load_calendar(session).add_working_days(start, days)
    return result.date, result.provisional, f"{stage}:{days}wd"


def _record_actor(actor: Actor, objection_id: int) -> Actor:
    """The platform acting on the record for this objection (the source department's write right is not needed)."""
    return Actor(
        role=Role.SYSTEM, id=f"objection:{objection_id}:{actor.role}:{actor.id}", name=f"异议处理 {actor.name}"
    )


def _visible(actor: Actor) -> ColumnElement[bool]:
    o = Objection
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return o.source_department == (actor.department_code or "")
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return or_(o.subject_uscc == actor.entity_uscc, and_(o.objector_role == Role.ENTITY, o.objector_id == actor.id))
    return false()


def record_labels(session: Session, rows: list[Objection]) -> dict[int, str]:
    """The objected records as a person names them (kind, document number, title), by record id."""
    return records.record_labels(session, [row.record_id for row in rows])


def to_view(
    row: Objection,
    today: dt.date | None = None,
    *,
    label: str | None = None,
    staff: bool = True,
    steps: list[StepOut] | None = None,
) -> ObjectionOut:
    """An objection for a reader; ``staff`` off (the subject's own view) leaves out who proposed."""
    today = today or clock.today()
    status = ObjectionStatus(row.status)
    return ObjectionOut(
        id=row.id,
        record_id=row.record_id,
        record_version=row.record_version,
        record_label=label or f"信用记录 {row.record_id}",
        source_department=row.source_department,
        subject_uscc=row.subject_uscc,
        objector_name=row.objector_name,
        reasons=row.reasons,
        evidence=row.evidence,
        status=status,
        stage=row.stage,
        filed_at=row.filed_at,
        deadline=row.deadline,
        deadline_provisional=row.deadline_provisional,
        deadline_rule=row.deadline_rule,
        overdue=status in OPEN_STATUSES and today > row.deadline,
        escalated_at=row.escalated_at,
        proposed_outcome=Outcome(row.proposed_outcome) if row.proposed_outcome else None,
        proposed_reason=row.proposed_reason,
        proposed_correction=row.proposed_correction,
        proposed_by=row.proposed_by if staff else None,
        proposed_at=row.proposed_at,
        review_opinion=row.review_opinion,
        outcome=Outcome(row.outcome) if row.outcome else None,
        outcome_reason=row.outcome_reason,
        result_version=row.result_version,
        resolved_at=row.resolved_at,
        steps=steps,
    )


def view_of(session: Session, actor: Actor, row: Objection, *, with_steps: bool = False) -> ObjectionOut:
    """One objection as ``actor`` reads it, with the record's label (and its steps when asked)."""
    staff = actor.role != Role.ENTITY
    steps = None
    if with_steps:
        steps = [
            StepOut(
                step=s.step,
                label=TABLE.label(s.step),
                from_status=s.from_status,
                to_status=s.to_status,
                on=s.on,
                at=s.at,
                actor_role=s.actor_role,
                actor_id=s.actor_id if staff else "",
                actor_department=s.actor_department,
                reason=s.reason,
                deadline=s.deadline,
            )
            for s in OBJECTION.steps_of(session, row.id)
        ]
    label = record_labels(session, [row]).get(row.record_id)
    return to_view(row, label=label, staff=staff, steps=steps)


def file_objection(session: Session, actor: Actor, data: ObjectionIn) -> Objection:
    """An entity objects to one of its own records; the credit office registers one for a person concerned."""
    if actor.role == Role.ENTITY:
        if data.objector_name:
            raise InvalidInput("an entity objects in its own name (主体以自身名义提出异议)", field="objector_name")
    elif actor.role not in ON_BEHALF:
        raise Forbidden("only the subject, or the credit office for a person concerned, may object (无权提出异议)")
    elif not data.objector_name:
        raise InvalidInput("name the person concerned (请填写异议申请人)", field="objector_name")
    current = records.find_current(session, data.record_id)
    if actor.role == Role.ENTITY and (current is None or current.subject_uscc != actor.entity_uscc):
        # someone else's record, or none at all: refused alike, nothing about it is revealed
        raise Forbidden("you may object only to your own records (只能对本主体的信用记录提出异议)")
    if current is None:
        raise NotFound(f"no credit record {data.record_id} (未找到该信用记录)", field="record_id")
    if data.version is not None and data.version != current.version:
        raise Conflict(
            f"version {data.version} is no longer current (now {current.version}) (该版本已不是现行版本)",
            field="version",
        )
    if current.status != Status.VALID:
        raise Conflict(f"a record that is {current.status} cannot be objected to (当前状态不可提出异议)")
    now = clock.now()
    filed_on = now.astimezone(BEIJING).date()
    deadline, provisional, rule = _deadline(session, filed_on, Stage.PLATFORM)
    row = Objection(
        record_id=current.record_id,
        record_version=current.version,
        source_department=current.source_department,
        subject_uscc=current.subject_uscc,
        objector_role=actor.role,
        objector_id=actor.id,
        objector_name=data.objector_name or actor.name or current.subject_name,
        reasons=data.reasons,
        evidence=data.evidence,
        status="",
        stage=Stage.PLATFORM,
        filed_at=now,
        filed_on=filed_on,
        deadline=deadline,
        deadline_provisional=provisional,
        deadline_rule=rule,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    records.change_status(
        session, _record_actor(actor, row.id), current.record_id, Status.OBJECTED, f"异议受理（异议 {row.id}）"
    )
    OBJECTION.advance(
        session,
        actor,
        row,
        Action.FILE,
        parties=Parties(None, subject_uscc=current.subject_uscc if actor.role == Role.ENTITY else None),
        reason=data.reasons,
        documents=[f"record:{row.record_id}:v{row.record_version}"],
        details={"record_id": row.record_id, "version": row.record_version, "deadline": deadline, "rule": rule},
        deadline=Deadline(deadline, provisional, rule),
    )
    return row


def _parties(row: Objection) -> Parties:
    proposed_from = ObjectionStatus(row.proposed_from) if row.proposed_from else None
    department = department_in_charge(ObjectionStatus(row.status), row.source_department, proposed_from)
    return Parties(department, proposer_id=row.proposed_by, subject_uscc=row.subject_uscc)


def _for_step(session: Session, actor: Actor, objection_id: int, action: Action) -> Objection:
    row = session.execute(
        select(Objection).where(Objection.id == objection_id, _visible(actor)).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no objection {objection_id} (未找到该异议)", field="objection_id")
    TABLE.require(action, ObjectionStatus(row.status), actor, _parties(row))
    return row


def steps_for(row: Objection, actor: Actor) -> list[Action]:
    """The steps ``actor`` may take on the objection now (what a screen offers); the proposer is never offered the
    decision on their own proposal."""
    return TABLE.allowed_for(ObjectionStatus(row.status), actor, _parties(row))


def forward(session: Session, actor: Actor, objection_id: int, data: ForwardIn) -> Objection:
    """转办: the source department must answer within its own limit, counted from today."""
    row = _for_step(session, actor, objection_id, Action.FORWARD)
    parties = _parties(row)
    deadline, provisional, rule = _deadline(session, clock.today(), Stage.DEPARTMENT)
    row.stage = Stage.DEPARTMENT
    row.deadline, row.deadline_provisional, row.deadline_rule = deadline, provisional, rule
    OBJECTION.advance(
        session,
        actor,
        row,
        Action.FORWARD,
        parties=parties,
        reason=data.note,
        details={"deadline": deadline, "rule": rule, "note": data.note, "department": row.source_department},
        deadline=Deadline(deadline, provisional, rule),
    )
    return row


def propose(session: Session, actor: Actor, objection_id: int, data: ProposeIn) -> Objection:
    """拟办: the handler proposes 更正 (with the corrected fields), 撤销 or 维持; a second person decides."""
    row = _for_step(session, actor, objection_id, Action.PROPOSE)
    parties = _parties(row)
    if data.outcome == Outcome.CORRECTED and data.correction is None:
        raise InvalidInput("a correction needs the corrected fields (更正须提供更正内容)", field="correction")
    if data.outcome != Outcome.CORRECTED and data.correction is not None:
        raise InvalidInput("only the outcome 更正 carries a correction (仅更正须提供更正内容)", field="correction")
    correction = None
    if data.correction is not None:
        correction = records.seal_correction(session, row.record_id, data.correction)
    row.proposed_from = row.status
    row.proposed_outcome, row.proposed_reason = data.outcome, data.reason
    row.proposed_correction = correction
    row.proposed_by, row.proposed_at, row.review_opinion = actor.id, clock.now(), None
    OBJECTION.advance(
        session,
        actor,
        row,
        Action.PROPOSE,
        parties=parties,
        context={"uscc": row.subject_uscc},  # the insider-misuse rules read who decided about whom
        reason=data.reason,
        details={"outcome": data.outcome, "reason": data.reason, "fields": sorted(correction or {})},
    )
    return row


def review(session: Session, actor: Actor, objection_id: int, data: ReviewIn) -> Objection:
    """A second person (not the proposer) approves the proposal — the record moves: a corrected new version, 已撤销,
    or back to 有效 — or returns it to the status it was proposed from for a new proposal."""
    action = Action.DECIDE if data.approve else Action.RETURN
    row = _for_step(session, actor, objection_id, action)
    parties = _parties(row)
    row.review_opinion = data.opinion
    if not data.approve:
        back = ObjectionStatus(row.proposed_from or ObjectionStatus.ACCEPTED)
        OBJECTION.advance(
            session,
            actor,
            row,
            Action.RETURN,
            parties=parties,
            outcome=back,
            reason=data.opinion,
            details={"opinion": data.opinion, "proposed_by": row.proposed_by, "back_to": back},
        )
        row.proposed_by = None  # a new proposal may come from anyone in charge, the returned proposer too
        return row
    outcome = Outcome(row.proposed_outcome or "")
    reason_text = row.proposed_reason or ""
    on_record = _record_actor(actor, row.id)
    reason = f"异议处理（异议 {row.id}，{outcome}）：{reason_text}"[:500]
    if outcome == Outcome.CORRECTED:
        correction = records.open_correction(row.proposed_correction or {}, reason)
        records.correct_record(session, on_record, row.record_id, correction)
        version = records.change_status(session, on_record, row.record_id, Status.VALID, reason)
    elif outcome == Outcome.REVOKED:
        version = records.change_status(session, on_record, row.record_id, Status.REVOKED, reason)
    else:
        version = records.change_status(session, on_record, row.record_id, Status.VALID, reason)
    now = clock.now()
    row.outcome, row.outcome_reason = outcome, reason_text
    row.result_version, row.resolved_at, row.resolver_id = version.version, now, actor.id
    OBJECTION.advance(
        session,
        actor,
        row,
        Action.DECIDE,
        parties=parties,
        context={"uscc": row.subject_uscc},  # the insider-misuse rules read who decided about whom
        reason=data.opinion,
        documents=[f"record:{row.record_id}:v{version.version}"],
        details={
            "outcome": outcome,
            "reason": reason_text,
            "opinion": data.opinion,
            "proposed_by": row.proposed_by,
            "result_version": version.version,
        },
    )
    return row


def get_objection(session: Session, actor: Actor, objection_id: int) -> Objection:
    row = session.execute(select(Objection).where(Objection.id == objection_id, _visible(actor))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no objection {objection_id} (未找到该异议)", field="objection_id")
    return row


def history_of(session: Session, actor: Actor, objection_id: int) -> list[StepView]:
    """The objection's steps for whoever may read it; the subject's own view names departments, not accounts."""
    row = get_objection(session, actor, objection_id)
    return history(session, OBJECTION, row.id, for_subject=actor.role == Role.ENTITY)


def list_objections(session: Session, actor: Actor, *, open_only: bool = False, limit: int = 200) -> list[Objection]:
    stmt = select(Objection).where(_visible(actor))
    if open_only:
        stmt = stmt.where(Objection.status.in_([str(s) for s in OPEN_STATUSES]))
    return list(session.execute(stmt.order_by(Objection.deadline, Objection.id).limit(limit)).scalars())


def awaiting_decision(session: Session, actor: Actor) -> list[Objection]:
    """The objections waiting for ``actor``'s decision: 待审核 ones the person may decide (never their own
    proposal). The console's objection desk and the dashboard's reviewer tile count this same list."""
    stmt = select(Objection).where(_visible(actor), Objection.status == ObjectionStatus.PROPOSED)
    rows = session.execute(stmt.order_by(Objection.deadline, Objection.id)).scalars()
    return [row for row in rows if Action.DECIDE in steps_for(row, actor)]


def open_objection_of_record(session: Session, record_id: int) -> Objection | None:
    return session.execute(
        select(Objection)
        .where(Objection.record_id == record_id, Objection.status.in_([str(s) for s in OPEN_STATUSES]))
        .order_by(Objection.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def sweep_objections(session: Session, actor: Actor, today: dt.date | None = None) -> list[int]:
    """Escalate every open objection past its deadline to the credit office (已督办; one waiting for its decision
    stays 待审核, marked escalated). Idempotent: an escalated objection is not escalated again. Returns the ids
    escalated now."""
    today = today or clock.today()
    due = list(
        session.execute(
            select(Objection)
            .where(
                or_(
                    Objection.status.in_([ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED]),
                    and_(Objection.status == ObjectionStatus.PROPOSED, Objection.escalated_at.is_(None)),
                ),
                Objection.deadline < today,
            )
            .order_by(Objection.id)
            .with_for_update()
        ).scalars()
    )
    now = clock.now()
    for row in due:
        row.escalated_at = now
        OBJECTION.advance(
            session,
            actor,
            row,
            Action.ESCALATE,
            parties=_parties(row),
            outcome=escalation_outcome(ObjectionStatus(row.status)),
            details={"deadline": row.deadline, "today": today},
        )
    return [row.id for row in due]


def deadline_items(session: Session, first: dt.date, following: dt.date) -> list[dict[str, Any]]:
    """Objections forwarded to their source department (its 7-working-day answer) that were due in
    ``[first, following)`` or still open during it: the rows a department's scorecard counts (req §3.15b)."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=BEIJING)
    rows = session.execute(
        select(Objection.id, Objection.source_department, Objection.deadline, Objection.resolved_at)
        .add_columns(Objection.status, Objection.record_id)
        .where(
            Objection.stage == Stage.DEPARTMENT,
            Objection.deadline < following,
            or_(Objection.deadline >= first, Objection.resolved_at.is_(None), Objection.resolved_at >= start),
        )
        .order_by(Objection.deadline, Objection.id)
    ).all()
    return [
        {
            "id": row.id,
            "department": row.source_department,
            "deadline": row.deadline,
            "done_on": row.resolved_at.astimezone(BEIJING).date() if row.resolved_at else None,
            "status": row.status,
            "subject": f"异议第 {row.id} 号（信用记录 {row.record_id}）",
            "link": f"/console/objections/{row.id}",
        }
        for row in rows
    ]
