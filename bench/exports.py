"""Streamed exports at 10⁶ rows on PostgreSQL, through the real server: the 行政处罚 list's full CSV and XLSX, time to
the first byte of the body, rows per second and the server's memory.

    .venv/bin/python bench/exports.py [--rows 1000000] [--reuse] [--setup-only]

Loads a throwaway database (``xinyong_bench_export_<rows>``) with plain COPY: ``--rows`` published 行政处罚
decisions (one in fifty about a natural person, so the public's masking runs), decided over the last 300 days, on
10⁵ entities. ``--setup-only`` loads and stops (run it under /work/bin/shared); ``--reuse`` keeps a loaded database.
Then starts ``uvicorn xinyong.app:create_app`` (rate limits and the background tick off) and downloads, as an
anonymous visitor: ``/publicity/penalties.csv`` and ``.xlsx`` (every row, or with ``--days N`` the last N days'
decisions: 300 days hold all), reading the body as it comes. Rows are
counted in the CSV and taken from the export's audit event for the XLSX. Memory: the server process's resident set
before and after each export and its peak (VmHWM). Ends with one JSON line of the figures and the load average.
Targets (issue 14): first byte < 1 s, ≥ 20,000 rows/s, memory flat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import org_code_check_char, uscc_check_char
from xinyong.schema import create_schema

ADMIN = os.environ.get("XINYONG_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEPARTMENTS = ("SCJGJ", "SWJ", "ZJJ", "XZSPJ")
ENTITIES = 100_000
RECORD_COLUMNS = "id, source_department, kind, doc_no, current_version, created_at"
VERSION_COLUMNS = (
    "id, record_id, version, valid_from, valid_to, source_department, kind, subject_type, subject_uscc, "
    "subject_person_id, subject_name, title, decision_date, received_date, published_date, disclosure, severity, "
    "status, content, provenance, change_kind, change_reason, actor_role, actor_id, privacy_hold"
)


def uscc_of(i: int) -> str:
    org = f"{i:08d}"
    body = "91360482" + org + org_code_check_char(org)
    return body + uscc_check_char(body)


def _copy(session: object, table: str, columns: str, rows: Iterator[tuple[object, ...]]) -> None:
    driver = session.connection().connection.driver_connection  # type: ignore[attr-defined]
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _versions(rows: int, now: dt.datetime, today: dt.date) -> Iterator[tuple[object, ...]]:
    for i in range(1, rows + 1):
        who = (i * 7919) % ENTITIES
        person = i % 50 == 0
        content = {
            "WFXW": "未按规定公示年度报告" if i % 2 else "虚假宣传，联系电话13979212345",
            "CFLB": ["罚款"] if i % 3 else ["警告"],
            "NR": "罚款人民币伍仟元整",
            "NR_FK": 0.5,
            "CFJG": "共青城市市场监督管理局",
        }
        yield (
            i,
            i,
            1,
            now,
            None,
            DEPARTMENTS[i % len(DEPARTMENTS)],
            "penalty",
            "person" if person else "entity",
            None if person else uscc_of(who),
            None,
            f"张{i % 97}明" if person else f"共青城汇立商贸{who}号有限公司",
            "行政处罚决定书",
            today - dt.timedelta(days=1 + i % 300),
            today,
            today,
            "公开",
            "一般",
            "有效",
            json.dumps(content, ensure_ascii=False),
            "{}",
            "created",
            None,
            "system",
            "bench",
            False,
        )


def load(database: Database, rows: int) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    today = dt.date.today()
    with database.unit_of_work() as session:
        seed_notice_departments(session, Actor.system("bench"))
        session.flush()
        entities = (
            (uscc_of(i), f"共青城汇立商贸{i}号有限公司", "", "", "", "9", "1", "360482", "存续", False, now, now)
            for i in range(ENTITIES)
        )
        columns = (
            "uscc, name, name_pinyin, name_initials, former_names, authority, org_type, region_code, status, "
            "provisional, created_at, updated_at"
        )
        _copy(session, "entities", columns, entities)
        heads = (
            (i, DEPARTMENTS[i % len(DEPARTMENTS)], "penalty", f"共{DEPARTMENTS[i % 4]}罚〔2026〕{i}号", 1, now)
            for i in range(1, rows + 1)
        )
        _copy(session, "credit_records", RECORD_COLUMNS, heads)
        _copy(session, "credit_record_versions", VERSION_COLUMNS, _versions(rows, now, today))
    with database.engine.begin() as conn:
        for table in ("credit_records", "credit_record_versions"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with create_engine(database.engine.url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("VACUUM (FREEZE, ANALYZE)"))
        conn.execute(text("CHECKPOINT"))


def prepare(rows: int, reuse: bool) -> str:
    name = f"xinyong_bench_export_{rows}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists and reuse:
            return url
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    database = Database(url)
    create_schema(database)
    started = time.perf_counter()
    load(database, rows)
    database.engine.dispose()
    print(f"loaded {rows} penalties in {time.perf_counter() - started:.0f} s")
    return url


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        {
            "XINYONG_DATABASE_URL": url,
            "XINYONG_RATE_LIMIT_PER_MINUTE": "0",
            "XINYONG_ANON_EXPORT_PER_HOUR": "0",
            "XINYONG_ENV": "development",
            "XINYONG_BACKGROUND_TICK_SECONDS": "0",
        }
    )
    command = [sys.executable, "-m", "uvicorn", "xinyong.app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the server did not start")


def memory_mb(pid: int) -> tuple[float, float]:
    """The process's resident set now and at its peak, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def download(port: int, path: str) -> tuple[float, float, int, int]:
    """Seconds to the first byte of the body, total seconds, bytes, CSV data rows (0 for XLSX)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    started = time.perf_counter()
    conn.request("GET", path)
    answer = conn.getresponse()
    if answer.status != 200:
        raise RuntimeError(f"{path}: {answer.status} {answer.read()[:300]!r}")
    first_chunk = answer.read1(65536)
    first = time.perf_counter() - started
    size, lines, tail = len(first_chunk), first_chunk.count(b"\r\n"), b""
    while chunk := answer.read1(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\r\n")
        tail = chunk[-200:]
    took = time.perf_counter() - started
    rows = lines - 1 if ".csv" in path else 0  # the header line
    if rows and "注：".encode() in tail:
        rows -= 1  # a truncation note
    return first, took, size, rows


def audited_rows(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        payload = conn.execute(
            text("SELECT payload FROM audit_events WHERE action = 'portal:export:created' ORDER BY seq DESC LIMIT 1")
        ).scalar_one()
    engine.dispose()
    found = payload if isinstance(payload, dict) else json.loads(payload)
    return int(found["rows"])


def measure(url: str, port: int, pid: int, days: int) -> dict[str, object]:
    figures: dict[str, object] = {}
    query = f"?date_from={dt.date.today() - dt.timedelta(days=days)}" if days else ""
    for fmt in ("csv", "xlsx"):
        before, _ = memory_mb(pid)
        first, took, size, rows = download(port, f"/publicity/penalties.{fmt}{query}")
        rows = rows or audited_rows(url)
        after, peak = memory_mb(pid)
        figures |= {
            f"{fmt}_first_byte_s": round(first, 3),
            f"{fmt}_s": round(took, 1),
            f"{fmt}_rows": rows,
            f"{fmt}_rows_per_s": round(rows / took),
            f"{fmt}_mb": round(size / 1e6, 1),
            f"{fmt}_rss_mb_before_after_peak": [round(before), round(after), round(peak)],
        }
        print(
            f"{fmt:4}: first byte {first:.3f} s, {rows} rows in {took:.1f} s = {rows / took:,.0f} rows/s, "
            f"{size / 1e6:.0f} MB; server RSS {before:.0f} → {after:.0f} MB (peak {peak:.0f})"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="reuse the database of an earlier run if present")
    parser.add_argument("--setup-only", action="store_true", help="load the database and stop")
    parser.add_argument("--days", type=int, default=0, help="export only the last N days' decisions (0: every row)")
    args = parser.parse_args()
    url = prepare(args.rows, args.reuse)
    if args.setup_only:
        return
    start_load = [round(x, 2) for x in os.getloadavg()]
    port = free_port()
    server = start_server(url, port)
    try:
        figures: dict[str, object] = {"rows_in_db": args.rows, "load_avg_start": start_load}
        figures["days"] = args.days
        figures |= measure(url, port, server.pid, args.days)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
