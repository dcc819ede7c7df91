"""The objection procedure's transition table, tested exhaustively against a table written out by hand."""

from __future__ import annotations

import itertools

import pytest

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden
from xinyong.core.transitions import Parties
from xinyong.objections.rules import (
    TABLE,
    Action,
    ObjectionStatus,
    department_in_charge,
    escalation_outcome,
    next_status,
)

S = ObjectionStatus
EXPECTED = {
    (None, Action.FILE): S.ACCEPTED,
    (S.ACCEPTED, Action.FORWARD): S.FORWARDED,
    (S.ACCEPTED, Action.PROPOSE): S.PROPOSED,
    (S.ACCEPTED, Action.ESCALATE): S.ACCEPTED,  # a step choosing its result: ``next_status`` keeps the status
    (S.FORWARDED, Action.PROPOSE): S.PROPOSED,
    (S.FORWARDED, Action.ESCALATE): S.FORWARDED,
    (S.ESCALATED, Action.FORWARD): S.FORWARDED,
    (S.ESCALATED, Action.PROPOSE): S.PROPOSED,
    (S.PROPOSED, Action.DECIDE): S.RESOLVED,
    (S.PROPOSED, Action.RETURN): S.PROPOSED,
    (S.PROPOSED, Action.ESCALATE): S.PROPOSED,
}
OFFICE = Actor(Role.CREDIT_OFFICE, "office-1")
REVIEWER = Actor(Role.DEPT_REVIEWER, "rev-1", department_code="SCJGJ")
OPERATOR = Actor(Role.DEPT_OPERATOR, "op-1", department_code="SCJGJ")
OTHER_REVIEWER = Actor(Role.DEPT_REVIEWER, "rev-2", department_code="ZJJ")
ENTITY = Actor(Role.ENTITY, "ent-1", entity_uscc="91360482MA35XXXXXX")


def test_every_status_and_action() -> None:
    for status, action in itertools.product([None, *ObjectionStatus], Action):
        assert next_status(status, action) == EXPECTED.get((status, action)), (status, action)  # type: ignore[arg-type]


def _parties(status: ObjectionStatus, proposer: str | None = None, proposed_from: S | None = None) -> Parties:
    department = department_in_charge(status, "SCJGJ", proposed_from)
    return Parties(department, proposer_id=proposer, subject_uscc="91360482MA35XXXXXX")


def test_who_may_act() -> None:
    accepted, forwarded, escalated, proposed = S.ACCEPTED, S.FORWARDED, S.ESCALATED, S.PROPOSED
    assert TABLE.check(Action.PROPOSE, accepted, OFFICE, _parties(accepted)) is S.PROPOSED
    with pytest.raises(Forbidden):  # before forwarding the source department takes no part
        TABLE.check(Action.PROPOSE, accepted, REVIEWER, _parties(accepted))
    for staff in (OPERATOR, REVIEWER):  # once forwarded (or escalated) its operator or reviewer proposes
        assert TABLE.check(Action.PROPOSE, forwarded, staff, _parties(forwarded)) is S.PROPOSED
        assert TABLE.check(Action.PROPOSE, escalated, staff, _parties(escalated)) is S.PROPOSED
    for outsider in (OTHER_REVIEWER, ENTITY):
        with pytest.raises(Forbidden):
            TABLE.check(Action.PROPOSE, forwarded, outsider, _parties(forwarded))
    # the department's proposal: its reviewer decides, never the proposer, never an operator
    by_operator = _parties(proposed, OPERATOR.id, forwarded)
    assert TABLE.check(Action.DECIDE, proposed, REVIEWER, by_operator) is S.RESOLVED
    assert TABLE.check(Action.DECIDE, proposed, OFFICE, by_operator) is S.RESOLVED
    for outsider in (OPERATOR, OTHER_REVIEWER, ENTITY):
        with pytest.raises(Forbidden):
            TABLE.check(Action.DECIDE, proposed, outsider, by_operator)
    with pytest.raises(Forbidden, match="拟办人不得审核本人的拟办意见"):
        TABLE.check(Action.DECIDE, proposed, REVIEWER, _parties(proposed, REVIEWER.id, forwarded))
    with pytest.raises(Forbidden, match="拟办人不得审核本人的拟办意见"):
        TABLE.check(Action.RETURN, proposed, REVIEWER, _parties(proposed, REVIEWER.id, forwarded), outcome=forwarded)
    # the office's own proposal: another member of the office decides; the department takes no part
    by_office = _parties(proposed, OFFICE.id, accepted)
    with pytest.raises(Forbidden, match="拟办人不得审核本人的拟办意见"):
        TABLE.check(Action.DECIDE, proposed, OFFICE, by_office)
    assert TABLE.check(Action.DECIDE, proposed, Actor(Role.CREDIT_OFFICE, "office-2"), by_office) is S.RESOLVED
    with pytest.raises(Forbidden):
        TABLE.check(Action.DECIDE, proposed, REVIEWER, by_office)
    assert TABLE.check(Action.RETURN, proposed, REVIEWER, by_operator, outcome=forwarded) is S.FORWARDED
    with pytest.raises(Conflict):  # a return goes back to where the proposal was made, not to 已办结
        TABLE.check(Action.RETURN, proposed, REVIEWER, by_operator, outcome=S.RESOLVED)
    with pytest.raises(Conflict):  # the status is checked first: a decided objection takes nothing
        TABLE.check(Action.DECIDE, S.RESOLVED, OFFICE, _parties(S.RESOLVED))
    with pytest.raises(Conflict):  # a decision needs a proposal
        TABLE.check(Action.DECIDE, forwarded, OFFICE, _parties(forwarded))
    with pytest.raises(Forbidden):
        TABLE.check(Action.ESCALATE, accepted, OFFICE, _parties(accepted), outcome=escalated)
    system = Actor.system("tick")
    assert TABLE.check(Action.ESCALATE, forwarded, system, _parties(forwarded), outcome=escalated) is S.ESCALATED
    assert escalation_outcome(forwarded) is S.ESCALATED and escalation_outcome(proposed) is S.PROPOSED
    assert TABLE.check(Action.FILE, None, ENTITY, Parties(None, subject_uscc=ENTITY.entity_uscc)) is S.ACCEPTED
    with pytest.raises(Forbidden):
        TABLE.check(Action.FILE, None, ENTITY, Parties(None, subject_uscc="91360482MA35YYYYYY"))
    assert TABLE.event_of(Action.FILE) == "objections:objection:filed"
    assert TABLE.event_of(Action.DECIDE) == "objections:objection:resolved"
    assert TABLE.label("resolve") == "处理决定", "objections decided before the two-person rule keep their label"
