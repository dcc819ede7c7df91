"""API keys found valid are remembered per process for XINYONG_API_KEY_CACHE_SECONDS (core.auth.service.KeyCache).

What must hold: a revocation through the platform bites at once; a revocation the process did not see (another
worker) bites within the cache's lifetime; only successes are remembered, so a wrong, unknown or revoked key is
refused every time; with the lifetime at 0 nothing is remembered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import update

from xinyong.app import create_app
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import BUSINESS_SYSTEM, require
from xinyong.core.auth.models import ApiClient
from xinyong.core.config import get_settings
from xinyong.core.db import Database

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office:test", name="信用办")
T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def app_client(committing_db: Database) -> Iterator[TestClient]:
    auth.API_KEYS.clear()
    clock.freeze(T0)
    app = create_app(committing_db, rate_limit_per_minute=0)

    @app.get("/t/who")
    def who(actor: Annotated[Actor, Depends(require(BUSINESS_SYSTEM))]) -> dict[str, str]:
        return {"id": actor.id, "role": actor.role.value}

    yield TestClient(app)
    auth.API_KEYS.clear()


def _key(database: Database) -> tuple[int, str]:
    with database.unit_of_work() as session:
        client, key = auth.create_api_client(
            session, OFFICE, name="政府采购系统", role=Role.BUSINESS_SYSTEM, department=None
        )
        return client.id, key


def _revoke_elsewhere(database: Database, client_id: int) -> None:
    """What another worker process's revocation looks like to this one: the row changes, this cache is not told."""
    with database.unit_of_work() as session:
        session.execute(update(ApiClient).where(ApiClient.id == client_id).values(revoked_at=clock.now()))


def _call(client: TestClient, key: str) -> int:
    return client.get("/t/who", headers={"Authorization": f"Bearer {key}"}).status_code


def test_a_revocation_elsewhere_bites_within_the_cache_lifetime(
    app_client: TestClient, committing_db: Database
) -> None:
    client_id, key = _key(committing_db)
    assert _call(app_client, key) == 200
    _revoke_elsewhere(committing_db, client_id)
    ttl = get_settings().api_key_cache_seconds
    assert ttl > 0
    clock.freeze(T0 + dt.timedelta(seconds=ttl / 2))
    assert _call(app_client, key) == 200, "remembered: within the lifetime the revocation is not yet seen"
    clock.freeze(T0 + dt.timedelta(seconds=ttl))
    assert _call(app_client, key) == 401, "the lifetime is over: the key is looked up again and refused"
    assert _call(app_client, key) == 401, "a refusal is never remembered as a success"


def test_a_revocation_through_the_platform_bites_at_once(app_client: TestClient, committing_db: Database) -> None:
    client_id, key = _key(committing_db)
    assert _call(app_client, key) == 200
    with committing_db.unit_of_work() as session:
        auth.revoke_api_client(session, OFFICE, client_id)
    assert _call(app_client, key) == 401


def test_only_the_exact_key_is_remembered(app_client: TestClient, committing_db: Database) -> None:
    _, key = _key(committing_db)
    assert _call(app_client, key) == 200
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    for bad in (tampered, key + "x", key.upper(), "xy_" + "0" * 8 + "_nope", "x" * 5000):
        assert _call(app_client, bad) == 401, bad
    assert _call(app_client, key) == 200


def test_lifetime_zero_remembers_nothing(
    app_client: TestClient, committing_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth.KeyCache, "ttl", staticmethod(lambda: 0.0))
    client_id, key = _key(committing_db)
    assert _call(app_client, key) == 200
    _revoke_elsewhere(committing_db, client_id)
    assert _call(app_client, key) == 401


def test_the_cache_stays_bounded() -> None:
    cache = auth.KeyCache()
    clock.freeze(T0)
    actor = Actor(role=Role.BUSINESS_SYSTEM, id="api:1", name="x")
    for n in range(auth.KeyCache.MAX_ENTRIES + 5):
        cache.put(f"xy_{n:08d}_k", actor)
    assert len(cache._found) <= auth.KeyCache.MAX_ENTRIES
    assert cache.get(f"xy_{auth.KeyCache.MAX_ENTRIES + 4:08d}_k") == actor
