"""The embedded check (嵌入式核查), the business systems' feedback (反馈) and the effectiveness statistics (成效统计).

A check resolves the subject, reads the list entries binding it today (for a person also the entries of entities
where they were a responsible person on the conduct date, clause 14), and returns every catalogued measure a
memorandum links to an entry's list type that bites in the scenario. Every check is stored (the log) and sealed into
the audit chain in batches by :mod:`xinyong.punishment.seals`; an ID number is never stored or logged in clear.
Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, case, func, insert, select, text
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import IdType, validate_person_id, validate_uscc
from xinyong.core.masking import mask_id_number
from xinyong.core.periods import month_bounds
from xinyong.entities import service as entities
from xinyong.lists import service as lists
from xinyong.punishment.catalogue import LinkedMeasure, linked_measures, measures_out
from xinyong.punishment.incentives import explain_incentives, incentives_for
from xinyong.punishment.models import Check, CheckMeasure, Measure
from xinyong.punishment.rules import Outcome, Scenario, explain
from xinyong.punishment.schemas import (
    CheckEntryOut,
    CheckIn,
    CheckOut,
    CheckWarningOut,
    DepartmentStat,
    FeedbackIn,
    FeedbackOut,
    MeasureStat,
    RequesterStat,
    StatisticsOut,
)

LOCAL_SOURCE_NAME = "共青城市公共信用信息平台"
_CHECKERS = frozenset({Role.BUSINESS_SYSTEM, Role.CREDIT_OFFICE, Role.SYSTEM})


def _entry_out(entry: lists.BindingEntry | lists.ListEntryView, **via: Any) -> CheckEntryOut:
    up = entry.upstream
    return CheckEntryOut(
        entry_id=entry.id,
        list_type=entry.list_code,
        list_name=entry.list_name,
        decision_doc_no=entry.decision_doc_no,
        department=entry.department,
        valid_from=entry.valid_from,
        valid_to=entry.valid_to,
        permanent=entry.permanent,
        source="upstream" if up is not None else "local",
        source_name=up.source_name if up is not None else LOCAL_SOURCE_NAME,
        source_level=up.level if up is not None else "city",
        issuing_body=up.issuing_body if up is not None else entry.department,
        upstream_id=up.upstream_id if up is not None else None,
        **via,
    )


@dataclass(slots=True)
class _Subject:
    kind: str  # entity / person
    key: str  # the USCC, or the ID type and blind index
    display: str  # the USCC, or the masked ID number
    known: bool
    person_id: int | None
    entries: list[CheckEntryOut]
    warnings: list[CheckWarningOut] = field(default_factory=list)
    honours: list[lists.BindingEntry] = field(default_factory=list)  # an entity's 守信激励 entries in force


def _same_name(given: str, registered: str) -> bool:
    """Names compared as a person would: surrounding and inner blanks and full-width spaces ignored."""
    return "".join(given.split()) == "".join(registered.split())


def _subject(session: Session, data: CheckIn) -> _Subject:
    """The request's subject and the entries in force today binding it, one per entry (a person bound through two
    roles in the same listed entity gets the entry once, with both roles)."""
    given = data.subject
    person_fields = (given.id_type, given.id_number, given.name)
    if given.uscc is not None and any(f is not None for f in person_fields):
        raise InvalidInput("give either uscc or a person, not both (主体只能填写一种)", field="subject")
    today = clock.today()
    if given.uscc is not None:
        uscc = validate_uscc(given.uscc.strip().upper(), field="subject.uscc").code
        known, binding, honours = lists.binding_entity_and_honours(session, uscc, today)
        return _Subject("entity", uscc, uscc, known, None, [_entry_out(e) for e in binding], honours=honours)
    labels = {"id_type": "证件类型", "id_number": "证件号码", "name": "姓名"}
    for name, value in (("id_type", given.id_type), ("id_number", given.id_number), ("name", given.name)):
        if not value:
            raise InvalidInput(f"{name} is required for a person (请填写{labels[name]})", field=f"subject.{name}")
    assert given.id_type is not None and given.id_number is not None and given.name is not None
    if given.id_type not in {t.value for t in IdType}:
        allowed = "、".join(t.value for t in IdType)
        raise InvalidInput(f"unknown ID type (证件类型不正确，可选：{allowed})", field="subject.id_type")
    kind = IdType(given.id_type)
    number = validate_person_id(kind, given.id_number, field="subject.id_number")
    key = f"{kind.value}:{entities.id_blind(kind, number)}"
    display = mask_id_number(number)
    person = entities.find_person(session, kind, number)
    if person is None:
        return _Subject("person", key, display, False, None, [])
    warnings = []
    if not _same_name(given.name, person.name):
        warnings.append(
            CheckWarningOut(
                code="name_mismatch",
                message="所填姓名与该证件号码登记的姓名不一致；核查结果以证件号码为准，请核对申请人身份。",
            )
        )
    found = [_entry_out(e) for e in lists.binding_person(session, person.id, today)]
    through: dict[int, CheckEntryOut] = {}
    for link in lists.entries_of_person(session, person.id, today):
        entry = through.get(link.entry.id)
        if entry is None:
            through[link.entry.id] = _entry_out(
                link.entry, via=link.role, via_uscc=link.uscc, via_entity_name=link.entity_name, via_roles=[link.role]
            )
        elif link.role not in entry.via_roles:
            entry.via_roles.append(link.role)
    found.extend(through.values())
    return _Subject("person", key, display, True, person.id, found, warnings)


_CHECKS = cast(Table, Check.__table__)
_CHECK_MEASURES = cast(Table, CheckMeasure.__table__)


def _measures(
    session: Session, entries: list[CheckEntryOut], scenario: Scenario
) -> dict[str, tuple[LinkedMeasure, list[int], list[str]]]:
    """The measures the entries bring in the scenario, by code: each with its entries and memoranda (文号)."""
    linked = linked_measures(session, {e.list_type for e in entries})
    measures: dict[str, tuple[LinkedMeasure, list[int], list[str]]] = {}
    for entry in entries:
        for measure in linked.get(entry.list_type, []):
            if scenario.value not in measure.scenarios or entry.list_type not in measure.list_types:
                continue
            _, entry_ids, memos = measures.setdefault(measure.code, (measure, [], []))
            if entry.entry_id not in entry_ids:
                entry_ids.append(entry.entry_id)
            if measure.memorandum not in memos:
                memos.append(measure.memorandum)
    return measures


def run_check(session: Session, actor: Actor, data: CheckIn) -> CheckOut:
    """Check a subject in a scenario and store the check with what it answered (sealed into the audit chain later).

    This is the hot path business systems call before every decision, so it is written for few round trips: one
    statement for the entity and the entries binding it, one for the linked measures (only when there are
    entries), one insert for the check (and one for the measures it returned); no ORM unit of work."""
    if actor.role not in _CHECKERS:
        raise Forbidden("only business systems and the credit office may check (仅业务系统可核查)")
    subject = _subject(session, data)
    kind, key, display = subject.kind, subject.key, subject.display
    known, person_id, entries = subject.known, subject.person_id, subject.entries
    scenario = data.scenario
    measures = _measures(session, entries, scenario)
    measure_out = measures_out(measures.values())
    outcome = Outcome.RESTRICTED if measure_out else Outcome.CLEAR
    own = sum(1 for e in entries if e.via is None)
    explanation = explain(
        subject_known=known,
        scenario=scenario,
        own=own,
        inherited=len(entries) - own,
        measures=[(m.name, m.department) for m in measure_out],
    )
    honours = incentives_for(session, subject.honours, scenario, {e.list_type for e in entries})
    explanation = "".join((explanation, explain_incentives(honours, scenario)))  # 守信激励 beside the restrictions
    if not get_settings().check_log_durable and session.get_bind().dialect.name == "postgresql":
        # The office's choice (XINYONG_CHECK_LOG_DURABLE=false): this transaction's commit does not wait for the
        # WAL flush, so a disk's fsync stalls do not reach the answer; a crash of the database server may lose
        # the last fraction of a second of check rows (never half a row, never anything else).
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    now = clock.now()
    answer = CheckOut(
        check_id=1,  # the row's id, filled in below; the stored answer leaves it out (it is the row's own id)
        checked_at=now,
        scenario=scenario,
        subject_kind="entity" if kind == "entity" else "person",
        subject=display,
        subject_known=known,
        listed=bool(entries),
        outcome=outcome,
        entries=entries,
        measures=measure_out,
        explanation=explanation,
        warnings=subject.warnings,
        honours=honours.honours,
        incentives=honours.out(),
        incentives_withheld=honours.withheld,
    )
    check_id = session.execute(
        insert(_CHECKS).returning(_CHECKS.c.id),
        {
            "at": now,
            "requester_id": actor.id,
            "requester_role": actor.role.value,
            "requester_department": actor.department_code,
            "purpose": data.purpose,
            "scenario": scenario.value,
            "subject_kind": kind,
            "subject_key": key,
            "subject_display": display,
            "subject_known": known,
            "person_id": person_id,
            "outcome": outcome.value,
            "entry_ids": [e.entry_id for e in entries],
            "answer": answer.model_dump(mode="json", exclude={"check_id"}),
        },
    ).scalar_one()
    answer.check_id = check_id
    returned = [*measures.values(), *honours.measures]  # feedback is given on incentives as on restrictions
    if returned:
        session.execute(
            insert(_CHECK_MEASURES),
            [
                {"check_id": check_id, "measure_id": m.id, "measure_code": m.code, "department": m.department}
                for m, _, _ in returned
            ],
        )
    # The check row is the log; it enters the audit chain through a periodic seal (punishment.seals), not one chain
    # event per check, so checks do not queue on the chain head's lock.
    return answer


def record_feedback(session: Session, actor: Actor, check_id: int, data: FeedbackIn) -> FeedbackOut:
    """The checking system's feedback on one measure of its check: applied, or not applied with a reason; once."""
    check = session.get(Check, check_id)
    if check is None:
        raise NotFound(f"no check {check_id} (未找到该核查记录)", field="check_id")
    if actor.role != Role.SYSTEM and actor.id != check.requester_id:
        raise Forbidden("only the system that made the check may report back (仅核查方可反馈)")
    reason = (data.reason or "").strip() or None
    if not data.applied and reason is None:
        raise InvalidInput("a measure not applied needs a reason (未实施须说明理由)", field="reason")
    row = session.scalars(
        select(CheckMeasure)
        .where(CheckMeasure.check_id == check_id, CheckMeasure.measure_code == data.measure_code)
        .with_for_update()
    ).first()
    if row is None:
        raise InvalidInput(
            f"measure {data.measure_code} was not returned by check {check_id} (该核查未返回此措施)",
            field="measure_code",
        )
    if row.applied is not None:
        raise Conflict(f"feedback on {data.measure_code} was given already (已反馈)", field="measure_code")
    row.applied = data.applied
    row.reason = reason
    row.feedback_at = clock.now()
    row.feedback_by = actor.id
    session.flush()
    audit.record(
        session,
        actor,
        "punishment:feedback:recorded",
        "check",
        str(check_id),
        {"measure": data.measure_code, "applied": data.applied, "reason": reason},
    )
    return FeedbackOut(
        check_id=check_id,
        measure_code=row.measure_code,
        applied=data.applied,
        reason=reason,
        feedback_at=row.feedback_at,
    )


def requester_names(session: Session, requesters: set[str]) -> dict[str, str]:
    """The registered names of callers (``api:<id>`` → the API client's name, ``user:<username>`` → the user's)."""
    clients = {f"api:{c.id}": c.name for c in auth.list_api_clients(session) if f"api:{c.id}" in requesters}
    users = {
        f"user:{u.username}": u.display_name for u in auth.list_users(session) if f"user:{u.username}" in requesters
    }
    return clients | users


def _utc_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    start, end = month_bounds(month)
    tz = clock.BEIJING
    return dt.datetime.combine(start, dt.time(), tzinfo=tz), dt.datetime.combine(end, dt.time(), tzinfo=tz)


def statistics(session: Session, month: str) -> StatisticsOut:
    """Checks, restricted answers and feedback of one month (Beijing time), by measure and by requesting system."""
    start, end = _utc_bounds(month)
    checks = list(session.scalars(select(Check).where(Check.at >= start, Check.at < end)))
    ids = [c.id for c in checks]
    by_requester: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0, 0])
    for c in checks:
        counts = by_requester[(c.requester_id, c.requester_department)]
        counts[0] += 1
        counts[1] += c.outcome == Outcome.RESTRICTED
    per_measure: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for chunk_start in range(0, len(ids), 1000):
        chunk = ids[chunk_start : chunk_start + 1000]
        for row in session.scalars(select(CheckMeasure).where(CheckMeasure.check_id.in_(chunk))):
            counts = per_measure[row.measure_id]
            counts[0] += 1
            counts[1] += row.applied is True
            counts[2] += row.applied is False
            counts[3] += row.applied is None
    measures = {m.id: m for m in session.scalars(select(Measure).where(Measure.id.in_(list(per_measure))))}
    by_measure = sorted(
        (
            MeasureStat(
                measure_code=measures[mid].code,
                measure_name=measures[mid].name,
                department=measures[mid].department,
                returned=c[0],
                applied=c[1],
                not_applied=c[2],
                pending=c[3],
            )
            for mid, c in per_measure.items()
        ),
        key=lambda s: (s.department, s.measure_code),
    )
    names = requester_names(session, {r for r, _ in by_requester})
    by_department: dict[str, DepartmentStat] = {}
    for stat in by_measure:
        dept = by_department.setdefault(stat.department, DepartmentStat(department=stat.department))
        dept.returned += stat.returned
        dept.applied += stat.applied
        dept.not_applied += stat.not_applied
        dept.pending += stat.pending
    return StatisticsOut(
        month=month.strip(),
        checks=len(checks),
        restricted=sum(1 for c in checks if c.outcome == Outcome.RESTRICTED),
        measures_returned=sum(s.returned for s in by_measure),
        applied=sum(s.applied for s in by_measure),
        not_applied=sum(s.not_applied for s in by_measure),
        by_measure=by_measure,
        by_department=sorted(by_department.values(), key=lambda d: d.department),
        by_requester=[
            RequesterStat(requester=r, requester_name=names.get(r, r), department=d, checks=c[0], restricted=c[1])
            for (r, d), c in sorted(by_requester.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        ],
    )


def feedback_by_department(session: Session, month: str) -> dict[str, tuple[int, int, int]]:
    """Per requesting department (its business systems' API clients), for the month: checks made, measures returned
    to those checks, and measures the systems gave feedback on (clause 11). Two grouped queries."""
    start, end = _utc_bounds(month)
    in_month = (Check.at >= start, Check.at < end, Check.requester_department.is_not(None))
    checks = dict(
        session.execute(
            select(Check.requester_department, func.count()).where(*in_month).group_by(Check.requester_department)
        ).all()
    )
    measures = {
        department: (int(returned), int(answered or 0))
        for department, returned, answered in session.execute(
            select(
                Check.requester_department,
                func.count(),
                func.sum(case((CheckMeasure.feedback_at.is_not(None), 1), else_=0)),
            )
            .join(CheckMeasure, CheckMeasure.check_id == Check.id)
            .where(*in_month)
            .group_by(Check.requester_department)
        ).all()
    }
    return {
        str(department): (int(checks.get(department, 0)), *measures.get(department, (0, 0)))
        for department in set(checks) | set(measures)
    }


def feedback_items(session: Session, department: str, month: str, limit: int) -> list[dict[str, Any]]:
    """The measures returned to the department's checks of the month, those without feedback first."""
    start, end = _utc_bounds(month)
    rows = session.execute(
        select(Check.id, Check.at, Check.purpose, Check.subject_display, CheckMeasure.measure_code, Measure.name)
        .add_columns(CheckMeasure.applied, CheckMeasure.feedback_at)
        .join(CheckMeasure, CheckMeasure.check_id == Check.id)
        .join(Measure, Measure.id == CheckMeasure.measure_id)
        .where(Check.at >= start, Check.at < end, Check.requester_department == department)
        .order_by(CheckMeasure.feedback_at.is_not(None), Check.at, Check.id)
        .limit(limit)
    ).all()
    return [
        {
            "check_id": row.id,
            "at": row.at,
            "purpose": row.purpose,
            "subject": row.subject_display,
            "measure_code": row.measure_code,
            "measure": row.name,
            "applied": row.applied,
            "feedback_at": row.feedback_at,
        }
        for row in rows
    ]
