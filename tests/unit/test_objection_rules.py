"""The objection state machine as data, tested exhaustively."""

from __future__ import annotations

import itertools

from xinyong.core.actor import Role
from xinyong.objections.rules import TRANSITIONS, Action, ObjectionStatus, may_act, next_status


def test_every_status_and_action() -> None:
    expected = {
        (ObjectionStatus.ACCEPTED, Action.FORWARD): ObjectionStatus.FORWARDED,
        (ObjectionStatus.ACCEPTED, Action.RESOLVE): ObjectionStatus.RESOLVED,
        (ObjectionStatus.ACCEPTED, Action.ESCALATE): ObjectionStatus.ESCALATED,
        (ObjectionStatus.FORWARDED, Action.RESOLVE): ObjectionStatus.RESOLVED,
        (ObjectionStatus.FORWARDED, Action.ESCALATE): ObjectionStatus.ESCALATED,
        (ObjectionStatus.ESCALATED, Action.FORWARD): ObjectionStatus.FORWARDED,
        (ObjectionStatus.ESCALATED, Action.RESOLVE): ObjectionStatus.RESOLVED,
    }
    for status, action in itertools.product(ObjectionStatus, Action):
        assert next_status(status, action) == expected.get((status, action)), (status, action)
    assert expected == TRANSITIONS


def test_who_may_act() -> None:
    accepted, forwarded = ObjectionStatus.ACCEPTED, ObjectionStatus.FORWARDED
    assert may_act(accepted, Action.RESOLVE, Role.CREDIT_OFFICE, own_department=False)
    assert not may_act(accepted, Action.RESOLVE, Role.DEPT_REVIEWER, own_department=True)
    assert may_act(forwarded, Action.RESOLVE, Role.DEPT_REVIEWER, own_department=True)
    assert not may_act(forwarded, Action.RESOLVE, Role.DEPT_REVIEWER, own_department=False)
    assert not may_act(forwarded, Action.RESOLVE, Role.DEPT_OPERATOR, own_department=True)
    assert not may_act(forwarded, Action.RESOLVE, Role.ENTITY, own_department=False)
    assert not may_act(ObjectionStatus.RESOLVED, Action.RESOLVE, Role.CREDIT_OFFICE, own_department=False)
    assert not may_act(accepted, Action.ESCALATE, Role.CREDIT_OFFICE, own_department=False)
