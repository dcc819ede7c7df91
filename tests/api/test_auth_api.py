"""Real credentials over HTTP: API keys, session cookies, CSRF (no actor override here)."""

from __future__ import annotations

from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import SIGNED_IN, require
from xinyong.core.http import SESSION_COOKIE, request_session, sign_session_token
from xinyong.records import service as records

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")


def _app(db: Session) -> TestClient:
    builders.departments(db)
    app = create_app()
    app.dependency_overrides[request_session] = lambda: db

    @app.post("/test-only/echo", dependencies=[Depends(require(SIGNED_IN))])
    def echo() -> dict[str, str]:
        return {"ok": "yes"}

    return TestClient(app, raise_server_exceptions=False)


def test_department_key_sees_its_own_unpublished_records(db: Session) -> None:
    client = _app(db)
    made = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, disclosure="不公开"))
    _, key = auth.create_api_client(db, OFFICE, name="市监局", role=Role.DEPT_OPERATOR, department="SCJGJ")
    url = f"/api/v1/entities/{made.uscc}/records"
    assert client.get(url).json()["total"] == 0
    assert client.get(url, headers={"Authorization": f"Bearer {key}"}).json()["total"] == 1


def test_bad_or_revoked_key_is_401_not_public(db: Session) -> None:
    client = _app(db)
    made = builders.entity(db)
    the_client, key = auth.create_api_client(db, OFFICE, name="采购", role=Role.BUSINESS_SYSTEM, department=None)
    url = f"/api/v1/entities/{made.uscc}"
    assert client.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    for header in ("Bearer xy_deadbeef_nope", "Basic abc", "Bearer ", "Bearer " + "x" * 5000):
        answer = client.get(url, headers={"Authorization": header})
        assert answer.status_code == 401, header
    auth.revoke_api_client(db, OFFICE, the_client.id)
    assert client.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_cookie_session_and_csrf(db: Session) -> None:
    client = _app(db)
    user = auth.create_user(
        db, OFFICE, username="wangfang", display_name="王芳", role=Role.AUDITOR, password="Gongqing-2020!"
    )
    started = auth.start_session(db, user)
    assert client.post("/test-only/echo").status_code == 401
    client.cookies.set(SESSION_COOKIE, sign_session_token(started.token))
    refused = client.post("/test-only/echo")
    assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
    assert client.post("/test-only/echo", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    ok = client.post("/test-only/echo", headers={"X-CSRF-Token": started.csrf_token})
    assert ok.status_code == 200
    form = client.post("/test-only/echo", data={"csrf_token": started.csrf_token})
    assert form.status_code == 200
    client.cookies.set(SESSION_COOKIE, started.token)  # unsigned: ignored, so the caller is the public
    assert client.post("/test-only/echo", headers={"X-CSRF-Token": started.csrf_token}).status_code == 401
