"""Using an API key never waits for another request of the same client: the once-a-minute ``last_used_at`` stamp
is skipped while another transaction holds the client's row (this used to block the event loop and deadlock the
server under concurrent checks)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient
from xinyong.core.db import Database

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


def test_a_busy_client_row_is_not_waited_for(committing_db: Database) -> None:
    if committing_db.dialect != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer")
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        client, key = auth.create_api_client(
            session, OFFICE, name="政府采购系统", role=Role.BUSINESS_SYSTEM, department=None
        )
    holder = committing_db.sessions()
    try:
        holder.execute(select(ApiClient).where(ApiClient.id == client.id).with_for_update())  # another request
        with committing_db.unit_of_work() as session:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            found = auth.resolve_api_key(session, key)  # would raise LockNotAvailable if it waited
            assert found is not None and found.id == client.id
            assert found.last_used_at is None, "skipped while busy"
    finally:
        holder.rollback()
        holder.close()
    with committing_db.unit_of_work() as session:
        assert auth.resolve_api_key(session, key) is not None
    with committing_db.unit_of_work() as session:
        stamped = session.get(ApiClient, client.id)
        assert stamped is not None and stamped.last_used_at is not None
        assert clock.now() - stamped.last_used_at < dt.timedelta(minutes=1)
