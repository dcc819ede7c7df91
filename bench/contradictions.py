"""Benchmark: the contradiction sweep (可比对) at scale on PostgreSQL — the tick's full round of every rule over all
entities, a second round the same day (nothing new: idempotence), and a change-driven round after a few new
records — next to a plain SQL ``GROUP BY`` over the same records.

    .venv/bin/python bench/contradictions.py                                 # 10,000 entities, 100,000 records
    .venv/bin/python bench/contradictions.py --entities 1000000 --records 10000000

In a throwaway PostgreSQL database (created, migrated with ``xinyong.schema.create_schema``, dropped unless
``--keep``), set-based with ``generate_series``: entities (1 in 100 吊销 or 注销, with the dated 注销登记 record or
吊销营业执照 penalty), current record versions from five departments (penalties, 1 in 50 of them 严重; licences;
honours; registrations; inspections; a few shared document numbers across two departments with another subject),
list entries (serious for 1 in 100 entities, market bans for 1 in 1,000, upstream entries exited there for 1 in 500
of the serious ones), and grades (A for 3 in 10 entities); then ``ANALYZE``.

1. the floor: ``SELECT subject_uscc, count(*) … WHERE valid_to IS NULL GROUP BY subject_uscc``;
2. ``full_s``: ``contradictions.service.sweep_contradictions`` as the tick runs it on the first round of a day (every
   rule, set-based, each flag raised through the workflow with its step row and audit event), one transaction;
3. ``again_s``: the next round the same day (change-driven: nothing changed, nothing raised);
4. ``changes_s``: ``--changes`` new licences for banned or closed entities written through the records service,
   then the next round (only the changed entities are compared).

Ends with one JSON line: ``{"entities", "records", "floor_group_by_s", "full_s", "flags", "per_rule", "again_s",
"changes_s", "changes_raised", "detect_s_found", "load_avg", ...}`` (``detect_s_found``: each rule's statement
"changes_s", "changes_raised", "detect_s_found", "load_avg", ...}`` (``detect_s_found``: each rule's statement
(default: postgres on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time

from sqlalchemy import create_engine, func, select, text

from xinyong.contradictions import service
from xinyong.contradictions.detect import DETECTORS
from xinyong.contradictions.models import ContradictionFlag
from xinyong.contradictions.raising import MARK
from xinyong.contradictions.rules import DEFAULTS_BY_CODE
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_uscc
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.records import service as records
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.schema import create_schema

DEFAULT_ADMIN = os.environ.get("XINYONG_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ACTOR = Actor.system("bench:contradictions")
DEPARTMENTS = ("SCJGJ", "SWJ", "XZSPJ", "ZJJ", "STHJJ")
# (share in per mille, kind, severity SQL, title SQL)
KINDS = (
    (350, "penalty", "CASE WHEN h % 50 = 0 THEN '严重' ELSE '一般' END", "'行政处罚决定书'"),
    (300, "license", "NULL", "'行政许可决定书'"),
    (5, "honour", "NULL", "'守合同重信用企业'"),
    (100, "registration", "NULL", "'变更登记'"),
    (245, "inspection", "NULL", "'行政检查结果'"),
)


def uscc_of(number: int) -> str:
    return make_uscc("9", "1", "360482", f"{number:08d}")


def _codes(database: Database, entities: int) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("CREATE UNLOGGED TABLE bench_codes (i integer PRIMARY KEY, uscc varchar(18) NOT NULL)"))
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy("COPY bench_codes (i, uscc) FROM STDIN") as copy:
            for number in range(1, entities + 1):
                copy.write_row((number, uscc_of(number)))


ENTITIES_SQL = """
INSERT INTO entities (uscc, name, name_pinyin, name_initials, former_names, authority, org_type, region_code, status,
    provisional, created_at, updated_at)
SELECT uscc, '共青城比对企业' || i || '有限公司', '', '', '', '9', '1', '360482',
    CASE WHEN i % 200 = 0 THEN '吊销' WHEN i % 200 = 1 THEN '注销' ELSE '存续' END, false, now(), now()
FROM bench_codes
"""


def _records_sql(kind_sql: str, severity_sql: str, title_sql: str) -> str:
    return f"""
    WITH src AS (
        SELECT g.i, abs(hashtext(g.i::text)) AS h, (abs(hashtext('k' || g.i)) % 1000) AS k, c.i AS e, c.uscc,
               CASE WHEN (g.i / 2) % 2500 = 0 THEN (ARRAY['SCJGJ','SWJ'])[1 + g.i % 2]
                    ELSE (ARRAY['SCJGJ','SWJ','XZSPJ','ZJJ','STHJJ'])[1 + (abs(hashtext('d' || g.i)) % 5)] END AS dept
        FROM generate_series(:start, :stop) AS g (i)
        JOIN bench_codes c ON c.i = 1 + (abs(hashtext('e' || g.i)) % :entities)
    ), rec AS (
        INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at)
        SELECT i, dept, {kind_sql},
            CASE WHEN (i / 2) % 2500 = 0 THEN 'BENCH-SHARED-' || (i / 2) ELSE 'BENCH-' || i END, 1, now() FROM src
        RETURNING id
    )
    INSERT INTO credit_record_versions (id, record_id, version, valid_from, valid_to, source_department, kind,
        subject_type, subject_uscc, subject_person_id, subject_name, title, decision_date, received_date,
        published_date, disclosure, severity, status, content, provenance, change_kind, change_reason, actor_role,
        actor_id)
    SELECT i, i, 1, now() - interval '1 day', NULL, dept, {kind_sql}, 'entity', uscc, NULL,
        '共青城比对企业' || e || '有限公司', {title_sql}, CURRENT_DATE - (h % 1460)::int,
        CURRENT_DATE - (h % 1460)::int, CURRENT_DATE - (h % 1460)::int, '公开', {severity_sql},
        CASE WHEN h % 97 = 0 THEN '已撤销' ELSE '有效' END, '{{}}'::jsonb, '{{}}'::jsonb, 'created', NULL, 'system',
        'bench'
    FROM src
    """


CLOSURES_SQL = """
INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at)
SELECT :base + i, 'SCJGJ', CASE WHEN i % 200 = 0 THEN 'penalty' ELSE 'registration' END, 'BENCH-CLOSE-' || i, 1, now()
FROM bench_codes WHERE i % 200 IN (0, 1);
INSERT INTO credit_record_versions (id, record_id, version, valid_from, valid_to, source_department, kind, subject_type,
    subject_uscc, subject_person_id, subject_name, title, decision_date, received_date, published_date, disclosure,
    severity, status, content, provenance, change_kind, change_reason, actor_role, actor_id)
SELECT :base + i, :base + i, 1, now() - interval '1 day', NULL, 'SCJGJ',
    CASE WHEN i % 200 = 0 THEN 'penalty' ELSE 'registration' END, 'entity', uscc, NULL,
    '共青城比对企业' || i || '有限公司',
    CASE WHEN i % 200 = 0 THEN '共青城比对企业' || i || '有限公司吊销营业执照案' ELSE '注销登记' END,
    CURRENT_DATE - 400, CURRENT_DATE - 400, CURRENT_DATE - 400, '公开', NULL, '有效', '{}'::jsonb, '{}'::jsonb,
    'created', NULL, 'system', 'bench'
FROM bench_codes WHERE i % 200 IN (0, 1)
"""

ENTRIES_SQL = """
INSERT INTO list_entries (list_type_id, list_code, department, status, subject_type, subject_uscc, subject_name, facts,
    basis, conduct_date, linked_record_ids, proposed_by, proposed_at, updated_at, origin, honour, decision_date,
    decision_doc_no, valid_from, valid_to, published_on, exit_date, upstream_key)
SELECT t.id, t.code, 'SCJGJ', s.status, 'entity', c.uscc, '共青城比对企业' || c.i || '有限公司', '测评', '测评',
    CURRENT_DATE - 300, '[]'::jsonb, 'bench', now(), now(), s.origin, false, CURRENT_DATE - 300,
    '共市监列〔2025〕' || c.i || '号', CURRENT_DATE - 300, CURRENT_DATE + 700, CURRENT_DATE - 300, s.exit_date,
    CASE WHEN s.origin = 'upstream' THEN 'JXXY:' || c.i END
FROM bench_codes c
JOIN (VALUES ('serious', 100, 0, '已公示', 'local', NULL::date), ('market_ban', 1000, 3, '已公示', 'local', NULL),
             ('serious', 500, 0, '已移出', 'upstream', CURRENT_DATE - 10)) AS s (code, every, rest, status, origin,
             exit_date) ON c.i % s.every = s.rest
JOIN list_types t ON t.code = s.code
    AND t.version = (SELECT max(version) FROM list_types WHERE code = s.code)
"""

GRADES_SQL = """
INSERT INTO evaluation_results (uscc, model_version, score, grade, forced_by, breakdown, cause, computed_at)
SELECT uscc, 1, 1000, CASE WHEN i % 10 < 3 THEN 'A' ELSE 'B' END, NULL, '[]'::jsonb, 'bench', now() FROM bench_codes
"""


def load(database: Database, entities: int, records: int) -> float:
    started = time.perf_counter()
    with database.unit_of_work() as session:
        seed_notice_departments(session, ACTOR)
        lists.current_types(session)
        evaluation.ensure_seeded(session)
        service.ensure_rules(session)
    _codes(database, entities)
    upper, kind_cases, severity_cases, title_cases = 0, [], [], []
    for share, kind, severity, title in KINDS:
        upper += share
        kind_cases.append(f"WHEN k < {upper} THEN '{kind}'")
        severity_cases.append(f"WHEN k < {upper} THEN {severity}")
        title_cases.append(f"WHEN k < {upper} THEN {title}")
    statement = text(
        _records_sql(
            "CASE " + " ".join(kind_cases) + " END",
            "CASE " + " ".join(severity_cases) + " END",
            "CASE " + " ".join(title_cases) + " END",
        )
    )
    with database.engine.begin() as conn:
        conn.execute(text(ENTITIES_SQL))
        print(f"  {entities:,} entities in {time.perf_counter() - started:.1f} s", flush=True)
        chunk = 1_000_000
        for start in range(1, records + 1, chunk):
            stop = min(records, start + chunk - 1)
            conn.execute(statement, {"start": start, "stop": stop, "entities": entities})
            print(f"  {stop:,} records, {time.perf_counter() - started:.1f} s", flush=True)
        for part in CLOSURES_SQL.split(";"):
            conn.execute(text(part), {"base": records})
        conn.execute(text(ENTRIES_SQL))
        conn.execute(text(GRADES_SQL))
        conn.execute(text("DROP TABLE bench_codes"))
        for table in ("credit_records", "credit_record_versions"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # what autovacuum does to a settled table (index-only scans need it)
    return time.perf_counter() - started


def reset(database: Database) -> tuple[int, int]:
    """A reused database as built: no flags, no change marks (the next round is a full one); its size."""
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM contradiction_flag_steps"))
        conn.execute(text("DELETE FROM contradiction_flags"))
        conn.execute(text("DELETE FROM ops_state WHERE name = :name"), {"name": MARK})
        entities = conn.execute(text("SELECT count(*) FROM entities")).scalar_one()
        versions = conn.execute(text("SELECT count(*) FROM credit_record_versions WHERE valid_to IS NULL")).scalar_one()
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("contradiction_flags", "contradiction_flag_steps", "credit_records", "credit_record_versions"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return int(entities), int(versions)


def floor(database: Database) -> float:
    with database.engine.connect() as conn:
        started = time.perf_counter()
        conn.execute(
            text(
                "SELECT subject_uscc, count(*) FROM credit_record_versions WHERE valid_to IS NULL GROUP BY subject_uscc"
            )
        ).all()
        return time.perf_counter() - started


def detectors(database: Database, today: dt.date) -> dict[str, list[float]]:
    """Each rule's statement alone over everyone, read-only: seconds and contradictions found."""
    out: dict[str, list[float]] = {}
    with database.unit_of_work() as session:
        for code, detect in DETECTORS.items():
            started = time.perf_counter()
            found = detect(session, today, DEFAULTS_BY_CODE[code].params, None)
            out[code] = [round(time.perf_counter() - started, 2), len(found)]
            print(f"  {code}: {len(found):,} in {out[code][0]} s", flush=True)
    return out


def timed_round(database: Database, today: dt.date) -> tuple[float, service.SweepOut]:
    started = time.perf_counter()
    with database.unit_of_work() as session:
        out = service.sweep_contradictions(session, ACTOR, today)
    return time.perf_counter() - started, out


def new_licences(database: Database, entities: int, count: int) -> None:
    """``count`` licences for banned entities (every 1,000th + 3), through the records service."""
    with database.unit_of_work() as session:
        for n in range(count):
            number = (n * 1000 + 3) % entities or 3
            records.upsert_record(
                session,
                ACTOR,
                RecordIn(
                    source_department="XZSPJ",
                    kind="license",
                    doc_no=f"BENCH-NEWLIC-{os.getpid()}-{n}",
                    subject=SubjectIn(type="entity", name=f"共青城比对企业{number}有限公司", uscc=uscc_of(number)),
                    title="行政许可决定书",
                    decision_date=clock.today() - dt.timedelta(days=1),
                ),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=20, help="new licences before the change-driven round")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    parser.add_argument("--setup-only", metavar="NAME", help="build the data into database NAME, keep it, stop")
    parser.add_argument("--reuse", metavar="NAME", help="time the rounds over database NAME built by --setup-only")
    args = parser.parse_args()
    name = args.reuse or args.setup_only or f"xinyong_bench_contradictions_{os.getpid()}"
    keep = args.keep or bool(args.reuse or args.setup_only)
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(args.admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        create_schema(database)  # on a reused database: the migrations landed since it was built (new indexes)
        if args.reuse:
            load_s, (args.entities, args.records) = 0.0, reset(database)
            print(f"reusing {name}: {args.entities:,} entities, {args.records:,} records", flush=True)
        else:
            print(f"loading {args.entities:,} entities and {args.records:,} records into {name}", flush=True)
            load_s = load(database, args.entities, args.records)
            print(f"loaded in {load_s:.1f} s", flush=True)
        if args.setup_only:
            return
        floor_s = floor(database)
        print(f"floor: GROUP BY over {args.records:,} records in {floor_s:.2f} s", flush=True)
        today = clock.today()
        detect = detectors(database, today)
        full_s, full = timed_round(database, today)
        print(f"full round: {full.raised:,} flags in {full_s:.1f} s", flush=True)
        again_s, again = timed_round(database, today)
        new_licences(database, args.entities, args.changes)
        changes_s, changes = timed_round(database, today)
        with database.unit_of_work() as session:
            per_rule = dict(
                session.execute(
                    select(ContradictionFlag.rule_code, func.count()).group_by(ContradictionFlag.rule_code)
                ).all()
            )
        result = {
            "benchmark": "contradictions",
            "entities": args.entities,
            "records": args.records,
            "load_s": round(load_s, 1),
            "floor_group_by_s": round(floor_s, 2),
            "full_s": round(full_s, 2),
            "flags": full.raised,
            "per_rule": per_rule,
            "detect_s_found": detect,
            "again_s": round(again_s, 2),
            "again_raised": again.raised,
            "changes_s": round(changes_s, 2),
            "changes_entities": changes.entities,
            "changes_raised": changes.raised,
            "load_avg": [round(x, 2) for x in os.getloadavg()],
            "database": "postgresql",
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        database.dispose()
        if keep:
            print(f"kept {name}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
