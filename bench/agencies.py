"""Change notices to credit-service agencies: the tick's sweep over the record step log, next to a plain-SQL floor.

    .venv/bin/python bench/agencies.py [--entities 200] [--agencies 20] [--records 5] [--database sqlite|postgresql]

Makes N entities with R public penalties each and A agencies that have each read every entity (so each subject has
A subscribers), repairs every record, then times `sweep_agency_notices` (one notice per agency per step, with its
working-day deadline, audit event and anti-join mark: `sweep_s`, `notices_per_s`) beside the floor: inserting the
same number of notice-shaped rows with one executemany (`floor_s`). Also times one agency API read of a subject
through the service (public scope, logged: `read_ms`, median). Ends with one JSON line with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from sqlalchemy import create_engine, text

from xinyong.agencies import service as agencies
from xinyong.agencies.schemas import AgencyIn
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_uscc
from xinyong.entities import service as entities
from xinyong.entities.schemas import EntityIn
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SYSTEM = Actor.system("bench")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:bench")


def database_for(kind: str) -> Database:
    if kind == "postgresql":
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_agencies" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "bench_agencies"'))
        database = Database("postgresql+psycopg://postgres@127.0.0.1:5432/bench_agencies")
    else:
        database = Database(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    create_schema(database)
    return database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--records", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    database = database_for(args.database)
    record_ids: list[int] = []
    with database.unit_of_work() as session:
        seed_notice_departments(session, SYSTEM)
        usccs = []
        for n in range(args.entities):
            made, _ = entities.upsert_entity(
                session,
                SYSTEM,
                EntityIn(uscc=make_uscc("9", "1", "360482", f"{40000000 + n:08d}"), name=f"基准公司{n}"),
            )
            usccs.append(made.uscc)
            for r in range(args.records):
                version, _ = records.upsert_record(
                    session,
                    SYSTEM,
                    RecordIn(
                        source_department="SCJGJ",
                        kind="penalty",
                        doc_no=f"共市监基准〔2026〕{n}-{r}号",
                        subject=SubjectIn(type="entity", name=made.name, uscc=made.uscc),
                        title="行政处罚决定书",
                        decision_date="2026-03-02",
                        severity="一般",
                        content={"WFXW": "虚假宣传"},
                    ),
                )
                record_ids.append(version.record_id)
        readers = []
        for a in range(args.agencies):
            data = AgencyIn(
                name=f"基准信用服务机构{a}",
                uscc=make_uscc("9", "1", "360482", f"{50000000 + a:08d}"),
                filing_body="pbc",
                filing_no=f"BENCH-{a:04d}",
                contact_name="联系人",
                contact_phone="0792-4301234",
                purposes=["credit_report"],
            )
            agency = agencies.register_agency(session, OFFICE, data)
            _client, key = agencies.issue_key(session, OFFICE, agency.id, "基准")
            actor = auth.resolve_api_actor(session, key)
            assert actor is not None
            readers.append(actor)
        reads = []
        for actor in readers:
            for uscc in usccs:
                started = time.perf_counter()
                agencies.read_subject(session, actor, uscc, "credit_report", "127.0.0.1")
                reads.append((time.perf_counter() - started) * 1000)
        for record_id in record_ids:
            records.change_status(session, SYSTEM, record_id, Status.REPAIRED, "信用修复")
    with database.unit_of_work() as session:
        started = time.perf_counter()
        swept = agencies.sweep_agency_notices(session, SYSTEM)
    sweep_s = time.perf_counter() - started
    rows = [
        {"a": a, "k": f"floor-{i}", "u": "913604824000000000", "i": i}
        for i in range(len(record_ids))
        for a in range(1, args.agencies + 1)
    ]
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_floor (a INTEGER, k VARCHAR(100), u VARCHAR(18), i INTEGER)"))
        started = time.perf_counter()
        conn.execute(text("INSERT INTO bench_floor (a, k, u, i) VALUES (:a, :k, :u, :i)"), rows)
    floor_s = time.perf_counter() - started
    figures = {
        "bench": "agencies",
        "database": args.database,
        "entities": args.entities,
        "records": len(record_ids),
        "agencies": args.agencies,
        "steps": swept.changes,
        "notices": swept.notices,
        "sweep_s": round(sweep_s, 3),
        "notices_per_s": round(swept.notices / sweep_s, 1) if sweep_s else None,
        "floor_s": round(floor_s, 3),
        "read_ms_median": round(statistics.median(reads), 2),
        "read_ms_p95": round(sorted(reads)[int(len(reads) * 0.95) - 1], 2),
        "loadavg": os.getloadavg(),
    }
    print(json.dumps(figures, ensure_ascii=False))
    database.dispose()


if __name__ == "__main__":
    main()
