"""Cross-level exchange: the upstream sources (seeded from the notice's list, configured by the office) and what
every part of the exchange shares (the system actor, the office check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.exchange.models import (
    ExchangeSource,
)
from xinyong.exchange.rules import (
    UPSTREAM_LIST_TYPES,
    UPSTREAM_MEMORANDA,
    SourceLevel,
    Transport,
    measure_scopes,
)
from xinyong.exchange.schemas import (
    SourceIn,
    SourceOut,
)
from xinyong.lists import service as lists
from xinyong.lists.schemas import ListTypeIn
from xinyong.punishment import service as punishment
from xinyong.records.rules import Kind

SYSTEM = Actor.system("exchange")

PUSH_TOPIC = "exchange.push"  # the outbox topic of the city's data pushed to the provincial platform

_OFFICE = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})

MAX_REJECTIONS_SHOWN = 200

TERM_DEFAULTED = "term_defaulted"  # an upstream entry without an end date, given the list type's default term

CONFLICT_LABELS = {
    "name_mismatch": "名称不一致",
    "registered_differently": "登记信息不一致",
    "person_name_mismatch": "自然人姓名不一致",
    TERM_DEFAULTED: "未提供有效期（已按默认期限）",
}

NEWER_VERSION = "a newer version of this item arrived since; decide that one (已有更新版本)"

RECORD_KINDS_READ = frozenset({"penalty", "license"})  # upstream records read with the aggregation's validator

UnitOfWork = Callable[[], AbstractContextManager[Session]]


def require_office(actor: Actor) -> None:
    if actor.role not in _OFFICE:
        raise Forbidden("only the credit office configures and runs the exchange (仅信用办可操作信用信息交换)")


def seed_upstream(session: Session, actor: Actor = SYSTEM) -> dict[str, int]:
    """Add the upstream list types (失信被执行人名单, 重大税收违法失信主体…) that do not exist yet, widen the catalogued
    measures to them and add the national memoranda that cover them. Idempotent."""
    known = {t.code for t in lists.current_types(session)}
    added = 0
    for spec in UPSTREAM_LIST_TYPES:
        if spec.code in known:
            continue
        lists.publish_version(
            session,
            actor,
            ListTypeIn(
                code=spec.code,
                name=spec.name,
                category=spec.category,
                criteria=spec.criteria,
                legal_basis=spec.legal_basis,
                duration_months=spec.duration_months,
                term_adjustable=True,
                exit_rules=spec.exit_rules,
                effective_from=dt.date(2016, 1, 1),
                note=f"上级来源名单类型（{spec.issuing_body}），由信用信息交换接收",
            ),
        )
        added += 1
    counts = punishment.extend_catalogue(session, actor, scopes=measure_scopes(), memoranda=UPSTREAM_MEMORANDA)
    return {"list_types_added": added, **counts}


def source_out(row: ExchangeSource) -> SourceOut:
    level = SourceLevel(row.level)
    return SourceOut(
        id=row.id,
        code=row.code,
        name=row.name,
        level=level,
        level_label=level.label,
        issuing_body=row.issuing_body,
        list_types=list(row.list_types),
        record_kinds=list(row.record_kinds),
        transport=Transport(row.transport),
        drop_dir=row.drop_dir,
        feed_url=row.feed_url,
        credentials_ref=row.credentials_ref,
        schedule_minutes=row.schedule_minutes,
        department=row.department,
        push_url=row.push_url,
        active=row.active,
        cursor=row.cursor,
        cursor_at=row.cursor_at,
        last_pull_at=row.last_pull_at,
        last_pull_error=row.last_pull_error,
    )


def _check_source(session: Session, data: SourceIn) -> str:
    seed_upstream(session)
    known = {t.code for t in lists.current_types(session)}
    unknown = sorted(set(data.list_types) - known)
    if unknown:
        raise InvalidInput(f"unknown list types (名单类型): {', '.join(unknown)}", field="list_types")
    kinds = {k.value for k in Kind}
    bad = sorted(set(data.record_kinds) - kinds)
    if bad:
        raise InvalidInput(f"unknown credit record kinds (信用记录类别): {', '.join(bad)}", field="record_kinds")
    if not data.list_types and not data.record_kinds:
        raise InvalidInput("a source carries at least one list type or record kind", field="list_types")
    if data.transport == Transport.HTTP and not data.feed_url:
        raise InvalidInput("an HTTP source needs feed_url (须填写接口地址)", field="feed_url")
    if data.transport == Transport.FOLDER and not data.drop_dir:
        raise InvalidInput("a folder source needs drop_dir (须填写文件目录)", field="drop_dir")
    if data.schedule_minutes is not None and data.transport != Transport.HTTP:
        raise InvalidInput("only an HTTP source is pulled on a schedule", field="schedule_minutes")
    return get_department(session, data.department).code


def _apply_config(row: ExchangeSource, data: SourceIn, department: str) -> None:
    row.name = data.name
    row.level = data.level
    row.issuing_body = data.issuing_body
    row.list_types = list(data.list_types)
    row.record_kinds = list(data.record_kinds)
    row.transport = data.transport
    row.drop_dir = data.drop_dir
    row.feed_url = data.feed_url
    row.credentials_ref = data.credentials_ref
    row.schedule_minutes = data.schedule_minutes
    row.department = department
    row.push_url = data.push_url
    row.active = data.active


def create_source(session: Session, actor: Actor, data: SourceIn) -> ExchangeSource:
    """The office adds an upstream source. Audit event ``exchange:source:created``."""
    require_office(actor)
    department = _check_source(session, data)
    if session.scalars(select(ExchangeSource.id).where(ExchangeSource.code == data.code)).first() is not None:
        raise Conflict(f"source {data.code} exists already (来源编码已存在)", field="code")
    now = clock.now()
    row = ExchangeSource(code=data.code, created_by=actor.id, created_at=now, updated_at=now)
    _apply_config(row, data, department)
    session.add(row)
    session.flush()
    audit.record(session, actor, "exchange:source:created", "exchange_source", row.code, data.model_dump(mode="json"))
    return row


def update_source(session: Session, actor: Actor, code: str, data: SourceIn) -> ExchangeSource:
    """The office changes a source's configuration (the code stays; the cursor is kept). Audited with the
    changed fields (``exchange:source:updated``)."""
    require_office(actor)
    row = get_source(session, code, lock=True)
    if data.code != row.code:
        raise InvalidInput("a source's code cannot change (来源编码不可修改)", field="code")
    department = _check_source(session, data)
    before = source_out(row).model_dump(mode="json")
    _apply_config(row, data, department)
    row.updated_at = clock.now()
    session.flush()
    after = source_out(row).model_dump(mode="json")
    changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    audit.record(session, actor, "exchange:source:updated", "exchange_source", row.code, {"changes": changes})
    return row


def list_sources(session: Session) -> list[ExchangeSource]:
    return list(session.scalars(select(ExchangeSource).order_by(ExchangeSource.code)))


def get_source(session: Session, code: str, *, lock: bool = False) -> ExchangeSource:
    stmt = select(ExchangeSource).where(ExchangeSource.code == code.strip().lower()[:32])
    row = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if row is None:
        raise NotFound(f"no exchange source {code[:32]!r} (未找到该来源)", field="source")
    return row
