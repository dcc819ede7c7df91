"""A crowd on one server: concurrent clients mixing searches, logins (right and wrong), uploads and checks.

    .venv/bin/python bench/mix.py --database sqlite                 # 16 clients for 60 s on an embedded SQLite file
    .venv/bin/python bench/mix.py --database postgresql --seconds 60

Makes a throwaway database (a SQLite file, or a PostgreSQL database), migrates it, loads the demo (``--entities``),
adds one console user per client and a decoy user for the wrong passwords, a department API key and a business
system's key, and serves the real application with ``xinyong serve`` as a subprocess (rate limiting off: the limiter
is not what is measured). Each client (a thread with its own HTTP connection and cookies) then loops, choosing at
random: the portal's CSV export of a name search (``/search.csv?q=共青``), the entities API search, a console login
with its own right password (then logout), a wrong password on the decoy (it locks; 401s are expected), a CSV file of
penalties sent to ``POST /api/v1/batches/file``, and an embedded check (``POST /api/v1/checks``).

Prints one JSON line: requests, counts per status, server_errors (any 5xx or broken connection; target 0), per-kind
counts, seconds, clients, database and the load average at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from sqlalchemy import create_engine, text

from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database
from xinyong.core.departments import get_department, seed_notice_departments
from xinyong.core.ids import make_uscc

ADMIN = os.environ.get("XINYONG_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Mix-bench-2026!"
OFFICE = Actor.system("bench:mix")
HEADERS = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK",
    "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM",
]  # fmt: skip
KINDS = ("search_csv", "search_api", "login_right", "login_wrong", "upload", "check")
WEIGHTS = (3, 3, 1, 2, 1, 3)
HTML = {"Accept": "text/html"}


@dataclass(frozen=True)
class Credentials:
    users: list[str]
    decoy: str
    department_key: str
    business_key: str
    department_uscc: str


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int | str, detail: str = "") -> None:
        with self.lock:
            self.kinds[kind] += 1
            self.statuses[str(status)] += 1
            if not isinstance(status, int) or status >= 500:
                self.server_errors.append(f"{kind}: {status} {detail[:200]}")


def prepare(database: Database, clients: int) -> Credentials:
    """Users, a decoy and two API keys in ``database`` (departments seeded when missing)."""
    with database.unit_of_work() as session:
        seed_notice_departments(session, OFFICE)
        department = get_department(session, "SCJGJ")
        tag = uuid.uuid4().hex[:6]
        users = [f"mix{tag}u{i}" for i in range(clients)]
        for name in [*users, f"mix{tag}decoy"]:
            auth.create_user(
                session, OFFICE, username=name, display_name="压测用户", role=Role.DEPT_OPERATOR,
                password=PASSWORD, department="SCJGJ",
            )  # fmt: skip
        _, department_key = auth.create_api_client(
            session, OFFICE, name=f"mix {tag} 报送", role=Role.DEPT_OPERATOR, department="SCJGJ"
        )
        _, business_key = auth.create_api_client(
            session, OFFICE, name=f"mix {tag} 业务系统", role=Role.BUSINESS_SYSTEM, department=None
        )
        return Credentials(users, f"mix{tag}decoy", department_key, business_key, department.uscc)


def penalty_csv(credentials: Credentials, rng: random.Random, rows: int = 5) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for _ in range(rows):
        n = rng.randrange(10**7)
        writer.writerow([
            f"共青城第{n}号压测商贸有限公司", "法人及非法人组织", make_uscc("9", "1", "360482", f"{n:08d}"),
            f"共市监罚〔2024〕压{n}号", "虚假宣传", "发布虚假广告", "《中华人民共和国广告法》第五十五条", "警告",
            "警告", "", "2024-03-01", "2025-03-01", "共青城市市场监督管理局", credentials.department_uscc,
            "共青城市市场监督管理局", credentials.department_uscc,
        ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _login_token(client: httpx2.Client) -> str:
    form = client.get("/console/login", headers=HTML)
    found = re.search(r'name="login_token" value="([^"]*)"', form.text)
    return found.group(1) if found else ""


def _one(kind: str, client: httpx2.Client, credentials: Credentials, me: str, rng: random.Random) -> httpx2.Response:
    if kind == "search_csv":
        return client.get("/search.csv", params={"q": "共青"})
    if kind == "search_api":
        return client.get("/api/v1/entities", params={"q": rng.choice(["共青", "羽绒", "商贸", "9136"])})
    if kind in ("login_right", "login_wrong"):
        right = kind == "login_right"
        data = {
            "login_token": _login_token(client),
            "username": me if right else credentials.decoy,
            "password": PASSWORD if right else f"wrong-{rng.random()}",
        }
        answer = client.post("/console/login", data=data, headers=HTML)
        client.cookies.clear()
        return answer
    if kind == "upload":
        files = {"file": ("处罚.csv", penalty_csv(credentials, rng), "text/csv")}
        headers = {"Authorization": f"Bearer {credentials.department_key}"}
        return client.post("/api/v1/batches/file", files=files, data={"kind": "penalty"}, headers=headers)
    n = rng.randrange(10**7)
    body = {
        "subject": {"uscc": make_uscc("9", "1", "360482", f"{n:08d}")},
        "scenario": "government_procurement",
        "purpose": "压测：采购资格审查",
    }
    return client.post("/api/v1/checks", json=body, headers={"Authorization": f"Bearer {credentials.business_key}"})


def run(
    base_url: str,
    credentials: Credentials,
    *,
    clients: int,
    seconds: float | None = None,
    requests_per_client: int | None = None,
    seed: int = 23,
) -> Tally:
    """Drive the server with ``clients`` threads, for ``seconds`` or ``requests_per_client`` requests each."""
    tally = Tally()
    deadline = time.monotonic() + seconds if seconds is not None else float("inf")

    def client_loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        me = credentials.users[index % len(credentials.users)]
        with httpx2.Client(base_url=base_url, timeout=120, follow_redirects=False) as client:
            done = 0
            while time.monotonic() < deadline and (requests_per_client is None or done < requests_per_client):
                kind = rng.choices(KINDS, WEIGHTS)[0]
                try:
                    answer = _one(kind, client, credentials, me, rng)
                except httpx2.HTTPError as broken:
                    tally.add(kind, type(broken).__name__, str(broken))
                else:
                    tally.add(kind, answer.status_code, answer.text if answer.status_code >= 500 else "")
                done += 1

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


# ---------------------------------------------------------------- the standalone benchmark


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _throwaway(kind: str, folder: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'mix.db'}", lambda: None
    name = f"xinyong_bench_mix_{os.getpid()}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--entities", type=int, default=1000, help="demo entities loaded first (≥ 100)")
    args = parser.parse_args()

    from xinyong.demo import load_demo
    from xinyong.schema import create_schema

    with tempfile.TemporaryDirectory(prefix="xinyong-mix-") as folder:
        url, drop = _throwaway(args.database, Path(folder))
        try:
            database = Database(url)
            create_schema(database)
            load_demo(database, entities=args.entities)
            credentials = prepare(database, args.clients)
            database.dispose()
            port = _free_port()
            env = {
                **os.environ,
                "XINYONG_DATABASE_URL": url,
                "XINYONG_RATE_LIMIT_PER_MINUTE": "0",
                "XINYONG_BACKGROUND_TICK_SECONDS": "0",
            }
            command = [str(Path(sys.executable).parent / "xinyong"), "serve", "--port", str(port)]
            log = Path(folder) / "server.log"
            with open(log, "wb") as log_file:  # a file, not a pipe: a full pipe would stall the server
                server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if httpx2.get(f"{base}/healthz", timeout=5).status_code == 200:
                            break
                    except httpx2.HTTPError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start")
                    time.sleep(0.2)
                started = time.monotonic()
                tally = run(base, credentials, clients=args.clients, seconds=args.seconds)
                elapsed = time.monotonic() - started
            finally:
                server.terminate()
                server.wait(timeout=30)
                errors = log.read_bytes()
        finally:
            drop()
    load1, load5, _ = os.getloadavg()
    print(
        json.dumps(
            {
                "database": args.database,
                "clients": args.clients,
                "seconds": round(elapsed, 1),
                "requests": sum(tally.kinds.values()),
                "statuses": dict(sorted(tally.statuses.items())),
                "server_errors": len(tally.server_errors),
                "kinds": dict(sorted(tally.kinds.items())),
                "first_errors": tally.server_errors[:5],
                "server_log_tracebacks": errors.decode("utf-8", "replace").count("Traceback"),
                "load_1m": round(load1, 2),
                "load_5m": round(load5, 2),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
