"""The objection procedure's transition table, tested exhaustively against a table written out by hand."""

from __future__ import annotations

import itertools

import pytest

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden
from xinyong.core.transitions import Parties
from xinyong.objections.rules import TABLE, Action, ObjectionStatus, department_in_charge, next_status

S = ObjectionStatus
EXPECTED = {
    (None, Action.FILE): S.ACCEPTED,
    (S.ACCEPTED, Action.FORWARD): S.FORWARDED,
    (S.ACCEPTED, Action.RESOLVE): S.RESOLVED,
    (S.ACCEPTED, Action.ESCALATE): S.ESCALATED,
    (S.FORWARDED, Action.RESOLVE): S.RESOLVED,
    (S.FORWARDED, Action.ESCALATE): S.ESCALATED,
    (S.ESCALATED, Action.FORWARD): S.FORWARDED,
    (S.ESCALATED, Action.RESOLVE): S.RESOLVED,
}
OFFICE = Actor(Role.CREDIT_OFFICE, "office-1")
REVIEWER = Actor(Role.DEPT_REVIEWER, "rev-1", department_code="SCJGJ")
OPERATOR = Actor(Role.DEPT_OPERATOR, "op-1", department_code="SCJGJ")
OTHER_REVIEWER = Actor(Role.DEPT_REVIEWER, "rev-2", department_code="ZJJ")
ENTITY = Actor(Role.ENTITY, "ent-1", entity_uscc="91360482MA35XXXXXX")


def test_every_status_and_action() -> None:
    for status, action in itertools.product([None, *ObjectionStatus], Action):
        assert next_status(status, action) == EXPECTED.get((status, action)), (status, action)  # type: ignore[arg-type]


def _parties(status: ObjectionStatus) -> Parties:
    return Parties(department_in_charge(status, "SCJGJ"), subject_uscc="91360482MA35XXXXXX")


def test_who_may_act() -> None:
    accepted, forwarded, escalated = S.ACCEPTED, S.FORWARDED, S.ESCALATED
    assert TABLE.check(Action.RESOLVE, accepted, OFFICE, _parties(accepted)) is S.RESOLVED
    with pytest.raises(Forbidden):  # before forwarding the source department does not decide
        TABLE.check(Action.RESOLVE, accepted, REVIEWER, _parties(accepted))
    assert TABLE.check(Action.RESOLVE, forwarded, REVIEWER, _parties(forwarded)) is S.RESOLVED
    assert TABLE.check(Action.RESOLVE, escalated, REVIEWER, _parties(escalated)) is S.RESOLVED
    for outsider in (OTHER_REVIEWER, OPERATOR, ENTITY):
        with pytest.raises(Forbidden):
            TABLE.check(Action.RESOLVE, forwarded, outsider, _parties(forwarded))
    with pytest.raises(Conflict):  # the status is checked first: a decided objection takes nothing
        TABLE.check(Action.RESOLVE, S.RESOLVED, OFFICE, _parties(S.RESOLVED))
    with pytest.raises(Forbidden):
        TABLE.check(Action.ESCALATE, accepted, OFFICE, _parties(accepted))
    assert TABLE.check(Action.ESCALATE, forwarded, Actor.system("tick"), _parties(forwarded)) is S.ESCALATED
    assert TABLE.check(Action.FILE, None, ENTITY, Parties(None, subject_uscc=ENTITY.entity_uscc)) is S.ACCEPTED
    with pytest.raises(Forbidden):
        TABLE.check(Action.FILE, None, ENTITY, Parties(None, subject_uscc="91360482MA35YYYYYY"))
    assert TABLE.event_of(Action.FILE) == "objections:objection:filed"
