"""The publicity-expiry sweep: penalties go offline the day after their maximum period, once, with the rule named."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.records import service
from xinyong.records.sweep import expire_publicity

SYSTEM = Actor.system("tick")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="o")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def test_general_penalty_expires_after_one_year(seeded: Session) -> None:
    clock.freeze(dt.datetime(2025, 1, 10, 2, tzinfo=dt.UTC))
    made = builders.entity(seeded)
    created, _ = service.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2024, 1, 31), severity="一般")
    )
    # 2024-01-31 + 1 year ends 2025-01-31 (shown through that day); offline from 2025-02-01
    assert expire_publicity(seeded, SYSTEM, dt.date(2025, 1, 31)).expired == 0
    result = expire_publicity(seeded, SYSTEM, dt.date(2025, 2, 1))
    assert result.expired == 1
    shown = service.get_record(seeded, OFFICE, created.record_id)
    assert shown.status == "已过期" and "2025-01-31" in (shown.change_reason or "")
    assert expire_publicity(seeded, SYSTEM, dt.date(2025, 2, 2)).expired == 0, "idempotent"
    assert service.records_of_entity(seeded, Actor.public(), made.uscc)[1] == 0


def test_serious_and_old_regime(seeded: Session) -> None:
    clock.freeze(dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC))
    made = builders.entity(seeded)
    serious_2024, _ = service.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2024, 5, 6), severity="严重")
    )
    minor_2026, _ = service.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2026, 7, 15), severity="轻微")
    )
    result = expire_publicity(seeded, SYSTEM, dt.date(2026, 11, 1))
    assert result.expired == 1, "轻微 max 3 months: 2026-07-15 → ends 2026-10-15; 严重 max 3 years still shown"
    assert service.get_record(seeded, OFFICE, minor_2026.record_id).status == "已过期"
    assert service.get_record(seeded, OFFICE, serious_2024.record_id).status == "有效"
