"""Credit repair: the facts of every dishonest record and list entry of an entity (its kind, severity, publication
window, tasks, commitment, open application) and what may be repaired, by which method.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.commitments import service as commitments
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.entities import service as entities
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.publicity import publication_window
from xinyong.records.rules import KIND_LABELS, Kind, Severity, Status
from xinyong.remedies import service as remedies
from xinyong.remedies.rules import TaskStatus
from xinyong.repair.models import RepairApplication
from xinyong.repair.rules import (
    Eligibility,
    EntryFacts,
    RecordFacts,
    TargetKind,
    entry_eligibility,
    record_eligibility,
)
from xinyong.repair.schemas import (
    ConditionOut,
    EligibilityOut,
)

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


def facts_of_record(session: Session, version: CreditRecordVersion, entry_id: int | None = None) -> RecordFacts:
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


def facts_of_entry(session: Session, entry: ListEntry, on: dt.date) -> EntryFacts:
    ltype = lists.get_type(session, entry.list_type_id)
    record_facts = None
    if entry.record_id is not None:
        record_facts = facts_of_record(session, _current_version(session, entry.record_id), entry_id=entry.id)
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


def record_title(version: CreditRecordVersion, doc_no: str) -> str:
    label = KIND_LABELS.get(Kind(version.kind), version.kind) if version.kind in set(Kind) else version.kind
    return f"{label}｜{version.title}｜{doc_no}"


def entry_title(entry: ListEntry, name: str) -> str:
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
            record_title(version, doc_no),
            version.source_department,
            version.decision_date,
            version.severity,
            record_eligibility(facts_of_record(session, version), day),
        )
        for version, doc_no in rows
    ]
    entries = lists.published_entries_of(session, target)
    for entry in entries:
        facts = facts_of_entry(session, entry, day)
        found.append(
            _out(
                TargetKind.LIST_ENTRY,
                entry.id,
                entry_title(entry, facts.list_name),
                entry.department,
                entry.decision_date,
                Severity.SERIOUS if entry.list_code == "serious" else None,
                entry_eligibility(facts, day),
            )
        )
    return found
