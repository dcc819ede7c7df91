"""Benchmark: 公共信用综合评价 at scale on PostgreSQL — a full re-grade, one entity's re-grade after a new record,
and the stratified 双随机 draw over the graded pool — next to a plain SQL ``GROUP BY`` over the same records.

    .venv/bin/python bench/evaluation.py                                   # 10,000 entities, 100,000 records
    .venv/bin/python bench/evaluation.py --entities 1000000 --records 10000000
    .venv/bin/python bench/evaluation.py --entities 1000000 --records 10000000 --db NAME --setup-only  # load once
    /work/bin/quiet .venv/bin/python bench/evaluation.py --db NAME --reuse       # then measure, as often as needed

In a throwaway PostgreSQL database (created, migrated with ``xinyong.schema.create_schema``, dropped unless
``--keep``, ``--setup-only`` or ``--reuse``), entities and current credit-record versions are generated set-based
with ``generate_series`` (kinds, severities, statuses and decision dates spread like the demo's: penalties,
licences, complaints, honours, broken commitments, abnormal operation, judicial records; a few repaired or
revoked) with the tables' plain indexes dropped and built again afterwards, then ``VACUUM ANALYZE`` (autovacuum is
off). With ``--reuse`` the stored grades, history and runs are emptied before the full re-grade (untimed), so it is
a first run again (every result new, a history row each); ``--second-run`` keeps them. ``--steps`` picks what to
measure (``floor,full,single,draw``).

1. the floor: ``SELECT subject_uscc, count(*) … WHERE valid_to IS NULL GROUP BY subject_uscc`` over the same rows;
2. the full re-grade exactly as ``xinyong regrade`` runs it: ``evaluation.service.open_run`` then ``run_chunk``
   (``--chunk`` entities per transaction, each committed with the run's progress), results and history written;
3. single re-grade latency: ``--samples`` times, a new 行政处罚 for a random entity through
   ``records.service.upsert_record`` and commit, then ``evaluation.service.regrade_entity`` timed to its commit
   (median and p95 in ms);
4. ``draw_s``: the stratified draw of ``xinyong.inspections`` over the whole graded pool — grades read with
   ``evaluation.service.current_grades``, the pool hashed (``pool_hash``), the seed derived from a public value
   (``derive_seed``) and the lowest tickets per grade drawn (``inspections.rules.select``) with ratios A 2 %, B 5 %,
   C 10 %, D 30 %. ``--no-draw`` skips it (``draw_s`` is then null); so does a tree without ``xinyong.inspections``.

Ends with one JSON line: ``{"entities", "records", "floor_group_by_s", "full_regrade_s", "entities_per_s",
"single_regrade_ms", "single_regrade_p95_ms", "draw_s", "grades", ...}``. The admin URL is ``--admin-url`` or
``XINYONG_TEST_DATABASE_URL`` (default: postgres on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import resource
import statistics
import time
from typing import Any

from sqlalchemy import create_engine, text

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_uscc
from xinyong.evaluation import service
from xinyong.records import service as records
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.schema import create_schema

DEFAULT_ADMIN = os.environ.get("XINYONG_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ACTOR = Actor.system("bench:evaluation")
RATIOS = {"A": "2", "B": "5", "C": "10", "D": "30"}  # percent

# (share of records in per mille, kind, severity SQL); severities drawn from the row's hash
KINDS = (
    (350, "penalty", "(ARRAY['轻微','一般','一般','一般','严重'])[1 + (h % 5)]"),
    (300, "license", "NULL"),
    (100, "complaint", "NULL"),
    (60, "inspection", "NULL"),
    (50, "honour", "NULL"),
    (50, "commitment", "CASE WHEN h % 10 = 0 THEN '一般' END"),
    (40, "abnormal_operation", "NULL"),
    (30, "judicial", "'一般'"),
    (20, "reward", "NULL"),
)


def uscc_of(number: int) -> str:
    """The valid USCC of entity number ``number`` (1 …): a 共青城 enterprise."""
    return make_uscc("9", "1", "360482", f"{number:08d}")


def _codes(database: Database, entities: int) -> None:
    """entity number -> USCC in a helper table (check characters computed in Python, copied in)."""
    with database.engine.begin() as conn:
        conn.execute(text("CREATE UNLOGGED TABLE bench_codes (i integer PRIMARY KEY, uscc varchar(18) NOT NULL)"))
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy("COPY bench_codes (i, uscc) FROM STDIN") as copy:
            for number in range(1, entities + 1):
                copy.write_row((number, uscc_of(number)))


LOADED_TABLES = ("entities", "credit_records", "credit_record_versions")


def _drop_indexes(database: Database) -> list[str]:
    """Drop the loaded tables' plain indexes (not those behind a key or unique constraint) and return their
    definitions: built once after the load they take minutes, maintained row by row (the name trigram GINs) an hour."""
    with database.engine.begin() as conn:
        rows = conn.execute(
            text(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(:tables)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                """
            ),
            {"tables": list(LOADED_TABLES)},
        ).all()
        for name, _ in rows:
            conn.execute(text(f"DROP INDEX {name}"))
    return [definition for _, definition in rows]


def _build_indexes(database: Database, definitions: list[str]) -> None:
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for definition in definitions:
            started = time.perf_counter()
            conn.execute(text(definition))
            print(f"  {definition[:90]} … {time.perf_counter() - started:.1f} s", flush=True)


def load(database: Database, entities: int, records: int) -> float:
    started = time.perf_counter()
    with database.unit_of_work() as session:
        seed_notice_departments(session, ACTOR)
    _codes(database, entities)
    definitions = _drop_indexes(database)
    with database.engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO entities (uscc, name, name_pinyin, name_initials, former_names, authority, org_type,
                    region_code, status, provisional, created_at, updated_at)
                SELECT uscc, '共青城测评企业' || i || '有限公司', '', '', '', '9', '1', '360482', '存续',
                    false, now(), now()
                FROM bench_codes
                """
            )
        )
        print(f"  {entities:,} entities in {time.perf_counter() - started:.1f} s", flush=True)
        cases = []
        upper = 0
        for share, kind, severity in KINDS:
            upper += share
            cases.append((upper, kind, severity))
        kind_sql = "CASE " + " ".join(f"WHEN k < {u} THEN '{kind}'" for u, kind, _ in cases) + " END"
        severity_sql = "CASE " + " ".join(f"WHEN k < {u} THEN {sev}" for u, _, sev in cases) + " END"
        chunk = 1_000_000
        for start in range(1, records + 1, chunk):
            stop = min(records, start + chunk - 1)
            conn.execute(
                text(
                    f"""
                    WITH src AS (
                        SELECT g.i, abs(hashtext(g.i::text)) AS h, (abs(hashtext('k' || g.i)) % 1000) AS k, c.i AS e,
                               c.uscc
                        FROM generate_series(:start, :stop) AS g (i)
                        JOIN bench_codes c ON c.i = 1 + (abs(hashtext('e' || g.i)) % :entities)
                    ), rec AS (
                        INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at)
                        SELECT i, 'SCJGJ', {kind_sql}, 'BENCH-' || i, 1, now() FROM src
                        RETURNING id
                    )
                    INSERT INTO credit_record_versions (id, record_id, version, valid_from, valid_to,
                        source_department, kind, subject_type, subject_uscc, subject_person_id, subject_name, title,
                        decision_date, received_date, published_date, disclosure, severity, status, content,
                        provenance, change_kind, change_reason, actor_role, actor_id)
                    SELECT i, i, 1, now(), NULL, 'SCJGJ', {kind_sql}, 'entity', uscc, NULL,
                        '共青城测评企业' || e || '有限公司', '测评记录', CURRENT_DATE - (h % 1460)::int,
                        CURRENT_DATE - (h % 1460)::int, CURRENT_DATE - (h % 1460)::int,
                        CASE WHEN h % 7 = 0 THEN '有条件共享' ELSE '公开' END, {severity_sql},
                        CASE WHEN h % 50 = 0 THEN '已修复' WHEN h % 97 = 0 THEN '已撤销' ELSE '有效' END,
                        '{{}}'::jsonb, '{{}}'::jsonb, 'created', NULL, 'system', 'bench'
                    FROM src
                    """
                ),
                {"start": start, "stop": stop, "entities": entities},
            )
            print(f"  {stop:,} records, {time.perf_counter() - started:.1f} s", flush=True)
        conn.execute(text("DROP TABLE bench_codes"))
        for table in ("credit_records", "credit_record_versions"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": records})
    _build_indexes(database, definitions)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def floor(database: Database) -> tuple[float, int]:
    with database.engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(
            text(
                "SELECT subject_uscc, count(*) FROM credit_record_versions WHERE valid_to IS NULL GROUP BY subject_uscc"
            )
        ).all()
        return time.perf_counter() - started, len(rows)


def full_regrade(database: Database, chunk: int) -> tuple[float, int, dict[str, int]]:
    today = clock.today()
    started = time.perf_counter()
    with database.unit_of_work() as session:
        run, _ = service.open_run(session, ACTOR, restart=True)
        run_id = run.id
    done = 0
    while True:
        with database.unit_of_work() as session:
            run = service.get_run(session, run_id)
            graded = service.run_chunk(session, run, today, chunk)
            done = run.done
            if not graded:
                service.finish_run(session, ACTOR, run)
        if not graded:
            break
        print(f"  {done:,} graded, {time.perf_counter() - started:.1f} s", flush=True)
    seconds = time.perf_counter() - started
    with database.unit_of_work() as session:
        counts = service.distribution(session)[1]
    return seconds, done, counts


def single_regrades(database: Database, entities: int, samples: int, rng: random.Random) -> list[tuple[float, float]]:
    """(to the commit, before the commit) in ms for each sample."""
    timings: list[tuple[float, float]] = []
    for n in range(samples):
        number = rng.randint(1, entities)
        uscc = uscc_of(number)
        with database.unit_of_work() as session:
            records.upsert_record(
                session,
                ACTOR,
                RecordIn(
                    source_department="SCJGJ",
                    kind="penalty",
                    doc_no=f"BENCH-NEW-{n}-{number}",
                    subject=SubjectIn(type="entity", name=f"共青城测评企业{number}有限公司", uscc=uscc),
                    title="行政处罚决定书",
                    decision_date=clock.today() - dt.timedelta(days=3),
                    severity="一般",
                    content={"WFXW": "虚假宣传"},
                ),
            )
        started = time.perf_counter()
        with database.unit_of_work() as session:
            service.regrade_entity(session, ACTOR, uscc, "bench:new-record")
            computed = time.perf_counter()
        done = time.perf_counter()
        timings.append(((done - started) * 1000, (computed - started) * 1000))
    return timings


def draw(database: Database) -> float | None:
    if importlib.util.find_spec("xinyong.inspections") is None:
        return None
    from xinyong.inspections import rules as inspections  # optional: another area's code

    started = time.perf_counter()
    with database.unit_of_work() as session:
        grades = service.current_grades(session)
    rows = sorted(grades.items())
    digest = inspections.pool_hash(rows)
    seed = inspections.derive_seed(inspections.normalise_public_value("12345678"), digest)
    strata, picks = inspections.select(rows, seed, inspections.parse_ratios(RATIOS))
    seconds = time.perf_counter() - started
    print(f"  drew {len(picks):,} of {len(rows):,}: " + ", ".join(f"{s.stratum} {s.count}" for s in strata))
    return seconds


STEPS = ("floor", "full", "single", "draw")


def clear_grades(database: Database) -> None:
    """Back to a database never graded (with ``--reuse``, so the full re-grade is a first run again: every result
    new, a history row per entity). Not timed."""
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE evaluation_results, grade_history, regrade_queue"))
        conn.execute(text("DELETE FROM regrade_runs"))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE evaluation_results"))
        conn.execute(text("VACUUM ANALYZE grade_history"))


def measure(database: Database, args: argparse.Namespace, steps: set[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if "floor" in steps:
        floor_s, subjects = floor(database)
        print(f"floor: GROUP BY over the records ({subjects:,} subjects) in {floor_s:.2f} s", flush=True)
        result["floor_group_by_s"] = round(floor_s, 3)
    if "full" in steps:
        if args.reuse and not args.second_run:
            clear_grades(database)
        print("full re-grade:", flush=True)
        full_s, graded, grades = full_regrade(database, args.chunk)
        print(f"full re-grade of {graded:,} entities in {full_s:.1f} s ({graded / full_s:,.0f} entities/s): {grades}")
        result.update(full_regrade_s=round(full_s, 2), entities_per_s=round(graded / full_s), grades=grades)
        if "floor_group_by_s" in result:
            result["ratio_to_floor"] = round(full_s / result["floor_group_by_s"], 1)
    if "single" in steps:
        timings = single_regrades(database, args.entities, args.samples, random.Random(args.seed))
        totals = sorted(t for t, _ in timings)
        median = statistics.median(totals)
        p95 = totals[max(0, int(len(totals) * 0.95) - 1)]
        before_commit = statistics.median(c for _, c in timings)
        print(
            f"single re-grade after a new record: median {median:.1f} ms, p95 {p95:.1f} ms to the commit "
            f"({before_commit:.1f} ms before it)"
        )
        result.update(
            single_regrade_ms=round(median, 2),
            single_regrade_p95_ms=round(p95, 2),
            single_regrade_before_commit_ms=round(before_commit, 2),
        )
    if "draw" in steps and not args.no_draw:
        draw_s = draw(database)
        if draw_s is not None:
            print(f"stratified draw over the graded pool: {draw_s:.2f} s")
            result["draw_s"] = round(draw_s, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=service.RUN_CHUNK)
    parser.add_argument("--samples", type=int, default=50, help="single re-grades to time")
    parser.add_argument("--seed", type=int, default=7, help="picks the single re-grades' entities")
    parser.add_argument("--no-draw", action="store_true", help="skip the stratified draw (draw_s null)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"what to measure, of {','.join(STEPS)}")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--db", help="the database's name (default: xinyong_bench_evaluation_PID)")
    parser.add_argument("--setup-only", action="store_true", help="load the data, keep the database and stop")
    parser.add_argument("--reuse", action="store_true", help="measure on the loaded --db (kept); no load")
    parser.add_argument(
        "--second-run", action="store_true", help="with --reuse: keep the stored grades (a re-run, few changes)"
    )
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    if steps - set(STEPS):
        parser.error(f"unknown steps {sorted(steps - set(STEPS))}")
    name = args.db or f"xinyong_bench_evaluation_{os.getpid()}"
    keep = args.keep or args.setup_only or args.reuse
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(args.admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        load_s = None
        if not args.reuse:
            create_schema(database)
            print(f"loading {args.entities:,} entities and {args.records:,} records into {name}", flush=True)
            load_s = load(database, args.entities, args.records)
        else:
            with database.engine.connect() as conn:
                args.entities = conn.execute(text("SELECT count(*) FROM entities")).scalar_one()
                args.records = conn.execute(text("SELECT count(*) FROM credit_records")).scalar_one()
        if args.setup_only:
            print(json.dumps({"db": name, "entities": args.entities, "records": args.records, "load_s": load_s}))
            return
        result: dict[str, Any] = {
            "entities": args.entities,
            "records": args.records,
            "chunk": args.chunk,
            "load_s": None if load_s is None else round(load_s, 1),
            "reused": args.reuse,
            **measure(database, args, steps),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
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
