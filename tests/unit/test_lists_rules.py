"""The listing procedure's transition table, checked exhaustively, and the dates it computes (req §3.8)."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.core.workdays import WorkCalendar, builtin_calendar
from xinyong.lists.rules import (
    DEFAULT_TYPES,
    TRANSITIONS,
    EntryStatus,
    KeyField,
    Parties,
    Step,
    Term,
    allowed_steps,
    check_step,
    describe_months,
    in_force,
    may_decide,
    may_exit_early,
    statement_deadline,
    term_ended,
    validity,
)

SUBJECT = "91360482MA35XXXXXX"
PARTIES = Parties(department="SCJGJ", proposer_id="rev-p", subject_uscc=SUBJECT)

ACTORS: dict[str, Actor] = {
    "operator": Actor(Role.DEPT_OPERATOR, "op-1", department_code="SCJGJ"),
    "reviewer": Actor(Role.DEPT_REVIEWER, "rev-1", department_code="SCJGJ"),
    "reviewer_who_proposed": Actor(Role.DEPT_REVIEWER, "rev-p", department_code="SCJGJ"),
    "other_operator": Actor(Role.DEPT_OPERATOR, "op-2", department_code="ZJJ"),
    "other_reviewer": Actor(Role.DEPT_REVIEWER, "rev-2", department_code="ZJJ"),
    "party": Actor(Role.ENTITY, "ent-1", entity_uscc=SUBJECT),
    "other_entity": Actor(Role.ENTITY, "ent-2", entity_uscc="91360482MA35YYYYYY"),
    "office": Actor(Role.CREDIT_OFFICE, "office-1"),
    "auditor": Actor(Role.AUDITOR, "aud-1"),
    "business": Actor(Role.BUSINESS_SYSTEM, "biz-1"),
    "public": Actor.public(),
    "system": Actor.system("tick"),
}

DEPARTMENT_SIDE = {"operator", "reviewer", "reviewer_who_proposed"}
# Who may take each step, written out by hand (not derived from the table under test).
MAY: dict[Step, set[str]] = {
    Step.PROPOSE: DEPARTMENT_SIDE | {"system"},
    Step.NOTIFY: DEPARTMENT_SIDE | {"system"},
    Step.STATE: DEPARTMENT_SIDE | {"party"},
    Step.DECIDE: {"reviewer"},  # a second person: never the proposer, never the platform
    Step.DECLINE: {"reviewer", "reviewer_who_proposed"},
    Step.PUBLISH: DEPARTMENT_SIDE | {"system"},
    Step.EXPIRE: {"system"},
    Step.EXIT_EARLY: {"reviewer", "reviewer_who_proposed"},
    Step.REVOKE: {"reviewer", "reviewer_who_proposed"},
}
S = EntryStatus
FROM: dict[Step, set[EntryStatus | None]] = {
    Step.PROPOSE: {None},
    Step.NOTIFY: {S.PROPOSED},
    Step.STATE: {S.NOTIFIED},
    Step.DECIDE: {S.NOTIFIED, S.STATED},
    Step.DECLINE: {S.PROPOSED, S.NOTIFIED, S.STATED},
    Step.PUBLISH: {S.DECIDED},
    Step.EXPIRE: {S.PUBLISHED},
    Step.EXIT_EARLY: {S.PUBLISHED},
    Step.REVOKE: {S.DECIDED, S.PUBLISHED},
}
TO: dict[Step, EntryStatus] = {
    Step.PROPOSE: S.PROPOSED,
    Step.NOTIFY: S.NOTIFIED,
    Step.STATE: S.STATED,
    Step.DECIDE: S.DECIDED,
    Step.DECLINE: S.DECLINED,
    Step.PUBLISH: S.PUBLISHED,
    Step.EXPIRE: S.EXITED,
    Step.EXIT_EARLY: S.EXITED,
    Step.REVOKE: S.REVOKED,
}
STATUSES: list[EntryStatus | None] = [None, *EntryStatus]


def test_the_table_is_the_one_written_down() -> None:
    assert set(TRANSITIONS) == set(Step)
    for step, transition in TRANSITIONS.items():
        assert set(transition.sources) == FROM[step], step
        assert transition.target is TO[step], step


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("status", STATUSES, ids=lambda s: str(s))
@pytest.mark.parametrize("who", list(ACTORS))
def test_every_step_from_every_status_by_every_actor(step: Step, status: EntryStatus | None, who: str) -> None:
    actor = ACTORS[who]
    if who not in MAY[step]:
        with pytest.raises(Forbidden):
            check_step(step, status, actor, PARTIES)
    elif status not in FROM[step]:
        with pytest.raises(Conflict):
            check_step(step, status, actor, PARTIES)
    else:
        assert check_step(step, status, actor, PARTIES) is TO[step]


def test_the_proposer_can_never_approve_their_own_proposal() -> None:
    with pytest.raises(Forbidden, match="proposer"):
        check_step(Step.DECIDE, S.NOTIFIED, ACTORS["reviewer_who_proposed"], PARTIES)


def test_another_department_touches_nothing() -> None:
    for step in Step:
        for who in ("other_operator", "other_reviewer"):
            with pytest.raises(Forbidden):
                check_step(step, next(iter(FROM[step])), ACTORS[who], PARTIES)


def test_final_statuses_allow_nothing() -> None:
    for status in (S.DECLINED, S.EXITED, S.REVOKED):
        assert allowed_steps(status) == []
    assert allowed_steps(None) == [Step.PROPOSE]
    assert set(allowed_steps(S.PUBLISHED)) == {Step.EXPIRE, Step.EXIT_EARLY, Step.REVOKE}


# ---------------------------------------------------------------- dates


def test_statement_window_counts_working_days_across_national_day_2024() -> None:
    # Notice on Friday 2024-09-27: Sun 09-29 is a make-up working day, 10-01..10-07 are holidays.
    deadline = statement_deadline(dt.date(2024, 9, 27), 5, builtin_calendar(), "严重失信主体名单")
    assert deadline.date == dt.date(2024, 10, 10)
    assert not deadline.provisional
    assert "5 个工作日" in deadline.rule and "2024-09-27" in deadline.rule
    assert not may_decide(dt.date(2024, 10, 10), deadline.date, waived=False)
    assert may_decide(dt.date(2024, 10, 11), deadline.date, waived=False)
    assert may_decide(dt.date(2024, 9, 28), deadline.date, waived=True)


def test_statement_window_in_an_unknown_year_is_provisional() -> None:
    deadline = statement_deadline(dt.date(2031, 9, 26), 5, WorkCalendar(), "x")
    assert deadline.provisional
    assert "2031" in deadline.rule


def test_statement_window_must_be_sane() -> None:
    with pytest.raises(InvalidInput) as caught:
        statement_deadline(dt.date(2024, 9, 27), 0, builtin_calendar(), "x")
    assert caught.value.field == "statement_window_days"


def test_no_decision_without_a_notice() -> None:
    assert not may_decide(dt.date(2024, 10, 11), None, waived=False)


def test_serious_list_term_and_early_exit() -> None:
    valid = validity(dt.date(2024, 10, 11), Term(36), 12, "严重失信主体名单")
    assert valid.valid_from == dt.date(2024, 10, 11)
    assert valid.valid_to == dt.date(2027, 10, 11)
    assert valid.earliest_exit_on == dt.date(2025, 10, 12)
    assert "2027-10-11" in valid.rule and "2025-10-12" in valid.rule
    assert not may_exit_early(dt.date(2025, 10, 11), valid.earliest_exit_on)
    assert may_exit_early(dt.date(2025, 10, 12), valid.earliest_exit_on)
    assert in_force(valid.valid_from, valid.valid_to, dt.date(2027, 10, 11))
    assert not in_force(valid.valid_from, valid.valid_to, dt.date(2027, 10, 12))
    assert not in_force(valid.valid_from, valid.valid_to, dt.date(2024, 10, 10))
    assert not term_ended(valid.valid_to, dt.date(2027, 10, 11))
    assert term_ended(valid.valid_to, dt.date(2027, 10, 12))


def test_term_ends_on_the_months_last_day_when_it_has_no_corresponding_day() -> None:
    valid = validity(dt.date(2024, 2, 29), Term(12), 3, "x")
    assert valid.valid_to == dt.date(2025, 2, 28)
    assert valid.earliest_exit_on == dt.date(2024, 5, 30)


def test_permanent_ban_never_ends_and_never_exits_early() -> None:
    valid = validity(dt.date(2024, 10, 11), Term(None, permanent=True), None, "市场和行业禁入")
    assert valid.valid_to is None
    assert valid.earliest_exit_on is None
    assert "永久" in valid.rule
    assert in_force(valid.valid_from, valid.valid_to, dt.date(2199, 1, 1))
    assert not term_ended(None, dt.date(2199, 1, 1))
    assert not may_exit_early(dt.date(2199, 1, 1), None)


def test_early_exit_later_than_the_term_means_none() -> None:
    assert validity(dt.date(2024, 1, 10), Term(6), 12, "x").earliest_exit_on is None


@pytest.mark.parametrize(("months", "permanent"), [(None, False), (0, False), (1201, False), (12, True)], ids=str)
def test_bad_terms_are_refused(months: int | None, permanent: bool) -> None:
    with pytest.raises(InvalidInput) as caught:
        Term(months, permanent)
    assert caught.value.field == "duration_months"


def test_describe_months() -> None:
    assert describe_months(36) == "3年"
    assert describe_months(18) == "1年6个月"
    assert describe_months(6) == "6个月"
    assert Term(None, True).describe() == "永久"


def test_default_types() -> None:
    by_code = {t.code: t for t in DEFAULT_TYPES}
    assert set(by_code) == {"serious", "watch", "market_ban"}
    serious = by_code["serious"]
    assert serious.term == Term(36) and serious.earliest_exit_months == 12
    assert serious.binds_responsible_persons and serious.record_kind == "serious_dishonesty"
    assert set(by_code["watch"].key_fields) == {k.value for k in KeyField}
    assert by_code["market_ban"].term_adjustable
    assert all(t.statement_window_days == 5 for t in DEFAULT_TYPES)
