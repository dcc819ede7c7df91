"""The one transition-table type (core.transitions): its check against a table written out by hand, and the rules
every procedure's table keeps."""

from __future__ import annotations

from enum import StrEnum

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden
from xinyong.core.transitions import (
    OFFICE,
    REVIEWERS,
    STAFF,
    SYSTEM,
    Opens,
    Parties,
    Transition,
    TransitionTable,
    Who,
)


class St(StrEnum):
    OPEN = "待办"
    PROPOSED = "待审核"
    DONE = "已办结"
    REFUSED = "已驳回"


class Sp(StrEnum):
    OPEN = "open"
    PROPOSE = "propose"
    DECIDE = "decide"
    ESCALATE = "escalate"


DEPT = Who(SYSTEM, STAFF, subject=False, refusal="only {department} ({step}, {status})")
REVIEWER = Who(own_department=REVIEWERS, refusal="reviewer of {department}")
TABLE: TransitionTable[Sp, St] = TransitionTable(
    name="demo:thing",
    subject_type="thing",
    statuses=St,
    transitions={
        Sp.OPEN: Transition(frozenset({None}), St.OPEN, Who(subject=True), opens=Opens("answer", 5)),
        Sp.PROPOSE: Transition(frozenset({St.OPEN}), St.PROPOSED, DEPT),
        Sp.DECIDE: Transition(
            frozenset({St.PROPOSED}), None, REVIEWER, second_person=True, outcomes=frozenset({St.DONE, St.REFUSED})
        ),
        Sp.ESCALATE: Transition(frozenset({St.OPEN, St.PROPOSED}), None, Who(SYSTEM), event="escalated"),
    },
)
PARTIES = Parties("SCJGJ", proposer_id="op-1", subject_uscc="91360482MA35XXXXXX")
ACTORS = {
    "operator": Actor(Role.DEPT_OPERATOR, "op-1", department_code="SCJGJ"),
    "reviewer": Actor(Role.DEPT_REVIEWER, "rev-1", department_code="SCJGJ"),
    "proposing_reviewer": Actor(Role.DEPT_REVIEWER, "op-1", department_code="SCJGJ"),
    "other_reviewer": Actor(Role.DEPT_REVIEWER, "rev-2", department_code="ZJJ"),
    "subject": Actor(Role.ENTITY, "ent-1", entity_uscc="91360482MA35XXXXXX"),
    "other_entity": Actor(Role.ENTITY, "ent-2", entity_uscc="91360482MA35YYYYYY"),
    "office": Actor(Role.CREDIT_OFFICE, "office-1"),
    "system": Actor.system("tick"),
    "public": Actor.public(),
}
# written out by hand, not derived from the table under test
MAY = {
    Sp.OPEN: {"subject"},
    Sp.PROPOSE: {"operator", "reviewer", "proposing_reviewer", "system"},
    Sp.DECIDE: {"reviewer"},
    Sp.ESCALATE: {"system"},
}
FROM: dict[Sp, set[St | None]] = {
    Sp.OPEN: {None},
    Sp.PROPOSE: {St.OPEN},
    Sp.DECIDE: {St.PROPOSED},
    Sp.ESCALATE: {St.OPEN, St.PROPOSED},
}


@given(
    step=st.sampled_from(list(Sp)),
    current=st.sampled_from([None, *St]),
    who=st.sampled_from(list(ACTORS)),
    outcome=st.sampled_from([None, *St]),
)
def test_check_answers_as_the_hand_written_table(step: Sp, current: St | None, who: str, outcome: St | None) -> None:
    actor = ACTORS[who]
    if who not in MAY[step]:
        with pytest.raises(Forbidden):
            TABLE.check(step, current, actor, PARTIES, outcome=outcome)
    elif current not in FROM[step]:
        with pytest.raises(Conflict):
            TABLE.check(step, current, actor, PARTIES, outcome=outcome)
    elif step is Sp.DECIDE and outcome not in (St.DONE, St.REFUSED):
        with pytest.raises(Conflict, match=r"outcome|处理结果"):
            TABLE.check(step, current, actor, PARTIES, outcome=outcome)
    else:
        expected = {Sp.OPEN: St.OPEN, Sp.PROPOSE: St.PROPOSED, Sp.DECIDE: outcome, Sp.ESCALATE: None}[step]
        assert TABLE.check(step, current, actor, PARTIES, outcome=outcome) is expected


@given(step=st.sampled_from(list(Sp)), current=st.sampled_from([None, *St]), who=st.sampled_from(list(ACTORS)))
def test_what_a_screen_offers_is_exactly_what_check_accepts(step: Sp, current: St | None, who: str) -> None:
    actor = ACTORS[who]
    offered = step in TABLE.allowed_for(current, actor, PARTIES)
    assume(step is not Sp.DECIDE)  # the decision also needs its outcome; covered above
    try:
        TABLE.check(step, current, actor, PARTIES)
        accepted = True
    except (Forbidden, Conflict):
        accepted = False
    assert offered is accepted


def test_rights_come_before_the_status_unless_the_table_says_otherwise() -> None:
    outsider = ACTORS["other_entity"]
    with pytest.raises(Forbidden, match="only SCJGJ \\(propose, 已办结\\)"):
        TABLE.check(Sp.PROPOSE, St.DONE, outsider, PARTIES)
    status_first = TransitionTable("demo:other", "thing", St, TABLE.transitions, rights_first=False)
    with pytest.raises(Conflict, match="已办结"):
        status_first.check(Sp.PROPOSE, St.DONE, outsider, PARTIES)


def test_the_proposer_never_decides_and_no_department_acts_for_another() -> None:
    with pytest.raises(Forbidden, match="proposer"):
        TABLE.check(Sp.DECIDE, St.PROPOSED, ACTORS["proposing_reviewer"], PARTIES, outcome=St.DONE)
    with pytest.raises(Forbidden, match="reviewer of SCJGJ"):
        TABLE.check(Sp.DECIDE, St.PROPOSED, ACTORS["other_reviewer"], PARTIES, outcome=St.DONE)
    no_department = Parties(None, subject_uscc=PARTIES.subject_uscc)
    with pytest.raises(Forbidden):
        TABLE.check(Sp.PROPOSE, St.OPEN, ACTORS["operator"], no_department)


def test_reading_the_table() -> None:
    assert TABLE.allowed(None) == [Sp.OPEN]
    assert TABLE.allowed(St.DONE) == []
    assert TABLE.allowed(St.PROPOSED) == [Sp.DECIDE, Sp.ESCALATE]
    assert TABLE.next_status(St.OPEN, Sp.ESCALATE) is St.OPEN
    assert TABLE.next_status(St.DONE, Sp.ESCALATE) is None
    assert TABLE.reachable() == {St.OPEN, St.PROPOSED, St.DONE, St.REFUSED}
    assert TABLE.event_of(Sp.ESCALATE) == "demo:thing:escalated"
    assert TABLE.event_of(Sp.PROPOSE) == "demo:thing:propose"
    assert TABLE.status_of("") is None and TABLE.status_of("待办") is St.OPEN
    assert {Role.CREDIT_OFFICE, Role.SYSTEM} == OFFICE
