"""HTTP API of joint punishment: the measures catalogue and memoranda (public read, office write), the embedded
check for business systems, their feedback, and the effectiveness statistics. Thin: every rule lives in the
services. The ID number of a checked person travels only in the request body."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse, Response

from xinyong.core import clock, export, metrics
from xinyong.core.actor import Actor
from xinyong.core.auth.access import AUDIT, BUSINESS_SYSTEM, OFFICE, PUBLIC, require
from xinyong.core.http import DbSession, reject_unknown_query
from xinyong.punishment import service
from xinyong.punishment.rules import Scenario
from xinyong.punishment.schemas import (
    ChangeOut,
    CheckIn,
    CheckOut,
    FeedbackIn,
    FeedbackOut,
    MeasureIn,
    MeasureOut,
    MemorandumIn,
    MemorandumOut,
    NoticeOut,
    ScenarioOut,
    StatisticsOut,
)

router = APIRouter(prefix="/api/v1", tags=["punishment 联合惩戒"], dependencies=[Depends(reject_unknown_query)])

CheckId = Annotated[int, Path(ge=1, le=2**62)]


@router.get(
    "/punishment/scenarios",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[ScenarioOut],
    summary="The business scenarios a check may name",
)
def scenarios() -> list[ScenarioOut]:
    return [ScenarioOut(code=s, label=s.label) for s in Scenario]


@router.get(
    "/punishment/measures",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[MeasureOut],
    summary="The measures catalogue (惩戒措施清单), optionally for one scenario or list type",
)
def measures(
    session: DbSession,
    scenario: Scenario | None = None,
    list_type: Annotated[str | None, Query(max_length=32)] = None,
) -> list[MeasureOut]:
    return service.list_measures(session, scenario=scenario, list_type=list_type)


@router.get(
    "/punishment/measures/{measure_code}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=MeasureOut,
    summary="One catalogued measure",
)
def measure(measure_code: Annotated[str, Path(max_length=16)], session: DbSession) -> MeasureOut:
    return service.measure_out(service.get_measure(session, measure_code))


@router.post(
    "/punishment/measures",
    status_code=201,
    response_model=MeasureOut,
    summary="Add a measure to the catalogue (credit office)",
)
def create_measure(
    data: MeasureIn, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]
) -> MeasureOut:
    return service.measure_out(service.create_measure(session, actor, data))


@router.get(
    "/punishment/memoranda",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[MemorandumOut],
    summary="Joint punishment memoranda (合作备忘录) and the measures each links to each list type",
)
def memoranda(session: DbSession) -> list[MemorandumOut]:
    return service.list_memoranda(session)


@router.post(
    "/punishment/memoranda",
    status_code=201,
    response_model=MemorandumOut,
    summary="Register a memorandum (credit office)",
)
def create_memorandum(
    data: MemorandumIn, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]
) -> MemorandumOut:
    return service.create_memorandum(session, actor, data)


@router.post(
    "/checks",
    response_model=CheckOut,
    summary="Embedded check (嵌入式核查): the subject's list entries and the measures that apply in the scenario",
)
def check(data: CheckIn, session: DbSession, actor: Annotated[Actor, Depends(require(BUSINESS_SYSTEM))]) -> Response:
    # The answer is a CheckOut built and validated by the service; serialised once here instead of FastAPI
    # validating it a second time against response_model (which stays for the OpenAPI document).
    answer = service.run_check(session, actor, data)
    session.commit()  # the check is logged before it is answered; committing here saves request_session a hop
    metrics.count_check(answer.outcome.value)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post(
    "/checks/{check_id}/feedback",
    status_code=201,
    response_model=FeedbackOut,
    summary="Report back (反馈) whether a returned measure was applied; once per measure",
)
def feedback(
    check_id: CheckId,
    data: FeedbackIn,
    session: DbSession,
    actor: Annotated[Actor, Depends(require(BUSINESS_SYSTEM))],
) -> FeedbackOut:
    return service.record_feedback(session, actor, check_id, data)


@router.get(
    "/checks/changes",
    response_model=list[ChangeOut],
    summary="List changes (列入/移出/撤销) about subjects this system checked in the last `days` days, after its check",
)
def changes(
    session: DbSession,
    actor: Annotated[Actor, Depends(require(BUSINESS_SYSTEM))],
    days: Annotated[int, Query(ge=1, le=366)] = 90,
) -> list[ChangeOut]:
    return service.changes_for(session, actor, days=days)


@router.get(
    "/checks/notices",
    dependencies=[Depends(require(AUDIT))],
    response_model=list[NoticeOut],
    summary="Change notices pushed to business systems (名单变动通知), newest first, with their delivery state",
)
def notices(
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NoticeOut]:
    views = service.list_notices(session, limit=page_size, offset=(page - 1) * page_size)
    return [NoticeOut.model_validate(v, from_attributes=True) for v in views]


@router.get(
    "/checks/statistics",
    dependencies=[Depends(require(AUDIT))],
    response_model=None,
    summary="Effectiveness statistics (成效统计) of one month by measure, department and requesting system",
)
def statistics(
    session: DbSession,
    month: Annotated[str | None, Query(max_length=7)] = None,
    format: Literal["json", "xlsx"] = "json",
) -> StatisticsOut | FileResponse:
    chosen = month or clock.today().strftime("%Y-%m")
    stats = service.statistics(session, chosen)
    if format == "json":
        return stats
    titles = ["措施编码", "惩戒措施", "实施部门", "返回次数", "已实施", "未实施", "待反馈"]
    rows: list[list[export.Cell]] = [
        [s.measure_code, s.measure_name, s.department, s.returned, s.applied, s.not_applied, s.pending]
        for s in stats.by_measure
    ]
    notes = [f"{stats.month}：核查 {stats.checks} 次，其中有限制 {stats.restricted} 次"]
    return export.xlsx_response(f"联合惩戒成效统计-{stats.month}.xlsx", titles, rows, sheet="成效统计", notes=notes)
