"""Accounts, sessions and API keys on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient, User
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, Unauthorized

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
GOOD = "Gongqing-2020!"


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _user(session: Session, username: str = "zhangmin", role: Role = Role.DEPT_OPERATOR, **extra: str) -> User:
    if role in (Role.DEPT_OPERATOR, Role.DEPT_REVIEWER):
        extra.setdefault("department", "SCJGJ")
    return auth.create_user(session, OFFICE, username=username, display_name="张敏", role=role, password=GOOD, **extra)


def test_password_is_hashed_and_login_works(seeded: Session) -> None:
    user = _user(seeded)
    assert GOOD not in user.password_hash and user.password_hash.startswith("$argon2")
    assert auth.authenticate(seeded, "ZhangMin", GOOD).id == user.id
    with pytest.raises(Unauthorized):
        auth.authenticate(seeded, "zhangmin", "wrong-password-1A")
    with pytest.raises(Unauthorized) as unknown:
        auth.authenticate(seeded, "nobody", GOOD)
    assert "wrong username or password" in unknown.value.message


def test_lockout_after_five_failures(seeded: Session) -> None:
    _user(seeded)
    clock.freeze(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    for _ in range(auth.LOCK_AFTER):
        with pytest.raises(Unauthorized):
            auth.authenticate(seeded, "zhangmin", "Wrong-password-1")
    with pytest.raises(Unauthorized) as locked:
        auth.authenticate(seeded, "zhangmin", GOOD)
    assert "locked" in locked.value.message
    clock.freeze(dt.datetime(2026, 3, 2, 1, 20, tzinfo=dt.UTC))
    assert auth.authenticate(seeded, "zhangmin", GOOD).username == "zhangmin"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "Bad Name!"}, "username"),
        ({"password": "short1A!"}, "password"),
        ({"password": "alllowercaseletters"}, "password"),
        ({"password": "x" * 300}, "password"),
        ({"role": Role.DEPT_OPERATOR, "department": None}, "department"),
        ({"role": Role.AUDITOR, "department": "SCJGJ"}, "department"),
        ({"role": Role.ENTITY, "department": None}, "entity_uscc"),
        ({"role": Role.ENTITY, "department": None, "entity_uscc": "91360482MA35G3R20X"}, "entity_uscc"),
        ({"role": Role.PUBLIC, "department": None}, "role"),
        ({"display_name": " "}, "display_name"),
    ],
)
def test_bad_account_input_names_the_field(seeded: Session, changes: dict[str, object], field: str) -> None:
    data: dict[str, object] = {
        "username": "lisi",
        "display_name": "李四",
        "role": Role.DEPT_OPERATOR,
        "password": GOOD,
        "department": "SCJGJ",
    }
    data.update(changes)
    with pytest.raises(InvalidInput) as bad:
        auth.create_user(seeded, OFFICE, **data)  # type: ignore[arg-type]
    assert bad.value.field == field


def test_only_the_office_manages_accounts_and_names_are_unique(seeded: Session) -> None:
    _user(seeded)
    with pytest.raises(Conflict):
        _user(seeded)
    with pytest.raises(Forbidden):
        auth.create_user(
            seeded, builders.operator(), username="x1x", display_name="x", role=Role.AUDITOR, password=GOOD
        )


def test_session_lifecycle_and_disable(seeded: Session) -> None:
    user = _user(seeded)
    started = auth.start_session(seeded, user)
    assert auth.resolve_session(seeded, started.token) is not None
    assert auth.resolve_session(seeded, started.token + "x") is None
    clock.freeze(started.expires_at + dt.timedelta(seconds=1))
    assert auth.resolve_session(seeded, started.token) is None, "expired"
    clock.freeze(None)
    again = auth.start_session(seeded, user)
    auth.set_active(seeded, OFFICE, user.username, False)
    assert auth.resolve_session(seeded, again.token) is None, "disabling ends sessions"


def test_api_key_is_hashed_scoped_and_revocable(seeded: Session) -> None:
    client, key = auth.create_api_client(
        seeded, OFFICE, name="市场监管局数据报送", role=Role.DEPT_OPERATOR, department="SCJGJ"
    )
    stored = seeded.execute(select(ApiClient.key_hash)).scalar_one()
    assert key not in stored
    found = auth.resolve_api_key(seeded, key)
    assert found is not None and auth.actor_for_client(found).department_code == "SCJGJ"
    assert auth.resolve_api_key(seeded, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert auth.resolve_api_key(seeded, "xy_nothing") is None
    auth.revoke_api_client(seeded, OFFICE, client.id)
    assert auth.resolve_api_key(seeded, key) is None
    actions = seeded.execute(select(audit.AuditEvent.action)).scalars().all()
    assert {"auth:api_client:created", "auth:api_client:revoked"} <= set(actions)


def test_department_client_needs_a_department(seeded: Session) -> None:
    with pytest.raises(InvalidInput):
        auth.create_api_client(seeded, OFFICE, name="x", role=Role.DEPT_OPERATOR, department=None)
    with pytest.raises(InvalidInput):
        auth.create_api_client(seeded, OFFICE, name="x", role=Role.AUDITOR, department=None)


def test_the_standard_cost_is_argon2id_with_64_mib_and_a_light_hash_is_upgraded(
    seeded: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    light = _user(seeded, "lightuser").password_hash  # the suite's cost (tests/conftest.py)
    monkeypatch.setattr(get_settings(), "argon2_cost", "standard")
    standard = _user(seeded, "standarduser").password_hash
    assert standard.startswith("$argon2id$") and "m=65536,t=3,p=4" in standard
    assert "m=65536" not in light
    assert auth.authenticate(seeded, "lightuser", GOOD).id  # a light hash still opens, and is rehashed at sign-in
    rehashed = seeded.scalars(select(User.password_hash).where(User.username == "lightuser")).one()
    assert "m=65536,t=3,p=4" in rehashed
