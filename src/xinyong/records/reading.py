"""Credit records as their readers see them: views, an entity's records, one record and its history, with personal
reads audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import BigInteger, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong.core import audit
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.privacy import service as privacy_rules
from xinyong.privacy.rules import RuleSet
from xinyong.records import privacy
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.publicity import publicity_end
from xinyong.records.rights import FIRST_PAGE, PUBLIC_ROLES, is_public_audience, visibility, visible_versions
from xinyong.records.rules import (
    KIND_LABELS,
    Disclosure,
    Kind,
    Status,
    SubjectType,
    category_of,
)
from xinyong.records.schemas import PublicityEndOut, RecordOut, SubjectOut


def to_view(
    version: CreditRecordVersion, actor: Actor, doc_no: str, rules: RuleSet | None = None, *, originals: bool = True
) -> RecordOut:
    """The one serialiser of a record version for a reader: the public gets the desensitiser's output
    (:func:`records.privacy.public_texts`), staff with the right the original text (unless ``originals`` is off),
    other staff the stored text (identifiers and contact numbers masked)."""
    public = is_public_audience(actor, version)
    name, title = version.subject_name, version.title
    if public:
        name, title, content = privacy.public_texts(
            version.subject_type,
            version.subject_uscc,
            version.subject_name,
            version.title,
            version.content,
            rules or privacy_rules.last_loaded(),
        )
    elif originals and privacy.may_read_original(actor, version.source_department):
        content = privacy.original_content(version.content)
        title = privacy.original_title(version.title, version.content)
    else:
        content = {k: v for k, v in version.content.items() if not privacy.is_companion(k)}
    return RecordOut(
        id=version.record_id,
        version=version.version,
        kind=Kind(version.kind),
        kind_label=KIND_LABELS[Kind(version.kind)],
        category=category_of(Kind(version.kind)),
        source_department=version.source_department,
        doc_no=doc_no,
        subject=SubjectOut(type=SubjectType(version.subject_type), uscc=version.subject_uscc, name=name),
        title=title,
        decision_date=version.decision_date,
        received_date=version.received_date,
        published_date=version.published_date,
        disclosure=Disclosure(version.disclosure),
        severity=version.severity,
        status=Status(version.status),
        content=content,
        valid_from=version.valid_from,
        valid_to=version.valid_to,
        change_kind=version.change_kind,
        change_reason=None if public else version.change_reason,
        provenance=None if public else version.provenance,
        privacy_hold=bool(version.privacy_hold),
        publicity_end=publicity_end_out(Kind(version.kind), version.decision_date, version.severity),
    )


def publicity_end_out(kind: Kind, decision_date: dt.date, severity: str | None) -> PublicityEndOut | None:
    """The record API's 公示截止日期 (penalties only), with the rule and regime it comes from."""
    end = publicity_end(kind, decision_date, severity)
    if end is None:
        return None
    return PublicityEndOut(
        date=end.date, source="rule", regime=end.regime, document=end.document, severity=end.severity, rule=end.rule
    )


def doc_numbers(session: Session, record_ids: list[int]) -> dict[int, str]:
    if not record_ids:
        return {}
    rows = session.execute(select(CreditRecord.id, CreditRecord.doc_no).where(CreditRecord.id.in_(record_ids)))
    return {row.id: row.doc_no for row in rows}


def audit_personal_read(
    session: Session, actor: Actor, versions: list[CreditRecordVersion], uscc: str | None = None
) -> None:
    """Staff reading a natural person's records unmasked is itself recorded (req §3.15): ``records:personal:read``
    with the persons and the source departments read; staff reading an entity's records (``uscc``) is recorded as
    ``records:entity:read``. Both feed the insider-misuse rules (谋私预警)."""
    if actor.role in PUBLIC_ROLES or actor.role == Role.SYSTEM:
        return
    read = [v for v in versions if v.subject_type == SubjectType.PERSON and not is_public_audience(actor, v)]
    subject = {"uscc": uscc} if uscc else {}
    if read:
        records = sorted({v.record_id for v in read})
        persons = sorted({v.subject_person_id for v in read if v.subject_person_id is not None})
        audit.record(
            session,
            actor,
            "records:personal:read",
            "credit_record",
            ",".join(map(str, records[:50])),
            {
                "count": len(records),
                "persons": persons[:200],
                "departments": sorted({v.source_department for v in read}),
                **subject,
            },
        )
    elif uscc and versions and (actor.sees_everything or actor.is_department):
        audit.record(
            session,
            actor,
            "records:entity:read",
            "entity",
            uscc,
            {"count": len(versions), "departments": sorted({v.source_department for v in versions}), **subject},
        )


def records_of_entity(
    session: Session,
    actor: Actor,
    uscc: str,
    *,
    as_of: dt.datetime | None = None,
    kinds: list[Kind] | None = None,
    page: PageRequest = FIRST_PAGE,
) -> tuple[list[RecordOut], int]:
    """An entity's records as the actor may see them, now or as they stood at ``as_of``."""
    entity = entities.get_entity(session, uscc)
    stmt = visible_versions(actor, as_of).where(CreditRecordVersion.subject_uscc == entity.uscc)
    if kinds:
        stmt = stmt.where(CreditRecordVersion.kind.in_([str(k) for k in kinds]))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = list(
        session.execute(
            stmt.order_by(CreditRecordVersion.decision_date.desc(), CreditRecordVersion.record_id.desc())
            .offset(page.offset)
            .limit(page.page_size)
        ).scalars()
    )
    docs = doc_numbers(session, [r.record_id for r in rows])
    audit_personal_read(session, actor, rows, entity.uscc)
    rules = privacy_rules.ruleset(session)
    return [to_view(r, actor, docs[r.record_id], rules) for r in rows], total


def get_record(session: Session, actor: Actor, record_id: int, *, as_of: dt.datetime | None = None) -> RecordOut:
    """One record as the actor may see it; invisible and missing look the same (no existence leak)."""
    version = session.execute(
        visible_versions(actor, as_of).where(CreditRecordVersion.record_id == record_id)
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(f"no credit record {record_id} visible to you (未找到该信用记录)", field="record_id")
    audit_personal_read(session, actor, [version], version.subject_uscc)
    rules = privacy_rules.ruleset(session)
    return to_view(version, actor, doc_numbers(session, [record_id])[record_id], rules)


def record_history(session: Session, actor: Actor, record_id: int) -> list[RecordOut]:
    """Every version of a record, for those who may see it in full (staff of the source, office, the entity)."""
    if actor.role in PUBLIC_ROLES:
        raise Forbidden("version history is not public (历史版本不对公众开放)")
    versions = list(
        session.execute(
            select(CreditRecordVersion)
            .where(CreditRecordVersion.record_id == record_id, visibility(actor))
            .order_by(CreditRecordVersion.version)
        ).scalars()
    )
    if not versions:
        raise NotFound(f"no credit record {record_id} visible to you (未找到该信用记录)", field="record_id")
    audit_personal_read(session, actor, versions, versions[0].subject_uscc)
    doc_no = doc_numbers(session, [record_id])[record_id]
    return [to_view(v, actor, doc_no) for v in versions]


def versions_since(session: Session, record_ids: Collection[int], since: dt.datetime) -> list[Any]:
    """The versions of these records recorded at or after ``since`` (index ``ix_crv_record_valid``), by record and
    version: ``record_id, version, change_kind, status, valid_from, kind, doc_no`` — what tells a credit report's
    verification that a record it used was later corrected, repaired or revoked. On PostgreSQL the ids go as one
    array, so the statement is the same short one for any number of them (prepared once per connection); an
    ``IN`` of two hundred ids was rendered, sent and planned afresh on every verification."""
    v, r = CreditRecordVersion, CreditRecord
    ids = sorted({int(i) for i in record_ids})
    if not ids:
        return []
    if session.get_bind().dialect.name == "postgresql":
        chosen = v.record_id == any_(bindparam("record_ids", ids, type_=ARRAY(BigInteger)))
    else:
        chosen = v.record_id.in_(ids)
    return list(
        session.execute(
            select(v.record_id, v.version, v.change_kind, v.status, v.valid_from, v.kind, r.doc_no)
            .join(r, r.id == v.record_id)
            .where(chosen, v.valid_from >= since)
            .order_by(v.record_id, v.version)
        ).all()
    )
