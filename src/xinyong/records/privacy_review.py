"""The desensitisation review queue (脱敏审核): record versions held from the public because the desensitiser was
unsure (a name guessed after 当事人/经营者/负责人…, an address after 住/住址/家住/户籍…) wait for a reviewer of the
source department (or the credit office), who confirms or edits the public text. Confirming writes a new version
carrying the confirmed texts (``<key>_pub``) and no hold, so the history and the feeds' changes-since say when the
record went public. Reading an item shows the original text and is audited as a personal-data read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.privacy import service as privacy_rules
from xinyong.privacy.models import PrivacyReview
from xinyong.privacy.rules import protect
from xinyong.records import privacy
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import MAX_CONTENT_VALUE, ChangeKind
from xinyong.records.service import MATERIAL_FIELDS, _new_version, current_of

QUEUE_LIMIT = 200
REVIEW_REASON = "脱敏审核：确认公示文本"
FIELD_LABELS = {
    privacy.TITLE_KEY: "决定文书名称",
    "SY": "违法事实",
    "NR": "内容",
    "WFXW": "违法行为类型",
    "YJ": "依据",
    "BZ": "备注",
    "XDR_MC": "行政相对人名称",
    "FRDB": "法定代表人/经营者",
    "XKWS": "行政许可决定文书名称",
    "XKZS": "许可证书名称",
    "CFLB": "处罚类别",
    "NR_ZKDX": "暂扣或吊销证照名称及编号",
}


@dataclass(frozen=True, slots=True)
class ReviewField:
    key: str
    label: str
    original: str  # what the department sent (staff only)
    proposal: str  # what the desensitiser would publish
    reasons: tuple[str, ...]  # the unsure findings, in words


@dataclass(frozen=True, slots=True)
class ReviewItem:
    version: CreditRecordVersion
    doc_no: str
    fields: tuple[ReviewField, ...]


def _may_see(actor: Actor) -> None:
    if not (actor.sees_everything or actor.is_department):
        raise Forbidden("the review queue is for staff (仅工作人员可查看脱敏审核)")


def _scope(actor: Actor) -> list[object]:
    v = CreditRecordVersion
    conditions: list[object] = [v.valid_to.is_(None), v.privacy_hold.is_(True)]
    if not actor.sees_everything:
        conditions.append(v.source_department == (actor.department_code or ""))
    return conditions


def pending(session: Session, actor: Actor) -> tuple[list[tuple[CreditRecordVersion, str]], int]:
    """Held current versions of the actor's department (the office: all), oldest first, with their doc numbers."""
    _may_see(actor)
    v = CreditRecordVersion
    conditions = _scope(actor)
    total = session.execute(select(func.count()).select_from(v).where(*conditions)).scalar_one()  # type: ignore[arg-type]
    rows = session.execute(
        select(v, CreditRecord.doc_no)
        .join(CreditRecord, CreditRecord.id == v.record_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(v.valid_from, v.id)
        .limit(QUEUE_LIMIT)
    ).all()
    return [(row[0], row[1]) for row in rows], total


def count_pending(session: Session, actor: Actor) -> int:
    return pending(session, actor)[1] if (actor.sees_everything or actor.is_department) else 0


def _held(session: Session, actor: Actor, record_id: int) -> tuple[CreditRecord, CreditRecordVersion]:
    _may_see(actor)
    record = session.get(CreditRecord, record_id)
    if record is None or not (actor.sees_everything or actor.department_code == record.source_department):
        raise NotFound(f"no held record {record_id} for you (未找到待审核记录)", field="record_id")
    version = current_of(session, record.id)
    if not version.privacy_hold:
        raise Conflict("this record is not waiting for a desensitisation review (该记录无需脱敏审核)")
    return record, version


def review_item(session: Session, actor: Actor, record_id: int) -> ReviewItem:
    """A held record's text fields: the original, the proposal and why the desensitiser is unsure. Audited."""
    record, version = _held(session, actor, record_id)
    rules = privacy_rules.ruleset(session)
    content = privacy.original_content(version.content)
    title = privacy.original_title(version.title, version.content)
    args = (version.subject_type, version.subject_uscc, version.subject_name, title, content, rules)
    unsure = privacy.unsure_findings(*args)
    fields = []
    for key, (original, proposal) in privacy.review_proposal(*args).items():
        reasons = tuple(dict.fromkeys(f.label for f in unsure.get(key, [])))
        if original == proposal and not reasons:
            continue  # nothing to decide: shown as it is
        fields.append(ReviewField(key, FIELD_LABELS.get(key, key), original, proposal, reasons))
    audit.record(
        session, actor, "records:personal:read", "credit_record", str(record.id), {"count": 1, "via": "privacy_review"}
    )
    return ReviewItem(version=version, doc_no=record.doc_no, fields=tuple(fields))


def confirm(session: Session, actor: Actor, record_id: int, texts: dict[str, str]) -> CreditRecordVersion:
    """The reviewer's public texts (the proposal where a field is not given): a new version without the hold."""
    if actor.role not in (Role.DEPT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden(
            "only a reviewer of the department or the credit office confirms (仅部门审核人员或信用办可确认)"
        )
    record, version = _held(session, actor, record_id)
    item = review_item(session, actor, record_id)
    known = {f.key: f for f in item.fields}
    unknown = sorted(set(texts) - set(known))
    if unknown:
        raise InvalidInput(f"no such field to review: {', '.join(unknown)[:100]} (字段不存在)", field="texts")
    content = dict(version.content)
    edited = False
    for key, field in known.items():
        text = texts.get(key, field.proposal)
        if len(text) > MAX_CONTENT_VALUE or "\x00" in text:
            raise InvalidInput(f"{field.label} is too long or holds a NUL (文本过长或含非法字符)", field=key)
        edited = edited or text.strip() != field.proposal.strip()
        content[f"{key}_pub"] = protect(text.strip()).text  # a number typed by the reviewer is not kept in clear
    fields = {name: getattr(version, name) for name in (*MATERIAL_FIELDS, "received_date", "provenance")}
    fields["content"] = content
    new = _new_version(session, record, actor, fields, ChangeKind.CORRECTED, REVIEW_REASON)
    reasons = sorted({reason for f in item.fields for reason in f.reasons})
    session.add(
        PrivacyReview(
            record_id=record.id,
            version=new.version,
            department=record.source_department,
            edited=edited,
            reasons=reasons,
            reviewer=actor.id,
            decided_at=clock.now(),
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "privacy:review:confirmed",
        "credit_record",
        str(record.id),
        {"version": new.version, "edited": edited, "reasons": reasons},
    )
    return new
