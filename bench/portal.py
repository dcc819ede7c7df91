"""Every public portal page at 10⁶ entities on PostgreSQL, through the real server: p50/p95 per page, the home page,
deep pages against first pages, and the exports' first byte and rows per second.

    .venv/bin/python bench/portal.py [--entities 1000000] [--records 1000000] [--requests 40] [--reuse]
                                     [--setup-only] [--no-exports]

Loads a throwaway database with plain COPY (the demo loader would take an hour at this size; what is measured is
reading, not loading): N entities, R credit records (行政处罚 and 行政许可 in equal parts, 2 % 严重失信 list entries,
decided over the last 300 days so all are published), 10⁵ public commitment letters, 10⁴ typical cases and 10³
campaigns. Then starts ``uvicorn xinyong.app:create_app`` as a subprocess (rate limit and background tick off) and
asks each page ``--requests`` times as an anonymous visitor on one keep-alive connection: the home page, each list's
first page, last page (尾页), a keyset page deep in the list (下一页 from page 2,000), a keyword and a category
filter, entity search, an entity's profile and a record page. Exports: the 行政处罚 CSV of a full 50,000-row query
(time to the first byte, rows per second) and its XLSX. Ends with one JSON line of the figures and the load average.
Targets (issue 14): home < 100 ms, every page p95 < 200 ms, export first byte < 1 s and ≥ 20,000 rows/s; any page
as fast as the first (issue 24).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import create_engine, text

from xinyong.commitments import service as commitments
from xinyong.commitments.schemas import ItemIn, TemplateIn
from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import org_code_check_char, uscc_check_char
from xinyong.evaluation.service import ensure_seeded
from xinyong.schema import create_schema

ADMIN = os.environ.get("XINYONG_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "xinyong_bench_portal"
WORDS = ("汇立", "瑞雪", "恒泰", "鸿运", "兴达", "博远", "金诚", "华盛", "天润", "永安", "星辰", "德信")
TRADES = ("服装", "商贸", "羽绒", "建材", "餐饮", "科技", "物流", "建筑工程", "养老服务", "食品")
DEPARTMENTS = ("SCJGJ", "SWJ", "ZJJ", "XZSPJ")
PAGE = 20


def uscc_of(i: int) -> str:
    org = f"{i:08d}"
    body = "91360482" + org + org_code_check_char(org)
    return body + uscc_check_char(body)


def name_of(i: int) -> str:
    return f"共青城{WORDS[i % len(WORDS)]}{TRADES[(i // 7) % len(TRADES)]}{i}号有限公司"


def _copy(session: object, table: str, columns: str, rows: object) -> None:
    driver = session.connection().connection.driver_connection  # type: ignore[attr-defined]
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:  # type: ignore[attr-defined]
            copy.write_row(row)


def _entities(n: int, now: dt.datetime) -> object:
    for i in range(n):
        yield (uscc_of(i), name_of(i), "", "", "", "9", "1", "360482", "存续", False, now, now)


def _records(entities: int, records: int, now: dt.datetime, today: dt.date) -> tuple[object, object]:
    def kind_of(i: int) -> str:
        return "serious_dishonesty" if i % 50 == 0 else ("penalty" if i % 2 else "license")

    def heads() -> object:
        for i in range(1, records + 1):
            department = DEPARTMENTS[i % len(DEPARTMENTS)]
            yield (i, department, kind_of(i), f"共{department}决〔2026〕{i}号", 1, now)

    def versions() -> object:
        for i in range(1, records + 1):
            kind, who = kind_of(i), (i * 7919) % entities
            content = (
                {
                    "WFXW": "虚假宣传",
                    "CFLB": ["罚款"] if i % 3 else ["警告"],
                    "NR_FK": 0.5,
                    "CFJG": "共青城市市场监督管理局",
                }
                if kind == "penalty"
                else {"XKLB": "普通", "XKZS": "营业执照", "XKJG": "共青城市行政审批局"}
                if kind == "license"
                else {"FACTS": "拒不履行法定义务", "BASIS": "《行政处罚法》", "VALID_TO": "2029-12-31"}
            )
            yield (
                i,
                i,
                1,
                now,
                None,
                DEPARTMENTS[i % len(DEPARTMENTS)],
                kind,
                "entity",
                uscc_of(who),
                None,
                name_of(who),
                "行政处罚决定书" if kind == "penalty" else "决定书",
                today - dt.timedelta(days=i % 300),
                today,
                today,
                "公开",
                "一般" if kind == "penalty" else None,
                "有效",
                json.dumps(content),
                "{}",
                "created",
                None,
                "system",
                "bench",
                False,
            )

    return heads(), versions()


RECORD_COLUMNS = "id, source_department, kind, doc_no, current_version, created_at"
VERSION_COLUMNS = (
    "id, record_id, version, valid_from, valid_to, source_department, kind, subject_type, subject_uscc, "
    "subject_person_id, subject_name, title, decision_date, received_date, published_date, disclosure, severity, "
    "status, content, provenance, change_kind, change_reason, actor_role, actor_id, privacy_hold"
)
COMMITMENT_COLUMNS = (
    "number, item_id, template_id, department, commitment_type, uscc, entity_name, letter_text, letter_sm3, signer, "
    "signed_at, signed_via, signed_by_role, signed_by_id, is_public, status, status_changed_at"
)


def _item(session: object) -> tuple[int, int]:
    template = TemplateIn(
        title="信用承诺书（告知承诺制）",
        conditions="申请人已具备条件。",
        undertaking="所提交材料真实有效。",
        verification="审批部门有权核查。",
        liability="如承诺不实，愿意承担相应法律责任。",
        declaration="本主体自愿签署本承诺书。",
        is_public=True,
    )
    data = ItemIn(
        code="BENCH-0001",
        department="SCJGJ",
        name="食品经营许可",
        commitment_type="审批替代",
        conditions="场所与设施齐备。",
        template=template,
    )
    item = commitments.create_item(session, Actor.system("bench"), data)  # type: ignore[arg-type]
    return item.id, commitments.get_template(session, item.id).id  # type: ignore[arg-type]


def load(database: Database, args: argparse.Namespace) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    today = dt.date.today()
    with database.engine.begin() as conn:  # the search indexes are rebuilt after the load, not row by row
        trigram = list(
            conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'entities' AND indexname LIKE 'trgm%'"
                )
            )
        )
        for name, _ in trigram:
            conn.execute(text(f'DROP INDEX "{name}"'))
    with database.unit_of_work() as session:
        seed_notice_departments(session, Actor.system("bench"))
        ensure_seeded(session)
        item_id, template_id = _item(session)
        session.flush()
        entity_columns = (
            "uscc, name, name_pinyin, name_initials, former_names, authority, org_type, region_code, status, "
            "provisional, created_at, updated_at"
        )
        _copy(session, "entities", entity_columns, _entities(args.entities, now))
        heads, versions = _records(args.entities, args.records, now, today)
        _copy(session, "credit_records", RECORD_COLUMNS, heads)
        _copy(session, "credit_record_versions", VERSION_COLUMNS, versions)
        letters = (
            (
                f"CN{i:010d}",
                item_id,
                template_id,
                "SCJGJ",
                "审批替代",
                uscc_of(i * 13 % args.entities),
                name_of(i * 13 % args.entities),
                "承诺书全文",
                "0" * 64,
                "王建国",
                now - dt.timedelta(minutes=i),
                "portal",
                "entity",
                "bench",
                True,
                "履约中",
                now,
            )
            for i in range(args.commitments)
        )
        _copy(session, "commitments", COMMITMENT_COLUMNS, letters)
        cases = (
            (
                DEPARTMENTS[i % 4],
                f"分级分类监管典型案例{i}",
                "做法与成效。",
                "正文。",
                "A" if i % 2 else "D",
                today - dt.timedelta(days=i % 700),
                "bench",
                now,
            )
            for i in range(args.cases)
        )
        _copy(
            session,
            "supervision_cases",
            "department, title, summary, body, stratum, published_on, created_by, created_at",
            cases,
        )
        campaigns = (
            (
                f"{TRADES[i % len(TRADES)]}领域失信问题专项治理{i}",
                "《规划纲要》",
                DEPARTMENTS[i % 4],
                today - dt.timedelta(days=i),
                today + dt.timedelta(days=90 - i),
                "集中治理。",
                "进行中",
                False,
                "bench",
                now,
                now,
            )
            for i in range(args.campaigns)
        )
        _copy(
            session,
            "campaigns",
            "name, legal_basis, lead_department, start_date, end_date, description, status, "
            "results_published, created_by, created_at, updated_at",
            campaigns,
        )
    with database.engine.begin() as conn:
        for _, definition in trigram:
            conn.execute(text(definition))
        for table in ("credit_records", "credit_record_versions", "commitments", "supervision_cases", "campaigns"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with create_engine(database.engine.url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("VACUUM (FREEZE, ANALYZE)"))
        conn.execute(text("CHECKPOINT"))


def prepare(args: argparse.Namespace) -> str:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    url = ADMIN.rsplit("/", 1)[0] + "/" + NAME
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": NAME}).first()
        if exists and args.reuse:
            admin.dispose()
            database = Database(url)
            create_schema(database)  # newer migrations (e.g. indexes) on the kept database
            database.engine.dispose()
            return url
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    database = Database(url)
    create_schema(database)
    started = time.perf_counter()
    load(database, args)
    database.engine.dispose()
    print(f"loaded {args.entities} entities, {args.records} records in {time.perf_counter() - started:.0f} s")
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
            "XINYONG_ENV": "development",
            "XINYONG_BACKGROUND_TICK_SECONDS": "0",
            "XINYONG_ANON_EXPORT_PER_HOUR": "100000",
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
        "--log-level",
        "warning",
        "--no-access-log",
        "--timeout-keep-alive",
        "600",
    ]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 600  # start-up is seconds on a quiet machine, minutes at load 20
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Client:
    """One keep-alive connection asking as a browser (Accept: text/html), every answer read and checked."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, accept: str = "text/html") -> bytes:
        self.conn.request("GET", path, headers={"Accept": accept})
        answer = self.conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path}: {answer.status} {body[:200]!r}")
        return body

    def timed(self, path: str) -> float:
        started = time.perf_counter()
        self.get(path)
        return (time.perf_counter() - started) * 1000


def deep_link(client: Client, path: str, page: int) -> str:
    """The 下一页 link of ``page`` - 1, as a visitor walking the list would follow it (a keyset position)."""
    body = client.get(f"{path}{'&' if '?' in path else '?'}page={page - 1}").decode()
    found = re.search(r'<a href="([^"]+)" rel="next"', body)
    assert found, path
    return found.group(1).replace("&amp;", "&")


def pages(client: Client, args: argparse.Namespace) -> dict[str, list[str]]:
    rng = random.Random(24)
    total = json.loads(client.get("/publicity/penalties.json", accept="application/json"))["total"]
    last = -(-total // PAGE)
    lists = {
        "home": ["/"],
        "penalties_first": ["/publicity/penalties"],
        "penalties_last": [f"/publicity/penalties?page={last}"],
        "penalties_keyset_2000": [deep_link(client, "/publicity/penalties", min(2000, last))],
        "penalties_middle": [f"/publicity/penalties?page={last // 2}"],
        "penalties_keyword": [f"/publicity/penalties?q={urllib.parse.quote(w)}" for w in WORDS],
        "penalties_category": ["/publicity/penalties?category=" + urllib.parse.quote("警告")],
        "licenses_first": ["/publicity/licenses"],
        "licenses_last": ["/publicity/licenses?page=" + str(-(-total // PAGE))],
        "lists_first": ["/lists"],
        "lists_last": ["/lists?page=" + str(max(1, args.records // 50 // PAGE))],
        "commitments_first": ["/commitments/public"],
        "commitments_last": [f"/commitments/public?page={args.commitments // PAGE}"],
        "cases_first": ["/inspections/cases"],
        "cases_last": [f"/inspections/cases?page={args.cases // PAGE}"],
        "campaigns_first": ["/campaigns"],
        "search": ["/search?q=" + urllib.parse.quote(f"{rng.choice(WORDS)} {rng.choice(TRADES)}") for _ in range(20)],
        "entity": [f"/entity/{uscc_of(rng.randrange(args.entities))}" for _ in range(20)],
        "record": [f"/record/{rng.randrange(1, args.records)}" for _ in range(20)],
    }
    return lists


def measure_pages(client: Client, args: argparse.Namespace) -> dict[str, object]:
    figures: dict[str, object] = {}
    for name, paths in pages(client, args).items():
        client.get(paths[0])  # warm this page's code path once
        times = [client.timed(paths[i % len(paths)]) for i in range(args.requests)]
        figures[f"{name}_p50_ms"] = round(statistics.median(times), 1)
        figures[f"{name}_p95_ms"] = round(percentile(times, 0.95), 1)
        print(f"{name:24} p50 {figures[f'{name}_p50_ms']:8} ms   p95 {figures[f'{name}_p95_ms']:8} ms")
    return figures


def measure_export(port: int, path: str) -> tuple[float, float, int]:
    """Seconds to the first byte of the body, total seconds, data rows."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path)
    answer = conn.getresponse()
    answer.read(1)
    first = time.perf_counter() - started
    body = answer.read()
    took = time.perf_counter() - started
    if answer.status != 200:
        raise RuntimeError(f"{path}: {answer.status}")
    rows = body.count(b"\r\n") - 2 if path.endswith(".csv") or ".csv?" in path else 0
    return first, took, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--commitments", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--campaigns", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="reuse the database of an earlier run if present")
    parser.add_argument("--setup-only", action="store_true", help="build (or upgrade) the database, measure nothing")
    parser.add_argument("--no-exports", action="store_true", help="time the pages only (the exports take minutes)")
    args = parser.parse_args()
    url = prepare(args)
    if args.setup_only:
        return
    port = free_port()
    server = start_server(url, port)
    try:
        figures: dict[str, object] = {"entities": args.entities, "records": args.records, "requests": args.requests}
        figures |= measure_pages(Client(port), args)
        for fmt in () if args.no_exports else ("csv", "xlsx"):
            first, took, rows = measure_export(port, f"/publicity/penalties.{fmt}")
            figures[f"export_{fmt}_first_byte_s"] = round(first, 3)
            figures[f"export_{fmt}_s"] = round(took, 2)
            if rows:
                figures["export_csv_rows"] = rows
                figures["export_csv_rows_per_s"] = round(rows / took)
            print(f"export {fmt}: first byte {first:.3f} s, all {took:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
