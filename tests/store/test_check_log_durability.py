"""XINYONG_CHECK_LOG_DURABLE: by default a check's log row is on disk before the answer leaves (the commit waits
for the WAL flush); the office may choose, for checks only, that PostgreSQL answers first (synchronous_commit off for
that one transaction). Either way the check is stored, and nothing else changes its durability."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.punishment import service
from xinyong.punishment.models import Check
from xinyong.punishment.schemas import CheckIn

SYSTEM = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")


@pytest.fixture
def settings_reset() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _sync_commit(session: Session) -> str | None:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return str(session.execute(text("SHOW synchronous_commit")).scalar_one())


def _check(session: Session) -> int:
    builders.departments(session)
    made = builders.entity(session)
    data = CheckIn.model_validate(
        {"subject": {"uscc": made.uscc}, "scenario": "government_procurement", "purpose": "采购项目资格审查"}
    )
    return service.run_check(session, SYSTEM, data).check_id


def test_by_default_the_check_commits_durably(db: Session, settings_reset: None) -> None:
    assert get_settings().check_log_durable is True
    before = _sync_commit(db)
    check_id = _check(db)
    assert _sync_commit(db) == before, "the default leaves the transaction's durability alone"
    assert db.scalar(select(Check.id).where(Check.id == check_id)) == check_id


def test_the_office_may_let_checks_answer_before_the_flush(
    db: Session, settings_reset: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_CHECK_LOG_DURABLE", "false")
    get_settings.cache_clear()
    check_id = _check(db)
    if db.get_bind().dialect.name == "postgresql":
        assert _sync_commit(db) == "off", "for the check's own transaction only (SET LOCAL)"
    assert db.scalar(select(Check.id).where(Check.id == check_id)) == check_id


def test_the_choice_ends_with_the_checks_transaction(
    committing_db: Database, settings_reset: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_CHECK_LOG_DURABLE", "false")
    get_settings.cache_clear()
    with committing_db.unit_of_work() as session:
        before = _sync_commit(session)
        _check(session)
    for _ in range(3):  # whichever pooled connection comes next, it is back to the server's setting
        with committing_db.unit_of_work() as session:
            assert _sync_commit(session) == before
