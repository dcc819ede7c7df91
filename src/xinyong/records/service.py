"""Use cases of credit records: create or re-send (idempotent by natural key), correct, change status, and read
with the caller's rights, now or "as of" any past moment. Services flush, never commit.

Parts below the service: :mod:`~xinyong.records.rights` (who reads which version, content checks) and
:mod:`~xinyong.records.reading` (records as their readers see them); the service re-exports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.crypto import get_cipher
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.workflow import Parties
from xinyong.entities import service as entities
from xinyong.privacy import service as privacy_rules
from xinyong.records import privacy
from xinyong.records.facts import record_facts as record_facts
from xinyong.records.facts import shared_doc_nos as shared_doc_nos
from xinyong.records.facts import usccs_changed_since as usccs_changed_since
from xinyong.records.models import RECORD_CORRECTION, CreditRecord, CreditRecordVersion
from xinyong.records.oversight import batch_rows_by_department as batch_rows_by_department
from xinyong.records.oversight import decision_items as decision_items
from xinyong.records.oversight import received_by_month as received_by_month
from xinyong.records.oversight import received_items as received_items
from xinyong.records.oversight import rejection_items as rejection_items
from xinyong.records.oversight import status_counts_by as status_counts_by
from xinyong.records.reading import (
    audit_personal_read,
    doc_numbers,
    get_record,
    publicity_end_out,
    record_history,
    records_of_entity,
    to_view,
    versions_since,
)
from xinyong.records.rights import (
    CONTENT_ID_CONTEXT,
    CONTENT_KEY,
    FIRST_PAGE,
    MATERIAL_FIELDS,
    check_content,
    comparable,
    protect_ids,
    require_source,
    visibility,
    visible_versions,
)
from xinyong.records.rules import (
    KIND_LABELS,
    PERSONAL_ID_KEYS,
    ChangeKind,
    Kind,
    RecordStep,
    Status,
    SubjectType,
    step_to,
)
from xinyong.records.schemas import RecordCorrection, RecordIn

__all__ = [
    "CONTENT_ID_CONTEXT",
    "CONTENT_KEY",
    "FIRST_PAGE",
    "MATERIAL_FIELDS",
    "audit_personal_read",
    "change_status",
    "check_content",
    "correct_record",
    "current_of",
    "decided_in_window",
    "dishonest_of_entity",
    "doc_number",
    "find_current",
    "get_record",
    "open_correction",
    "privacy_hold",
    "protect_ids",
    "publicity_end_out",
    "record_history",
    "record_labels",
    "records_of_entity",
    "same_value",
    "seal_correction",
    "to_view",
    "upsert_record",
    "versions_since",
    "visibility",
    "visible_record",
    "visible_versions",
]


def _new_version(
    session: Session,
    record: CreditRecord,
    actor: Actor,
    fields: dict[str, Any],
    change: ChangeKind,
    reason: str | None,
) -> CreditRecordVersion:
    now = clock.now()
    previous_uscc: str | None = None
    current: CreditRecordVersion | None = None
    if record.current_version:
        current = current_of(session, record.id)
        current.valid_to = now
        previous_uscc = current.subject_uscc
        session.flush()
    fields = {**fields, "privacy_hold": privacy_hold(session, fields, current)}
    version = CreditRecordVersion(
        record_id=record.id,
        version=record.current_version + 1,
        valid_from=now,
        valid_to=None,
        source_department=record.source_department,
        kind=record.kind,
        change_kind=change,
        change_reason=reason,
        actor_role=str(actor.role),
        actor_id=actor.id,
        **fields,
    )
    session.add(version)
    record.current_version = version.version
    entities.enqueue_regrade(session, version.subject_uscc, f"record:{record.id}:{change}")
    if previous_uscc and previous_uscc != version.subject_uscc:  # a correction moved it to another subject
        entities.enqueue_regrade(session, previous_uscc, f"record:{record.id}:{change}")
    session.flush()
    return version


def privacy_hold(session: Session, fields: dict[str, Any], previous: CreditRecordVersion | None) -> bool:
    """Whether a new version waits for a desensitisation review: the previous version's answer when the text is the
    same (a status change), else the desensitiser's (:func:`records.privacy.hold_for`)."""
    if previous is not None and previous.title == fields["title"] and previous.content == fields["content"]:
        return previous.privacy_hold
    return privacy.hold_for(
        fields["subject_type"],
        fields["subject_uscc"],
        fields["subject_name"],
        fields["title"],
        fields["content"],
        privacy_rules.ruleset(session),
    )


def current_of(session: Session, record_id: int) -> CreditRecordVersion:
    found = find_current(session, record_id)
    if found is None:
        raise NotFound(f"no credit record {record_id} (未找到该信用记录)", field="record_id")
    return found


def find_current(session: Session, record_id: int) -> CreditRecordVersion | None:
    """The record's version in force now, whoever asks (the caller decides who may see what it learns)."""
    return session.execute(
        select(CreditRecordVersion).where(
            CreditRecordVersion.record_id == record_id, CreditRecordVersion.valid_to.is_(None)
        )
    ).scalar_one_or_none()


def visible_record(session: Session, actor: Actor, record_id: int) -> CreditRecordVersion | None:
    """The version of the record the actor may read (``None``: missing or not visible, alike)."""
    return session.scalars(visible_versions(actor).where(CreditRecordVersion.record_id == record_id)).first()


def dishonest_of_entity(
    session: Session, uscc: str, statuses: Sequence[str], leave_out_kinds: Sequence[str]
) -> list[tuple[CreditRecordVersion, str]]:
    """The entity's current records that carry a severity (dishonesty) with one of ``statuses``, kinds in
    ``leave_out_kinds`` left out, newest decision first, each with its document number (repair reads this)."""
    v = CreditRecordVersion
    rows = session.execute(
        select(v, CreditRecord.doc_no)
        .join(CreditRecord, CreditRecord.id == v.record_id)
        .where(
            v.valid_to.is_(None),
            v.subject_uscc == uscc,
            v.severity.is_not(None),
            v.status.in_([str(s) for s in statuses]),
            v.kind.not_in([str(k) for k in leave_out_kinds]),
        )
        .order_by(v.decision_date.desc(), v.record_id)
    ).all()
    return [(version, doc_no) for version, doc_no in rows]


def doc_number(session: Session, record_id: int) -> str:
    """The record's document number (its natural key within its department and kind); empty if unknown."""
    return doc_numbers(session, [record_id]).get(record_id, "")


def record_labels(session: Session, record_ids: Sequence[int]) -> dict[int, str]:
    """Each record as a person names it — its kind, document number and current title (e.g. 行政处罚
    共市监罚〔2026〕9001号《行政处罚决定书》) — for screens that point at a record (objections read this)."""
    if not record_ids:
        return {}
    v = CreditRecordVersion
    rows = session.execute(
        select(v.record_id, v.kind, v.title, CreditRecord.doc_no)
        .join(CreditRecord, CreditRecord.id == v.record_id)
        .where(v.record_id.in_(sorted(set(record_ids))), v.valid_to.is_(None))
    ).all()
    return {row.record_id: f"{KIND_LABELS[Kind(row.kind)]} {row.doc_no}《{row.title}》" for row in rows}


def decided_in_window(
    session: Session, kind: str, statuses: Sequence[str], after: dt.date, until: dt.date
) -> list[tuple[str, str, str, int]]:
    """Current versions of ``kind`` with one of ``statuses``, about an entity, decided in (after, until]: (USCC,
    source department, subject name, record id), ordered by USCC, department and record (risk signals read this)."""
    v = CreditRecordVersion
    rows = session.execute(
        select(v.subject_uscc, v.source_department, v.subject_name, v.record_id)
        .where(
            v.valid_to.is_(None),
            v.kind == kind,
            v.status.in_([str(s) for s in statuses]),
            v.subject_uscc.is_not(None),
            v.decision_date > after,
            v.decision_date <= until,
        )
        .order_by(v.subject_uscc, v.source_department, v.record_id)
    ).all()
    return [(str(uscc), department, name, record_id) for uscc, department, name, record_id in rows]


def _subject_fields(session: Session, actor: Actor, data: RecordIn) -> dict[str, Any]:
    subject = data.subject
    if subject.type == SubjectType.ENTITY:
        if not subject.uscc:
            raise InvalidInput("an entity subject needs its USCC (统一社会信用代码必填)", field="subject.uscc")
        entity = entities.ensure_entity(session, actor, subject.uscc, subject.name)
        return {
            "subject_type": SubjectType.ENTITY,
            "subject_uscc": entity.uscc,
            "subject_person_id": None,
            "subject_name": subject.name,
        }
    if not subject.id_type or not subject.id_number:
        raise InvalidInput(
            "a natural person needs an ID type and number (证件类型和号码必填)", field="subject.id_number"
        )
    person = entities.upsert_person(
        session,
        Actor.system("records") if actor.role == Role.SYSTEM else actor,
        subject.name,
        subject.id_type,
        subject.id_number,
    )
    return {
        "subject_type": SubjectType.PERSON,
        "subject_uscc": None,
        "subject_person_id": person.id,
        "subject_name": subject.name,
    }


def _check_dates(decision: dt.date, received: dt.date, published: dt.date | None) -> None:
    today = clock.today()
    if decision > today:
        raise InvalidInput(f"decision_date {decision} is in the future (决定日期不能晚于今天)", field="decision_date")
    if decision.year < 1949:
        raise InvalidInput(f"decision_date {decision} is implausibly early (决定日期有误)", field="decision_date")
    if received < decision:
        raise InvalidInput("received_date is before decision_date (归集日期早于决定日期)", field="received_date")
    if published is not None and published < decision:
        raise InvalidInput("published_date is before decision_date (公示日期早于决定日期)", field="published_date")


def upsert_record(session: Session, actor: Actor, data: RecordIn) -> tuple[CreditRecordVersion, str]:
    """Create a record, or re-send one: identical → ``unchanged``; different → a new version (``corrected``).
    Returns the current version and the outcome."""
    department = get_department(session, data.source_department)
    require_source(actor, department.code)
    check_content(data.content)
    received = data.received_date or clock.today()
    _check_dates(data.decision_date, received, data.published_date)
    record = session.execute(
        select(CreditRecord).where(
            CreditRecord.source_department == department.code,
            CreditRecord.kind == data.kind,
            CreditRecord.doc_no == data.doc_no,
        )
    ).scalar_one_or_none()
    previous = current_of(session, record.id) if record is not None else None
    fields = _subject_fields(session, actor, data) | {
        "title": data.title,
        "decision_date": data.decision_date,
        "received_date": received,
        "published_date": data.published_date,
        "disclosure": data.disclosure,
        "severity": data.severity,
        "status": data.status,
        "content": protect_ids(data.content, previous.content if previous else None),
        "provenance": data.provenance,
    }
    fields = privacy.protect_fields(fields, previous)
    if record is None:
        record = CreditRecord(
            source_department=department.code,
            kind=data.kind,
            doc_no=data.doc_no,
            current_version=0,
            created_at=clock.now(),
        )
        session.add(record)
        session.flush()
        version = _new_version(session, record, actor, fields, ChangeKind.CREATED, None)
        audit.record(
            session,
            actor,
            "records:record:created",
            "credit_record",
            str(record.id),
            {"kind": data.kind, "doc_no": data.doc_no, "department": department.code},
        )
        return version, "created"
    assert previous is not None
    if all(same_value(getattr(previous, name), fields[name]) for name in MATERIAL_FIELDS):
        return previous, "unchanged"
    fields["received_date"] = previous.received_date  # first receipt is what timeliness measures
    version = _new_version(session, record, actor, fields, ChangeKind.CORRECTED, "re-sent with changes (重新报送)")
    audit.record(
        session,
        actor,
        "records:record:corrected",
        "credit_record",
        str(record.id),
        {"version": version.version, "via": "resend"},
    )
    return version, "corrected"


def same_value(old: Any, new: Any) -> bool:
    if isinstance(old, dict) and isinstance(new, dict):
        return comparable(old) == comparable(new)
    return bool(old == new)


def _record_for_write(session: Session, actor: Actor, record_id: int) -> CreditRecord:
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(f"no credit record {record_id} (未找到该信用记录)", field="record_id")
    require_source(actor, record.source_department)
    return record


@dataclass
class _RecordState:
    """A record as its correction procedure sees it: its id and the status of its current version (the status
    lives on the versions; the procedure's step rows hang on the record)."""

    id: int
    status: str


def correct_record(session: Session, actor: Actor, record_id: int, correction: RecordCorrection) -> CreditRecordVersion:
    """A correction is a new version; the old one stays readable "as of" any moment before it."""
    record = _record_for_write(session, actor, record_id)
    current = current_of(session, record.id)
    changes = correction.model_dump(exclude_unset=True, exclude={"reason"})
    if not changes:
        raise InvalidInput("a correction must change at least one field (更正内容为空)", field="content")
    if "content" in changes:
        check_content(changes["content"])
        changes["content"] = protect_ids(changes["content"], current.content)
    fields = {name: getattr(current, name) for name in (*MATERIAL_FIELDS, "received_date", "provenance")}
    fields.update(changes)
    fields = privacy.protect_fields(fields, current)
    _check_dates(fields["decision_date"], fields["received_date"], fields["published_date"])
    if all(same_value(getattr(current, name), fields[name]) for name in MATERIAL_FIELDS):
        raise Conflict("the correction changes nothing (更正前后内容相同)")
    version = _new_version(session, record, actor, fields, ChangeKind.CORRECTED, correction.reason)
    RECORD_CORRECTION.advance(
        session,
        actor,
        _RecordState(record.id, current.status),
        RecordStep.CORRECT,
        parties=Parties(record.source_department, subject_uscc=current.subject_uscc),
        reason=correction.reason,
        documents=[record.doc_no],
        details={"version": version.version, "fields": sorted(changes), "reason": correction.reason},
    )
    return version


def seal_correction(session: Session, record_id: int, correction: RecordCorrection) -> dict[str, Any]:
    """Check a correction another procedure will apply later (an objection's proposal waits for a second person) and
    return it as JSON values to keep meanwhile, identifiers protected as a stored version's are: a text or ID field
    sent back as it is stored (masked) keeps its encrypted original; changed ones are encrypted now. The same 422 /
    409 as :func:`correct_record` (nothing to change, bad content, dates out of order)."""
    current = current_of(session, record_id)
    changes = correction.model_dump(mode="json", exclude_unset=True, exclude={"reason"})
    if not changes:
        raise InvalidInput("a correction must change at least one field (更正内容为空)", field="content")
    if "content" in changes:
        check_content(changes["content"])
        kept = {
            key: value
            for key, value in changes["content"].items()
            if f"{key}_enc" in current.content and value == current.content.get(key)
        }
        fresh = {key: value for key, value in changes["content"].items() if key not in kept}
        sealed = protect_ids(fresh, current.content)
        for key in kept:
            sealed[key] = current.content[key]
            for companion in ("_enc", "_bi"):
                if f"{key}{companion}" in current.content:
                    sealed[f"{key}{companion}"] = current.content[f"{key}{companion}"]
        changes["content"] = sealed
    fields = {name: getattr(current, name) for name in (*MATERIAL_FIELDS, "received_date", "provenance")}
    typed = correction.model_dump(exclude_unset=True, exclude={"reason", "content"})
    fields.update(typed)
    if "content" in changes:
        fields["content"] = changes["content"]
    _check_dates(fields["decision_date"], fields["received_date"], fields["published_date"])
    if all(same_value(getattr(current, name), fields[name]) for name in MATERIAL_FIELDS):
        raise Conflict("the correction changes nothing (更正前后内容相同)")
    return changes


def open_correction(sealed: dict[str, Any], reason: str) -> RecordCorrection:
    """A correction kept by :func:`seal_correction`, back with its originals, ready for :func:`correct_record`."""
    fields = dict(sealed)
    if isinstance(fields.get("content"), dict):
        content: dict[str, Any] = fields["content"]
        clear = privacy.original_content(content)
        for key in PERSONAL_ID_KEYS:
            token = content.get(f"{key}_enc")
            if isinstance(token, str):
                clear[key] = get_cipher().decrypt(token, context=CONTENT_ID_CONTEXT)
        fields["content"] = clear
    return RecordCorrection.model_validate({**fields, "reason": reason})


def change_status(session: Session, actor: Actor, record_id: int, status: Status, reason: str) -> CreditRecordVersion:
    """Move a record's status along the transition table (objection, repair, revocation, expiry)."""
    record = _record_for_write(session, actor, record_id)
    current = current_of(session, record.id)
    if not reason.strip():
        raise InvalidInput("a status change needs a reason (须说明理由)", field="reason")
    step = step_to(Status(current.status), status)
    if step is None:
        raise Conflict(f"a record that is {current.status} cannot become {status} (状态不可变更)", field="status")
    fields = {name: getattr(current, name) for name in (*MATERIAL_FIELDS, "received_date", "provenance")}
    fields["status"] = status
    version = _new_version(session, record, actor, fields, ChangeKind.STATUS, reason.strip()[:500])
    RECORD_CORRECTION.advance(
        session,
        actor,
        _RecordState(record.id, current.status),
        step,
        parties=Parties(record.source_department, subject_uscc=current.subject_uscc),
        reason=reason.strip()[:500],
        documents=[record.doc_no],
        details={"reason": reason.strip()[:500], "version": version.version},
    )
    return version
