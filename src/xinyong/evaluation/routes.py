"""HTTP API of the 公共信用综合评价: an entity's grade with its breakdown and industry evaluations (the public sees the
public parts), what would raise it, its grade history, the model versions, publishing a model and the grade
distribution. Thin: every rule lives in the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from xinyong.core.actor import Actor
from xinyong.core.auth.access import OFFICE, PUBLIC, STAFF, STAFF_OR_ENTITY, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.evaluation import service, views
from xinyong.evaluation.schemas import (
    DistributionOut,
    EvaluationOut,
    GradeChangeOut,
    ImprovementsOut,
    ModelIn,
    ModelOut,
    RegradeOut,
)

router = APIRouter(prefix="/api/v1", tags=["evaluation 信用评价"], dependencies=[Depends(reject_unknown_query)])

Uscc = Annotated[str, Path(max_length=40)]
Version = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get(
    "/evaluation/entities/{uscc}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=EvaluationOut,
    summary="An entity's 公共信用综合评价: score, grade, model version, breakdown and industry evaluations",
)
def evaluation(uscc: Uscc, session: DbSession, actor: CurrentActor) -> EvaluationOut:
    return views.evaluation_of(session, actor, uscc)


@router.get(
    "/evaluation/entities/{uscc}/improvements",
    dependencies=[Depends(require(PUBLIC))],
    response_model=ImprovementsOut,
    summary="What would raise the grade: the indicators costing points and when each item stops counting",
)
def improvements(uscc: Uscc, session: DbSession, actor: CurrentActor) -> ImprovementsOut:
    return views.improvements(session, actor, uscc)


@router.get(
    "/evaluation/entities/{uscc}/history",
    response_model=list[GradeChangeOut],
    summary="Grade history (staff, and the entity itself): every change with cause and date",
)
def history(
    uscc: Uscc, session: DbSession, actor: Annotated[Actor, Depends(require(STAFF_OR_ENTITY))]
) -> list[GradeChangeOut]:
    return views.history(session, actor, uscc)


@router.post(
    "/evaluation/entities/{uscc}/regrade",
    response_model=RegradeOut,
    summary="Re-grade one entity now (credit office)",
)
def regrade(
    uscc: Uscc,
    session: DbSession,
    actor: Annotated[Actor, Depends(require(OFFICE))],
    reason: Annotated[str, Body(embed=True, min_length=1, max_length=150)],
) -> RegradeOut:
    done = views.regrade(session, actor, uscc, reason)
    return RegradeOut(
        uscc=done.uscc,
        old_grade=done.old_grade,
        grade=done.grade,
        score=done.score,
        model_version=done.model_version,
        changed=done.changed,
    )


@router.get(
    "/evaluation/models",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[ModelOut],
    summary="Every published version of the scoring model, newest first",
)
def models(session: DbSession) -> list[ModelOut]:
    return views.models(session)


@router.get(
    "/evaluation/models/{version}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=ModelOut,
    summary="One version of the scoring model",
)
def model(version: Version, session: DbSession) -> ModelOut:
    row = service.get_model_version(session, version)
    return views.model_out(row, service.current_model(session)[0])


@router.post(
    "/evaluation/models",
    status_code=201,
    response_model=ModelOut,
    summary="Publish a new version of the scoring model (credit office); versions never change afterwards",
)
def publish(data: ModelIn, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]) -> ModelOut:
    row = service.publish_model(session, actor, data.model, data.note)
    return views.model_out(row, row.version)


@router.get(
    "/evaluation/distribution",
    dependencies=[Depends(require(STAFF))],
    response_model=DistributionOut,
    summary="Entities per grade under the current model (staff)",
)
def distribution(session: DbSession) -> DistributionOut:
    version, counts, stale, total = service.distribution(session)
    return DistributionOut(
        model_version=version, graded=sum(counts.values()), entities=total, counts=counts, stale=stale
    )
