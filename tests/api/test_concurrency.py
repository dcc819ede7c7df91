"""Concurrent users on one server (issue 23, item 2): the real application served by Uvicorn in a thread, on each
database, driven by threads — searches, right and wrong logins, uploads and checks at once answer no 5xx. On SQLite
this failed with "database is locked" with 2–4 concurrent requests (a transaction that read and then wrote could
not upgrade its lock)."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import httpx2
import pytest
import uvicorn
from sqlalchemy import func, select

from tests.support import builders
from xinyong.app import create_app
from xinyong.core.db import Database
from xinyong.records.models import Batch


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "mix.py"
    spec = importlib.util.spec_from_file_location("bench_mix", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mix = _bench()


@pytest.fixture
def served(committing_db: Database) -> Iterator[str]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        for n in range(5):
            builders.entity(session, name=f"共青城第{n}号商贸有限公司")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = create_app(committing_db, rate_limit_per_minute=0)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_mixed_crowd_gets_no_server_error(served: str, committing_db: Database) -> None:
    credentials = mix.prepare(committing_db, 8)
    tally = mix.run(served, credentials, clients=8, requests_per_client=10)
    assert sum(tally.kinds.values()) == 80
    assert tally.server_errors == [], tally.server_errors
    assert set(tally.kinds) >= {"search_csv", "login_wrong", "upload", "check"}, tally.kinds
    assert {"200", "201", "303", "401"} >= set(tally.statuses) - {"303"}, tally.statuses
    with committing_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == tally.kinds["upload"]


def test_the_issues_reproduction_concurrent_exports_and_wrong_logins(served: str, committing_db: Database) -> None:
    """``seq 12 | xargs -P4 curl /search.csv?q=共青`` and 20 concurrent wrong logins with a right one among them."""
    credentials = mix.prepare(committing_db, 1)

    def export(_: int) -> int:
        return httpx2.get(f"{served}/search.csv", params={"q": "共青"}, timeout=60).status_code

    def login(index: int) -> int:
        with httpx2.Client(base_url=served, timeout=60) as client:
            token = mix._login_token(client)
            right = index == 10
            data = {
                "login_token": token,
                "username": credentials.users[0] if right else credentials.decoy,
                "password": mix.PASSWORD if right else "wrong",
            }
            return client.post("/console/login", data=data, headers=mix.HTML).status_code

    with ThreadPoolExecutor(4) as pool:
        exports = list(pool.map(export, range(12)))
    assert exports == [200] * 12
    with ThreadPoolExecutor(20) as pool:
        logins = list(pool.map(login, range(21)))
    assert logins[10] == 303, "the right password among wrong ones signs in"
    assert set(logins[:10] + logins[11:]) == {401}, logins


def test_catalogues_are_seeded_at_startup_not_on_a_read(committing_db: Database) -> None:
    """Lazy seeding on a first read raced between concurrent first requests; the server seeds when it starts."""
    from fastapi.testclient import TestClient

    from xinyong.evaluation.models import EvaluationModel
    from xinyong.lists.models import ListType
    from xinyong.punishment.models import Measure

    tables = (ListType, Measure, EvaluationModel)
    with committing_db.unit_of_work() as session:
        assert [session.scalar(select(func.count()).select_from(t)) for t in tables] == [0, 0, 0]
    with TestClient(create_app(committing_db)) as client:
        assert client.get("/healthz").status_code == 200
        with committing_db.unit_of_work() as session:
            assert all(session.scalar(select(func.count()).select_from(t)) for t in tables)
