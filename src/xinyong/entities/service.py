"""Use cases of the entity master and related persons. Services flush, never commit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, cast, column, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.blindrotation import BlindIndexedTable
from xinyong.core.crypto import get_blind_index, get_cipher
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import IdType, validate_person_id, validate_uscc
from xinyong.core.masking import mask_id_number
from xinyong.core.pagination import PageRequest
from xinyong.entities.models import Entity, EntityAlias, EntityName, Person, PersonRoleLink, RegradeQueue
from xinyong.entities.regrades import (  # the re-grade queue and the master's codes, for the evaluation
    count_entities as count_entities,
)
from xinyong.entities.regrades import (
    dequeue_regrade as dequeue_regrade,
)
from xinyong.entities.regrades import (
    dequeue_regrades_before as dequeue_regrades_before,
)
from xinyong.entities.regrades import (
    existing_usccs as existing_usccs,
)
from xinyong.entities.regrades import (
    queued_regrades as queued_regrades,
)
from xinyong.entities.regrades import (
    regrades_waiting as regrades_waiting,
)
from xinyong.entities.regrades import (
    usccs_after as usccs_after,
)
from xinyong.entities.regrades import (
    usccs_in_scope as usccs_in_scope,
)
from xinyong.entities.rules import (
    CITY_REGION,
    MATCH_LABELS,
    AliasType,
    AssertedBy,
    EntityStatus,
    PersonRole,
    matched_fields,
    periods_overlap,
    pinyin_keys,
    relevance,
    role_active,
    search_words,
)
from xinyong.entities.schemas import EntityIn

ID_CONTEXT = "persons.id_number"
USCC_PREFIX = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{1,18}$")
# Roles whose holder is shown to the public on the credit profile (as on the enterprise publicity system).
PUBLIC_ROLES = frozenset({PersonRole.LEGAL_REPRESENTATIVE, PersonRole.PRINCIPAL})
MAX_QUERY = 100
FORMER_NAME_SEPARATOR = "｜"
MAX_WORDS = 8  # words of one search; more are ignored (each adds a condition)
SEARCH_COUNT_CAP = 1_000  # a search reports at most this many matches ("1,000+" when it is reached)

_WRITERS = frozenset({Role.SYSTEM, Role.CREDIT_OFFICE, Role.DEPT_OPERATOR, Role.DEPT_REVIEWER})


def _require_writer(actor: Actor) -> None:
    if actor.role not in _WRITERS:
        raise Forbidden("only departments and the credit office may change the entity master (无权修改主体库)")


def resolve_uscc(session: Session, code: str) -> str:
    """Turn a USCC or an old code (alias) into a USCC; 422 for a malformed code, 404 for an unknown alias."""
    text = code.strip().upper()
    if len(text) == 18:
        return validate_uscc(text, field="uscc").code
    if text and len(text) <= 32 and text.isalnum():
        alias = session.execute(select(EntityAlias).where(EntityAlias.code == text)).scalars().first()
        if alias is not None:
            return alias.uscc
        raise NotFound(f"no entity has the code {text} (未找到该代码对应的主体)", field="uscc")
    # Not an alias shape either: report it as a malformed USCC with the precise rule.
    return validate_uscc(text, field="uscc").code


def join_former_names(existing: str, name: str) -> str:
    """The searchable list of former names with ``name`` added (newest last, bounded)."""
    names = [n for n in existing.split(FORMER_NAME_SEPARATOR) if n and n != name] + [name]
    joined = FORMER_NAME_SEPARATOR.join(names)
    return joined[-1000:]


def type_names(uscc: str) -> tuple[str, str]:
    """(登记管理部门, 机构类别) decoded from a stored, already valid USCC."""
    info = validate_uscc(uscc)
    return info.authority_name, info.org_type_name


def exists(session: Session, uscc: str) -> bool:
    """Whether the register holds this (resolved) USCC."""
    return session.get(Entity, uscc) is not None


def get_entity(session: Session, code: str) -> Entity:
    uscc = resolve_uscc(session, code)
    entity = session.get(Entity, uscc)
    if entity is None:
        raise NotFound(f"no entity with USCC {uscc} (未找到该主体)", field="uscc")
    return entity


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_condition(session: Session, text: str, pattern: str) -> ColumnElement[bool]:
    """Current or former names containing ``text``.

    Trigrams cannot serve a query of one or two characters (药房, 超市), so on PostgreSQL those ask the
    ``trgm_grams`` column (every character and adjacent pair of the names, migration 0018) instead, which is exact on
    its own: no ``LIKE`` is added, so the planner also estimates the matches right.
    """
    short = len(text) <= 2 and FORMER_NAME_SEPARATOR not in text
    if short and session.get_bind().dialect.name == "postgresql":
        return column("trgm_grams", ARRAY(Text)).op("@>")(array([cast(text, Text)]))
    return or_(Entity.name.like(pattern, escape="\\"), Entity.former_names.like(pattern, escape="\\"))


def _code_like(upper: str) -> bool:
    """A query that is plainly a (partial) USCC, e.g. 91360482…"""
    return bool(USCC_PREFIX.match(upper)) and len(upper) >= 6 and sum(c.isdigit() for c in upper) >= 4


def _key_range(upper: str) -> ColumnElement[bool]:
    """USCCs from ``upper`` up to its last possible continuation (USCC characters all sort below "Z")."""
    return and_(Entity.uscc >= upper, Entity.uscc <= upper + "Z" * (18 - len(upper)))


def _search_condition(session: Session, text: str, upper: str) -> ColumnElement[bool]:
    """Every way of matching one word is a column of ``entities`` (GIN indexes on PostgreSQL), so the planner can
    combine index scans."""
    conditions = [_name_condition(session, text, f"%{_like_escape(text)}%")]
    lower = text.lower().replace(" ", "")
    if lower.isascii() and lower.isalnum():
        conditions.append(Entity.name_initials.like(f"%{lower}%"))
        conditions.append(Entity.name_pinyin.like(f"%{lower}%"))
    if USCC_PREFIX.match(upper):
        # A key range the B-tree serves in any collation, plus the exact prefix.
        conditions.append(and_(_key_range(upper), Entity.uscc.like(f"{upper}%")))
    return or_(*conditions)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result and what it matched (keys of :data:`~xinyong.entities.rules.MATCH_LABELS`)."""

    entity: Entity
    matched: tuple[str, ...]

    @property
    def matched_labels(self) -> str:
        return "、".join(MATCH_LABELS[key] for key in self.matched)


def _checked_query(q: str | None) -> str:
    text = (q or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"q is longer than {MAX_QUERY} characters (检索词过长)", field="q")
    if "\x00" in text:
        raise InvalidInput("q contains a NUL character (检索词含非法字符)", field="q")
    return text


def search_hits(session: Session, q: str | None, page: PageRequest) -> tuple[list[SearchHit], int]:
    """Entities matching every word of ``q`` (name or former name substring, USCC prefix, pinyin or initials),
    most relevant first (:func:`~xinyong.entities.rules.relevance`: exact name, prefix, contains, other fields;
    the city's own subjects before provisional and out-of-town ones), each with what it matched.

    A query is answered from at most ``SEARCH_COUNT_CAP`` matches: the index finds up to that many, which are ranked
    and paged here. Below the cap that is every match; a broader query (e.g. 有限) is reported as "1,000+" and ranks
    the first thousand the index yields, asking the reader to narrow it. Either way the cost is bounded by the cap,
    not by the size of the city.
    """
    text = _checked_query(q)
    if not text:
        listed = select(Entity).order_by(Entity.uscc)
        capped = select(Entity.uscc).limit(SEARCH_COUNT_CAP).subquery()
        total = session.execute(select(func.count()).select_from(capped)).scalar_one()
        listing = session.execute(listed.offset(page.offset).limit(page.page_size)).scalars()
        return [SearchHit(e, ()) for e in listing], total
    words = search_words(text)[:MAX_WORDS]
    upper = text.upper()
    if len(words) == 1 and _code_like(upper):
        # Plainly a code (e.g. 91360482…): the key range alone, so the planner estimates it from the histogram and
        # walks the primary key in order, stopping at the cap (a bitmap of a range covering most of the city would
        # be built in full first); the prefix itself is checked here, whatever the collation.
        by_key = select(Entity.uscc).where(_key_range(upper)).order_by(Entity.uscc).limit(SEARCH_COUNT_CAP)
        keys = [uscc for uscc in session.execute(by_key).scalars() if uscc.startswith(upper)]
        condition: ColumnElement[bool] = Entity.uscc.in_(keys[page.offset : page.offset + page.page_size])
        rows = session.execute(select(Entity).where(condition).order_by(Entity.uscc)).scalars()
        return [SearchHit(e, ("code",)) for e in rows], len(keys)
    condition = and_(*[_search_condition(session, word, word.upper()) for word in words])
    columns = (Entity.uscc, Entity.name, Entity.region_code, Entity.provisional)
    found = session.execute(select(*columns).where(condition).limit(SEARCH_COUNT_CAP)).all()
    ranked = sorted(found, key=lambda r: relevance(text, r.name, r.uscc, r.region_code, r.provisional))
    keys = [r.uscc for r in ranked[page.offset : page.offset + page.page_size]]
    if not keys:
        return [], len(found)
    loaded = {e.uscc: e for e in session.execute(select(Entity).where(Entity.uscc.in_(keys))).scalars()}
    hits = []
    for key in keys:
        e = loaded[key]
        matched = matched_fields(words, e.name, e.former_names, e.uscc, e.name_pinyin, e.name_initials)
        hits.append(SearchHit(e, matched))
    return hits, len(found)


def is_local(entity: Entity) -> bool:
    """Registered in the city (its code's region) and confirmed by the registry: the platform's own subject."""
    return entity.region_code == CITY_REGION and not entity.provisional


def search_entities(session: Session, q: str | None, page: PageRequest) -> tuple[list[Entity], int]:
    """:func:`search_hits` without what each matched (the API's entity search)."""
    hits, total = search_hits(session, q, page)
    return [hit.entity for hit in hits], total


REKEY_CHUNK = 2_000


def rekey_names(session: Session, after: str = "", limit: int = REKEY_CHUNK) -> tuple[int, str | None]:
    """Recompute the pinyin search keys of up to ``limit`` entities with a USCC above ``after`` (in USCC order), after
    the reading rules changed; only rows whose keys differ are written. Returns (rows changed, last USCC seen, or
    ``None`` when no entity is left), so a caller commits chunk by chunk and can resume."""
    rows = session.execute(
        select(Entity.uscc, Entity.name, Entity.name_pinyin, Entity.name_initials)
        .where(Entity.uscc > after)
        .order_by(Entity.uscc)
        .limit(limit)
    ).all()
    if not rows:
        return 0, None
    changed = []
    for uscc, name, pinyin, initials in rows:
        keys = pinyin_keys(name)
        if keys != (pinyin, initials):
            changed.append({"uscc": uscc, "name_pinyin": keys[0], "name_initials": keys[1]})
    if changed:
        session.execute(update(Entity), changed)
    return len(changed), rows[-1].uscc


def rekey_all(session_chunks: Callable[[], AbstractContextManager[Session]], after: str = "") -> int:
    """Every entity's keys recomputed, each chunk in its own transaction (``session_chunks`` opens one)."""
    total = 0
    last: str | None = after
    while last is not None:
        with session_chunks() as session:
            count, last = rekey_names(session, last)
        total += count
    return total


def upsert_entity(session: Session, actor: Actor, data: EntityIn) -> tuple[Entity, bool]:
    """Create or update an entity from registry data; a name change keeps the old name as 曾用名."""
    _require_writer(actor)
    info = validate_uscc(data.uscc, field="uscc")
    if data.status not in set(EntityStatus):
        raise InvalidInput(f"unknown status {data.status!r} (主体状态)", field="status")
    now = clock.now()
    entity = session.get(Entity, info.code)
    fields = data.model_dump(exclude={"uscc"})
    fields["name_pinyin"], fields["name_initials"] = pinyin_keys(data.name)
    if entity is None:
        entity = Entity(
            uscc=info.code,
            authority=info.authority,
            org_type=info.org_type,
            region_code=info.region_code,
            provisional=False,
            created_at=now,
            updated_at=now,
            **fields,
        )
        session.add(entity)
        session.flush()
        audit.record(session, actor, "entities:entity:created", "entity", info.code, {"name": data.name})
        return entity, True
    changes = {k: [str(getattr(entity, k)), str(v)] for k, v in fields.items() if getattr(entity, k) != v}
    if entity.provisional:
        changes["provisional"] = ["True", "False"]
        entity.provisional = False
    if not changes:
        return entity, False
    if "name" in changes:
        session.add(EntityName(uscc=entity.uscc, name=entity.name, valid_from=None, valid_to=clock.today()))
        entity.former_names = join_former_names(entity.former_names, entity.name)
    for key, value in fields.items():
        setattr(entity, key, value)
    entity.updated_at = now
    session.flush()
    audit.record(session, actor, "entities:entity:updated", "entity", entity.uscc, {"changes": changes})
    return entity, False


def ensure_entity(session: Session, actor: Actor, uscc: str, name: str) -> Entity:
    """The entity for a record's subject; an unknown but valid code creates a provisional entry, never a refusal."""
    info = validate_uscc(uscc, field="uscc")
    entity = session.get(Entity, info.code)
    if entity is not None:
        return entity
    now = clock.now()
    clean = name.strip()[:200] or info.code
    pinyin, initials = pinyin_keys(clean)
    entity = Entity(
        uscc=info.code,
        name=clean,
        name_pinyin=pinyin,
        name_initials=initials,
        authority=info.authority,
        org_type=info.org_type,
        region_code=info.region_code,
        status=EntityStatus.ACTIVE,
        provisional=True,
        created_at=now,
        updated_at=now,
    )
    session.add(entity)
    session.flush()
    audit.record(session, actor, "entities:entity:provisional", "entity", info.code, {"name": entity.name})
    return entity


def add_alias(session: Session, actor: Actor, uscc: str, alias_type: AliasType, code: str) -> EntityAlias:
    _require_writer(actor)
    entity = get_entity(session, uscc)
    text = code.strip().upper()
    if not text or len(text) > 32 or not text.isalnum():
        raise InvalidInput("an old code is 1–32 letters or digits (旧代码格式错误)", field="code")
    existing = session.execute(
        select(EntityAlias).where(EntityAlias.alias_type == alias_type, EntityAlias.code == text)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.uscc != entity.uscc:
            raise Conflict(
                f"{alias_type} {text} already belongs to {existing.uscc} (该代码已对应其他主体)", field="code"
            )
        return existing
    alias = EntityAlias(alias_type=alias_type, code=text, uscc=entity.uscc)
    session.add(alias)
    session.flush()
    audit.record(
        session,
        actor,
        "entities:alias:added",
        "entity",
        entity.uscc,
        {"alias_type": alias_type, "code": text},
    )
    return alias


def id_blind(id_type: str, number: str) -> str:
    """The blind index a person's ID number is stored under (current key)."""
    return get_blind_index().digest(f"{id_type}:{number}", context=ID_CONTEXT)


def id_blinds(id_type: str, number: str) -> tuple[str, ...]:
    """Every blind index the number may be stored under: the current key's first, then each other accepted key's
    (a lookup during a blind index key rotation finds rows not rebuilt yet)."""
    return get_blind_index().digests(f"{id_type}:{number}", context=ID_CONTEXT)


def person_blind_index_rebuild(row: Mapping[str, Any]) -> dict[str, Any]:
    """For ``xinyong keys rotate``: the ``persons`` row's blind index under the current key, if it is not already."""
    number = get_cipher().decrypt(row["id_number_enc"], context=ID_CONTEXT)
    current = id_blind(row["id_type"], number)
    return {} if row["id_blind"] == current else {"id_blind": current}


def person_blind_indexed() -> BlindIndexedTable:
    """The ``persons`` table's blind index, for ``xinyong keys rotate``."""
    return BlindIndexedTable(
        Person.__table__,  # type: ignore[arg-type]
        ("id_type", "id_number_enc", "id_blind"),
        person_blind_index_rebuild,
    )


def find_person(session: Session, id_type: str, number: str) -> Person | None:
    normalised = validate_person_id(id_type, number)  # an unknown type is a 422 there, not a ValueError here
    return _person_by_number(session, id_type, normalised)


def _person_by_number(session: Session, id_type: str, normalised: str) -> Person | None:
    return (
        session.execute(
            select(Person)
            .where(Person.id_type == id_type, Person.id_blind.in_(id_blinds(id_type, normalised)))
            .order_by(Person.id)
        )
        .scalars()
        .first()
    )


def upsert_person(session: Session, actor: Actor, name: str, id_type: str, number: str) -> Person:
    """Find a person by blind index, or create one with the ID number encrypted (never stored in clear)."""
    _require_writer(actor)
    try:
        kind = IdType(id_type)
    except ValueError:
        raise InvalidInput(f"unknown ID type {id_type!r} (证件类型)", field="id_type") from None
    normalised = validate_person_id(kind, number)
    clean_name = name.strip()
    if not clean_name or len(clean_name) > 100:
        raise InvalidInput("a person's name is 1–100 characters (姓名)", field="name")
    person = _person_by_number(session, kind, normalised)
    if person is not None:
        return person
    person = Person(
        name=clean_name,
        id_type=kind,
        id_blind=id_blind(kind, normalised),
        id_number_enc=get_cipher().encrypt(normalised, context=ID_CONTEXT),
        id_masked=mask_id_number(normalised),
        created_at=clock.now(),
    )
    session.add(person)
    session.flush()
    audit.record(session, actor, "entities:person:created", "person", str(person.id), {"id_type": kind})
    return person


def link_person(
    session: Session,
    actor: Actor,
    uscc: str,
    person: Person,
    role: PersonRole,
    *,
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    asserted_by: AssertedBy = AssertedBy.REGISTRY,
    source_department: str | None = None,
    share_percent: str | None = None,
) -> PersonRoleLink:
    """Link a person to an entity in a role for a period. An entity has one 法定代表人 at a time: a new one
    closes the period of the previous holder (who stays in history)."""
    _require_writer(actor)
    entity = get_entity(session, uscc)
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise InvalidInput("valid_to must be after valid_from (任职止期应晚于起期)", field="valid_to")
    links = (
        session.execute(select(PersonRoleLink).where(PersonRoleLink.uscc == entity.uscc, PersonRoleLink.role == role))
        .scalars()
        .all()
    )
    for link in links:
        if link.person_id == person.id and (link.valid_from, link.valid_to) == (valid_from, valid_to):
            return link  # the same assertion again
    for link in links:
        if not periods_overlap(link.valid_from, link.valid_to, valid_from, valid_to):
            continue
        if role != PersonRole.LEGAL_REPRESENTATIVE:
            if link.person_id == person.id:
                return link  # already holds this role in that period
            continue
        # One 法定代表人 at a time: an open-ended earlier holder is succeeded; any other overlap is a conflict.
        succeeded = (
            link.valid_to is None
            and valid_from is not None
            and (link.valid_from is None or link.valid_from < valid_from)
        )
        if not succeeded:
            raise Conflict("another 法定代表人 holds this period (该期间已有法定代表人)", field="valid_from")
        link.valid_to = valid_from
    new = PersonRoleLink(
        uscc=entity.uscc,
        person_id=person.id,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        asserted_by=asserted_by,
        source_department=source_department,
        share_percent=share_percent,
        created_at=clock.now(),
    )
    session.add(new)
    session.flush()
    audit.record(
        session,
        actor,
        "entities:role:linked",
        "entity",
        entity.uscc,
        {
            "person_id": person.id,
            "role": role,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "asserted_by": asserted_by,
        },
    )
    return new


def roles_of_entity(session: Session, uscc: str, *, on: dt.date | None = None) -> list[tuple[PersonRoleLink, Person]]:
    """Persons linked to an entity; only those holding their role on ``on`` when it is given."""
    rows = session.execute(
        select(PersonRoleLink, Person)
        .join(Person, Person.id == PersonRoleLink.person_id)
        .where(PersonRoleLink.uscc == uscc)
        .order_by(PersonRoleLink.role, PersonRoleLink.valid_from)
    ).all()
    if on is None:
        return [(link, other) for link, other in rows]
    return [(link, person) for link, person in rows if role_active(link.valid_from, link.valid_to, on)]


def entities_of_person(session: Session, person_id: int) -> list[tuple[PersonRoleLink, Entity]]:
    """Every entity a person is or was responsible for (clause 14: their dishonesty follows the person)."""
    rows = session.execute(
        select(PersonRoleLink, Entity)
        .join(Entity, Entity.uscc == PersonRoleLink.uscc)
        .where(PersonRoleLink.person_id == person_id)
        .order_by(PersonRoleLink.valid_from)
    ).all()
    return [(link, other) for link, other in rows]


def former_names(session: Session, uscc: str) -> list[str]:
    return list(
        session.execute(select(EntityName.name).where(EntityName.uscc == uscc).order_by(EntityName.valid_to)).scalars()
    )


def aliases(session: Session, uscc: str) -> dict[str, str]:
    rows = session.execute(select(EntityAlias).where(EntityAlias.uscc == uscc)).scalars()
    return {row.alias_type: row.code for row in rows}


# ---------------------------------------------------------------- re-grade queue

REGRADE_CAUSE_LIMIT = 200


def enqueue_regrade(session: Session, uscc: str | None, cause: str) -> None:
    """Queue the entity for a prompt re-grade, in the caller's transaction (records and lists call this when what
    the credit evaluation counts changes; ``xinyong tick`` drains the queue). ``None`` (a person) is ignored."""
    if uscc:
        session.add(RegradeQueue(uscc=uscc, cause=cause[:REGRADE_CAUSE_LIMIT], queued_at=clock.now()))


def usccs_named(session: Session, name: str, limit: int = 3) -> list[str]:
    """The USCCs of entities whose current name or a former name (曾用名) is exactly ``name`` (surrounding blanks
    ignored), at most ``limit``: for matching a subject known only by name, where anything but exactly one answer
    means a person must decide."""
    text = name.strip()
    if not text:
        return []
    current = select(Entity.uscc).where(Entity.name == text).limit(limit)
    former = select(EntityName.uscc).where(EntityName.name == text).limit(limit)
    found = dict.fromkeys([*session.scalars(current), *session.scalars(former)])
    return list(found)[:limit]


def status_facts() -> Select[*tuple[Any, ...]]:
    """Every entity's registration status as plain facts (uscc, name, status) for set-based cross-checks in other
    areas (contradiction flags). Read-only; callers scope it themselves."""
    return select(Entity.uscc.label("uscc"), Entity.name.label("name"), Entity.status.label("status"))
