"""HTTP API of the entity master."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.config import get_settings
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.entities import service
from xinyong.entities.models import Entity
from xinyong.entities.rules import PersonRole
from xinyong.entities.schemas import EntityOut, EntitySummary, PersonRoleOut

router = APIRouter(
    prefix="/api/v1/entities",
    tags=["entities 市场主体"],
    dependencies=[Depends(require(PUBLIC)), Depends(reject_unknown_query)],
)


def summary(entity: Entity) -> EntitySummary:
    return EntitySummary(
        uscc=entity.uscc,
        name=entity.name,
        type_name=service.type_names(entity.uscc)[1],
        region_code=entity.region_code,
        status=entity.status,
    )


@router.get("", response_model=Page[EntitySummary], summary="Search entities by name or USCC prefix")
def search(
    session: DbSession,
    q: Annotated[str | None, Query(max_length=100, description="name substring or USCC prefix")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1)] = 20,
) -> Page[EntitySummary]:
    request = PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)
    rows, total = service.search_entities(session, q, request)
    return Page(
        items=[summary(e) for e in rows],
        total=total,
        page=page,
        page_size=page_size,
        total_capped=total >= service.SEARCH_COUNT_CAP,
    )


@router.get("/{uscc}", response_model=EntityOut, summary="One entity's master data")
def read(uscc: str, session: DbSession, actor: CurrentActor) -> EntityOut:
    entity = service.get_entity(session, uscc)
    full = actor.sees_everything or actor.is_department or actor.entity_uscc == entity.uscc
    persons = [
        PersonRoleOut(
            role=link.role,
            name=person.name,
            id_masked=person.id_masked if full else None,
            valid_from=link.valid_from,
            valid_to=link.valid_to,
            asserted_by=link.asserted_by,
        )
        for link, person in service.roles_of_entity(session, entity.uscc)
        if full or (link.role in service.PUBLIC_ROLES and link.valid_to is None)
    ]
    authority_name, type_name = service.type_names(entity.uscc)
    return EntityOut(
        uscc=entity.uscc,
        name=entity.name,
        authority_name=authority_name,
        type_name=type_name,
        region_code=entity.region_code,
        industry_code=entity.industry_code,
        industry_name=entity.industry_name,
        legal_form=entity.legal_form,
        registered_address=entity.registered_address,
        registered_capital=entity.registered_capital,
        established_on=entity.established_on,
        status=entity.status,
        provisional=entity.provisional,
        former_names=service.former_names(session, entity.uscc),
        aliases=service.aliases(session, entity.uscc),
        persons=persons,
    )


__all__ = ["PersonRole", "router"]
