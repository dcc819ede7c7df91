"""The office's holiday table on SQLite and PostgreSQL: overrides, declared years, rights and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit
from xinyong.core import calendar as office
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.periods import deadline_to_act

D = dt.date
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="u-office", name="信用办")
NOTICE = "国务院办公厅关于2027年部分节假日安排的通知（测试）"


def _events(session: Session, action: str) -> list[audit.AuditEvent]:
    return list(session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == action)))


def test_empty_table_gives_the_builtin_calendar(db: Session) -> None:
    cal = office.load_calendar(db)
    assert cal.add_working_days(D(2020, 9, 25), 7).date == D(2020, 10, 12)
    assert cal.is_working_day(D(2027, 2, 8)).provisional


def test_office_holiday_changes_2027_and_declaring_the_year_makes_it_certain(db: Session) -> None:
    # Monday 2027-02-08 (初三): a statutory holiday computed, provisional; 补假 2/9–2/10 for the weekend's 初一, 初二.
    before = office.load_calendar(db)
    assert (before.is_working_day(D(2027, 2, 8)).working, before.is_working_day(D(2027, 2, 8)).name) == (False, "春节")
    assert before.add_working_days(D(2027, 2, 5), 1).date == D(2027, 2, 11)

    for day in range(6, 13):
        office.set_day(db, OFFICE, D(2027, 2, day), False, "春节", note="测试数据")
    office.set_day(db, OFFICE, D(2027, 2, 20), True, "调休上班")

    after = office.load_calendar(db)
    assert after is not before  # the cached calendar was dropped by the change
    day = after.is_working_day(D(2027, 2, 8))
    assert (day.working, day.name, day.provisional) == (False, "春节", True)
    moved = after.add_working_days(D(2027, 2, 5), 1)
    assert moved.date == D(2027, 2, 15)
    assert moved.provisional
    assert after.is_working_day(D(2027, 2, 20)).working

    row = office.declare_year(db, OFFICE, 2027, NOTICE)
    assert row.complete
    certain = office.load_calendar(db)
    assert not certain.add_working_days(D(2027, 2, 5), 1).provisional
    assert certain.add_working_days(D(2027, 2, 5), 1).date == D(2027, 2, 15)
    deadline = deadline_to_act(D(2027, 1, 7), months=1, calendar=certain)
    assert (deadline.date, deadline.provisional) == (D(2027, 2, 15), False)
    # 2028 is still unknown.
    assert certain.is_working_day(D(2028, 1, 3)).provisional

    declared = _events(db, "core:calendar_year:declared")
    assert len(declared) == 1
    assert declared[0].subject_id == "2027"
    assert declared[0].payload["source"] == NOTICE
    assert declared[0].payload["holidays_entered"] == 7
    assert declared[0].actor_id == "u-office"
    assert audit.verify(db).ok


def test_set_day_upserts_and_audits_the_previous_value(db: Session) -> None:
    first = office.set_day(db, OFFICE, D(2027, 10, 1), False, "国庆节")
    assert first.created_by == "u-office"
    assert first.updated_at is None
    second = office.set_day(db, Actor.system("loader"), D(2027, 10, 1), False, "国庆节、中秋节", note="更正")
    assert second.date == D(2027, 10, 1)
    assert second.name == "国庆节、中秋节"
    assert second.created_by == "u-office"
    assert second.updated_by == "loader"
    assert [d.date for d in office.list_days(db, 2027)] == [D(2027, 10, 1)]

    events = _events(db, "core:calendar_day:set")
    assert [e.subject_id for e in events] == ["2027-10-01", "2027-10-01"]
    assert events[0].payload["previous"] is None
    assert events[1].payload["previous"]["name"] == "国庆节"
    assert events[1].payload["name"] == "国庆节、中秋节"
    assert events[1].payload["note"] == "更正"
    assert office.load_calendar(db).is_working_day(D(2027, 10, 1)).name == "国庆节、中秋节"


def test_office_correction_overrides_chinesecalendar(db: Session) -> None:
    assert office.load_calendar(db).is_working_day(D(2020, 10, 10)).working
    office.set_day(db, OFFICE, D(2020, 10, 10), False, "更正（测试）")
    result = office.load_calendar(db).is_working_day(D(2020, 10, 10))
    assert (result.working, result.provisional) == (False, False)


def test_remove_day(db: Session) -> None:
    office.set_day(db, OFFICE, D(2027, 5, 6), False, "劳动节")
    assert not office.load_calendar(db).is_working_day(D(2027, 5, 6)).working
    office.remove_day(db, OFFICE, D(2027, 5, 6), reason="录错")
    assert office.load_calendar(db).is_working_day(D(2027, 5, 6)).working
    removed = _events(db, "core:calendar_day:removed")
    assert len(removed) == 1
    assert removed[0].payload["name"] == "劳动节"
    assert removed[0].payload["reason"] == "录错"
    with pytest.raises(NotFound):
        office.remove_day(db, OFFICE, D(2027, 5, 3))


def test_withdraw_year(db: Session) -> None:
    office.set_day(db, OFFICE, D(2027, 1, 1), False, "元旦")
    office.declare_year(db, OFFICE, 2027, NOTICE)
    assert not office.load_calendar(db).is_working_day(D(2027, 1, 1)).provisional
    office.withdraw_year(db, OFFICE, 2027, "通知有误")
    assert office.load_calendar(db).is_working_day(D(2027, 1, 1)).provisional
    assert len(_events(db, "core:calendar_year:withdrawn")) == 1


def test_declaring_a_year_without_holidays_is_refused(db: Session) -> None:
    with pytest.raises(Conflict) as refused:
        office.declare_year(db, OFFICE, 2028, NOTICE)
    assert refused.value.field == "year"
    office.set_day(db, OFFICE, D(2028, 1, 29), True, "调休上班")  # a make-up day alone is not enough
    with pytest.raises(Conflict):
        office.declare_year(db, OFFICE, 2028, NOTICE)
    assert _events(db, "core:calendar_year:declared") == []


@pytest.mark.parametrize(
    "actor",
    [
        Actor(role=Role.DEPT_OPERATOR, id="u-dept", department_code="SCJGJ"),
        Actor(role=Role.DEPT_REVIEWER, id="u-rev", department_code="SCJGJ"),
        Actor(role=Role.AUDITOR, id="u-aud"),
        Actor.public(),
    ],
)
def test_only_the_office_may_change_the_calendar(db: Session, actor: Actor) -> None:
    with pytest.raises(Forbidden):
        office.set_day(db, actor, D(2027, 2, 8), False, "春节")
    with pytest.raises(Forbidden):
        office.declare_year(db, actor, 2027, NOTICE)
    with pytest.raises(Forbidden):
        office.remove_day(db, actor, D(2027, 2, 8))
    assert office.list_days(db, 2027) == []
    assert db.scalars(select(audit.AuditEvent)).all() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "节" * 65}, "name"),
        ({"date": D(2300, 1, 1)}, "date"),
        ({"is_workday": "yes"}, "is_workday"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_bad_days_are_refused(db: Session, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"date": D(2027, 2, 8), "is_workday": False, "name": "春节"} | kwargs
    with pytest.raises(InvalidInput) as refused:
        office.set_day(db, OFFICE, **args)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_bad_years_are_refused(db: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        office.declare_year(db, OFFICE, 3000, NOTICE)
    assert refused.value.field == "year"
    with pytest.raises(InvalidInput) as no_source:
        office.declare_year(db, OFFICE, 2027, " ")
    assert no_source.value.field == "source"


def test_cache_is_dropped_when_a_savepoint_rolls_back(db: Session) -> None:
    savepoint = db.begin_nested()
    office.set_day(db, OFFICE, D(2027, 3, 1), False, "测试")
    assert not office.load_calendar(db).is_working_day(D(2027, 3, 1)).working
    savepoint.rollback()
    assert office.load_calendar(db).is_working_day(D(2027, 3, 1)).working
