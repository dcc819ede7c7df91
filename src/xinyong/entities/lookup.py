"""The entity master's read model for other areas: entities and persons found by code, name or filter, without
their tables. An area that needs the register reads it here (or through :mod:`xinyong.entities.service`), never
``xinyong.entities.models`` (the import-linter contract "Areas read other areas through their service").

The rows returned are the register's own (:class:`Entity`, :class:`Person`), read-only for the caller: every write
goes through :mod:`xinyong.entities.service`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.entities.models import Entity, Person, PersonRoleLink
from xinyong.entities.rules import EntityStatus

__all__ = [
    "CHUNK",
    "Entity",
    "EntityFilter",
    "Person",
    "PersonRoleLink",
    "entities_by_uscc",
    "entities_where",
    "find_entity",
    "find_person",
    "masked_ids",
    "names_in_business",
    "names_of",
    "other_entity_named",
    "usccs_where",
]

CHUNK = 5000  # codes per IN (...) list


def find_entity(session: Session, uscc: str) -> Entity | None:
    return session.get(Entity, uscc)


def find_person(session: Session, person_id: int | None) -> Person | None:
    return None if person_id is None else session.get(Person, person_id)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start : start + CHUNK]


def entities_by_uscc(session: Session, usccs: Iterable[str]) -> dict[str, Entity]:
    """The registered entities among ``usccs``, by code (unknown codes are left out)."""
    out: dict[str, Entity] = {}
    for part in _chunks(usccs):
        out.update({e.uscc: e for e in session.scalars(select(Entity).where(Entity.uscc.in_(part)))})
    return out


def names_of(session: Session, usccs: Iterable[str]) -> dict[str, str]:
    """The current names of the registered entities among ``usccs``, by code."""
    out: dict[str, str] = {}
    for part in _chunks(usccs):
        out.update(dict(session.execute(select(Entity.uscc, Entity.name).where(Entity.uscc.in_(part))).all()))
    return out


def names_in_business(session: Session) -> dict[str, str]:
    """Every entity in business (存续), code -> name, in code order."""
    query = select(Entity.uscc, Entity.name).where(Entity.status == EntityStatus.ACTIVE).order_by(Entity.uscc)
    return dict(session.execute(query).all())


def other_entity_named(session: Session, name: str, uscc: str) -> Entity | None:
    """An entity registered under exactly ``name`` with another code than ``uscc`` (a naming conflict), if any."""
    return session.scalars(select(Entity).where(Entity.name == name, Entity.uscc != uscc).limit(1)).first()


@dataclass(frozen=True, slots=True)
class EntityFilter:
    """Conditions over the register, all optional: registration statuses, an industry code prefix, a region code,
    the USCC's first two characters (机构类别), a (registration authority, organisation type) pair, a name fragment."""

    statuses: Collection[str] = ()
    industry_prefix: str | None = None
    region_code: str | None = None
    org_types: Collection[str] = ()
    kind: tuple[str, str] | None = None
    name_contains: str | None = None


def _where(query: Any, f: EntityFilter) -> Any:
    if f.statuses:
        query = query.where(Entity.status.in_([str(s) for s in f.statuses]))
    if f.industry_prefix:
        query = query.where(Entity.industry_code.like(f"{f.industry_prefix}%"))
    if f.region_code:
        query = query.where(Entity.region_code == f.region_code)
    if f.org_types:
        query = query.where(func.substr(Entity.uscc, 1, 2).in_(list(f.org_types)))
    if f.kind:
        query = query.where(Entity.authority == f.kind[0], Entity.org_type == f.kind[1])
    if f.name_contains:
        fragment = f.name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Entity.name.like(f"%{fragment}%", escape="\\"))
    return query


def usccs_where(session: Session, f: EntityFilter) -> list[str]:
    """The codes of the entities matching ``f``, in code order."""
    return list(session.scalars(_where(select(Entity.uscc), f).order_by(Entity.uscc)))


def entities_where(session: Session, f: EntityFilter, limit: int) -> list[Entity]:
    """At most ``limit`` entities matching ``f``, in code order."""
    return list(session.scalars(_where(select(Entity), f).order_by(Entity.uscc).limit(limit)))


def masked_ids(session: Session, person_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Each person's ID type and masked number (never the clear number), by person id."""
    wanted = list(set(person_ids))
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.id_type, Person.id_masked).where(Person.id.in_(wanted)))
    return {person_id: (id_type, masked) for person_id, id_type, masked in rows}
