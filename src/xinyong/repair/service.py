"""Use cases of credit repair (req §3.11): eligibility of every dishonest record and list entry, the online
application with materials, acceptance, the two-person decision, the repair itself, and the sweep that escalates
overdue applications.

"谁认定、谁修复": an application goes to the department that made the record (or listed the entity); its staff
accept or refuse it within ``XINYONG_REPAIR_ACCEPT_DAYS`` working days and decide within
``XINYONG_REPAIR_DECIDE_DAYS`` working days of acceptance. On approval, in the caller's one transaction, the record
gets a new version 已修复 (it stops being published and shared) or the list entry exits early (its record 已修复,
the check API stops returning its measures), and :func:`after_repair` recomputes the grade and tells the business
systems that checked the subject. Repair is free.
Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.commitments import service as commitments
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.crypto import sm3_hex
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.workflow import Deadline, Parties, StepView, history
from xinyong.entities import service as entities
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.punishment import service as punishment
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.publicity import publication_window
from xinyong.records.rules import KIND_LABELS, Kind, Severity, Status
from xinyong.remedies import service as remedies
from xinyong.remedies.rules import TaskStatus
from xinyong.repair.models import REPAIR, RepairApplication, RepairMaterial, RepairStep
from xinyong.repair.rules import (
    MAX_MATERIAL_BYTES,
    MAX_MATERIALS,
    OPEN_STATUSES,
    AppStatus,
    Eligibility,
    EntryFacts,
    Method,
    Proposal,
    RecordFacts,
    Step,
    TargetKind,
    approved_status,
    check_step,
    entry_eligibility,
    record_eligibility,
)
from xinyong.repair.schemas import (
    AcceptIn,
    ApplicationIn,
    ApplicationOut,
    ConditionOut,
    EligibilityOut,
    MaterialOut,
    ProposeIn,
    ReviewIn,
    StepOut,
)
from xinyong.selfreport import storage
from xinyong.selfreport.rules import check_attachment

AREA = "repair"
READER = Actor.system("repair:eligibility")
Upload = tuple[str, bytes]
# kinds whose repair is not the platform's to decide, with the reason shown to the entity
NOT_REPAIRABLE_KINDS: dict[str, str] = {
    Kind.JUDICIAL: "司法裁判及执行信息由人民法院依法处理（履行完毕后由法院屏蔽或删除），不适用本平台信用修复",
}
# content flag a source department sets when a law or regulation rules out repair (不可修复), with its basis
NOT_REPAIRABLE_FLAG = "BKXF"
NOT_REPAIRABLE_BASIS = "BKXF_YJ"
CLEARED_BY_LIST = frozenset({Kind.SERIOUS_DISHONESTY})  # repaired through the list entry's early exit


# ---------------------------------------------------------------- facts


def _amount(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _not_repairable(version: CreditRecordVersion) -> str | None:
    if version.kind in NOT_REPAIRABLE_KINDS:
        return NOT_REPAIRABLE_KINDS[version.kind]
    content = version.content or {}
    flag = content.get(NOT_REPAIRABLE_FLAG)
    if flag in (True, 1, "1", "是", "true", "不可修复"):
        basis = str(content.get(NOT_REPAIRABLE_BASIS) or "法律、法规规定").strip()[:200]
        return f"{version.severity or ''}失信信息依据{basis}不可修复（来源部门标注）"
    return None


def _tasks(
    session: Session, *, record_id: int | None = None, entry_id: int | None = None
) -> tuple[list[str], list[str]]:
    rows = remedies.tasks_about(session, record_id=record_id, entry_id=entry_id)
    open_ = [
        f"整改任务 {r.id}（{r.status}，期限 {r.deadline.isoformat()}）" for r in rows if r.status != TaskStatus.DONE
    ]
    closed = [
        f"整改任务 {r.id}（{r.done_on.isoformat() if r.done_on else ''} 完成）"
        for r in rows
        if r.status == TaskStatus.DONE
    ]
    return open_, closed


def _commitment(session: Session, uscc: str, since: dt.date) -> str | None:
    """The newest public 信用修复承诺 the entity signed on or after ``since`` and has not broken."""
    return commitments.public_repair_commitment(session, uscc, since)


def _open_application(session: Session, key: str) -> str | None:
    return session.scalars(select(RepairApplication.number).where(RepairApplication.open_key == key)).first()


def _record_facts(session: Session, version: CreditRecordVersion, entry_id: int | None = None) -> RecordFacts:
    severity = Severity(version.severity) if version.severity else Severity.GENERAL
    window = publication_window(version.decision_date, severity)
    open_tasks, closed_tasks = _tasks(session, record_id=version.record_id, entry_id=entry_id)
    content = version.content or {}
    key = f"{TargetKind.LIST_ENTRY}:{entry_id}" if entry_id else f"{TargetKind.RECORD}:{version.record_id}"
    return RecordFacts(
        decision_date=version.decision_date,
        severity=version.severity,
        status=version.status,
        fine=_amount(content.get("NR_FK")),
        confiscation=_amount(content.get("NR_WFFF")),
        performance=str(content["LXQK"]) if content.get("LXQK") else None,
        not_repairable=None if entry_id else _not_repairable(version),
        min_end=window.min_end,
        regime=window.regime,
        open_tasks=open_tasks,
        closed_tasks=closed_tasks,
        commitment=_commitment(session, version.subject_uscc or "", version.decision_date),
        open_application=_open_application(session, key),
    )


def _current_version(session: Session, record_id: int) -> CreditRecordVersion:
    return records.current_of(session, record_id)


def _entry_facts(session: Session, entry: ListEntry, on: dt.date) -> EntryFacts:
    ltype = lists.get_type(session, entry.list_type_id)
    record_facts = None
    if entry.record_id is not None:
        record_facts = _record_facts(session, _current_version(session, entry.record_id), entry_id=entry.id)
    else:
        open_tasks, closed_tasks = _tasks(session, entry_id=entry.id)
        decided = entry.decision_date or on
        record_facts = RecordFacts(
            decision_date=decided,
            severity=Severity.SERIOUS,
            status=Status.VALID,
            open_tasks=open_tasks,
            closed_tasks=closed_tasks,
            commitment=_commitment(session, entry.subject_uscc or "", decided),
            open_application=_open_application(session, f"{TargetKind.LIST_ENTRY}:{entry.id}"),
        )
    return EntryFacts(
        list_name=ltype.name,
        status=entry.status,
        decision_date=entry.decision_date,
        earliest_exit_on=entry.earliest_exit_on,
        exit_rules=ltype.exit_rules,
        permanent=bool(entry.permanent),
        record=record_facts,
    )


def _out(
    kind: TargetKind,
    target_id: int,
    title: str,
    department: str,
    decision_date: dt.date | None,
    severity: str | None,
    verdict: Eligibility,
) -> EligibilityOut:
    return EligibilityOut(
        target_kind=kind,
        target_id=target_id,
        title=title,
        department=department,
        decision_date=decision_date,
        severity=severity,
        repairable=verdict.repairable,
        can_apply=verdict.can_apply,
        available_from=verdict.available_from,
        reason=verdict.reason,
        conditions=[ConditionOut(name=c.name, state=c.state, detail=c.detail) for c in verdict.conditions],
        needs_materials=list(verdict.needs_materials),
    )


def _record_title(version: CreditRecordVersion, doc_no: str) -> str:
    label = KIND_LABELS.get(Kind(version.kind), version.kind) if version.kind in set(Kind) else version.kind
    return f"{label}｜{version.title}｜{doc_no}"


def _entry_title(entry: ListEntry, name: str) -> str:
    return f"{name}｜{entry.decision_doc_no or ''}"


def _own_uscc(actor: Actor, uscc: str | None) -> str:
    if actor.role == Role.ENTITY:
        if not actor.entity_uscc:
            raise Forbidden("this account is not linked to an entity (账号未关联市场主体)")
        if uscc and uscc.strip().upper() != actor.entity_uscc.upper():
            raise Forbidden("an entity sees only its own repair eligibility (仅可查询本主体)", field="uscc")
        return actor.entity_uscc.upper()
    if not uscc:
        raise InvalidInput("name the entity (uscc required)", field="uscc")
    return uscc.strip().upper()


def eligibility(
    session: Session, actor: Actor, uscc: str | None = None, on: dt.date | None = None
) -> list[EligibilityOut]:
    """Every dishonest record (有效 or 异议中, with a severity) and every published list entry of the entity, with
    whether and from when repair can be applied for, and why not."""
    target = _own_uscc(actor, uscc)
    entities.get_entity(session, target)
    day = on or clock.today()
    rows = records.dishonest_of_entity(
        session, target, [Status.VALID, Status.OBJECTED], [str(k) for k in CLEARED_BY_LIST]
    )
    found = [
        _out(
            TargetKind.RECORD,
            version.record_id,
            _record_title(version, doc_no),
            version.source_department,
            version.decision_date,
            version.severity,
            record_eligibility(_record_facts(session, version), day),
        )
        for version, doc_no in rows
    ]
    entries = lists.published_entries_of(session, target)
    for entry in entries:
        facts = _entry_facts(session, entry, day)
        found.append(
            _out(
                TargetKind.LIST_ENTRY,
                entry.id,
                _entry_title(entry, facts.list_name),
                entry.department,
                entry.decision_date,
                Severity.SERIOUS if entry.list_code == "serious" else None,
                entry_eligibility(facts, day),
            )
        )
    return found


# ---------------------------------------------------------------- applying


def _target(session: Session, actor: Actor, data: ApplicationIn) -> tuple[str, str, str, str, Eligibility]:
    """(department, subject name, title, open key, eligibility) of the target, or 403 alike for someone else's
    target and for one that does not exist (nothing about it is revealed)."""
    own = actor.entity_uscc or ""
    refused = Forbidden("you may apply only for your own records and list entries (只能申请修复本主体的失信信息)")
    today = clock.today()
    if data.target_kind is TargetKind.RECORD:
        version = records.find_current(session, data.target_id)
        if version is None or version.subject_uscc != own:
            raise refused
        if version.severity is None or version.kind in CLEARED_BY_LIST:
            raise Conflict(
                "this record is not a dishonest record repaired on its own (该记录不是可单独修复的失信信息)",
                field="target_id",
            )
        title = _record_title(version, records.doc_number(session, version.record_id))
        verdict = record_eligibility(_record_facts(session, version), today)
        key = f"{TargetKind.RECORD}:{version.record_id}"
        return version.source_department, version.subject_name, title, key, verdict
    try:
        entry = lists.get_entry_row(session, data.target_id)
    except NotFound:
        raise refused from None
    if entry.subject_uscc != own:
        raise refused
    facts = _entry_facts(session, entry, today)
    verdict = entry_eligibility(facts, today)
    return (
        entry.department,
        entry.subject_name,
        _entry_title(entry, facts.list_name),
        f"{TargetKind.LIST_ENTRY}:{entry.id}",
        verdict,
    )


def _check_uploads(uploads: Sequence[Upload]) -> list[tuple[str, str, bytes]]:
    if len(uploads) > MAX_MATERIALS:
        raise InvalidInput(f"at most {MAX_MATERIALS} materials (材料过多)", field="file")
    return [(*check_attachment(name, data, MAX_MATERIAL_BYTES), data) for name, data in uploads]


def _parties(row: RepairApplication) -> Parties:
    return Parties(row.department, proposer_id=row.proposed_by, subject_uscc=row.subject_uscc)


def _step(
    session: Session,
    actor: Actor,
    row: RepairApplication,
    step: Step,
    details: dict[str, Any],
    *,
    parties: Parties | None = None,
    outcome: AppStatus | None = None,
    reason: str | None = None,
    documents: Sequence[str] = (),
    deadline: Deadline | None = None,
) -> None:
    """Every step through the workflow mechanism: table check, status, step row, audit ``repair:application:*``."""
    REPAIR.advance(
        session,
        actor,
        row,
        step,
        parties=parties or _parties(row),
        outcome=outcome,
        reason=reason,
        documents=documents,
        details=details,
        context={"number": row.number},
        deadline=deadline,
    )


def apply(session: Session, actor: Actor, data: ApplicationIn, uploads: Sequence[Upload] = ()) -> RepairApplication:
    """An entity applies to repair one of its own dishonest records or list entries, choosing the methods and
    attaching materials. Everything is checked before anything is written; the application goes to the department
    that made the record, which must accept or refuse it within the configured working days."""
    if actor.role != Role.ENTITY or not actor.entity_uscc:
        raise Forbidden("only the entity itself applies for repair (仅市场主体本身可申请信用修复)")
    checked = _check_uploads(uploads)
    department, subject_name, title, key, verdict = _target(session, actor, data)
    if not verdict.repairable:
        raise Conflict(f"this cannot be repaired: {verdict.reason} (不可修复)", field="target_id")
    if not verdict.can_apply:
        raise Conflict(f"repair cannot be applied for yet: {verdict.reason} (暂不符合申请条件)", field="target_id")
    if verdict.needs_materials and not checked:
        raise InvalidInput(
            f"materials are required: {'；'.join(verdict.needs_materials)} (须上传证明材料)", field="file"
        )
    commitment = next((c.detail for c in verdict.conditions if c.name == "信用修复承诺"), "")
    number_part = commitment[commitment.find("（") + 1 : commitment.rfind("）")] if "（" in commitment else None
    settings = get_settings()
    now = clock.now()
    today = now.astimezone(BEIJING).date()
    deadline = load_calendar(session).add_working_days(today, settings.repair_accept_days)
    row = RepairApplication(
        number=f"XF{today:%Y%m%d}-{now:%H%M%S%f}"[:32],
        target_kind=data.target_kind,
        record_id=data.target_id if data.target_kind is TargetKind.RECORD else None,
        list_entry_id=data.target_id if data.target_kind is TargetKind.LIST_ENTRY else None,
        open_key=key,
        department=department,
        subject_uscc=actor.entity_uscc.upper(),
        subject_name=subject_name,
        title=title[:300],
        methods=[str(m) for m in dict.fromkeys(data.methods)],
        statement=data.statement,
        commitment_number=number_part,
        status="",
        applicant_id=actor.id,
        submitted_at=now,
        submitted_on=today,
        accept_deadline=deadline.date,
        accept_deadline_provisional=deadline.provisional,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "an application for this is already in progress (已有办理中的修复申请)", field="target_id"
        ) from None
    row.number = f"XF{today:%Y%m%d}{row.id:06d}"
    stored: list[str] = []
    try:
        for name, media_type, content in checked:
            stored_as = storage.save(content, AREA)
            stored.append(stored_as)
            session.add(
                RepairMaterial(
                    application_id=row.id,
                    filename=name,
                    media_type=media_type,
                    size=len(content),
                    sm3=sm3_hex(content),
                    stored_as=stored_as,
                    uploaded_at=now,
                )
            )
        session.flush()
    except BaseException:
        for name in stored:
            storage.remove(name, AREA)
        raise
    _step(
        session,
        actor,
        row,
        Step.SUBMIT,
        {
            "target": key,
            "methods": row.methods,
            "materials": len(checked),
            "accept_deadline": deadline.date,
            "rule": f"{settings.repair_accept_days}wd",
        },
        parties=Parties(department, subject_uscc=actor.entity_uscc),
        documents=[key, *((number_part and [number_part]) or [])],
        deadline=Deadline(deadline.date, deadline.provisional, f"{settings.repair_accept_days}wd"),
    )
    return row


# ---------------------------------------------------------------- reading


def _visible(actor: Actor) -> ColumnElement[bool]:
    a = RepairApplication
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return a.department == (actor.department_code or "")
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return a.subject_uscc == actor.entity_uscc.upper()
    return false()


def get_application(session: Session, actor: Actor, application_id: int) -> RepairApplication:
    row = session.scalars(
        select(RepairApplication).where(RepairApplication.id == application_id, _visible(actor))
    ).first()
    if row is None:
        raise NotFound(f"no repair application {application_id} (未找到该修复申请)", field="application_id")
    return row


def history_of(session: Session, actor: Actor, application_id: int) -> list[StepView]:
    """The application's steps for whoever may read it; the applicant's own view names departments, not accounts."""
    row = get_application(session, actor, application_id)
    return history(session, REPAIR, row.id, for_subject=actor.role == Role.ENTITY)


def list_applications(
    session: Session, actor: Actor, *, open_only: bool = False, limit: int = 200
) -> list[RepairApplication]:
    stmt = select(RepairApplication).where(_visible(actor))
    if open_only:
        stmt = stmt.where(RepairApplication.status.in_([str(s) for s in OPEN_STATUSES]))
    return list(session.scalars(stmt.order_by(RepairApplication.id.desc()).limit(limit)))


def _deadline_of(row: RepairApplication) -> dt.date | None:
    if row.status == AppStatus.SUBMITTED:
        return row.accept_deadline
    if row.status in (AppStatus.ACCEPTED, AppStatus.PROPOSED):
        return row.decide_deadline
    return None


def to_view(session: Session, row: RepairApplication, *, details: bool = True) -> ApplicationOut:
    due = _deadline_of(row)
    materials: list[MaterialOut] = []
    steps: list[StepOut] = []
    if details:
        materials = [
            MaterialOut(
                id=m.id, filename=m.filename, media_type=m.media_type, size=m.size, sm3=m.sm3, uploaded_at=m.uploaded_at
            )
            for m in session.scalars(
                select(RepairMaterial).where(RepairMaterial.application_id == row.id).order_by(RepairMaterial.id)
            )
        ]
        steps = [
            StepOut(
                step=s.step,
                from_status=s.from_status,
                to_status=s.to_status,
                on=s.on,
                at=s.at,
                actor_role=s.actor_role,
                actor_id=s.actor_id,
                details=s.details,
            )
            for s in session.scalars(
                select(RepairStep).where(RepairStep.application_id == row.id).order_by(RepairStep.id)
            )
        ]
    return ApplicationOut(
        id=row.id,
        number=row.number,
        target_kind=TargetKind(row.target_kind),
        record_id=row.record_id,
        list_entry_id=row.list_entry_id,
        department=row.department,
        subject_uscc=row.subject_uscc,
        subject_name=row.subject_name,
        title=row.title,
        methods=[Method(m) for m in row.methods],
        statement=row.statement,
        commitment_number=row.commitment_number,
        status=AppStatus(row.status),
        submitted_at=row.submitted_at,
        accept_deadline=row.accept_deadline,
        accept_deadline_provisional=row.accept_deadline_provisional,
        accepted_on=row.accepted_on,
        refusal_reason=row.refusal_reason,
        decide_deadline=row.decide_deadline,
        decide_deadline_provisional=row.decide_deadline_provisional,
        proposal=Proposal(row.proposal) if row.proposal else None,
        proposal_opinion=row.proposal_opinion,
        proposed_by=row.proposed_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_opinion=row.decision_opinion,
        result_version=row.result_version,
        overdue=due is not None and clock.today() > due,
        escalated_at=row.escalated_at,
        materials=materials,
        steps=steps,
    )


def material_file(session: Session, actor: Actor, application_id: int, material_id: int) -> tuple[RepairMaterial, Path]:
    row = get_application(session, actor, application_id)
    material = session.scalars(
        select(RepairMaterial).where(RepairMaterial.id == material_id, RepairMaterial.application_id == row.id)
    ).first()
    if material is None:
        raise NotFound(f"no material {material_id} (材料不存在)", field="material_id")
    audit.record(session, actor, "repair:material:read", "repair_application", str(row.id), {"material": material.id})
    return material, storage.path_of(material.stored_as, AREA)


# ---------------------------------------------------------------- the department's steps


def _for_step(session: Session, actor: Actor, application_id: int, step: Step) -> RepairApplication:
    row = session.scalars(
        select(RepairApplication).where(RepairApplication.id == application_id, _visible(actor)).with_for_update()
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
        _step(
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
    _step(session, actor, row, step, {"reason": data.reason}, reason=data.reason)
    return row


def propose(session: Session, actor: Actor, application_id: int, data: ProposeIn) -> RepairApplication:
    """经办人拟办: propose 修复 or 不予修复 with the opinion; a second person of the department decides."""
    row = _for_step(session, actor, application_id, Step.PROPOSE)
    parties = _parties(row)
    row.proposal, row.proposal_opinion, row.proposed_by = data.proposal, data.opinion, actor.id
    _step(
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
    parties = _parties(row)
    now = clock.now()
    if not data.approve:
        returned = {"proposal": row.proposal, "proposal_opinion": row.proposal_opinion, "proposed_by": row.proposed_by}
        row.proposal, row.proposal_opinion, row.proposed_by = None, None, None
        _step(
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
    _step(session, actor, row, step, details, parties=parties, outcome=target, reason=data.opinion)
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


# ---------------------------------------------------------------- the sweep


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
        _step(session, actor, row, Step.ESCALATE, {"stage": stage, "deadline": deadline, "today": today})
        escalated.append(row.id)
    return escalated
