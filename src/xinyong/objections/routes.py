"""HTTP API of objections (异议)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.actor import Role
from xinyong.core.auth.access import OFFICE, SIGNED_IN, AccessRule, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.objections import service
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ObjectionOut, ResolveIn

router = APIRouter(prefix="/api/v1", tags=["objections 异议"], dependencies=[Depends(reject_unknown_query)])

# who may decide an objection: the credit office, or the source department (its reviewer; checked per objection)
DECIDERS = AccessRule(
    "objection_deciders", frozenset({Role.CREDIT_OFFICE, Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.SYSTEM})
)
ObjectionId = Annotated[int, Path(ge=1, le=2**62)]


@router.post(
    "/objections",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=ObjectionOut,
    status_code=201,
    summary="Object to one credit record version (the subject, or the office for a person concerned)",
)
def file_objection(body: ObjectionIn, session: DbSession, actor: CurrentActor) -> ObjectionOut:
    return service.to_view(service.file_objection(session, actor, body))


@router.get(
    "/objections",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=list[ObjectionOut],
    summary="Objections the caller may see (own, own department's, or all for the office)",
)
def list_objections(
    session: DbSession, actor: CurrentActor, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[ObjectionOut]:
    return [service.to_view(row) for row in service.list_objections(session, actor, open_only=open_only)]


@router.get(
    "/objections/{objection_id}",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=ObjectionOut,
    summary="One objection",
)
def read_objection(objection_id: ObjectionId, session: DbSession, actor: CurrentActor) -> ObjectionOut:
    return service.to_view(service.get_objection(session, actor, objection_id))


@router.post(
    "/objections/{objection_id}/forward",
    dependencies=[Depends(require(OFFICE))],
    response_model=ObjectionOut,
    summary="Forward an objection to the source department (转办)",
)
def forward_objection(
    objection_id: ObjectionId, body: ForwardIn, session: DbSession, actor: CurrentActor
) -> ObjectionOut:
    return service.to_view(service.forward(session, actor, objection_id, body))


@router.post(
    "/objections/{objection_id}/resolve",
    dependencies=[Depends(require(DECIDERS))],
    response_model=ObjectionOut,
    summary="Decide an objection: 更正 / 撤销 / 维持, with reasons for the objector",
)
def resolve_objection(
    objection_id: ObjectionId, body: ResolveIn, session: DbSession, actor: CurrentActor
) -> ObjectionOut:
    return service.to_view(service.resolve(session, actor, objection_id, body))
