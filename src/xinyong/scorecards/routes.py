"""HTTP API of the department scorecards (部门信用工作考核): the month's cards (ranked), one card, the rows behind
a figure, the trend, and the weight versions. A department reads its own card only; the office and auditors all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core import clock
from xinyong.core.auth.access import OFFICE, STAFF, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.scorecards import service
from xinyong.scorecards.rules import BUILTIN, month_text
from xinyong.scorecards.schemas import CardOut, ModelIn, ModelOut, MonthOut, TrendOut

router = APIRouter(prefix="/api/v1", tags=["scorecards 部门信用工作考核"], dependencies=[Depends(reject_unknown_query)])
Month = Annotated[str | None, Query(min_length=7, max_length=7, description="YYYY-MM (this month by default)")]
Department = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")]


def _month(month: str | None) -> str:
    return month or month_text(clock.today())


@router.get(
    "/scorecards",
    dependencies=[Depends(require(STAFF))],
    response_model=MonthOut,
    summary="The month's department scorecards, ranked (a department gets its own card only)",
)
def month_cards(session: DbSession, actor: CurrentActor, month: Month = None) -> MonthOut:
    return service.month_out(service.month_scores(session, actor, _month(month)))


@router.get(
    "/scorecards/trend",
    dependencies=[Depends(require(STAFF))],
    response_model=TrendOut,
    summary="Scores of the months up to ``month``, per department the caller may read",
)
def trend(
    session: DbSession,
    actor: CurrentActor,
    month: Month = None,
    months: Annotated[int, Query(ge=1, le=service.TREND_MONTHS)] = 6,
) -> TrendOut:
    found = service.trend(session, actor, _month(month), months)
    return TrendOut(
        months=found.months,
        departments=[
            {"department": code, "name": found.names[code], "scores": scores} for code, scores in found.series.items()
        ],
    )


@router.get(
    "/scorecards/{department}",
    dependencies=[Depends(require(STAFF))],
    response_model=CardOut,
    summary="One department's scorecard for the month",
)
def one_card(session: DbSession, actor: CurrentActor, department: Department, month: Month = None) -> CardOut:
    card, scores = service.department_card(session, actor, department, _month(month))
    return service.card_out(card, scores)


@router.get(
    "/scorecards/{department}/rows",
    dependencies=[Depends(require(STAFF))],
    summary="The rows behind one figure of a department's card (audited)",
)
def figure_rows(
    session: DbSession,
    actor: CurrentActor,
    department: Department,
    indicator: Annotated[str, Query(min_length=1, max_length=40)],
    month: Month = None,
    limit: Annotated[int, Query(ge=1, le=service.ROWS_LIMIT)] = 100,
) -> list[dict[str, Any]]:
    return service.rows(session, actor, department, indicator, _month(month), limit)


@router.get(
    "/scorecard-models",
    dependencies=[Depends(require(STAFF))],
    response_model=list[ModelOut],
    summary="Every version of the scorecard weights, newest first (version 0 is the built-in default)",
)
def list_models(session: DbSession) -> list[ModelOut]:
    return [service.model_out(m) for m in [*service.list_models(session), BUILTIN]]


@router.post(
    "/scorecard-models",
    dependencies=[Depends(require(OFFICE))],
    response_model=ModelOut,
    status_code=201,
    summary="A new version of the weights, in effect from its month on (the current month or later)",
)
def create_model(session: DbSession, actor: CurrentActor, data: ModelIn) -> ModelOut:
    return service.model_out(service.create_model(session, actor, data))
