"""Use cases of complaints and reports (投诉举报): intake from 12345/12315 exports, from a hotline system's API and by
hand; matching the subject (by USCC, or by an exact name with one answer — otherwise held for a person, never
guessed); a true complaint matched to its subject becomes a credit record of kind ``complaint`` (so the risk rules
and the scoring model count it); reading them as staff and as the subject. Services flush, never commit.

Every row of an intake is accounted for: created (matched), unmatched (stored, held), duplicate (the same 工单号
of the same channel was received before: ignored, nothing changes) or rejected (with the reason per field)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from xinyong.complaints.models import COMPLAINT, Complaint
from xinyong.complaints.rules import (
    CHANNEL_LABELS,
    COLUMNS,
    SUBSTANTIATED,
    TABLE,
    Channel,
    ComplaintRow,
    Finding,
    Mapping,
    Status,
    Step,
    map_headers,
    parse_row,
)
from xinyong.complaints.schemas import ComplaintBatchIn, ComplaintIn, ComplaintOut, IntakeOut, MatchIn, RowResultOut
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import Department, get_department, list_departments
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties, history_rows
from xinyong.entities import service as entities
from xinyong.privacy import service as privacy
from xinyong.privacy.rules import Subject
from xinyong.records import service as records
from xinyong.records.ingest.files import UnreadableRow, open_table
from xinyong.records.ingest.table import Source
from xinyong.records.rules import Disclosure, Kind, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn

OUTCOME_LABELS = {
    "created": "已接收",
    "unmatched": "待匹配主体",
    "duplicate": "重复工单（已忽略）",
    "rejected": "未接收",
}
MAX_ROWS = 20_000
FIRST_PAGE = PageRequest()
_WRITER = Actor.system("complaints")


def _require_intake(actor: Actor) -> None:
    if not (actor.is_department or actor.role in (Role.CREDIT_OFFICE, Role.SYSTEM)):
        raise Forbidden("only departments and the credit office take in complaints (仅部门和信用办可录入投诉举报)")


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return Complaint.department == (actor.department_code or "")
    if actor.role == Role.ENTITY and actor.entity_uscc:
        return Complaint.subject_uscc == actor.entity_uscc
    return false()


def _department_for(
    session: Session, actor: Actor, handler: str | None, chosen: str | None, known: list[Department]
) -> str | None:
    """The department in charge: a department's own staff take in for their department; the credit office names
    one for the whole file, or each row's 承办单位 names it (by code, short or full name)."""
    if actor.is_department:
        return actor.department_code
    if chosen:
        return get_department(session, chosen).code
    if handler:
        text = handler.strip()
        for d in known:
            if text in (d.code, d.short_name, d.full_name):
                return d.code
    return None


def _match(session: Session, row: ComplaintRow) -> str | None:
    """The subject's USCC when it can be known for certain: a checked USCC the platform knows, or exactly one
    entity of exactly that name (current or former). Otherwise ``None``: a person decides."""
    if row.uscc is not None:
        try:
            return entities.get_entity(session, row.uscc).uscc
        except (NotFound, InvalidInput):
            return None
    found = entities.usccs_named(session, row.subject_name, limit=2)
    return found[0] if len(found) == 1 else None


def _record(session: Session, complaint: Complaint) -> int | None:
    """A true complaint matched to its subject becomes (or updates) the department's credit record of kind
    ``complaint``; others never do."""
    if complaint.subject_uscc is None or Finding(complaint.finding) not in SUBSTANTIATED:
        return None
    entity = entities.get_entity(session, complaint.subject_uscc)
    channel = Channel(complaint.channel)
    summary = complaint.content if len(complaint.content) <= 60 else complaint.content[:59] + "…"
    data = RecordIn(
        source_department=complaint.department,
        kind=Kind.COMPLAINT,
        doc_no=f"{channel.value}-{complaint.ticket_no}"[:128],
        subject=SubjectIn(type=SubjectType.ENTITY, name=entity.name, uscc=entity.uscc),
        title=f"投诉举报（{complaint.finding}）：{summary}"[:300],
        decision_date=complaint.closed_on or complaint.received_on,
        disclosure=Disclosure.CONDITIONAL,
        content={
            "TSQD": channel.label,
            "GDH": complaint.ticket_no,
            "SLRQ": complaint.received_on.isoformat(),
            "TSNR": complaint.content,
            "CLJG": complaint.result or "",
            "HSJG": complaint.finding,
            "BJRQ": complaint.closed_on.isoformat() if complaint.closed_on else "",
        },
        provenance={"complaint_id": complaint.id, "channel": channel.value, "ticket_no": complaint.ticket_no},
    )
    version, _ = records.upsert_record(session, _WRITER, data)
    return version.record_id


def _store(
    session: Session, actor: Actor, channel: Channel, row: ComplaintRow, department: str, source: str
) -> tuple[Complaint, str]:
    now = clock.now()
    uscc = _match(session, row)
    complaint = Complaint(
        channel=channel.value,
        ticket_no=row.ticket_no,
        received_on=row.received_on,
        subject_name=row.subject_name,
        given_uscc=row.uscc,
        subject_uscc=uscc,
        content=row.content,
        result=row.result,
        closed_on=row.closed_on,
        satisfaction=row.satisfaction,
        finding=row.finding.value,
        department=department,
        status="",
        source=source[:300],
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    outcome = Status.MATCHED if uscc is not None else Status.UNMATCHED
    COMPLAINT.advance(
        session,
        actor,
        complaint,
        Step.RECEIVE,
        parties=Parties(department),
        outcome=outcome,
        details={"channel": channel.value, "ticket_no": row.ticket_no, "finding": row.finding.value},
        context={"department": department},
    )
    complaint.record_id = _record(session, complaint)
    session.flush()
    return complaint, "created" if uscc is not None else "unmatched"


def _duplicate(session: Session, channel: Channel, ticket_no: str) -> bool:
    found = session.scalar(
        select(Complaint.id).where(Complaint.channel == channel.value, Complaint.ticket_no == ticket_no)
    )
    return found is not None


def _intake(
    session: Session,
    actor: Actor,
    channel: Channel,
    mapping: Mapping,
    rows: Iterable[tuple[int, list[str] | UnreadableRow]],
    *,
    source: str,
    department: str | None = None,
) -> IntakeOut:
    _require_intake(actor)
    if mapping.missing:
        raise InvalidInput(f"the file lacks required columns (缺少必填列：{'、'.join(mapping.missing)})", field="file")
    today = clock.today()
    known = list_departments(session)
    results: list[RowResultOut] = []
    seen: set[str] = set()
    for number, cells in rows:
        if len(results) >= MAX_ROWS:
            raise InvalidInput(f"at most {MAX_ROWS} rows per file (每个文件最多 {MAX_ROWS} 行)", field="file")
        if isinstance(cells, UnreadableRow):
            results.append(_result(number, None, "rejected", errors={"行": "该行无法读取"}))
            continue
        if not any(c.strip() for c in cells):
            continue
        row = parse_row(cells, mapping, today)
        dept = _department_for(session, actor, row.handler, department, known)
        if dept is None:
            row.errors["承办单位"] = "无法确定承办部门：请在文件中填写承办单位或在上传时选择部门"
        if row.errors:
            results.append(_result(number, row.ticket_no or None, "rejected", errors=row.errors))
            continue
        assert dept is not None
        if row.ticket_no in seen or _duplicate(session, channel, row.ticket_no):
            results.append(_result(number, row.ticket_no, "duplicate"))
            continue
        seen.add(row.ticket_no)
        with session.begin_nested():
            complaint, outcome = _store(session, actor, channel, row, dept, f"{source} 第{number}行")
        results.append(_result(number, row.ticket_no, outcome, complaint.id))
    count = {k: sum(1 for r in results if r.outcome == k) for k in OUTCOME_LABELS}
    return IntakeOut(
        channel=channel.value,
        rows=len(results),
        created=count["created"],
        unmatched=count["unmatched"],
        duplicates=count["duplicate"],
        rejected=count["rejected"],
        dropped_columns=list(mapping.dropped),
        unknown_columns=list(mapping.unknown),
        results=results,
    )


def _result(
    row: int, ticket: str | None, outcome: str, complaint_id: int | None = None, errors: dict[str, str] | None = None
) -> RowResultOut:
    return RowResultOut(
        row=row,
        ticket_no=ticket,
        outcome=outcome,
        outcome_label=OUTCOME_LABELS[outcome],
        complaint_id=complaint_id,
        errors=errors or {},
    )


def intake_file(
    session: Session, actor: Actor, data: Source, filename: str, channel: str, department: str | None = None
) -> IntakeOut:
    """A 12345 or 12315 export (CSV or XLSX), read with the platform's bounded readers."""
    chosen = _channel(channel, allow_manual=False)
    _require_intake(actor)
    with open_table(data, filename) as table:
        mapping = map_headers(list(table.headers))
        return _intake(session, actor, chosen, mapping, table.rows(), source=filename[:200], department=department)


def _cells(item: ComplaintIn) -> list[str]:
    return [
        item.ticket_no,
        item.received_on.isoformat(),
        item.subject_name,
        item.uscc or "",
        item.content,
        item.result or "",
        item.closed_on.isoformat() if item.closed_on else "",
        item.satisfaction or "",
        item.finding,
    ]


_JSON_MAPPING = map_headers(
    [COLUMNS[f][0] for f in ("ticket_no", "received", "subject_name", "uscc", "content", "result", "closed")]
    + [COLUMNS["satisfaction"][0], COLUMNS["finding"][0]]
)


def intake_batch(session: Session, actor: Actor, batch: ComplaintBatchIn, department: str | None = None) -> IntakeOut:
    """Work orders from a hotline system's API, checked exactly as a file's rows are."""
    rows = ((i + 1, _cells(item)) for i, item in enumerate(batch.rows))
    return _intake(
        session,
        actor,
        _channel(batch.channel, allow_manual=False),
        _JSON_MAPPING,
        rows,
        source=f"接口：{actor.name or actor.id}",
        department=department,
    )


def create_one(session: Session, actor: Actor, item: ComplaintIn, department: str | None = None) -> RowResultOut:
    """One work order typed in by hand (人工录入)."""
    result = _intake(
        session,
        actor,
        Channel.MANUAL,
        _JSON_MAPPING,
        [(1, _cells(item))],
        source=f"人工录入：{actor.id}",
        department=department,
    )
    return result.results[0]


def _channel(value: str, *, allow_manual: bool = True) -> Channel:
    try:
        channel = Channel(value)
    except ValueError:
        raise InvalidInput("channel is 12345, 12315 or api (渠道应为 12345、12315 或接口)", field="channel") from None
    if channel == Channel.MANUAL and not allow_manual:
        raise InvalidInput("a file or batch comes from 12345, 12315 or an API (渠道不正确)", field="channel")
    return channel


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    row = session.scalar(select(Complaint).where(Complaint.id == complaint_id, _visible(actor)))
    if row is None:
        raise NotFound(f"no complaint {complaint_id} (未找到该投诉举报)", field="complaint_id")
    return row


def page_complaints(
    session: Session, actor: Actor, *, status: str | None = None, page: PageRequest = FIRST_PAGE
) -> tuple[list[Complaint], int]:
    condition = _visible(actor)
    if status is not None:
        if status not in {s.value for s in Status}:
            raise InvalidInput("status is 待匹配 or 已匹配 (状态不正确)", field="status")
        condition = condition & (Complaint.status == status)
    total = session.scalar(select(func.count()).select_from(Complaint).where(condition)) or 0
    rows = session.scalars(
        select(Complaint).where(condition).order_by(Complaint.id.desc()).offset(page.offset).limit(page.page_size)
    )
    return list(rows), int(total)


def match(session: Session, actor: Actor, complaint_id: int, data: MatchIn) -> Complaint:
    """A person names the subject of a complaint held as unmatched (the department in charge or the office)."""
    complaint = get_complaint(session, actor, complaint_id)
    uscc = validate_uscc(data.uscc.strip().upper(), field="uscc").code
    TABLE.check(Step.MATCH, TABLE.status_of(complaint.status), actor, Parties(complaint.department))
    entity = entities.get_entity(session, uscc)  # 404 for a subject the platform does not know
    complaint.subject_uscc = entity.uscc
    COMPLAINT.advance(
        session,
        actor,
        complaint,
        Step.MATCH,
        parties=Parties(complaint.department),
        reason=data.reason,
        details={"uscc": entity.uscc},
        context={"department": complaint.department},
    )
    complaint.record_id = _record(session, complaint)
    session.flush()
    return complaint


def steps(session: Session, complaint_id: int) -> list[dict[str, Any]]:
    return history_rows(COMPLAINT.steps_of(session, complaint_id))


def to_view(
    session: Session, row: Complaint, departments: dict[str, str] | None = None, reader: Actor | None = None
) -> ComplaintOut:
    """A complaint as ``reader`` reads it (``None``: staff). Outside staff (the entity complained about) its texts go
    through the one desensitiser (``privacy.service.public``): whatever number or e-mail of the complainant the
    intake scrub let through is masked, as on any public output."""
    names = departments if departments is not None else {d.code: d.short_name for d in list_departments(session)}
    content, result = row.content, row.result
    if reader is not None and not (reader.sees_everything or reader.is_department):
        complainant = Subject(natural=False, keep=(row.subject_name,))
        content, result = privacy.public(complainant, content), privacy.public(complainant, result)
    return ComplaintOut(
        id=row.id,
        channel=row.channel,
        channel_label=CHANNEL_LABELS[Channel(row.channel)],
        ticket_no=row.ticket_no,
        received_on=row.received_on,
        subject_name=row.subject_name,
        given_uscc=row.given_uscc,
        subject_uscc=row.subject_uscc,
        content=content,
        result=result,
        closed_on=row.closed_on,
        satisfaction=row.satisfaction,
        finding=row.finding,
        substantiated=Finding(row.finding) in SUBSTANTIATED,
        department=row.department,
        department_name=names.get(row.department, row.department),
        status=row.status,
        record_id=row.record_id,
        created_at=row.created_at,
    )
