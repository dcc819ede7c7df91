"""No blocking work on the event loop (issue 21): while a slow batch upload is being ingested, ``/healthz`` of the same
worker still answers within 100 ms. The real application is served by Uvicorn in a thread; the ingestion is made
slow by a blocking sleep in front of it (the stand-in for a long file), so the test measures the loop, not the CPU.

A control route doing the same blocking sleep inside an ``async def`` shows the probe would catch the fault: there
``/healthz`` waits for the sleep to end.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI

from tests.support import builders
from xinyong.app import create_app
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database
from xinyong.core.ids import make_uscc
from xinyong.records import ingestion

SLOW_SECONDS = 1.5
BUDGET_SECONDS = 0.1
HEADERS = (
    "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,"
    "CF_CFJGDM,CF_SJLY,CF_SJLYDM"
)


def _serve(app: FastAPI) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def served_app(committing_db: Database) -> Iterator[tuple[str, FastAPI]]:
    app = create_app(committing_db, rate_limit_per_minute=0)
    for base in _serve(app):
        yield base, app


def _probe_while(started: threading.Event, finished: threading.Event, base: str) -> list[float]:
    """Times of ``/healthz`` answers taken while the slow request is inside its slow part."""
    assert started.wait(60), "the slow request never reached its slow part"
    times: list[float] = []
    with httpx2.Client(base_url=base, timeout=30) as client:
        client.get("/healthz")  # connection made before the clock starts
        while not finished.is_set() and len(times) < 5:
            begin = time.perf_counter()
            answer = client.get("/healthz")
            elapsed = time.perf_counter() - begin
            assert answer.status_code == 200
            if not finished.is_set():  # only answers that overlapped the slow part count
                times.append(elapsed)
            time.sleep(0.05)
    return times


def _slowed(original: Callable[..., Any], started: threading.Event) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        time.sleep(SLOW_SECONDS)  # blocking, as a long ingestion is
        return original(*args, **kwargs)

    return slow


def test_healthz_answers_while_a_batch_file_is_ingested(
    served_app: tuple[str, FastAPI], committing_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _app = served_app
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        _, key = auth.create_api_client(
            session, builders.SYSTEM, name="慢上传", role=Role.DEPT_OPERATOR, department="SCJGJ"
        )
    # The key is verified once first (then cached), so the upload's own transaction starts inside the ingestion,
    # after the slow part: on SQLite the process runs one writing transaction at a time by design (core.db), and a
    # probe waiting for that lock would measure the database, not the event loop.
    assert httpx2.get(f"{base}/healthz", headers={"Authorization": f"Bearer {key}"}, timeout=30).status_code == 200
    started, finished = threading.Event(), threading.Event()
    monkeypatch.setattr(ingestion, "ingest_file", _slowed(ingestion.ingest_file, started))
    uscc = make_uscc("9", "1", "360482", "MA35G3R2")
    row = (
        f"共青城慢上传商贸有限公司,法人及非法人组织,{uscc},共市监罚〔2024〕慢1号,虚假宣传,发布虚假广告,"
        "《中华人民共和国广告法》第五十五条,警告,警告,,2024-03-01,2025-03-01,共青城市市场监督管理局,,"
        "共青城市市场监督管理局,"
    )
    outcome: dict[str, int] = {}

    def upload() -> None:
        try:
            answer = httpx2.post(
                f"{base}/api/v1/batches/file",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": ("slow.csv", f"{HEADERS}\n{row}\n".encode(), "text/csv")},
                timeout=120,
            )
            outcome["status"] = answer.status_code
        finally:
            finished.set()

    uploader = threading.Thread(target=upload)
    uploader.start()
    times = _probe_while(started, finished, base)
    uploader.join(timeout=120)
    assert outcome.get("status") == 201
    assert times, "no /healthz answer overlapped the upload"
    assert max(times) < BUDGET_SECONDS, times


def test_the_probe_catches_a_blocking_async_route(served_app: tuple[str, FastAPI]) -> None:
    """Control: the same blocking sleep inside an ``async def`` route stops the loop, and ``/healthz`` waits."""
    base, app = served_app
    started, finished = threading.Event(), threading.Event()

    async def blocking() -> dict[str, str]:
        started.set()
        time.sleep(SLOW_SECONDS)  # noqa: ASYNC251 - the fault this test demonstrates
        return {"status": "done"}

    app.add_api_route("/test-blocking", blocking, methods=["GET"])

    def call() -> None:
        try:
            httpx2.get(f"{base}/test-blocking", timeout=60)
        finally:
            finished.set()

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(60)
    begin = time.perf_counter()
    answer = httpx2.get(f"{base}/healthz", timeout=60)
    waited = time.perf_counter() - begin
    caller.join(timeout=60)
    assert answer.status_code == 200
    assert waited > BUDGET_SECONDS
