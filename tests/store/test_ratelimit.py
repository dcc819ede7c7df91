"""Rate limiting: counting per caller and window, in process and in a real Redis, and the 429 answer."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
import redis
from fastapi.testclient import TestClient

from xinyong.app import create_app
from xinyong.core.db import Database
from xinyong.core.ratelimit import WINDOW_SECONDS, InProcessLimiter, LimiterUnavailable, RedisLimiter

REDIS_URL = os.environ.get("XINYONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0 * WINDOW_SECONDS

    def __call__(self) -> float:
        return self.now


def test_in_process_window_counts_and_resets() -> None:
    clock = FakeClock()
    limiter = InProcessLimiter(clock)
    verdicts = [limiter.hit("ip:1", limit=3) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert limiter.hit("ip:2", limit=3).allowed, "callers are counted separately"
    assert 1 <= verdicts[-1].retry_after <= WINDOW_SECONDS + 1
    clock.now += WINDOW_SECONDS
    assert limiter.hit("ip:1", limit=3).allowed, "a new window starts afresh"


def test_cost_weighs_exports() -> None:
    limiter = InProcessLimiter(FakeClock())
    assert limiter.hit("k", limit=10, cost=10).allowed
    assert not limiter.hit("k", limit=10, cost=1).allowed


def test_redis_limiter_shares_counts_between_instances() -> None:
    prefix = f"xinyong:test:{uuid.uuid4().hex}:"
    first, second = RedisLimiter(REDIS_URL, prefix=prefix), RedisLimiter(REDIS_URL, prefix=prefix)
    try:
        assert first.hit("ip:9", limit=2).allowed
        assert second.hit("ip:9", limit=2).allowed
        refused = first.hit("ip:9", limit=2)
        assert not refused.allowed and refused.remaining == 0
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_app_answers_429_with_retry_after(database: Database) -> None:
    app = create_app(database, limiter=InProcessLimiter(FakeClock()), rate_limit_per_minute=3)
    client = TestClient(app)
    statuses = [client.get("/api/v1/departments").status_code for _ in range(4)]
    assert statuses[:3] != [429, 429, 429] and statuses[3] == 429
    refused = client.get("/api/v1/departments")
    assert refused.json()["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/healthz").status_code != 429, "health checks are never limited"


def test_exports_and_feeds_weigh_more() -> None:
    from starlette.requests import Request

    from xinyong.core.ratelimit import cost_of

    def request(path: str, query: str = "") -> Request:
        return Request({"type": "http", "path": path, "query_string": query.encode(), "headers": []})

    assert cost_of(request("/api/v1/entities")) == 1
    assert cost_of(request("/api/v1/entities", "q=gqc")) == 2
    assert cost_of(request("/publicity/penalties.xlsx")) == 10
    assert cost_of(request("/api/v1/feeds/penalty", "format=jsonl")) == 10
    assert cost_of(request("/api/v1/feeds/license")) == 10


def test_the_app_counts_in_redis_across_its_processes(database: Database) -> None:
    prefix = f"xinyong:test:{uuid.uuid4().hex}:"
    try:
        apps = [create_app(database, limiter=RedisLimiter(REDIS_URL, prefix=prefix), rate_limit_per_minute=3)]
        apps.append(create_app(database, limiter=RedisLimiter(REDIS_URL, prefix=prefix), rate_limit_per_minute=3))
        clients = [TestClient(app) for app in apps]
        statuses = [clients[n % 2].get("/api/v1/departments").status_code for n in range(4)]
        assert statuses[:3] == [200, 200, 200] and statuses[3] == 429, "two processes, one count"
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_an_unreachable_redis_lets_requests_through_and_says_so_once(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    dead = RedisLimiter("redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(LimiterUnavailable):
        dead.hit("ip:1", limit=3)
    app = create_app(database, limiter=dead, rate_limit_per_minute=1)
    client = TestClient(app)
    with caplog.at_level(logging.ERROR, logger="xinyong.ratelimit"):
        statuses = [client.get("/api/v1/departments").status_code for _ in range(5)]
    assert statuses == [200] * 5, "the platform stays up while its rate-limit store is down"
    reports = [r for r in caplog.records if r.name == "xinyong.ratelimit"]
    assert len(reports) == 1 and "let through" in reports[0].getMessage()
