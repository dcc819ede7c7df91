"""API tests call the real application; each request's session is the test's rolled-back session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.apps import app_for
from xinyong.core.actor import Actor
from xinyong.core.http import current_actor, request_session


@pytest.fixture
def as_actor(db: Session) -> Callable[[Actor], TestClient]:
    """A client acting as the given actor (authentication itself is tested where it is built)."""
    builders.departments(db)
    app = app_for()
    app.dependency_overrides[request_session] = lambda: db

    def client_for(actor: Actor) -> TestClient:
        app.dependency_overrides[current_actor] = lambda: actor
        return TestClient(app, raise_server_exceptions=False)

    return client_for


@pytest.fixture
def client(as_actor: Callable[[Actor], TestClient]) -> TestClient:
    return as_actor(Actor.public())
