"""List types as versioned data: seeding the defaults, reading the version in force, publishing a new version.

A type is identified by its ``code``; each change is a new ``version`` with an ``effective_from`` date. The version in
force on a day is the highest version effective by then. Entries point at the exact version row they were made
under, so a new version never changes an existing entry. Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.lists.honour_rules import DEFAULT_HONOUR_TYPES
from xinyong.lists.models import ListType
from xinyong.lists.rules import DEFAULT_TYPES, ListCategory, ListTypeSpec, Term
from xinyong.lists.schemas import ListTypeIn, ListTypeOut
from xinyong.records.rules import Kind

_SEED_ACTOR = Actor.system("lists:seed")
_PUBLISHERS = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})


def _row(spec: ListTypeSpec, version: int, actor: Actor, note: str | None) -> ListType:
    return ListType(
        code=spec.code,
        version=version,
        name=spec.name,
        category=spec.category,
        criteria=spec.criteria,
        legal_basis=spec.legal_basis,
        duration_months=spec.term.months,
        permanent=spec.term.permanent,
        term_adjustable=spec.term_adjustable,
        earliest_exit_months=spec.earliest_exit_months,
        exit_rules=spec.exit_rules,
        statement_window_days=spec.statement_window_days,
        key_fields=list(spec.key_fields),
        binds_responsible_persons=spec.binds_responsible_persons,
        record_kind=spec.record_kind,
        effective_from=spec.effective_from,
        note=note,
        issuing_body=spec.issuing_body,
        created_by=actor.id,
        created_at=clock.now(),
    )


def seed_list_types(session: Session, actor: Actor = _SEED_ACTOR) -> int:
    """Create version 1 of each default type that does not exist yet; return how many were added. Idempotent."""
    existing = set(session.scalars(select(ListType.code).distinct()))
    missing = [spec for spec in (*DEFAULT_TYPES, *DEFAULT_HONOUR_TYPES) if spec.code not in existing]
    if not missing:
        return 0
    try:
        with session.begin_nested():
            for spec in missing:
                session.add(_row(spec, 1, actor, "默认版本（系统初始化）"))
            session.flush()
    except IntegrityError:  # another transaction seeded them first
        return 0
    audit.record(session, actor, "lists:types:seeded", "list_type", "*", {"codes": [s.code for s in missing]})
    return len(missing)


def _ensure_seeded(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(ListType)) == 0:
        seed_list_types(session)


def ensure_honour_types(session: Session) -> None:
    """Seed the default honour types on a database seeded before they existed (the honour pages call this)."""
    found = select(ListType.id).where(ListType.category == ListCategory.HONOUR.value).limit(1)
    if session.scalars(found).first() is None:
        seed_list_types(session)


def current_types(session: Session, on: dt.date | None = None) -> list[ListType]:
    """The version of every type in force on ``on`` (default today), ordered by code."""
    _ensure_seeded(session)
    day = on or clock.today()
    rows = session.scalars(
        select(ListType).where(ListType.effective_from <= day).order_by(ListType.code, ListType.version.desc())
    )
    latest: dict[str, ListType] = {}
    for row in rows:
        latest.setdefault(row.code, row)
    return list(latest.values())


def type_versions(session: Session, code: str) -> list[ListType]:
    """Every version of one type, oldest first; 404 naming ``list_type`` when the code is unknown."""
    _ensure_seeded(session)
    rows = list(session.scalars(select(ListType).where(ListType.code == code).order_by(ListType.version)))
    if not rows:
        raise NotFound(f"unknown list type {code[:32]!r} (未知名单类型)", field="list_type")
    return rows


def current_type(session: Session, code: str, on: dt.date | None = None) -> ListType:
    """The version of ``code`` in force on ``on``; 422 naming ``list_type`` when unknown or not yet in force."""
    _ensure_seeded(session)
    day = on or clock.today()
    found = session.scalars(
        select(ListType)
        .where(ListType.code == code, ListType.effective_from <= day)
        .order_by(ListType.version.desc())
        .limit(1)
    ).first()
    if found is None:
        raise InvalidInput(f"unknown list type {code[:32]!r} (未知名单类型)", field="list_type")
    return found


def get_type(session: Session, type_id: int) -> ListType:
    found = session.get(ListType, type_id)
    if found is None:
        raise NotFound(f"no list type version {type_id}", field="list_type")
    return found


def term_of(row: ListType) -> Term:
    return Term(None, True) if row.permanent else Term(row.duration_months)


def publish_version(session: Session, actor: Actor, data: ListTypeIn) -> ListType:
    """The credit office publishes a new version of a type (or the first version of a new type).

    Audit event ``lists:type:published``. Entries already made keep the version they were made under.
    """
    if actor.role not in _PUBLISHERS:
        raise Forbidden("only the credit office publishes list types (仅信用办可发布名单类型)")
    _ensure_seeded(session)
    if data.permanent and data.duration_months is not None:
        raise InvalidInput("a permanent type has no duration_months (永久不设期限)", field="duration_months")
    term = Term(None, True) if data.permanent else Term(data.duration_months)
    if data.record_kind is not None and data.record_kind not in set(Kind):
        raise InvalidInput(f"unknown credit record kind {data.record_kind!r} (信用记录类别)", field="record_kind")
    if data.category == ListCategory.WATCH and not data.key_fields:
        raise InvalidInput("a watch list names its key fields (重点领域)", field="key_fields")
    fields = [f.strip() for f in data.key_fields]
    if any(not f or len(f) > 16 for f in fields) or len(set(fields)) != len(fields):
        raise InvalidInput("key fields are distinct names of 1–16 characters (重点领域)", field="key_fields")
    latest = session.scalar(select(func.max(ListType.version)).where(ListType.code == data.code)) or 0
    if latest and data.effective_from < clock.today():
        raise InvalidInput(
            "a new version cannot take effect in the past (新版本生效日期不得早于今天)", field="effective_from"
        )
    spec = ListTypeSpec(
        code=data.code,
        name=data.name,
        category=data.category,
        criteria=data.criteria,
        legal_basis=data.legal_basis,
        term=term,
        earliest_exit_months=data.earliest_exit_months,
        exit_rules=data.exit_rules,
        statement_window_days=data.statement_window_days,
        key_fields=tuple(fields),
        term_adjustable=data.term_adjustable,
        binds_responsible_persons=data.binds_responsible_persons,
        record_kind=data.record_kind,
        effective_from=data.effective_from,
        issuing_body=data.issuing_body,
    )
    row = _row(spec, latest + 1, actor, data.note)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "lists:type:published",
        "list_type",
        f"{row.code}@{row.version}",
        {"id": row.id, "effective_from": row.effective_from, "term": term.describe(), "note": data.note},
    )
    return row


def type_out(row: ListType) -> ListTypeOut:
    return ListTypeOut(
        id=row.id,
        code=row.code,
        version=row.version,
        name=row.name,
        category=ListCategory(row.category),
        criteria=row.criteria,
        legal_basis=row.legal_basis,
        duration_months=row.duration_months,
        permanent=row.permanent,
        term=term_of(row).describe(),
        term_adjustable=row.term_adjustable,
        earliest_exit_months=row.earliest_exit_months,
        exit_rules=row.exit_rules,
        statement_window_days=row.statement_window_days,
        key_fields=list(row.key_fields),
        binds_responsible_persons=row.binds_responsible_persons,
        record_kind=row.record_kind,
        effective_from=row.effective_from,
        note=row.note,
        issuing_body=row.issuing_body,
    )
