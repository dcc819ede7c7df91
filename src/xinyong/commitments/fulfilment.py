"""Fulfilment of commitments (履约): 容缺受理 cases and their due dates, fulfilment checks (履约核查) whose results
(践诺 / 违诺 / 虚假承诺) become credit records, the consequences a breach brings, and the daily sweep.

A breach applies what its catalogue item configures (:class:`~xinyong.commitments.rules.Consequence`): a
dishonesty record with a severity, the commitment option lost for a period (a Civil Code period from the breach
date), and a proposal into a list's procedure through the lists area — never a direct listing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments import listing
from xinyong.commitments.models import (
    COMMITMENT,
    TOLERANCE,
    Commitment,
    CommitmentCheck,
    CommitmentItem,
    CommitmentSuspension,
    ToleranceCase,
)
from xinyong.commitments.rules import (
    BREACHES,
    CHECK_DONE_FROM,
    COMMITMENT_TABLE,
    RESULT_STATUS,
    STEP_OF_STATUS,
    TOLERANCE_TABLE,
    CheckKind,
    CheckResult,
    CheckStatus,
    CommitmentStatus,
    Consequence,
    ToleranceStatus,
    ToleranceStep,
    can_move,
    due_state,
    suspension_end,
)
from xinyong.commitments.schemas import CheckIn, SupplyIn
from xinyong.commitments.service import get_item, records_actor, require_department
from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.calendar import load_calendar
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.workflow import Parties
from xinyong.records import service as records
from xinyong.records.rules import Disclosure, Kind, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn

SOON_WORKING_DAYS = 3


def _commitment(session: Session, commitment_id: int) -> Commitment:
    found = session.get(Commitment, commitment_id)
    if found is None:
        raise NotFound(f"no commitment {commitment_id} (未找到该信用承诺)", field="commitment_id")
    return found


def _move(session: Session, actor: Actor, commitment: Commitment, target: CommitmentStatus, why: str) -> None:
    current = CommitmentStatus(commitment.status)
    if not can_move(COMMITMENT_TABLE, current, target):
        raise Conflict(f"a commitment that is {current} cannot become {target} (状态不可变更)", field="result")
    COMMITMENT.advance(
        session,
        actor,
        commitment,
        STEP_OF_STATUS[target],
        parties=Parties(commitment.department, subject_uscc=commitment.uscc),
        reason=why[:2000],
        details={"why": why[:200]},
    )


# ---------------------------------------------------------------- checks


def plan_check(session: Session, actor: Actor, commitment_id: int, scheduled_for: dt.date) -> CommitmentCheck:
    """Schedule a fulfilment check (定期核查); the console lists planned checks that are due."""
    commitment = _commitment(session, commitment_id)
    require_department(actor, commitment.department, "fulfilment checks")
    check = CommitmentCheck(
        commitment_id=commitment.id,
        department=commitment.department,
        kind=CheckKind.SCHEDULED,
        status=CheckStatus.PLANNED,
        scheduled_for=scheduled_for,
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(check)
    session.flush()
    audit.record(
        session,
        actor,
        "commitments:check:planned",
        "commitment",
        str(commitment.id),
        {"check": check.id, "scheduled_for": scheduled_for.isoformat()},
    )
    return check


def record_check(session: Session, actor: Actor, commitment_id: int, data: CheckIn) -> CommitmentCheck:
    """Record a check's result (completing a planned check, or an ad-hoc one): the commitment's status moves, the
    result becomes a credit record, and a breach brings its item's consequences."""
    commitment = _commitment(session, commitment_id)
    require_department(actor, commitment.department, "fulfilment checks")
    checked_on = data.checked_on or clock.today()
    if checked_on > clock.today():
        raise InvalidInput("checked_on is in the future (核查日期不能晚于今天)", field="checked_on")
    if data.check_id is not None:
        check = session.get(CommitmentCheck, data.check_id)
        if check is None or check.commitment_id != commitment.id:
            raise NotFound(f"no planned check {data.check_id} of this commitment (未找到该核查计划)", field="check_id")
        if CheckStatus(check.status) not in CHECK_DONE_FROM:
            raise Conflict("this check is already done (该核查已完成)", field="check_id")
    else:
        check = CommitmentCheck(
            commitment_id=commitment.id,
            department=commitment.department,
            kind=data.kind,
            status=CheckStatus.PLANNED,
            created_by=actor.id,
            created_at=clock.now(),
        )
        session.add(check)
    _move(session, actor, commitment, RESULT_STATUS[data.result], data.finding)
    _complete(session, actor, commitment, check, data.result, data.finding, checked_on)
    return check


def _complete(
    session: Session,
    actor: Actor,
    commitment: Commitment,
    check: CommitmentCheck,
    result: CheckResult,
    finding: str,
    on: dt.date,
) -> None:
    check.status = CheckStatus.DONE
    check.result = result
    check.finding = finding
    check.checked_on = on
    check.checked_by = actor.id
    session.flush()
    writer = records_actor(actor, commitment.department)
    version, _ = records.upsert_record(
        session,
        writer,
        RecordIn(
            source_department=commitment.department,
            kind=Kind.COMMITMENT,
            doc_no=f"{commitment.number}-HC{check.id}",
            subject=SubjectIn(type=SubjectType.ENTITY, name=commitment.entity_name, uscc=commitment.uscc),
            title=f"信用承诺履约核查：{result}（{commitment.number}）",
            decision_date=on,
            published_date=on if commitment.is_public else None,
            disclosure=Disclosure.PUBLIC if commitment.is_public else Disclosure.CONDITIONAL,
            content={"CNSBH": commitment.number, "HCLX": check.kind, "HCJG": result, "HCQK": finding[:2000]},
            provenance={"area": "commitments", "commitment_id": commitment.id, "check_id": check.id},
        ),
    )
    check.record_id = version.record_id
    session.flush()
    audit.record(
        session,
        actor,
        "commitments:check:recorded",
        "commitment",
        str(commitment.id),
        {"check": check.id, "result": result, "record": version.record_id},
    )
    if result in BREACHES:
        apply_breach(session, actor, commitment, check, result, on)


# ---------------------------------------------------------------- breaches


@dataclass(frozen=True)
class BreachOutcome:
    dishonesty_record_id: int | None
    suspended_until: dt.date | None
    list_proposal: str | None


def apply_breach(
    session: Session, actor: Actor, commitment: Commitment, check: CommitmentCheck, result: CheckResult, on: dt.date
) -> BreachOutcome:
    """The consequences configured for the commitment's item (req §3.4)."""
    item: CommitmentItem = get_item(session, commitment.item_id)
    consequence = Consequence.from_dict(item.consequence)
    severity = consequence.severity_for(result)
    label = "虚假承诺" if result == CheckResult.FALSE else "违背信用承诺"
    if severity is not None:
        version, _ = records.upsert_record(
            session,
            records_actor(actor, commitment.department),
            RecordIn(
                source_department=commitment.department,
                kind=Kind.COMMITMENT,
                doc_no=f"{commitment.number}-SX",
                subject=SubjectIn(type=SubjectType.ENTITY, name=commitment.entity_name, uscc=commitment.uscc),
                title=f"{label}失信记录：{item.name}"[:300],
                decision_date=on,
                published_date=on,
                disclosure=Disclosure.PUBLIC,
                severity=severity,
                content={"CNSBH": commitment.number, "SXXW": label, "HCJG": result, "SXBM": item.code},
                provenance={"area": "commitments", "commitment_id": commitment.id, "check_id": check.id},
            ),
        )
        check.dishonesty_record_id = version.record_id
    until = suspension_end(on, consequence)
    if until is not None:
        session.add(
            CommitmentSuspension(
                uscc=commitment.uscc,
                commitment_id=commitment.id,
                starts_on=on,
                ends_on=until,
                reason=f"{label}（{commitment.number}），{consequence.suspend_months} 个月内不适用告知承诺",
                created_at=clock.now(),
            )
        )
        check.suspended_until = until
    if consequence.list_type:
        check.list_proposal = listing.propose(
            session,
            list_type=consequence.list_type,
            uscc=commitment.uscc,
            facts=f"{label}：{commitment.number}，{item.name}；{check.finding or ''}"[:2000],
            basis=f"信用承诺事项 {item.code} 配置的违诺后果；共社信办字〔2020〕7号第（一）项",
            department=commitment.department,
            conduct_date=on,
            record_ids=[r for r in (check.dishonesty_record_id, check.record_id) if r],
        )
    session.flush()
    outcome = BreachOutcome(check.dishonesty_record_id, check.suspended_until, check.list_proposal)
    audit.record(
        session,
        actor,
        "commitments:commitment:breach",
        "commitment",
        str(commitment.id),
        {
            "result": result,
            "dishonesty_record": outcome.dishonesty_record_id,
            "suspended_until": outcome.suspended_until.isoformat() if outcome.suspended_until else None,
            "list_proposal": outcome.list_proposal,
        },
    )
    return outcome


def checks_of(session: Session, commitment_id: int) -> list[CommitmentCheck]:
    return list(
        session.execute(
            select(CommitmentCheck).where(CommitmentCheck.commitment_id == commitment_id).order_by(CommitmentCheck.id)
        ).scalars()
    )


def planned_checks(session: Session, actor: Actor, until: dt.date, limit: int = 200) -> list[CommitmentCheck]:
    stmt = select(CommitmentCheck).where(
        CommitmentCheck.status == CheckStatus.PLANNED, CommitmentCheck.scheduled_for <= until
    )
    if actor.is_department:
        stmt = stmt.where(CommitmentCheck.department == (actor.department_code or ""))
    return list(session.execute(stmt.order_by(CommitmentCheck.scheduled_for).limit(limit)).scalars())


# ---------------------------------------------------------------- 容缺受理


def supply_materials(session: Session, actor: Actor, commitment_id: int, data: SupplyIn) -> ToleranceCase:
    """The missing materials arrived: the case closes and the commitment is kept (践诺, recorded as a check)."""
    commitment = _commitment(session, commitment_id)
    require_department(actor, commitment.department, "容缺 cases")
    case = session.execute(
        select(ToleranceCase).where(ToleranceCase.commitment_id == commitment.id)
    ).scalar_one_or_none()
    if case is None:
        raise NotFound("this commitment has no 容缺 case (非容缺受理)", field="commitment_id")
    supplied_on = data.supplied_on or clock.today()
    if supplied_on > clock.today():
        raise InvalidInput("supplied_on is in the future (补齐日期不能晚于今天)", field="supplied_on")
    if not can_move(TOLERANCE_TABLE, ToleranceStatus(case.status), ToleranceStatus.SUPPLIED):
        raise Conflict(f"the case is {case.status} (该容缺事项已办结)", field="commitment_id")
    if supplied_on > case.due_date:
        raise Conflict(
            f"the due date {case.due_date.isoformat()} has passed: a late supply is a breach (已逾期)",
            field="supplied_on",
        )
    case.supplied_on = supplied_on
    case.supplied_note = data.note
    case.closed_at = clock.now()
    case.closed_by = actor.id
    TOLERANCE.advance(
        session,
        actor,
        case,
        ToleranceStep.SUPPLY,
        parties=Parties(case.department, subject_uscc=case.uscc),
        reason=data.note,
        details={"supplied_on": supplied_on},
        audit_subject_id=str(commitment.id),
    )
    record_check(
        session,
        actor,
        commitment.id,
        CheckIn(result=CheckResult.KEPT, finding=f"容缺材料已按期补齐：{data.note}", kind=CheckKind.DUE_DATE),
    )
    return case


def tolerance_cases(
    session: Session, actor: Actor, today: dt.date, *, state: str | None = None, limit: int = 500
) -> list[tuple[ToleranceCase, Commitment, str]]:
    """Open (or all) 容缺 cases in the actor's scope with their due state: 逾期, 即将到期 or 未到期.
    ``state``: ``open`` (待补齐), ``due_soon``, ``overdue`` (past the date, whether or not the sweep ran), ``all``."""
    calendar = load_calendar(session)
    stmt = select(ToleranceCase, Commitment).join(Commitment, Commitment.id == ToleranceCase.commitment_id)
    if actor.is_department:
        stmt = stmt.where(ToleranceCase.department == (actor.department_code or ""))
    elif not actor.sees_everything:
        stmt = stmt.where(ToleranceCase.uscc == (actor.entity_uscc or ""))
    if state != "all":
        if state == "overdue":
            stmt = stmt.where(
                (ToleranceCase.status == ToleranceStatus.OVERDUE)
                | ((ToleranceCase.status == ToleranceStatus.AWAITING) & (ToleranceCase.due_date < today))
            )
        else:
            stmt = stmt.where(ToleranceCase.status == ToleranceStatus.AWAITING)
    rows = session.execute(stmt.order_by(ToleranceCase.due_date, ToleranceCase.id).limit(limit)).all()
    found = []
    for case, commitment in rows:
        label = (
            due_state(case.due_date, today, calendar, SOON_WORKING_DAYS)
            if case.status == ToleranceStatus.AWAITING
            else str(case.status)
        )
        if state == "due_soon" and label != "即将到期":
            continue
        found.append((case, commitment, label))
    return found


# ---------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class SweepResult:
    examined: int
    breached: int


def sweep_commitments(session: Session, actor: Actor, today: dt.date) -> SweepResult:
    """Daily and idempotent (``xinyong tick``): every 容缺 case still awaiting materials after its due date is a
    breach — the case becomes 逾期未补齐, a 违诺 check is recorded, and the item's consequences follow."""
    examined = breached = 0
    while True:
        rows = session.execute(
            select(ToleranceCase)
            .where(ToleranceCase.status == ToleranceStatus.AWAITING, ToleranceCase.due_date < today)
            .order_by(ToleranceCase.id)
            .limit(500)
        ).scalars()
        batch = list(rows)
        if not batch:
            return SweepResult(examined, breached)
        for case in batch:
            examined += 1
            case.closed_at = clock.now()
            case.closed_by = actor.id
            TOLERANCE.advance(
                session,
                actor,
                case,
                ToleranceStep.OVERDUE,
                parties=Parties(case.department, subject_uscc=case.uscc),
                details={"due_date": case.due_date, "today": today},
                audit_subject_id=str(case.commitment_id),
            )
            commitment = _commitment(session, case.commitment_id)
            if commitment.status != CommitmentStatus.IN_FORCE:
                continue
            finding = f"容缺材料未在 {case.due_date.isoformat()} 前补齐：{'；'.join(case.missing_materials)}"
            record_check(
                session,
                actor,
                commitment.id,
                CheckIn(
                    result=CheckResult.BROKEN,
                    finding=finding[:4000],
                    kind=CheckKind.DUE_DATE,
                    checked_on=min(today, clock.today()),
                ),
            )
            breached += 1
