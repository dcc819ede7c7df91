"""Credit repair: the online application with its materials, to the department that made the record (谁认定、谁修复),
and the procedure's step on the workflow mechanism.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.crypto import sm3_hex
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.workflow import Deadline, Parties
from xinyong.lists import service as lists
from xinyong.records import service as records
from xinyong.repair.eligibility import (
    AREA,
    CLEARED_BY_LIST,
    Upload,
    entry_title,
    facts_of_entry,
    facts_of_record,
    record_title,
)
from xinyong.repair.models import REPAIR, RepairApplication, RepairMaterial
from xinyong.repair.rules import (
    MAX_MATERIAL_BYTES,
    MAX_MATERIALS,
    AppStatus,
    Eligibility,
    Step,
    TargetKind,
    entry_eligibility,
    record_eligibility,
)
from xinyong.repair.schemas import (
    ApplicationIn,
)
from xinyong.selfreport import storage
from xinyong.selfreport.rules import check_attachment


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
        title = record_title(version, records.doc_number(session, version.record_id))
        verdict = record_eligibility(facts_of_record(session, version), today)
        key = f"{TargetKind.RECORD}:{version.record_id}"
        return version.source_department, version.subject_name, title, key, verdict
    try:
        entry = lists.get_entry_row(session, data.target_id)
    except NotFound:
        raise refused from None
    if entry.subject_uscc != own:
        raise refused
    facts = facts_of_entry(session, entry, today)
    verdict = entry_eligibility(facts, today)
    return (
        entry.department,
        entry.subject_name,
        entry_title(entry, facts.list_name),
        f"{TargetKind.LIST_ENTRY}:{entry.id}",
        verdict,
    )


def _check_uploads(uploads: Sequence[Upload]) -> list[tuple[str, str, bytes]]:
    if len(uploads) > MAX_MATERIALS:
        raise InvalidInput(f"at most {MAX_MATERIALS} materials (材料过多)", field="file")
    return [(*check_attachment(name, data, MAX_MATERIAL_BYTES), data) for name, data in uploads]


def parties_of(row: RepairApplication) -> Parties:
    return Parties(row.department, proposer_id=row.proposed_by, subject_uscc=row.subject_uscc)


def take_step(
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
        parties=parties or parties_of(row),
        outcome=outcome,
        reason=reason,
        documents=documents,
        details=details,
        context={"number": row.number, "uscc": row.subject_uscc},  # the insider-misuse rules read whom it is about
        deadline=deadline,
    )


def _store_materials(session: Session, row: RepairApplication, checked: list[tuple[str, str, bytes]]) -> None:
    """The application's materials stored (outside the web root) and listed; on any failure none stays stored."""
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
                    uploaded_at=row.submitted_at,
                )
            )
        session.flush()
    except BaseException:
        for name in stored:
            storage.remove(name, AREA)
        raise


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
    _store_materials(session, row, checked)
    take_step(
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
