"""Use cases of self-reported information (自主填报): an entity reports items with attachments and a
truthfulness commitment; the competent department verifies or rejects each (with a reason); only verified items
count (:func:`verified_items` is what evaluation and credit reports read). A verified item also becomes a credit
record of kind 自愿提供的信息, labelled self-reported. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.crypto import sm3_hex
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties
from xinyong.entities import service as entities
from xinyong.records import service as records
from xinyong.records.rules import Disclosure, Kind, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.selfreport import storage
from xinyong.selfreport.models import SELF_REPORT, SelfReport, SelfReportAttachment
from xinyong.selfreport.rules import (
    COUNTING,
    MAX_ATTACHMENTS,
    SELF_REPORTED_LABEL,
    TRUTHFULNESS_COMMITMENT,
    Status,
    Step,
    can_transition,
    check_attachment,
)
from xinyong.selfreport.schemas import AttachmentOut, DecisionIn, ReportIn, ReportOut, VerifiedItem

Upload = tuple[str, bytes]  # (file name as sent, content)
SERVICE = Actor.system("selfreport")
FIRST_PAGE = PageRequest()


def _own_uscc(actor: Actor, uscc: str | None) -> str:
    if actor.role != Role.ENTITY or not actor.entity_uscc:
        raise Forbidden("only an entity reports its own information (仅市场主体本身可填报)")
    own = actor.entity_uscc.upper()
    if uscc and uscc.strip().upper() != own:
        raise Forbidden("an entity may only report for itself (不得代替其他主体填报)", field="uscc")
    return own


def _check_uploads(uploads: Sequence[Upload]) -> list[tuple[str, str, bytes]]:
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} attachments (附件过多)", field="file")
    return [(*check_attachment(name, data), data) for name, data in uploads]


def _store(session: Session, report: SelfReport, checked: list[tuple[str, str, bytes]]) -> list[str]:
    stored: list[str] = []
    try:
        for name, media_type, data in checked:
            stored_as = storage.save(data)
            stored.append(stored_as)
            session.add(
                SelfReportAttachment(
                    report_id=report.id,
                    filename=name,
                    media_type=media_type,
                    size=len(data),
                    sm3=sm3_hex(data),
                    stored_as=stored_as,
                    uploaded_at=clock.now(),
                )
            )
        session.flush()
    except BaseException:
        for name in stored:
            storage.remove(name)
        raise
    return stored


def _parties(report: SelfReport) -> Parties:
    return Parties(report.department, subject_uscc=report.uscc)


def submit(session: Session, actor: Actor, data: ReportIn, uploads: Sequence[Upload] = ()) -> SelfReport:
    """An entity reports one item (待核验 until the department decides). Attachments are checked before anything
    is written: size, type by content, a harmless name."""
    uscc = _own_uscc(actor, data.uscc)
    if not data.truthfulness:
        raise InvalidInput("the truthfulness commitment must be accepted (须作出真实性承诺)", field="truthfulness")
    if data.valid_until and data.occurred_on and data.valid_until < data.occurred_on:
        raise InvalidInput("valid_until is before occurred_on (有效期早于取得日期)", field="valid_until")
    if data.occurred_on and data.occurred_on > clock.today():
        raise InvalidInput("occurred_on is in the future (日期不能晚于今天)", field="occurred_on")
    checked = _check_uploads(uploads)
    entity = entities.get_entity(session, uscc)
    department = get_department(session, data.department).code
    report = SelfReport(
        uscc=entity.uscc,
        category=data.category,
        title=data.title,
        content=data.content,
        issued_by=data.issued_by,
        occurred_on=data.occurred_on,
        valid_until=data.valid_until,
        department=department,
        truthfulness=TRUTHFULNESS_COMMITMENT,
        truthfulness_accepted=True,
        status="",
        submitted_at=clock.now(),
        submitted_by=actor.id,
    )
    session.add(report)
    session.flush()
    stored = _store(session, report, checked)
    SELF_REPORT.advance(
        session,
        actor,
        report,
        Step.SUBMIT,
        parties=_parties(report),
        documents=stored,
        details={"uscc": entity.uscc, "category": data.category, "department": department, "attachments": len(checked)},
    )
    return report


def add_attachments(session: Session, actor: Actor, report_id: int, uploads: Sequence[Upload]) -> SelfReport:
    report = _report(session, report_id)
    if report.uscc != _own_uscc(actor, None):
        raise NotFound(f"no self-report {report_id} of yours (未找到该填报信息)", field="report_id")
    if report.status != Status.PENDING:
        raise Conflict("attachments can be added while the item awaits verification (仅待核验时可补充附件)")
    existing = len(attachments_of(session, report.id))
    if existing + len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(f"at most {MAX_ATTACHMENTS} attachments (附件过多)", field="file")
    checked = _check_uploads(uploads)
    stored = _store(session, report, checked)
    SELF_REPORT.advance(
        session,
        actor,
        report,
        Step.ATTACH,
        parties=_parties(report),
        documents=stored,
        details={"attachments": len(checked)},
    )
    return report


def decide(session: Session, actor: Actor, report_id: int, data: DecisionIn) -> SelfReport:
    """The competent department verifies (→ 已核验, and a credit record) or rejects with a reason."""
    report = _report(session, report_id)
    if not (actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM) or actor.department_code == report.department):
        raise Forbidden(f"only the competent department {report.department} decides (仅核验部门可办理)")
    if not actor.is_department and actor.role != Role.SYSTEM:
        raise Forbidden("verification is the competent department's task (由主管部门核验)")
    target = Status.VERIFIED if data.verified else Status.REJECTED
    if not can_transition(Status(report.status), target):
        raise Conflict(f"the item is {report.status} already (已办结)", field="report_id")
    reason = (data.reason or "").strip()
    if target == Status.REJECTED and not reason:
        raise InvalidInput("a rejection needs a reason (未通过核验须说明理由)", field="reason")
    report.reason = reason or None
    report.decided_at = clock.now()
    report.decided_by = actor.id
    session.flush()
    if target == Status.VERIFIED:
        entity = entities.get_entity(session, report.uscc)
        version, _ = records.upsert_record(
            session,
            actor if actor.is_department else SERVICE,
            RecordIn(
                source_department=report.department,
                kind=Kind.VOLUNTARY,
                doc_no=f"ZZTB-{report.id}",
                subject=SubjectIn(type=SubjectType.ENTITY, name=entity.name, uscc=entity.uscc),
                title=f"{SELF_REPORTED_LABEL}（已核验）·{report.category}：{report.title}"[:300],
                decision_date=clock.today(),
                published_date=clock.today(),
                disclosure=Disclosure.PUBLIC,
                content={
                    "XXLY": SELF_REPORTED_LABEL,
                    "TBLB": report.category,
                    "TBNR": report.content[:2000],
                    "FZDW": report.issued_by,
                    "HYZT": Status.VERIFIED.value,
                },
                provenance={"area": "selfreport", "report_id": report.id, "submitted_by": report.submitted_by},
            ),
        )
        report.record_id = version.record_id
        session.flush()
    SELF_REPORT.advance(
        session,
        actor,
        report,
        Step.DECIDE,
        parties=_parties(report),
        outcome=target,
        reason=report.reason,
        documents=[f"record:{report.record_id}"] if report.record_id else [],
        details={"status": target, "reason": report.reason},
    )
    return report


def withdraw(session: Session, actor: Actor, report_id: int) -> SelfReport:
    report = _report(session, report_id)
    if report.uscc != _own_uscc(actor, None):
        raise NotFound(f"no self-report {report_id} of yours (未找到该填报信息)", field="report_id")
    if not can_transition(Status(report.status), Status.WITHDRAWN):
        raise Conflict(f"the item is {report.status} (不能撤回)", field="report_id")
    report.decided_at = clock.now()
    report.decided_by = actor.id
    SELF_REPORT.advance(session, actor, report, Step.WITHDRAW, parties=_parties(report))
    return report


# ---------------------------------------------------------------- reading


def visibility(actor: Actor) -> ColumnElement[bool]:
    """Who reads which items: everyone the verified ones (labelled self-reported); the entity all its own; the
    competent department those it verifies; the credit office, auditors and jobs all."""
    if actor.sees_everything:
        return true()
    verified = SelfReport.status == Status.VERIFIED
    if actor.is_department:
        return verified | (SelfReport.department == (actor.department_code or ""))
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return verified | (SelfReport.uscc == actor.entity_uscc)
    return verified


def _report(session: Session, report_id: int) -> SelfReport:
    found = session.get(SelfReport, report_id)
    if found is None:
        raise NotFound(f"no self-report {report_id} (未找到该填报信息)", field="report_id")
    return found


def get_report(session: Session, actor: Actor, report_id: int) -> SelfReport:
    found = session.execute(
        select(SelfReport).where(SelfReport.id == report_id, visibility(actor))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no self-report {report_id} visible to you (未找到该填报信息)", field="report_id")
    return found


def list_reports(
    session: Session,
    actor: Actor,
    *,
    uscc: str | None = None,
    status: str | None = None,
    category: str | None = None,
    department: str | None = None,
    page: PageRequest = FIRST_PAGE,
) -> tuple[list[SelfReport], int]:
    stmt = select(SelfReport).where(visibility(actor))
    if uscc:
        stmt = stmt.where(SelfReport.uscc == uscc.strip().upper())
    if status:
        stmt = stmt.where(SelfReport.status == status)
    if category:
        stmt = stmt.where(SelfReport.category == category)
    if department:
        stmt = stmt.where(SelfReport.department == department.upper())
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(SelfReport.submitted_at.desc(), SelfReport.id.desc()).offset(page.offset).limit(page.page_size)
    ).scalars()
    return list(rows), total


def attachments_of(session: Session, report_id: int) -> list[SelfReportAttachment]:
    return list(
        session.execute(
            select(SelfReportAttachment)
            .where(SelfReportAttachment.report_id == report_id)
            .order_by(SelfReportAttachment.id)
        ).scalars()
    )


def may_read_attachments(actor: Actor, report: SelfReport) -> bool:
    """Attachments are for those entitled: the entity, the competent department, the credit office, auditors."""
    if actor.sees_everything:
        return True
    if actor.is_department:
        return actor.department_code == report.department
    return actor.role == Role.ENTITY and (actor.entity_uscc or "").upper() == report.uscc


def attachment_file(
    session: Session, actor: Actor, report_id: int, attachment_id: int
) -> tuple[SelfReportAttachment, Path]:
    """An attachment and its file, for the entitled only; everyone else gets the same 404 as for a missing one."""
    report = session.get(SelfReport, report_id)
    row = session.get(SelfReportAttachment, attachment_id)
    if report is None or row is None or row.report_id != report.id or not may_read_attachments(actor, report):
        raise NotFound("no such attachment visible to you (附件不存在)", field="attachment_id")
    path = storage.path_of(row.stored_as)
    if actor.role != Role.ENTITY:
        audit.record(session, actor, "selfreport:attachment:read", "self_report", str(report.id), {"id": row.id})
    return row, path


def to_view(session: Session, actor: Actor, report: SelfReport) -> ReportOut:
    entity = entities.get_entity(session, report.uscc)
    shown = may_read_attachments(actor, report)
    return ReportOut(
        id=report.id,
        uscc=report.uscc,
        entity_name=entity.name,
        category=report.category,
        title=report.title,
        content=report.content,
        issued_by=report.issued_by,
        occurred_on=report.occurred_on,
        valid_until=report.valid_until,
        department=report.department,
        status=report.status,
        label=f"{SELF_REPORTED_LABEL}·{report.status}",
        submitted_at=report.submitted_at,
        decided_at=report.decided_at,
        reason=report.reason if shown else None,
        record_id=report.record_id,
        attachments=[
            AttachmentOut(id=a.id, filename=a.filename, media_type=a.media_type, size=a.size, sm3=a.sm3)
            for a in (attachments_of(session, report.id) if shown else [])
        ],
    )


def verified_items(session: Session, uscc: str) -> list[VerifiedItem]:
    """The entity's verified self-reported items: the only ones that count in evaluation and credit reports."""
    rows = session.execute(
        select(SelfReport)
        .where(SelfReport.uscc == uscc.strip().upper(), SelfReport.status.in_([str(s) for s in COUNTING]))
        .order_by(SelfReport.decided_at, SelfReport.id)
    ).scalars()
    return [
        VerifiedItem(
            id=r.id,
            uscc=r.uscc,
            category=r.category,
            title=r.title,
            content=r.content,
            issued_by=r.issued_by,
            occurred_on=r.occurred_on,
            valid_until=r.valid_until,
            verified_by=r.department,
            verified_at=r.decided_at or r.submitted_at,
            record_id=r.record_id,
            label=f"{SELF_REPORTED_LABEL}（已核验）",
        )
        for r in rows
    ]
