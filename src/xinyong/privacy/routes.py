"""HTTP API of the desensitisation rules (credit office): list, add, retire. Thin: the rules live in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from xinyong.core.actor import Actor
from xinyong.core.auth.access import OFFICE, require
from xinyong.core.http import DbSession, reject_unknown_query
from xinyong.privacy import service
from xinyong.privacy.models import PrivacyRule
from xinyong.privacy.schemas import RuleIn, RuleOut, RuleSetOut

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy 脱敏规则"], dependencies=[Depends(reject_unknown_query)])
RuleId = Annotated[int, Path(ge=1, le=2**62)]


def _out(row: PrivacyRule) -> RuleOut:
    return RuleOut(
        id=row.id,
        category=row.category,
        value=row.value,
        label=row.label,
        created_by=row.created_by,
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


@router.get(
    "/rules",
    dependencies=[Depends(require(OFFICE))],
    response_model=RuleSetOut,
    summary="Desensitisation rules added by the office (built-in rules apply besides)",
)
def rules(session: DbSession) -> RuleSetOut:
    rows = service.list_rules(session)
    return RuleSetOut(version=max((r.id for r in rows), default=0), rules=[_out(r) for r in rows])


@router.post("/rules", status_code=201, response_model=RuleOut, summary="Add a desensitisation rule (credit office)")
def add(data: RuleIn, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]) -> RuleOut:
    return _out(service.add_rule(session, actor, data.category.value, data.value, data.label))


@router.post("/rules/{rule_id}/retire", response_model=RuleOut, summary="Retire a desensitisation rule (credit office)")
def retire(rule_id: RuleId, session: DbSession, actor: Annotated[Actor, Depends(require(OFFICE))]) -> RuleOut:
    return _out(service.retire_rule(session, actor, rule_id))
