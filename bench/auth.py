"""Lockout and rate limits under concurrency, over HTTP against a real server, on SQLite and PostgreSQL.

    .venv/bin/python bench/auth.py [--clients 32] [--backends sqlite,postgresql] [--cookie-requests 330]

For each backend: a throwaway database (a temp SQLite file; a fresh PostgreSQL database on 127.0.0.1), one console
account, and the application served by Uvicorn in this process on a free port with the platform's default limits
(300 requests a minute; 10 sign-ins a minute per account — raised here to 1000 so the *lockout* is what is measured,
the per-account limit would otherwise stop the guesses first).

1. `guesses_checked`: `--clients` threads each fetch the login form and post one wrong password at the same moment
   (a barrier). A guess was *checked* when its password reached argon2 — counted as the `auth:login:failed` audit
   events written (a guess refused for the lock writes none). Target (issue 23): ≤ 5 with 32 parallel clients.
   Also printed: how the answers split (wrong password / locked / other) and any 5xx.
2. `answered_past_limit`: with fresh counters, `--cookie-requests` requests to `/api/v1/entities`, each with a new
   random `xinyong_session` cookie, from one address; counted: answers other than 429 beyond the limit (300) within
   a one-minute window. Target: 0.

Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx2
import uvicorn
from sqlalchemy import create_engine, func, select, text

from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.auth import service as auth
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ratelimit import WINDOW_SECONDS, InProcessLimiter, RateLimits
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "Gongqing-2020!"
RATE_LIMIT = 300


def _database(backend: str, workdir: Path) -> Database:
    if backend == "sqlite":
        database = Database(f"sqlite:///{workdir / 'auth-bench.db'}")
    else:
        name = f"xinyong_bench_auth_{os.getpid()}"
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        database = Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    create_schema(database)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bench")
    with database.unit_of_work() as session:
        seed_notice_departments(session, Actor.system("bench"))
        auth.create_user(
            session, office, username="zhangmin", display_name="张敏", role=Role.DEPT_OPERATOR, password=PASSWORD,
            department="SCJGJ",
        )  # fmt: skip
    return database


def _drop(backend: str, database: Database) -> None:
    database.dispose()
    if backend == "postgresql":
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "xinyong_bench_auth_{os.getpid()}" WITH (FORCE)'))
        admin.dispose()


class Server:
    def __init__(self, database: Database) -> None:
        self.limits = RateLimits(InProcessLimiter(), RATE_LIMIT, login_per_account=1000, login_per_address=1000)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(database, rate_limits=self.limits), host="127.0.0.1", port=self.port, log_level="warning",
            lifespan="off",
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def guesses(base: str, clients: int) -> Counter[str]:
    start = threading.Barrier(clients)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def guess(n: int) -> None:
        with httpx2.Client(base_url=base, timeout=120) as client:
            form = client.get("/console/login", headers={"Accept": "text/html"})
            token = re.search(r'name="login_token" value="([^"]*)"', form.text)
            data = {"login_token": token.group(1) if token else "", "username": "zhangmin", "password": f"Wrong-{n}"}
            start.wait()
            answer = client.post("/console/login", data=data, headers={"Accept": "text/html"})
        if answer.status_code >= 500:
            kind = f"{answer.status_code}"
        elif "账号已临时锁定" in answer.text:
            kind = "locked"
        elif "用户名或密码错误" in answer.text:
            kind = "wrong password"
        else:
            kind = f"other {answer.status_code}"
        with lock:
            outcomes[kind] += 1

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def random_cookies(base: str, requests: int, limits: RateLimits) -> tuple[int, Counter[int]]:
    """Fresh counters, then the requests; answers beyond the limit are counted per one-minute window (the limiter's
    windows, of this process's monotonic clock), so a run that crosses a window boundary is judged fairly."""
    limits.limiter = InProcessLimiter()
    statuses: Counter[int] = Counter()
    answered: Counter[int] = Counter()  # window -> answers other than 429
    with httpx2.Client(base_url=base, timeout=60) as client:
        for _ in range(requests):
            client.cookies.clear()
            window = int(time.monotonic() // WINDOW_SECONDS)
            answer = client.get("/api/v1/entities", cookies={"xinyong_session": secrets.token_urlsafe(16)})
            statuses[answer.status_code] += 1
            if answer.status_code != 429:
                answered[window] += 1
    return sum(max(0, count - RATE_LIMIT) for count in answered.values()), statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--cookie-requests", type=int, default=330)
    args = parser.parse_args()
    os.environ.setdefault("XINYONG_BACKGROUND_TICK_SECONDS", "0")
    results: dict[str, object] = {"clients": args.clients, "load_avg": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as workdir:
        for backend in args.backends.split(","):
            database = _database(backend, Path(workdir))
            try:
                server = Server(database)
                with server as base:
                    began = time.perf_counter()
                    outcomes = guesses(base, args.clients)
                    seconds = time.perf_counter() - began
                    with database.unit_of_work() as session:
                        checked = session.scalar(
                            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth:login:failed")
                        )
                    past, statuses = random_cookies(base, args.cookie_requests, server.limits)
            finally:
                _drop(backend, database)
            print(
                f"{backend}: {args.clients} parallel wrong guesses in {seconds:.1f} s → checked {checked} "
                f"(answers: {dict(outcomes)}); {args.cookie_requests} random-cookie requests → "
                f"{past} answered past the limit of {RATE_LIMIT} ({dict(statuses)})"
            )
            results[backend] = {
                "guesses_checked": checked,
                "answers": dict(outcomes),
                "answered_past_limit": past,
                "cookie_statuses": {str(k): v for k, v in statuses.items()},
            }
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
