"""Contradiction flags' service API (what routes, the console, the tick and other areas call).

- ``sweep_contradictions(session, actor, today)`` — the tick's sweep (``raising``); ``run_rules(session, actor,
  today, scope)`` — the catalogue over some entities now (a change-driven check).
- ``page_flags`` / ``get_flag`` — the queue: a department sees the flags routed to it, the office and auditors all.
- ``resolve(session, actor, flag_id, step, data)`` — 确认有误已更正 / 不构成矛盾 with a reason, through the workflow.
- ``list_rules`` / ``update_rule`` — the catalogue the office edits (audited).
Services flush, never commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, case, false, func, select, true
from sqlalchemy.orm import Session

from xinyong.contradictions.models import FLAG, ContradictionFlag, ContradictionRule
from xinyong.contradictions.raising import SweepOut, ensure_rules, run_rules, sweep_contradictions
from xinyong.contradictions.rules import DEFAULTS_BY_CODE, TABLE, FlagStatus, FlagStep, check_params
from xinyong.contradictions.schemas import FlagOut, QueueCount, ResolveIn, RuleIn, RuleOut
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import Department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.core.workflow import Parties, StepView, history

__all__ = [
    "SweepOut",
    "ensure_rules",
    "get_flag",
    "list_rules",
    "page_flags",
    "queue_counts",
    "resolve",
    "run_rules",
    "steps_of",
    "sweep_contradictions",
    "to_view",
    "update_rule",
]

FIRST_PAGE = PageRequest()
_OFFICE = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.sees_everything:
        return true()
    if actor.is_department:
        return ContradictionFlag.department == (actor.department_code or "")
    return false()


def to_view(row: ContradictionFlag) -> FlagOut:
    return FlagOut.model_validate(row, from_attributes=True)


def page_flags(
    session: Session,
    actor: Actor,
    *,
    status: FlagStatus | None = None,
    rule: str | None = None,
    department: str | None = None,
    page: PageRequest = FIRST_PAGE,
) -> tuple[list[ContradictionFlag], int]:
    """One page of the flags the actor may see (open ones first by deadline, then the newest), and how many."""
    if rule is not None and rule not in DEFAULTS_BY_CODE:
        raise InvalidInput(f"unknown rule {rule!r} (无此比对规则)", field="rule")
    condition = _visible(actor)
    if status is not None:
        condition = and_(condition, ContradictionFlag.status == status.value)
    if rule is not None:
        condition = and_(condition, ContradictionFlag.rule_code == rule)
    if department is not None:
        condition = and_(condition, ContradictionFlag.department == department)
    total = session.scalar(select(func.count()).select_from(ContradictionFlag).where(condition)) or 0
    order = (
        case((ContradictionFlag.status == FlagStatus.OPEN.value, 0), else_=1),
        ContradictionFlag.deadline,
        ContradictionFlag.id.desc(),
    )
    rows = session.scalars(
        select(ContradictionFlag).where(condition).order_by(*order).offset(page.offset).limit(page.page_size)
    )
    return list(rows), int(total)


def get_flag(session: Session, actor: Actor, flag_id: int) -> ContradictionFlag:
    """One flag for its department, the office and auditors (else 404: another department's flag looks missing)."""
    row = session.scalar(select(ContradictionFlag).where(ContradictionFlag.id == flag_id, _visible(actor)))
    if row is None:
        raise NotFound(f"no flag {flag_id} (未找到该矛盾线索)", field="flag_id")
    return row


def resolve(session: Session, actor: Actor, flag_id: int, step: FlagStep, data: ResolveIn) -> ContradictionFlag:
    """确认有误已更正 (``correct``) or 不构成矛盾 (``dismiss``) with the reason: the responsible department's staff or
    the office. The data itself is corrected, if at all, through the areas' own procedures; a flag changes none."""
    if step not in (FlagStep.CORRECT, FlagStep.DISMISS):
        raise Conflict("flags are raised and lapse by the sweep (由系统比对生成)", field="step")
    row = get_flag(session, actor, flag_id)
    parties = Parties(row.department, subject_uscc=row.uscc)
    TABLE.require(step, TABLE.status_of(row.status), actor, parties)
    row.decided_by, row.reason, row.open_key = actor.id, data.reason, None
    FLAG.advance(
        session,
        actor,
        row,
        step,
        parties=parties,
        reason=data.reason,
        details={"rule": row.rule_code, "pair": row.pair_key},
    )
    return row


def steps_of(session: Session, row: ContradictionFlag) -> list[StepView]:
    """The flag's steps for a screen (办理过程): who did what, when, with which reason."""
    return history(session, FLAG, row.id)


def queue_counts(session: Session, actor: Actor, today: dt.date | None = None) -> list[QueueCount]:
    """Per department: open flags, open ones past their deadline, decided ones (the office's overview)."""
    today = today or clock.today()
    f = ContradictionFlag
    is_open = f.status == FlagStatus.OPEN.value
    rows = session.execute(
        select(
            f.department,
            Department.full_name,
            func.count().filter(is_open),
            func.count().filter(is_open, f.deadline < today),
            func.count().filter(f.status.in_([FlagStatus.CORRECTED.value, FlagStatus.NOT_CONTRADICTION.value])),
        )
        .join(Department, Department.code == f.department)
        .where(_visible(actor))
        .group_by(f.department, Department.full_name)
        .order_by(f.department)
    )
    return [QueueCount(department=d, department_name=n, open=o, overdue=x, resolved=r) for d, n, o, x, r in rows]


def list_rules(session: Session) -> list[RuleOut]:
    """The catalogue: stored rows, and any rule the code knows but the table lacks with its defaults (not written)."""
    rows = {row.code: row for row in session.scalars(select(ContradictionRule))}
    out = []
    for code, default in DEFAULTS_BY_CODE.items():
        row = rows.get(code)
        if row is not None:
            out.append(RuleOut.model_validate(row, from_attributes=True))
        else:
            out.append(
                RuleOut(
                    code=code,
                    name=default.name,
                    description=default.description,
                    enabled=True,
                    deadline_days=default.deadline_days,
                    params=dict(default.params),
                    updated_by="system:seed",
                    updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                )
            )
    return out


def update_rule(session: Session, actor: Actor, code: str, data: RuleIn) -> RuleOut:
    """Switch a rule on or off, set its working days and parameters (the credit office; audited)."""
    if actor.role not in _OFFICE:
        raise Forbidden("only the credit office edits the rules (仅信用办可设置比对规则)")
    if code not in DEFAULTS_BY_CODE:
        raise NotFound(f"no rule {code!r} (无此比对规则)", field="code")
    try:
        params = check_params(code, data.params)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="params") from exc
    row = ensure_rules(session)[code]
    before = {"enabled": row.enabled, "deadline_days": row.deadline_days, "params": dict(row.params or {})}
    row.enabled, row.deadline_days, row.params = data.enabled, data.deadline_days, params
    row.updated_by, row.updated_at = actor.id, clock.now()
    session.flush()
    after = {"enabled": row.enabled, "deadline_days": row.deadline_days, "params": params}
    audit.record(
        session, actor, "contradictions:rule:updated", "contradiction_rule", code, {"from": before, "to": after}
    )
    return RuleOut.model_validate(row, from_attributes=True)
