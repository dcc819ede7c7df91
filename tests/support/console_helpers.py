"""Helpers for console tests over real sessions: sign in through the login form, read tokens from pages."""

from __future__ import annotations

import re

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.apps import app_for
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.http import request_session

PASSWORD = "Gongqing-2020!"
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
HTML = {"Accept": "text/html,application/xhtml+xml"}


def console_client(db: Session, base_url: str = "http://testserver") -> TestClient:
    """The real application (real credentials, no actor override) on the test's rolled-back session."""
    builders.departments(db)
    app = app_for()
    app.dependency_overrides[request_session] = lambda: db
    return TestClient(app, raise_server_exceptions=False, base_url=base_url, follow_redirects=False)


def make_user(
    db: Session, username: str, role: Role, department: str | None = None, display_name: str = "张敏"
) -> User:
    return auth.create_user(
        db,
        OFFICE,
        username=username,
        display_name=display_name,
        role=role,
        password=PASSWORD,
        department=department,
    )


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return found.group(1)


def post_login(client: TestClient, username: str, password: str = PASSWORD, next_path: str = "") -> httpx2.Response:
    form = client.get("/console/login", headers=HTML)
    assert form.status_code == 200
    data = {"login_token": hidden(form.text, "login_token"), "username": username, "password": password}
    if next_path:
        data["next"] = next_path
    return client.post("/console/login", data=data, headers=HTML)


def sign_in(client: TestClient, username: str) -> str:
    """Sign in and return the session's CSRF token (as the pages carry it)."""
    answer = post_login(client, username)
    assert answer.status_code == 303, answer.text
    page = client.get("/console", headers=HTML, follow_redirects=True)  # an enterprise user lands on 我的信用
    assert page.status_code == 200
    return hidden(page.text, "csrf_token")
