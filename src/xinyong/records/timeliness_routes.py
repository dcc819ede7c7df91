"""HTTP API of the 双公示 timeliness monitor (the console dashboard draws from the same figures)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from xinyong.core import clock
from xinyong.core.auth.access import STAFF, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.records import timeliness

router = APIRouter(prefix="/api/v1", tags=["双公示 timeliness"], dependencies=[Depends(reject_unknown_query)])


@router.get(
    "/timeliness",
    dependencies=[Depends(require(STAFF))],
    summary="双公示 timeliness and quality by department for a month of decisions",
)
def monthly(
    session: DbSession,
    actor: CurrentActor,
    month: Annotated[str, Query(min_length=7, max_length=7, description="YYYY-MM of the decisions")],
    department: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, object]]:
    today = clock.today()
    if department:
        return [timeliness.department_month(session, actor, department.upper(), month, today).to_dict()]
    return [figures.to_dict() for figures in timeliness.overview(session, actor, month, today)]
