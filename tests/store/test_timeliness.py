"""双公示 timeliness per department and month, across the 2020 National Day holiday, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.apps import app_for
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.periods import month_bounds
from xinyong.records import service, timeliness

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="o")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime(2020, 10, 20, 2, tzinfo=dt.UTC))
    return db


def _decision(session: Session, uscc: str, decided: dt.date, published: dt.date | None, **extra: object) -> None:
    service.upsert_record(
        session,
        builders.SYSTEM,
        builders.penalty(uscc, decision_date=decided, received_date=decided, published_date=published, **extra),
    )


def test_on_time_rate_across_national_day_2020(seeded: Session) -> None:
    made = builders.entity(seeded)
    # deadline of a 2020-09-25 decision is 2020-10-12 (27 Sep and 10 Oct are make-up working days)
    _decision(seeded, made.uscc, dt.date(2020, 9, 25), dt.date(2020, 10, 12))  # on time, on the deadline
    _decision(seeded, made.uscc, dt.date(2020, 9, 25), dt.date(2020, 10, 13))  # late by one day
    _decision(seeded, made.uscc, dt.date(2020, 9, 30), dt.date(2020, 10, 10))  # on time (Saturday worked)
    _decision(seeded, made.uscc, dt.date(2020, 9, 28), None, disclosure="公开")  # never published: overdue
    figures = timeliness.department_month(seeded, OFFICE, "SCJGJ", "2020-09", dt.date(2020, 10, 20))
    assert (figures.decisions, figures.on_time, figures.late, figures.overdue) == (4, 2, 1, 1)
    assert figures.on_time_rate == pytest.approx(2 / 4)
    assert figures.alerts[0]["status"] == "已逾期未公示"
    assert not figures.provisional
    assert 0 < (figures.completeness or 0) <= 1


def test_due_soon_alert_and_department_scope(seeded: Session) -> None:
    made = builders.entity(seeded)
    clock.freeze(dt.datetime(2020, 10, 9, 2, tzinfo=dt.UTC))
    _decision(seeded, made.uscc, dt.date(2020, 9, 25), None)
    figures = timeliness.department_month(seeded, builders.operator("SCJGJ"), "SCJGJ", "2020-09", dt.date(2020, 10, 9))
    assert figures.due_soon == 1 and figures.alerts[0]["deadline"] == "2020-10-12"
    with pytest.raises(Forbidden):
        timeliness.department_month(seeded, builders.operator("SWJ"), "SCJGJ", "2020-09", dt.date(2020, 10, 9))
    own = timeliness.overview(seeded, builders.operator("SWJ"), "2020-09", dt.date(2020, 10, 9))
    assert [f.department for f in own] == ["SWJ"]
    assert len(timeliness.overview(seeded, OFFICE, "2020-09", dt.date(2020, 10, 9))) == 47
    with pytest.raises(InvalidInput):
        month_bounds("2020-13")


def test_api(seeded: Session) -> None:
    from fastapi.testclient import TestClient

    from xinyong.core.http import current_actor, request_session

    made = builders.entity(seeded)
    _decision(seeded, made.uscc, dt.date(2020, 9, 25), dt.date(2020, 10, 12))
    app = app_for()
    app.dependency_overrides[request_session] = lambda: seeded
    app.dependency_overrides[current_actor] = lambda: builders.operator("SCJGJ")
    client = TestClient(app)
    own = client.get("/api/v1/timeliness", params={"month": "2020-09"}).json()
    assert [(f["department"], f["on_time"]) for f in own] == [("SCJGJ", 1)]
    assert client.get("/api/v1/timeliness", params={"month": "2020-09", "department": "SWJ"}).status_code == 403
    bad = client.get("/api/v1/timeliness", params={"month": "2020-9x"})
    assert bad.status_code == 422 and bad.json()["field"] == "month"
