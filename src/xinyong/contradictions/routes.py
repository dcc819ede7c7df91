"""HTTP API of contradiction flags: the queue (a department's own, everything for the office and auditors), one flag
with its steps, resolving it, and the rule catalogue the office edits."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from xinyong.contradictions import service
from xinyong.contradictions.models import FLAG
from xinyong.contradictions.rules import FlagStatus, FlagStep
from xinyong.contradictions.schemas import FlagOut, QueueCount, ResolveIn, RuleIn, RuleOut
from xinyong.core.auth.access import OFFICE, STAFF, require
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.core.workflow import history_rows

router = APIRouter(
    prefix="/api/v1/contradictions", tags=["contradictions 矛盾比对"], dependencies=[Depends(reject_unknown_query)]
)
FlagId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RuleCodeParam = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
RESOLUTIONS = {"corrected": FlagStep.CORRECT, "not_contradiction": FlagStep.DISMISS}


@router.get(
    "/flags",
    dependencies=[Depends(require(STAFF))],
    response_model=Page[FlagOut],
    summary="Contradiction flags: the department's own queue, or all for the office and auditors (paginated)",
)
def list_flags(
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[FlagStatus | None, Query()] = None,
    rule: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[FlagOut]:
    request = PageRequest.checked(page, page_size)
    rows, total = service.page_flags(session, actor, status=status, rule=rule, page=request)
    return Page(items=[service.to_view(row) for row in rows], total=total, page=page, page_size=page_size)


@router.get(
    "/flags/{flag_id}",
    dependencies=[Depends(require(STAFF))],
    summary="One flag with both sides and its steps (its department, the office, auditors)",
)
def get_flag(flag_id: FlagId, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    row = service.get_flag(session, actor, flag_id)
    steps = history_rows(FLAG.steps_of(session, row.id))
    return {"flag": service.to_view(row).model_dump(mode="json"), "steps": steps}


@router.post(
    "/flags/{flag_id}/{resolution}",
    dependencies=[Depends(require(STAFF))],
    response_model=FlagOut,
    summary="Resolve a flag: corrected (确认有误已更正) or not_contradiction (不构成矛盾), with the reason",
)
def resolve(
    flag_id: FlagId,
    resolution: Annotated[str, Path(pattern=r"^(corrected|not_contradiction)$")],
    body: ResolveIn,
    session: DbSession,
    actor: CurrentActor,
) -> FlagOut:
    return service.to_view(service.resolve(session, actor, flag_id, RESOLUTIONS[resolution], body))


@router.get(
    "/queues",
    dependencies=[Depends(require(STAFF))],
    response_model=list[QueueCount],
    summary="Open, overdue and decided flags per department (a department sees its own line)",
)
def queues(session: DbSession, actor: CurrentActor) -> list[QueueCount]:
    return service.queue_counts(session, actor)


@router.get(
    "/rules",
    dependencies=[Depends(require(STAFF))],
    response_model=list[RuleOut],
    summary="The rule catalogue: each rule, whether it runs, its working days and parameters",
)
def list_rules(session: DbSession) -> list[RuleOut]:
    return service.list_rules(session)


@router.put(
    "/rules/{code}",
    dependencies=[Depends(require(OFFICE))],
    response_model=RuleOut,
    summary="Switch a rule on or off, set its working days and parameters (the credit office)",
)
def update_rule(code: RuleCodeParam, body: RuleIn, session: DbSession, actor: CurrentActor) -> RuleOut:
    return service.update_rule(session, actor, code, body)
