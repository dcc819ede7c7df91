"""One application per test process and database.

FastAPI builds each route's dependency state lazily, on an application's first request (≈ 470 routes: seconds of
CPU), so a new application per test cost more than most tests. Fixtures take the process's application for their
database here; each call forgets the previous test's dependency overrides. A test that changes the application
itself (adds a route, other rate limits, settings read at start) builds its own with ``create_app``.
"""

from __future__ import annotations

from fastapi import FastAPI

from xinyong.app import create_app
from xinyong.core.db import Database

_APPS: dict[int, tuple[Database | None, FastAPI]] = {}


def app_for(database: Database | None = None) -> FastAPI:
    """The process's application for ``database`` (None: the one settings name), with no dependency overrides."""
    held = _APPS.get(id(database))
    if held is None or held[0] is not database:
        held = _APPS[id(database)] = (database, create_app(database))
    app = held[1]
    app.dependency_overrides.clear()
    return app
