"""HTTP API of objections (异议)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.actor import Role
from xinyong.core.auth.access import OFFICE, SIGNED_IN, AccessRule, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.objections import service
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ObjectionOut, ProposeIn, ReviewIn

router = APIRouter(prefix="/api/v1", tags=["objections 异议"], dependencies=[Depends(reject_unknown_query)])

# who may take part in deciding an objection: the credit office, or the source department's staff (its operator
# proposes, its reviewer decides; checked per objection, and the proposer never decides)
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
    return service.view_of(session, actor, service.file_objection(session, actor, body))


@router.get(
    "/objections",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=list[ObjectionOut],
    summary="Objections the caller may see (own, own department's, or all for the office)",
)
def list_objections(
    session: DbSession, actor: CurrentActor, open_only: Annotated[bool, Query(alias="open")] = False
) -> list[ObjectionOut]:
    rows = service.list_objections(session, actor, open_only=open_only)
    labels = service.record_labels(session, rows)
    staff = actor.role != Role.ENTITY
    return [service.to_view(row, label=labels.get(row.record_id), staff=staff) for row in rows]


@router.get(
    "/objections/{objection_id}",
    dependencies=[Depends(require(SIGNED_IN))],
    response_model=ObjectionOut,
    summary="One objection with its steps (办理过程)",
)
def read_objection(objection_id: ObjectionId, session: DbSession, actor: CurrentActor) -> ObjectionOut:
    return service.view_of(session, actor, service.get_objection(session, actor, objection_id), with_steps=True)


@router.post(
    "/objections/{objection_id}/forward",
    dependencies=[Depends(require(OFFICE))],
    response_model=ObjectionOut,
    summary="Forward an objection to the source department (转办)",
)
def forward_objection(
    objection_id: ObjectionId, body: ForwardIn, session: DbSession, actor: CurrentActor
) -> ObjectionOut:
    return service.view_of(session, actor, service.forward(session, actor, objection_id, body))


@router.post(
    "/objections/{objection_id}/propose",
    dependencies=[Depends(require(DECIDERS))],
    response_model=ObjectionOut,
    summary="Propose the outcome (拟办): 更正 with the corrected fields / 撤销 / 维持; a second person decides",
)
def propose_objection(
    objection_id: ObjectionId, body: ProposeIn, session: DbSession, actor: CurrentActor
) -> ObjectionOut:
    return service.view_of(session, actor, service.propose(session, actor, objection_id, body))


@router.post(
    "/objections/{objection_id}/review",
    dependencies=[Depends(require(DECIDERS))],
    response_model=ObjectionOut,
    summary="Decide the proposal (审核): approve it (the record moves) or return it; never by its proposer",
)
def review_objection(
    objection_id: ObjectionId, body: ReviewIn, session: DbSession, actor: CurrentActor
) -> ObjectionOut:
    return service.view_of(session, actor, service.review(session, actor, objection_id, body))
