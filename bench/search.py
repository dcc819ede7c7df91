"""Entity search latency through the HTTP API on PostgreSQL, next to the same search run directly in the same run.

    .venv/bin/python bench/search.py --entities 1000000 [--queries 200] [--keep-db]

Loads N demo entities into a throwaway PostgreSQL database (or reuses it with --reuse), serves the real application
with Uvicorn on a free local port (rate limiting off), and times name-substring, USCC-prefix, pinyin and
pinyin-initial searches and two-character name substrings: p50/p95 over HTTP, and p50/p95 of the service call alone
(the floor: same SQL, no HTTP).
Target (issue 4): p95 under 50 ms for each kind. Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable

import uvicorn
from sqlalchemy import create_engine, select, text

from xinyong.app import create_app
from xinyong.core.db import Database
from xinyong.core.pagination import PageRequest
from xinyong.demo import load_demo
from xinyong.entities import service
from xinyong.entities.models import Entity
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def prepare(name: str, entities: int, reuse: bool) -> Database:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists and reuse:
            return Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    create_schema(database)
    started = time.perf_counter()
    load_demo(database, entities=entities, seed=20201)
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"loaded {entities} entities in {time.perf_counter() - started:.0f} s")
    return database


def queries(database: Database, count: int, rng: random.Random) -> dict[str, list[str]]:
    with database.sessions() as session:
        sample = session.execute(
            select(Entity.uscc, Entity.name, Entity.name_pinyin, Entity.name_initials)
            .order_by(text("random()"))
            .limit(count)
        ).all()
    out: dict[str, list[str]] = {"name": [], "short_name": [], "uscc_prefix": [], "pinyin": [], "initials": []}
    for uscc, name, pinyin, initials in sample:
        start = rng.randrange(max(1, len(name) - 4))
        out["name"].append(name[start : start + 4])
        out["short_name"].append(name[start : start + 2])
        out["uscc_prefix"].append(uscc[: rng.choice((8, 10, 12))])
        p = rng.randrange(max(1, len(pinyin) - 8))
        out["pinyin"].append(pinyin[p : p + 8])
        i = rng.randrange(max(1, len(initials) - 4))
        out["initials"].append(initials[i : i + 4])
    return out


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="reuse the database of an earlier run if present")
    args = parser.parse_args()
    database = prepare(f"xinyong_bench_search_{args.entities}", args.entities, args.reuse)
    rng = random.Random(7)
    work = queries(database, args.queries, rng)

    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(database, rate_limit_per_minute=0),
            host="127.0.0.1",
            port=number,
            log_level="warning",
            lifespan="off",
            timeout_keep_alive=600,
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    figures: dict[str, object] = {"entities": args.entities, "queries": args.queries}
    client = http.client.HTTPConnection("127.0.0.1", number)  # one keep-alive connection, like a portal backend

    def get(path: str) -> None:
        client.request("GET", path)
        answer = client.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status}")

    get("/healthz")
    for kind, texts in work.items():
        http_ms = [timed(lambda q=q: get("/api/v1/entities?" + urllib.parse.urlencode({"q": q}))) for q in texts]
        with database.sessions() as session:
            sql_ms = [timed(lambda q=q: service.search_entities(session, q, PageRequest())) for q in texts]
        figures[f"{kind}_p50_ms"] = round(statistics.median(http_ms), 2)
        figures[f"{kind}_p95_ms"] = round(percentile(http_ms, 0.95), 2)
        figures[f"{kind}_sql_p50_ms"] = round(statistics.median(sql_ms), 2)
        figures[f"{kind}_sql_p95_ms"] = round(percentile(sql_ms, 0.95), 2)
        print(
            f"{kind:12} http p50 {figures[f'{kind}_p50_ms']:8} ms  p95 {figures[f'{kind}_p95_ms']:8} ms   "
            f"direct p50 {figures[f'{kind}_sql_p50_ms']:8} ms  p95 {figures[f'{kind}_sql_p95_ms']:8} ms"
        )
    server.should_exit = True
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
