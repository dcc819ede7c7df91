"""Rate limits key on who the caller *verifiably* is: a made-up session cookie or API key is counted under the client
address like any anonymous call (it never opens a fresh bucket); a verified session counts per user, a verified key
per client. Sign-in attempts are limited per account and per address. Proxy headers are believed only from
configured proxies. In process and in a real Redis."""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from tests.support import builders
from tests.support.console_helpers import make_user, post_login
from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.config import Settings
from xinyong.core.http import SESSION_COOKIE, request_session
from xinyong.core.ratelimit import (
    WINDOW_SECONDS,
    InProcessLimiter,
    Limiter,
    RateLimits,
    RedisLimiter,
    client_address,
)

REDIS_URL = os.environ.get("XINYONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0 * WINDOW_SECONDS + 1

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[Limiter]:
    if request.param == "memory":
        yield InProcessLimiter(FakeClock())
        return
    prefix = f"xinyong:test:{uuid.uuid4().hex}:"
    yield RedisLimiter(REDIS_URL, prefix=prefix, clock=FakeClock())  # a fixed window: a slow run cannot cross one
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def _client(db: Session, limits: RateLimits) -> TestClient:
    builders.departments(db)
    app = create_app(rate_limits=limits)
    app.dependency_overrides[request_session] = lambda: db
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def test_random_session_cookies_share_the_address_bucket(db: Session, limiter: Limiter) -> None:
    client = _client(db, RateLimits(limiter, 5))
    statuses = []
    for _ in range(12):
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, secrets.token_urlsafe(16))
        statuses.append(client.get("/api/v1/departments").status_code)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 7, statuses
    refused = client.get("/api/v1/departments")
    assert refused.json()["error"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0


def test_made_up_api_keys_share_the_address_bucket(db: Session, limiter: Limiter) -> None:
    client = _client(db, RateLimits(limiter, 3))
    statuses = [
        client.get("/api/v1/entities", headers={"Authorization": f"Bearer xy_{secrets.token_hex(4)}_nope"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401, 401, 401, 429, 429, 429], statuses


def test_verified_callers_count_on_their_own(db: Session, limiter: Limiter) -> None:
    """An address that has spent its allowance anonymously still serves a signed-in user and a department key,
    each counted under its own name; their own allowance runs out in turn."""
    client = _client(db, RateLimits(limiter, 4, login_per_account=100, login_per_address=100))
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    _, key = auth.create_api_client(db, OFFICE, name="市场监管局归集", role=Role.DEPT_OPERATOR, department="SCJGJ")
    signed_in = post_login(client, "zhangmin")  # two anonymous requests: the form and the post
    assert signed_in.status_code == 303
    session_cookie = client.cookies.get(SESSION_COOKIE)
    client.cookies.clear()
    anonymous = [client.get("/api/v1/departments").status_code for _ in range(3)]
    assert anonymous == [200, 200, 429], "the form, the login and two reads spend the address's four"
    as_key = [
        client.get("/api/v1/departments", headers={"Authorization": f"Bearer {key}"}).status_code for _ in range(5)
    ]
    assert as_key == [200, 200, 200, 200, 429]
    client.cookies.set(SESSION_COOKIE, session_cookie)
    as_user = [client.get("/api/v1/departments").status_code for _ in range(5)]
    assert as_user == [200, 200, 200, 200, 429]


def test_sign_in_attempts_are_limited_per_account_and_per_address(db: Session, limiter: Limiter) -> None:
    client = _client(db, RateLimits(limiter, 1000, login_per_account=3, login_per_address=5))
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    tries = [post_login(client, "zhangmin", "Wrong-password-1") for _ in range(4)]
    assert [t.status_code for t in tries] == [401, 401, 401, 429]
    assert "登录尝试过于频繁" in tries[3].text and int(tries[3].headers["Retry-After"]) > 0
    counted = db.scalar(select(User.failed_logins).where(User.username == "zhangmin"))
    assert counted == 3, "the refused attempt never reached the password"
    others = [post_login(client, f"user{n}", "Wrong-password-1").status_code for n in range(3)]
    assert others == [401, 429, 429], "the address has spent its five"


def _request(peer: str, headers: dict[str, str]) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "path": "/", "headers": raw, "client": (peer, 5000), "query_string": b""})


def test_forwarded_headers_are_believed_only_from_trusted_proxies() -> None:
    spoof = {"X-Forwarded-For": "1.2.3.4", "X-Real-IP": "5.6.7.8"}
    assert client_address(_request("203.0.113.9", spoof), trusted=()) == "203.0.113.9"
    assert client_address(_request("203.0.113.9", spoof), trusted=("10.0.0.0/8",)) == "203.0.113.9"
    proxied = {"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 10.0.0.6"}
    assert client_address(_request("10.0.0.5", proxied), trusted=("10.0.0.0/8",)) == "198.51.100.7", (
        "read from the right, skipping trusted hops; what the client wrote on the left is not believed"
    )
    assert client_address(_request("10.0.0.5", {"X-Real-IP": "198.51.100.8"}), trusted=("10.0.0.0/8",)) == (
        "198.51.100.8"
    )
    broken = {"X-Forwarded-For": "not-an-address, 10.0.0.6"}
    assert client_address(_request("10.0.0.5", broken), trusted=("10.0.0.0/8",)) == "10.0.0.6"
    assert client_address(_request("10.0.0.5", {}), trusted=("10.0.0.0/8",)) == "10.0.0.5"


def test_a_spoofed_forwarded_for_does_not_open_a_bucket(db: Session) -> None:
    client = _client(db, RateLimits(InProcessLimiter(FakeClock()), 3))
    statuses = [
        client.get("/api/v1/departments", headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_trusted_proxies_must_be_networks() -> None:
    with pytest.raises(ValueError, match="XINYONG_TRUSTED_PROXIES"):
        Settings(trusted_proxies=["10.0.0.0/33"])
    assert Settings(trusted_proxies=["10.0.0.5", "fd00::/8"]).trusted_proxies == ["10.0.0.5", "fd00::/8"]


def test_the_portal_sign_in_is_limited_per_account_too(db: Session) -> None:
    client = _client(db, RateLimits(InProcessLimiter(FakeClock()), 1000, login_per_account=2, login_per_address=50))
    answers = []
    for _ in range(3):
        form = client.get("/login", headers={"Accept": "text/html"})
        token = re.search(r'name="form_token" value="([^"]*)"', form.text)
        assert token, form.text[:300]
        data = {"form_token": token.group(1), "login": "91360405MA35ZZZZ0X", "password": "Wrong-password-1"}
        answers.append(client.post("/login", data=data, headers={"Accept": "text/html"}))
    assert [a.status_code for a in answers[:2]] != [429, 429] and answers[2].status_code == 429
    assert "登录尝试过于频繁" in answers[2].text and int(answers[2].headers["Retry-After"]) > 0
