"""Benchmark: a month's department scorecards (部门信用工作考核) for the 47 departments on PostgreSQL, next to the
plain ``GROUP BY`` over the same month's records.

    .venv/bin/python bench/scorecards.py                                   # 100,000 entities, 1,000,000 records
    .venv/bin/python bench/scorecards.py --entities 1000000 --records 10000000
    .venv/bin/python bench/scorecards.py --name D --setup-only --entities 1000000 --records 10000000   # load, keep
    .venv/bin/python bench/scorecards.py --name D --reuse                                              # time only

In a throwaway database (created, migrated with ``xinyong.schema.create_schema``, dropped unless ``--keep``) the
rows a scorecard counts are generated set-based with ``generate_series``: entities; credit records of the 47
departments (45 % 行政处罚, 35 % 行政许可, the rest other kinds) decided over the year before ``--today``, received a
few days later, most published within days (some late, some never); one batch per department and day with refused
rows; ``--checks`` embedded checks of the month with their measures, a third without feedback; objections, repair
applications, rectification tasks and list entries with working-day deadlines around the month. Then ``ANALYZE``.

Measured: ``floor_s``, ``SELECT source_department, count(*) … GROUP BY source_department`` over the month's
decisions; ``status_query_s``, the 7-working-day status query grouped by department (``records.service.
status_counts_by``); ``month_s``, the whole month's scorecards as the console and the API compute them
(``scorecards.service.compute``: every indicator of every department, ranked), best and median of ``--runs``;
``trend_6_months_s``, the six months of scores a card's trend chart shows (``scorecards.service.trend``).

Ends with one JSON line: ``{"entities", "records", "month", "floor_s", "status_query_s", "month_s",
"month_median_s", "departments", "ranked", "load_s", "loadavg", ...}``. The admin URL is ``--admin-url`` or
``XINYONG_TEST_DATABASE_URL`` (default: postgres on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from typing import Any

from sqlalchemy import create_engine, text

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.core.departments import NOTICE_DEPARTMENTS, seed_notice_departments
from xinyong.core.ids import make_uscc
from xinyong.core.periods import month_bounds
from xinyong.lists.types import current_types
from xinyong.punishment.catalogue import ensure_seeded
from xinyong.records import service as records
from xinyong.schema import create_schema
from xinyong.scorecards import service

DEFAULT_ADMIN = os.environ.get("XINYONG_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ACTOR = Actor.system("bench:scorecards")
CHUNK = 1_000_000
DEPARTMENTS = "ARRAY[" + ",".join(f"'{code}'" for code, _, _ in NOTICE_DEPARTMENTS) + "]"
N_DEPARTMENTS = len(NOTICE_DEPARTMENTS)
KIND_SQL = (
    "CASE WHEN k < 450 THEN 'penalty' WHEN k < 800 THEN 'license' WHEN k < 900 THEN 'inspection' ELSE 'complaint' END"
)


def _entities(database: Database, entities: int) -> None:
    """Entities with valid USCCs (check characters computed here, copied in) and a number → USCC helper table."""
    with database.engine.begin() as conn:
        conn.execute(text("CREATE UNLOGGED TABLE bench_codes (i integer PRIMARY KEY, uscc varchar(18) NOT NULL)"))
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy("COPY bench_codes (i, uscc) FROM STDIN") as copy:
            for number in range(1, entities + 1):
                copy.write_row((number, make_uscc("9", "1", "360482", f"{number:08d}")))
        conn.execute(
            text(
                """
                INSERT INTO entities (uscc, name, name_pinyin, name_initials, former_names, authority, org_type,
                    region_code, status, provisional, created_at, updated_at)
                SELECT uscc, '共青城考核测评企业' || i || '有限公司', '', '', '', '9', '1', '360482', '存续', false,
                    now(), now()
                FROM bench_codes
                """
            )
        )


def _records(database: Database, entities: int, records_n: int, today: dt.date) -> None:
    """Records of the 47 departments over the year before ``today``: decided, received 0–4 days later, published
    0–11 days later (one in 40 never)."""
    for start in range(1, records_n + 1, CHUNK):
        stop = min(records_n, start + CHUNK - 1)
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    f"""
                    WITH src AS (
                        SELECT g.i, abs(hashtext(g.i::text)) AS h, abs(hashtext('k' || g.i)) % 1000 AS k,
                            c.uscc, ({DEPARTMENTS})[1 + abs(hashtext('d' || g.i)) % {N_DEPARTMENTS}] AS dept
                        FROM generate_series(:start, :stop) AS g (i)
                        JOIN bench_codes c ON c.i = 1 + abs(hashtext('e' || g.i)) % :entities
                    ), dated AS (
                        SELECT *, CAST(:today AS date) - (h % 365) AS decided FROM src
                    ), rec AS (
                        INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at)
                        SELECT i, dept, {KIND_SQL}, 'KH-' || i, 1, now() FROM dated RETURNING id
                    )
                    INSERT INTO credit_record_versions (id, record_id, version, valid_from, valid_to,
                        source_department, kind, subject_type, subject_uscc, subject_person_id, subject_name, title,
                        decision_date, received_date, published_date, disclosure, severity, status, content,
                        provenance, change_kind, change_reason, actor_role, actor_id)
                    SELECT i, i, 1, now(), NULL, dept, {KIND_SQL}, 'entity', uscc, NULL, '考核测评企业', '测评决定',
                        decided, decided + (h % 5),
                        CASE WHEN h % 40 = 0 THEN NULL ELSE decided + (h % 12) END,
                        CASE WHEN h % 9 = 0 THEN '有条件共享' ELSE '公开' END, NULL, '有效',
                        '{{}}'::jsonb, '{{}}'::jsonb, 'created', NULL, 'system', 'bench'
                    FROM dated
                    """
                ),
                {"start": start, "stop": stop, "entities": entities, "today": today},
            )
        print(f"  {stop:,} records", flush=True)
    with database.engine.begin() as conn:
        for table in ("credit_records", "credit_record_versions"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": records_n})


def _procedures(database: Database, first: dt.date, checks: int, items: int) -> None:
    """Batches (one per department and day over seven months), the month's checks with their measures, and
    objections, repairs, rectification tasks and list entries due around the month."""
    with database.unit_of_work() as session:
        ensure_seeded(session)
        list_type = current_types(session)[0]
    spread = f"({DEPARTMENTS})[1 + g.i % {N_DEPARTMENTS}]"
    statements = [
        """INSERT INTO batches (department, kind, channel, layout, rows_total, accepted, created, corrected, unchanged,
            rejected, unknown_columns, warnings, actor_role, actor_id, created_at, finished_at)
            SELECT d.code, 'penalty', 'api', 'national', 100, 100 - g.i % 7, 100 - g.i % 7, 0, 0, g.i % 7, '[]', '[]',
                'dept_operator', 'bench', ts, ts
            FROM departments d, generate_series(0, 210) AS g (i),
                LATERAL (SELECT (CAST(:first AS date) - 180 + g.i)::timestamptz + interval '3 hours' AS ts) t""",
        f"""INSERT INTO punishment_checks (at, requester_id, requester_role, requester_department, purpose, scenario,
            subject_kind, subject_key, subject_display, subject_known, outcome, entry_ids, answer)
            SELECT CAST(:first AS date)::timestamptz + (g.i % 28) * interval '1 day' + interval '2 hours',
                'client:' || g.i % 47, 'business_system', {spread}, '资格审查', 'procurement', 'entity', 'k' || g.i,
                'k' || g.i, true, 'restricted', '[]', '{{}}'
            FROM generate_series(1, :checks) AS g (i)""",
        """INSERT INTO punishment_check_measures (check_id, measure_id, measure_code, department, applied, feedback_at)
            SELECT c.id, m.id, m.code, m.department, CASE WHEN c.id % 3 = 0 THEN NULL ELSE true END,
                CASE WHEN c.id % 3 = 0 THEN NULL ELSE c.at END
            FROM punishment_checks c JOIN LATERAL (
                SELECT id, code, department FROM punishment_measures ORDER BY id LIMIT 1 + c.id % 2) m ON true""",
        f"""INSERT INTO objections (record_id, record_version, source_department, objector_role, objector_id,
            objector_name, reasons, status, stage, filed_at, filed_on, deadline, deadline_provisional, deadline_rule,
            resolved_at, updated_at)
            SELECT g.i, 1, {spread}, 'entity', 'e', '测评企业', '与事实不符',
                CASE WHEN g.i % 4 = 0 THEN '已转办' ELSE '已办结' END, 'department', now(), :first,
                CAST(:first AS date) - 10 + g.i % 45, false, 'department:7wd',
                CASE WHEN g.i % 4 = 0 THEN NULL
                     ELSE (CAST(:first AS date) - 12 + g.i % 45)::timestamptz + interval '1 day' * (g.i % 5) END,
                now()
            FROM generate_series(1, :items) AS g (i)""",
        f"""INSERT INTO repair_applications (number, target_kind, record_id, department, subject_uscc, subject_name,
            title, methods, statement, status, applicant_id, submitted_at, submitted_on, accept_deadline,
            accept_deadline_provisional, accepted_on, decide_deadline, decide_deadline_provisional, decided_at,
            updated_at)
            SELECT 'XF-' || g.i, 'record', g.i, {spread}, c.uscc, '测评企业', '测评决定', '[]', '已整改',
                '已修复', 'e', now(), CAST(:first AS date) - 5 + g.i % 30, CAST(:first AS date) - 2 + g.i % 30, false,
                CAST(:first AS date) - 2 + g.i % 30 + g.i % 3, CAST(:first AS date) + 12 + g.i % 30, false,
                (CAST(:first AS date) + 11 + g.i % 30 + g.i % 4)::timestamptz, now()
            FROM generate_series(1, :items) AS g (i) JOIN bench_codes c ON c.i = g.i""",
        f"""INSERT INTO rectification_tasks (department, status, subject_uscc, subject_name, requirement, issued_on,
            issued_by, working_days, deadline, deadline_provisional, deadline_rule, escalated, done_on, updated_at)
            SELECT {spread}, CASE WHEN g.i % 5 = 0 THEN '整改中' ELSE '已完成' END, c.uscc, '测评企业', '限期整改',
                CAST(:first AS date) - 20, 'bench', 10, CAST(:first AS date) - 5 + g.i % 40, false, '10 个工作日',
                false, CASE WHEN g.i % 5 = 0 THEN NULL ELSE CAST(:first AS date) - 7 + g.i % 40 + g.i % 4 END, now()
            FROM generate_series(1, :items) AS g (i) JOIN bench_codes c ON c.i = g.i""",
        f"""INSERT INTO list_entries (list_type_id, list_code, department, status, subject_type, subject_uscc,
            subject_name, facts, basis, conduct_date, linked_record_ids, proposed_by, proposed_at, notice_date,
            statement_deadline, decision_date, published_on, updated_at, origin)
            SELECT :list_type, :list_code, {spread}, CASE WHEN g.i % 6 = 0 THEN '已告知' ELSE '已公示' END,
                'entity', c.uscc, '测评企业', '严重违法', '依据', CAST(:first AS date) - 90, '[]', 'bench', now(),
                CAST(:first AS date) - 40, CAST(:first AS date) - 30 + g.i % 40,
                CASE WHEN g.i % 6 = 0 THEN NULL ELSE CAST(:first AS date) - 20 + g.i % 40 END,
                CASE WHEN g.i % 6 = 0 THEN NULL ELSE CAST(:first AS date) - 14 + g.i % 40 END, now(), 'local'
            FROM generate_series(1, :items) AS g (i) JOIN bench_codes c ON c.i = g.i""",
    ]
    params = {"first": first, "checks": checks, "items": items, "list_type": list_type.id, "list_code": list_type.code}
    with database.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def load(database: Database, args: argparse.Namespace, first: dt.date) -> float:
    started = time.perf_counter()
    with database.unit_of_work() as session:
        seed_notice_departments(session, ACTOR)
    _entities(database, args.entities)
    print(f"  {args.entities:,} entities in {time.perf_counter() - started:.1f} s", flush=True)
    _records(database, args.entities, args.records, args.today)
    _procedures(database, first, args.checks, min(args.items, args.entities, args.records))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP TABLE bench_codes"))
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def measure(database: Database, month: str, today: dt.date, runs: int) -> dict[str, Any]:
    first, following = month_bounds(month)
    with database.unit_of_work() as session:
        started = time.perf_counter()
        session.execute(
            text(
                "SELECT source_department, count(*) FROM credit_record_versions WHERE valid_to IS NULL "
                "AND kind IN ('penalty', 'license') AND decision_date >= :a AND decision_date < :b "
                "GROUP BY source_department"
            ),
            {"a": first, "b": following},
        ).all()
        floor_s = time.perf_counter() - started
        started = time.perf_counter()
        records.status_counts_by(session, [], first, following, today, by_department=True)
        status_s = time.perf_counter() - started
    with database.unit_of_work() as session:
        started = time.perf_counter()
        service.trend(session, Actor(role=Role.CREDIT_OFFICE, id="bench"), month, 6)
        trend_s = time.perf_counter() - started
    timings: list[float] = []
    for _ in range(runs):
        with database.unit_of_work() as session:
            started = time.perf_counter()
            scores = service.compute(session, month, today)
            timings.append(time.perf_counter() - started)
    return {
        "floor_s": round(floor_s, 3),
        "status_query_s": round(status_s, 3),
        "month_s": round(min(timings), 2),
        "month_median_s": round(statistics.median(timings), 2),
        "trend_6_months_s": round(trend_s, 2),
        "departments": len(scores.cards),
        "ranked": scores.ranked,
        "top": [(c.name, c.score) for c in scores.cards[:3]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=100_000, help="embedded checks in the month")
    parser.add_argument("--items", type=int, default=20_000, help="objections, repairs, tasks and list entries each")
    parser.add_argument("--month", default="2026-09")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 10, 20))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--name", help="database name (default: xinyong_bench_misuse_scorecards_<pid>)")
    parser.add_argument("--setup-only", action="store_true", help="create and load the database, keep it, time nothing")
    parser.add_argument("--reuse", action="store_true", help="time an existing --name database")
    args = parser.parse_args()
    clock.freeze(dt.datetime.combine(args.today, dt.time(2), tzinfo=dt.UTC))
    first, _ = month_bounds(args.month)
    name = args.name or f"xinyong_bench_misuse_scorecards_{os.getpid()}"
    keep = args.keep or args.setup_only or args.reuse
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(args.admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        load_s = 0.0
        if not args.reuse:
            create_schema(database)
            print(f"loading {args.entities:,} entities and {args.records:,} records into {name}", flush=True)
            load_s = load(database, args, first)
        if args.setup_only:
            print(json.dumps({"database": name, "load_s": round(load_s, 1)}))
            return
        if args.reuse:  # the sizes of the reused database, not the defaults
            with database.engine.connect() as conn:
                args.entities, args.records = (
                    int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                    for table in ("entities", "credit_records")
                )
        figures = measure(database, args.month, args.today, args.runs)
        result = {
            "entities": args.entities,
            "records": args.records,
            "checks": args.checks,
            "items": args.items,
            "month": args.month,
            **figures,
            "load_s": round(load_s, 1),
            "loadavg": [round(x, 1) for x in os.getloadavg()],
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        database.dispose()
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
