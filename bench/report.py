"""Credit report production and verification on PostgreSQL, next to a plain-SQL floor in the same run.

    .venv/bin/python bench/report.py --entities 1000000 [--records 200] [--runs 5] [--verifications 200] [--reuse]

Loads N demo entities into a throwaway PostgreSQL database (or reuses it with --reuse, or uses an existing one with
--database NAME), gives one entity 200 records,
then times issuing one full report with its PDF (build, sign, store, render: `report_s`, median of runs) and
verifying a report by number and code (`verify_ms`, median), beside the floor: fetching the issued row by number in
plain SQL (`floor_ms`). Targets (issue 8): report under 1 s, verification under 20 ms. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from sqlalchemy import create_engine, text

from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_uscc
from xinyong.demo import load_demo
from xinyong.entities import service as entities
from xinyong.entities.schemas import EntityIn
from xinyong.records import service as records
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.reports import service as reports
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def prepare(name: str, count: int, reuse: bool) -> Database:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists and reuse:
            return Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    create_schema(database)
    load_demo(database, entities=count, seed=20201)
    with database.engine.connect() as conn:  # autovacuum is off here: give the planner statistics
        conn.execute(text("ANALYZE"))
        conn.commit()
    return database


def subject_with_records(database: Database, count: int) -> str:
    system = Actor.system("bench")
    subject = EntityIn(uscc=make_uscc("9", "1", "360482", "MA35ABCD"), name="共青城报告基准测试有限公司")
    with database.sessions() as session:  # ready from an earlier run (--reuse, --database): nothing to add
        held = "SELECT count(DISTINCT record_id) FROM credit_record_versions WHERE subject_uscc = :u"
        if (session.scalar(text(held), {"u": subject.uscc}) or 0) >= count:
            return subject.uscc
    with database.unit_of_work() as session:
        seed_notice_departments(session, system)
        made, _ = entities.upsert_entity(session, system, subject)
        for n in range(count):
            records.upsert_record(
                session,
                system,
                RecordIn(
                    source_department="SCJGJ",
                    kind="penalty" if n % 2 else "license",
                    doc_no=f"共市监基准〔2026〕{n + 1}号",
                    subject=SubjectIn(type="entity", name=made.name, uscc=made.uscc),
                    title="行政处罚决定书" if n % 2 else "行政许可决定书",
                    decision_date=f"2026-{1 + n % 10:02d}-{1 + n % 27:02d}",
                    severity="一般" if n % 2 else None,
                    content={"WFXW": "虚假宣传"} if n % 2 else {"XKNR": "食品经营许可"},
                ),
            )
        return made.uscc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--verifications", type=int, default=200)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--setup-only", action="store_true", help="load the database and stop (time later, --reuse)")
    parser.add_argument(
        "--database",
        help="use this existing database as it is (e.g. bench/check.py's 10⁶ entities, COPY-loaded in a fraction of the"
        " demo loader's time); the subject and its records are added to it",
    )
    args = parser.parse_args()
    if args.database:
        database = Database(ADMIN.rsplit("/", 1)[0] + f"/{args.database}")
        with database.sessions() as session:
            args.entities = int(session.scalar(text("SELECT count(*) FROM entities")) or 0)
    else:
        database = prepare(f"xinyong_bench_report_{args.entities}", args.entities, args.reuse)
    loaded = time.perf_counter()
    uscc = subject_with_records(database, args.records)
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"subject with {args.records} records ready in {time.perf_counter() - loaded:.1f} s", flush=True)
    if args.setup_only:
        return
    office = Actor(role=Role.CREDIT_OFFICE, id="bench")
    report_times: list[float] = []
    number = code = ""
    for _ in range(args.runs):
        started = time.perf_counter()
        with database.unit_of_work() as session:
            row, _pdf = reports.issue_report_pdf(session, office, uscc, full=True)
            number, code = row.number, row.code
        report_times.append(time.perf_counter() - started)
    print("reports (s; the first parses the font, once a process): " + " ".join(f"{t:.3f}" for t in report_times))
    verify, floor = [], []
    public = Actor.public()
    for _ in range(args.verifications):
        started = time.perf_counter()
        with database.unit_of_work() as session:
            assert reports.verify_code(session, public, number, code).verdict == "有效"
        verify.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with database.engine.connect() as conn:
            conn.execute(text("SELECT content, code FROM issued_reports WHERE number = :n"), {"n": number}).one()
        floor.append((time.perf_counter() - started) * 1000)
    figures = {
        "entities": args.entities,
        "records": args.records,
        "report_s": round(statistics.median(report_times), 3),
        "verify_ms": round(statistics.median(verify), 2),
        "floor_ms": round(statistics.median(floor), 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
