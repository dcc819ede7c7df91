"""The embedded check (POST /api/v1/checks) under concurrent load, next to the trivial /healthz of the same server.

    .venv/bin/python bench/check.py                                        # small: 20,000 entities, 2,000 entries
    .venv/bin/python bench/check.py --entities 1000000 --entries 100000    # the issue's figure
    .venv/bin/python bench/check.py --reuse ...                            # keep the loaded database of a run

Loads N entities and M published 严重失信 list entries into a throwaway PostgreSQL database with COPY (VACUUM
FREEZE ANALYZE and CHECKPOINT after: autovacuum is off here), issues a business system's API key, and runs the real
application with Uvicorn as a subprocess (rate limiting off, one worker unless --workers). This process is the load:
keep-alive HTTP/1.1 connections on plain sockets, one per thread.

Phases, each ``--seconds`` long: (1) /healthz closed loop with ``--threads`` threads → trivial_rps; (2) the check,
closed loop, subjects drawn at random (a third listed, a third clean, a third unknown USCCs) → check_rps; (3) the
check paced at ``--rate`` requests/s (open loop, latency from the scheduled send time, so queueing counts) →
p50_ms / p99_ms, with an fdatasync probe of the database's disk running beside it (8 KiB every 10 ms: fsync_p50_ms,
fsync_p99_ms, fsync_max_ms), so a durable check log's share of the tail is visible (issue 21). Target (issue 5):
p99 ≤ 10 ms at 200 requests/s, and check_rps ≥ ½ trivial_rps; with ``XINYONG_CHECK_LOG_DURABLE=false`` the commit
does not wait for the disk. Ends with one JSON line: p50_ms, p99_ms, check_rps, trivial_rps, ratio, the probe's
figures and the run's parameters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_uscc
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.types import current_types
from xinyong.punishment.catalogue import ensure_seeded
from xinyong.schema import create_schema

ADMIN = os.environ.get("XINYONG_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REGION = "360482"
SYSTEM = Actor.system("bench")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="bench:office", name="信用办（基准测试）")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def uscc_of(n: int) -> str:
    return make_uscc("9", "1", REGION, f"{n:08d}")


def _copy(database: Database, table: str, columns: list[str], rows: io.StringIO) -> None:
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(rows.getvalue())
        raw.commit()
    finally:
        raw.close()


def load(database: Database, entities: int, entries: int) -> None:
    with database.unit_of_work() as session:
        seed_notice_departments(session, SYSTEM)
        current_types(session)
        ensure_seeded(session)
        serious = session.scalars(select(ListType).where(ListType.code == "serious")).first()
        assert serious is not None
        type_id = serious.id
    now = dt.datetime.now(dt.UTC).isoformat()
    started = time.perf_counter()
    chunk = 100_000
    for start in range(0, entities, chunk):
        buffer = io.StringIO()
        for n in range(start, min(start + chunk, entities)):
            uscc = uscc_of(n)
            name = f"共青城基准测试企业{n:07d}有限公司"
            buffer.write(f"{uscc}\t{name}\t\t\t\t9\t1\t{REGION}\t存续\tf\t{now}\t{now}\n")
        _copy(
            database,
            "entities",
            [
                "uscc",
                "name",
                "name_pinyin",
                "name_initials",
                "former_names",
                "authority",
                "org_type",
                "region_code",
                "status",
                "provisional",
                "created_at",
                "updated_at",
            ],
            buffer,
        )
    print(f"entities: {entities} in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    step = max(1, entities // max(entries, 1))
    today = dt.date.today()
    buffer = io.StringIO()
    for k in range(entries):
        n = k * step
        valid_from = today - dt.timedelta(days=30 + k % 300)
        valid_to = valid_from + dt.timedelta(days=3 * 365)
        buffer.write(
            "\t".join(
                [
                    str(type_id),
                    "serious",
                    "SCJGJ",
                    "已公示",
                    "entity",
                    uscc_of(n),
                    f"共青城基准测试企业{n:07d}有限公司",
                    "拒不履行行政处罚决定，情节严重（基准测试）",
                    "国办发〔2020〕49号",
                    (valid_from - dt.timedelta(days=60)).isoformat(),
                    "[]",
                    "bench",
                    now,
                    valid_from.isoformat(),
                    f"共市监列〔基准〕{k}号",
                    valid_from.isoformat(),
                    valid_to.isoformat(),
                    "f",
                    valid_from.isoformat(),
                    now,
                ]
            )
            + "\n"
        )
    _copy(
        database,
        "list_entries",
        [
            "list_type_id",
            "list_code",
            "department",
            "status",
            "subject_type",
            "subject_uscc",
            "subject_name",
            "facts",
            "basis",
            "conduct_date",
            "linked_record_ids",
            "proposed_by",
            "proposed_at",
            "decision_date",
            "decision_doc_no",
            "valid_from",
            "valid_to",
            "permanent",
            "published_on",
            "updated_at",
        ],
        buffer,
    )
    print(f"list entries: {entries} in {time.perf_counter() - started:.1f} s", flush=True)
    # What autovacuum (off on this machine) would have done by the time a production database serves checks: set
    # the freshly COPYed rows' hint bits and statistics. Then write the dirty pages out. Without this the measured
    # phases set hint bits page by page, the tiny shared_buffers evicts the dirtied pages, and every commit's WAL
    # flush queues behind that write-back: p99 stalls of 0.2–1.3 s at 10⁶ entities.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (FREEZE, ANALYZE)"))
        conn.execute(text("CHECKPOINT"))


def prepare(name: str, entities: int, entries: int, reuse: bool) -> tuple[Database, int]:
    """The database (created and loaded, or reused) and the step between listed entities."""
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if not (exists and reuse):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            exists = None
    admin.dispose()
    database = Database(url)
    create_schema(database)
    if not exists:
        load(database, entities, entries)
    with database.sessions() as session:
        listed = session.scalar(select(func.count()).select_from(ListEntry)) or 0
    return database, max(1, entities // max(listed, 1))


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        {
            "XINYONG_DATABASE_URL": url,
            "XINYONG_RATE_LIMIT_PER_MINUTE": "0",
            "XINYONG_ENV": "development",
            "XINYONG_BACKGROUND_TICK_SECONDS": "0",
        }
    )
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "xinyong.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--timeout-keep-alive",
        "600",
    ]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


class Caller:
    """One keep-alive HTTP/1.1 connection on a plain socket.

    The load generator must not be what is measured: ``http.client`` spends a few hundred microseconds of Python
    per request (header objects, the email parser) on the same two cores as the server, so this sends prepared
    bytes and reads the answer by its Content-Length. Every answer is still read in full and its status checked;
    anything but 200 raises."""

    def __init__(self, port: int, key: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.check_head = (
            "POST /api/v1/checks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        ).encode()

    def _answer(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("answer without Content-Length")
        while len(rest) < length:
            self.buffer = rest
            self._fill()
            rest = self.buffer
        self.buffer = rest[length:]
        return status, rest[:length]

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise OSError("the server closed the connection")
        self.buffer += data

    def healthz(self) -> None:
        self.sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _ = self._answer()
        if status != 200:
            raise RuntimeError(f"/healthz answered {status}")

    def check(self, uscc: str) -> None:
        body = json.dumps(
            {"subject": {"uscc": uscc}, "scenario": "government_procurement", "purpose": "基准测试：采购资格审查"}
        ).encode()
        self.sock.sendall(self.check_head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status, answer = self._answer()
        if status != 200 or not answer.startswith(b"{"):
            raise RuntimeError(f"/api/v1/checks answered {status}")


def subjects(rng: random.Random, entities: int, step: int) -> Callable[[], str]:
    listed_count = max(1, entities // step)

    def pick() -> str:
        kind = rng.randrange(3)
        if kind == 0:
            return uscc_of(rng.randrange(listed_count) * step)  # listed
        if kind == 1:
            return uscc_of(rng.randrange(entities))  # mostly clean
        return uscc_of(entities + 1 + rng.randrange(10_000_000))  # valid but unknown

    return pick


def closed_loop(
    port: int, key: str, threads: int, seconds: float, work: Callable[[Caller], None]
) -> tuple[float, list[float], int]:
    """``threads`` callers as fast as they can for ``seconds``: (requests/s, latencies ms, errors)."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    stop = time.perf_counter() + seconds

    def run(index: int) -> None:
        caller = Caller(port, key)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                work(caller)
            except (RuntimeError, OSError, ValueError):
                errors[index] += 1
                caller = Caller(port, key)
                continue
            latencies[index].append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [v for part in latencies for v in part]
    return len(flat) / elapsed, flat, sum(errors)


def paced(
    port: int, key: str, rate: float, seconds: float, threads: int, pick: Callable[[], str]
) -> tuple[list[float], int, float]:
    """Open loop: request i is due at start + i/rate; its latency counts from that due time (queueing included).
    Returns (latencies ms, errors, achieved requests/s)."""
    total = int(rate * seconds)
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    errors = [0]
    start = time.perf_counter() + 0.2

    def run() -> None:
        caller = Caller(port, key)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
                subject = pick()
            if i >= total:
                return
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                caller.check(subject)
            except (RuntimeError, OSError, ValueError):
                with lock:
                    errors[0] += 1
                caller = Caller(port, key)
                continue
            took = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(took)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    return latencies, errors[0], len(latencies) / elapsed


class FsyncProbe:
    """The disk's own share of a durable commit's latency: beside the paced phase, a thread writes 8 KiB and
    ``fdatasync``s a file on the filesystem of PostgreSQL's data directory (falling back to the temporary directory)
    every 10 ms; its latencies are reported next to the check's p99."""

    def __init__(self, database: Database) -> None:
        with database.engine.connect() as conn:
            data_directory = str(conn.execute(text("SHOW data_directory")).scalar_one())
        folder = Path(data_directory).parent
        self.folder = folder if os.access(folder, os.W_OK) else Path(tempfile.gettempdir())
        self.latencies_ms: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fsync-probe", daemon=True)

    def _run(self) -> None:
        block = os.urandom(8192)
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix="xinyong-fsync-probe-") as handle:
            while not self._stop.wait(0.01):
                started = time.perf_counter()
                handle.write(block)
                handle.flush()
                os.fdatasync(handle.fileno())
                self.latencies_ms.append((time.perf_counter() - started) * 1000)

    def __enter__(self) -> FsyncProbe:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def figures(self) -> dict[str, float | None]:
        found = self.latencies_ms
        return {
            "fsync_p50_ms": round(statistics.median(found), 2) if found else None,
            "fsync_p99_ms": round(percentile(found, 0.99), 2) if found else None,
            "fsync_max_ms": round(max(found), 2) if found else None,
            "fsync_over_50ms": sum(1 for ms in found if ms > 50),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--threads", type=int, default=8, help="closed-loop concurrency")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=200.0, help="paced phase: requests per second")
    parser.add_argument("--workers", type=int, default=1, help="Uvicorn worker processes")
    parser.add_argument("--reuse", action="store_true", help="reuse the loaded database of an earlier run")
    parser.add_argument("--setup-only", action="store_true", help="load the database and stop (time later, --reuse)")
    args = parser.parse_args()
    if args.entries > args.entities:
        parser.error("--entries cannot exceed --entities (one entry per listed entity)")

    name = f"xinyong_bench_check_{args.entities}_{args.entries}"
    database, step = prepare(name, args.entities, args.entries, args.reuse)
    if args.setup_only:
        database.dispose()
        print(json.dumps({"setup": name, "entities": args.entities, "entries": args.entries}))
        return
    with database.unit_of_work() as session:
        client, key = auth.create_api_client(
            session, OFFICE, name="基准测试业务系统", role=Role.BUSINESS_SYSTEM, department=None
        )
    with database.sessions() as session:
        checks_before = session.scalar(text("SELECT count(*) FROM punishment_checks")) or 0
    port = free_port()
    server = start_server(database.url, port, args.workers)
    rng = random.Random(5)
    pick = subjects(rng, args.entities, step)
    pick_lock = threading.Lock()

    def one_check(caller: Caller) -> None:
        with pick_lock:
            subject = pick()
        caller.check(subject)

    try:
        # Warm up at the paced phase's concurrency, so what is measured is the steady state of a running server: its
        # database pool holds that many connections, each with its backend's caches and prepared statements.
        closed_loop(port, key, max(args.threads, 16), 3.0, one_check)
        closed_loop(port, key, 2, 1.0, lambda c: c.healthz())
        trivial_rps, trivial_ms, trivial_errors = closed_loop(
            port, key, args.threads, args.seconds, lambda c: c.healthz()
        )
        print(
            f"/healthz closed loop ({args.threads} threads): {trivial_rps:8.1f} req/s  "
            f"p50 {statistics.median(trivial_ms):6.2f} ms  p99 {percentile(trivial_ms, 0.99):6.2f} ms  "
            f"errors {trivial_errors}",
            flush=True,
        )
        check_rps, check_ms, check_errors = closed_loop(port, key, args.threads, args.seconds, one_check)
        print(
            f"check    closed loop ({args.threads} threads): {check_rps:8.1f} req/s  "
            f"p50 {statistics.median(check_ms):6.2f} ms  p99 {percentile(check_ms, 0.99):6.2f} ms  "
            f"errors {check_errors}",
            flush=True,
        )
        with FsyncProbe(database) as probe:
            paced_ms, paced_errors, achieved = paced(
                port, key, args.rate, args.seconds, max(args.threads, 16), lambda: pick()
            )
        p50, p99 = statistics.median(paced_ms), percentile(paced_ms, 0.99)
        disk = probe.figures()
        print(
            f"check    paced at {args.rate:.0f}/s: achieved {achieved:6.1f}/s  p50 {p50:6.2f} ms  "
            f"p99 {p99:6.2f} ms  errors {paced_errors}; beside it fdatasync of 8 KiB p50 {disk['fsync_p50_ms']} ms "
            f"p99 {disk['fsync_p99_ms']} ms max {disk['fsync_max_ms']} ms ({probe.folder})",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(30)
    with database.sessions() as session:
        logged = (session.scalar(text("SELECT count(*) FROM punishment_checks")) or 0) - checks_before
    load_avg = os.getloadavg()[0]
    figures = {
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "check_rps": round(check_rps, 1),
        "trivial_rps": round(trivial_rps, 1),
        "ratio": round(check_rps / trivial_rps, 3) if trivial_rps else None,
        "rate": args.rate,
        "achieved_rps": round(achieved, 1),
        "errors": trivial_errors + check_errors + paced_errors,
        "checks_logged": logged,
        "entities": args.entities,
        "entries": args.entries,
        "threads": args.threads,
        "workers": args.workers,
        "check_log_durable": os.environ.get("XINYONG_CHECK_LOG_DURABLE", "true"),
        **disk,
        "client_id": client.id,
        "load_avg": round(load_avg, 1),
    }
    database.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
