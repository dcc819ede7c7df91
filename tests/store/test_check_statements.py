"""The embedded check is the API's hot path: a regression guard on how many statements it sends (the count, not
the time, which is measured in bench/check.py). A clean or unknown entity costs one read and one insert; a listed
one adds the linked measures and the insert of the measures returned."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.honours import honoured
from tests.support.lists import at, listed
from xinyong.core.actor import Actor, Role
from xinyong.core.ids import make_uscc
from xinyong.punishment import service
from xinyong.punishment.schemas import CheckIn

SYSTEM = Actor(role=Role.BUSINESS_SYSTEM, id="api:9", name="政府采购系统")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    connection = session.connection()

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql.split(None, 1)[0].upper())

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", count)


def _check(session: Session, uscc: str) -> str:
    data = CheckIn.model_validate({"subject": {"uscc": uscc}, "scenario": "government_procurement", "purpose": "审查"})
    return service.run_check(session, SYSTEM, data).outcome


def test_a_clean_and_an_unknown_entity_cost_one_read_and_one_insert(seeded: Session) -> None:
    firm = builders.entity(seeded)
    _check(seeded, firm.uscc)  # the catalogue and list types exist from here on, as in a running platform
    seeded.flush()
    for uscc in (firm.uscc, make_uscc("9", "1", "360482", "77665544")):
        with statements(seeded) as sent:
            assert _check(seeded, uscc) == "clear"
        assert sent == ["SELECT", "INSERT"], sent


def test_a_listed_entity_adds_the_measures(seeded: Session) -> None:
    entry = listed(seeded)
    assert entry.subject_uscc is not None and entry.valid_from is not None
    at(entry.valid_from)
    _check(seeded, entry.subject_uscc)
    seeded.flush()
    with statements(seeded) as sent:
        assert _check(seeded, entry.subject_uscc) == "restricted"
    assert sent == ["SELECT", "SELECT", "INSERT", "INSERT"], sent


def test_an_honoured_entity_adds_the_incentives_and_nothing_for_others(seeded: Session) -> None:
    firm = builders.entity(seeded)
    honoured(seeded, firm.uscc, decision_date=builders.recent_day().isoformat())
    _check(seeded, firm.uscc)  # the incentive catalogue exists from here on
    seeded.flush()
    with statements(seeded) as sent:
        assert _check(seeded, firm.uscc) == "clear"
    assert sent == ["SELECT", "SELECT", "INSERT", "INSERT"], "one read with the honours, the linked incentives"
