"""Insider-misuse rules (谋私预警) over a large audit log: the tick's sweep from a zero watermark, next to a plain scan.

    .venv/bin/python bench/misuse.py [--events 1000000] [--database sqlite|postgresql]
    .venv/bin/python bench/misuse.py --database postgresql --setup-only    # write the events, keep the database
    .venv/bin/python bench/misuse.py --database postgresql --reuse         # time the sweeps on it (under quiet)

Writes N audit events straight into ``audit_events`` (the rules read the log, they do not verify its hashes, so the
links are placeholders): 1,500 staff of 47 departments over 60 days, mostly in office hours — reads of natural persons'
records (55 %), of entities' records (20 %; 3 % of reads are of another department's subjects), list-person reads
(2 %), exports (1 %) and writes the rules do not watch (22 %) — with planted misuse (a bulk reader every 100,000
events). Then times ``sweep_misuse`` over all of them (``sweep_s``, ``events_per_s``), a second sweep that finds
nothing new (``again_s``), and two floors: one ``GROUP BY actor_id, action`` over every event in the database
(``grouped_s``), and a plain ``SELECT`` of the same columns of every event into Python (``scan_s``). Ends with one
JSON line with the load average.

``--setup-only`` writes the events into a kept database (PostgreSQL ``xinyong_bench_misuse_audit``, SQLite
``/tmp/xinyong_bench_misuse_audit.db``) and times nothing; ``--reuse`` times the sweeps on it and then removes what
they wrote (alerts, their steps and audit events, the watermark), so it can run again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import tempfile
import time
from typing import Any

from sqlalchemy import create_engine, insert, text

from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent, AuditHead
from xinyong.core.db import Database
from xinyong.core.workdays import WorkCalendar
from xinyong.misuse import service as misuse
from xinyong.misuse.models import MisuseWatermark
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SYSTEM = Actor.system("bench")
BEIJING = dt.timezone(dt.timedelta(hours=8))
DEPARTMENTS = [f"D{n:02d}" for n in range(47)]
STAFF = 1500
START = dt.date(2026, 9, 1)
CHUNK = 20_000


NAME = "xinyong_bench_misuse_audit"
KEPT_SQLITE = f"/tmp/{NAME}.db"


def database_for(kind: str, *, keep: bool, reuse: bool) -> Database:
    if kind == "postgresql":
        if not reuse:
            admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{NAME}"'))
            admin.dispose()
        database = Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}")
    else:
        path = KEPT_SQLITE if keep or reuse else f"{tempfile.mkdtemp()}/bench.db"
        if not reuse and os.path.exists(path):
            os.remove(path)
        database = Database(f"sqlite:///{path}")
    if not reuse:
        create_schema(database)
    return database


def forget_sweeps(database: Database) -> None:
    """Undo what sweeps wrote (a kept database is swept again from a zero watermark)."""
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM misuse_alert_steps"))
        conn.execute(text("DELETE FROM misuse_alerts"))
        conn.execute(text("DELETE FROM misuse_watermark"))
        conn.execute(text("DELETE FROM audit_events WHERE action LIKE 'misuse:%'"))
        head = conn.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()
        conn.execute(text("UPDATE audit_head SET last_seq = :head"), {"head": head})


def from_the_start(database: Database) -> None:
    """The watermark at zero: every event is read (a first sweep would start at the last 30 days' events)."""
    with database.unit_of_work() as session:
        session.merge(MisuseWatermark(id=1, audit_seq=0, api_day=None, updated_at=dt.datetime.now(dt.UTC)))


def _staff(n: int) -> tuple[str, str, str]:
    role = Role.DEPT_REVIEWER if n % 5 == 0 else Role.DEPT_OPERATOR
    if n >= STAFF - 20:
        role = Role.CREDIT_OFFICE if n < STAFF - 10 else Role.AUDITOR
    department = DEPARTMENTS[n % len(DEPARTMENTS)] if role in (Role.DEPT_OPERATOR, Role.DEPT_REVIEWER) else ""
    return f"user:staff{n:04d}", str(role), department


def _event(rng: random.Random, seq: int, at: dt.datetime, staff: tuple[str, str, str]) -> dict[str, Any]:
    actor_id, role, department = staff
    roll = rng.random()
    uscc = f"91360482MA{rng.randrange(10**7):07d}X"
    own = [department or DEPARTMENTS[0]] if rng.random() < 0.97 else [rng.choice(DEPARTMENTS)]
    if roll < 0.55:
        persons = [rng.randrange(200_000) for _ in range(rng.randint(1, 3))]
        action, subject_type, subject_id = "records:personal:read", "credit_record", str(rng.randrange(10**7))
        payload: dict[str, Any] = {"count": len(persons), "persons": persons, "departments": own, "uscc": uscc}
    elif roll < 0.75:
        action, subject_type, subject_id = "records:entity:read", "entity", uscc
        payload = {"count": rng.randint(1, 20), "departments": own, "uscc": uscc}
    elif roll < 0.77:
        action, subject_type, subject_id = "lists:person:read", "person", str(rng.randrange(200_000))
        payload = {"own": 1, "via_entities": 0}
    elif roll < 0.78:
        action, subject_type, subject_id = "records:rejections:exported", "batch_rejection", "*"
        payload = {"rows": rng.randint(1, 500)}
    else:
        action, subject_type, subject_id = "records:record:created", "credit_record", str(rng.randrange(10**7))
        payload = {"kind": "penalty", "uscc": uscc}
    return {
        "seq": seq,
        "at": at,
        "actor_role": role,
        "actor_id": actor_id,
        "actor_department": department or None,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": payload,
        "prev_hash": "0" * 64,
        "hash": "0" * 64,
        "key_version": None,
    }


def _moments(rng: random.Random, total: int) -> list[dt.datetime]:
    calendar = WorkCalendar()
    days = [START + dt.timedelta(days=d) for d in range(60)]
    working = [d for d in days if calendar.is_working_day(d).working]  # the Chinese calendar: 国庆 and 调休 included
    moments = []
    for _ in range(total):
        day = rng.choice(working)
        hour = rng.uniform(8.5, 17.5) if rng.random() > 0.02 else rng.uniform(19, 23.5)
        local = dt.datetime.combine(day, dt.time(), tzinfo=BEIJING) + dt.timedelta(hours=hour)
        moments.append(local.astimezone(dt.UTC))
    return sorted(moments)


def _planted(seq: int, at: dt.datetime) -> list[dict[str, Any]]:
    """A bulk reader (80 persons in 20 minutes) at ``at``."""
    rows = []
    for k in range(80):
        rows.append(
            {
                "seq": seq + k,
                "at": at + dt.timedelta(seconds=15 * k),
                "actor_role": str(Role.DEPT_OPERATOR),
                "actor_id": "user:staff0001",
                "actor_department": DEPARTMENTS[1],
                "action": "records:personal:read",
                "subject_type": "credit_record",
                "subject_id": str(k),
                "payload": {"count": 1, "persons": [900_000 + k], "departments": [DEPARTMENTS[1]]},
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
                "key_version": None,
            }
        )
    return rows


def fill(database: Database, total: int) -> float:
    rng = random.Random(20260901)
    staff = [_staff(n) for n in range(STAFF)]
    moments = _moments(rng, total)
    started = time.perf_counter()
    seq = 0
    batch: list[dict[str, Any]] = []
    with database.unit_of_work() as session:
        for i, at in enumerate(moments):
            if i % 100_000 == 50_000:  # a bulk reader every 100,000 events
                planted = _planted(seq + 1, at)
                batch.extend(planted)
                seq += len(planted)
            seq += 1
            batch.append(_event(rng, seq, at, rng.choice(staff)))
            if len(batch) >= CHUNK:
                session.execute(insert(AuditEvent), batch)
                batch = []
        if batch:
            session.execute(insert(AuditEvent), batch)
        session.merge(AuditHead(id=1, last_seq=seq, last_hash="0" * 64, keyed_from=1))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--setup-only", action="store_true", help="write the events into a kept database, time nothing")
    parser.add_argument("--reuse", action="store_true", help="time the sweeps on the kept database")
    args = parser.parse_args()
    database = database_for(args.database, keep=args.setup_only, reuse=args.reuse)
    fill_s = 0.0
    if args.reuse:
        forget_sweeps(database)
    else:
        fill_s = fill(database, args.events)
        if args.database == "postgresql":
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE audit_events"))
    if args.setup_only:
        print(json.dumps({"bench": "misuse", "database": args.database, "events": args.events, "fill_s": fill_s}))
        database.dispose()
        return
    started = time.perf_counter()
    with database.engine.connect() as conn:  # one grouped pass in the database: the floor of a set-based sweep
        conn.execute(text("SELECT actor_id, action, count(*) FROM audit_events GROUP BY actor_id, action")).all()
    grouped_s = time.perf_counter() - started
    from_the_start(database)
    started = time.perf_counter()
    with database.unit_of_work() as session:
        report = misuse.sweep_misuse(session, SYSTEM, START + dt.timedelta(days=61), limit=10 * args.events)
    sweep_s = time.perf_counter() - started
    started = time.perf_counter()
    with database.unit_of_work() as session:
        again = misuse.sweep_misuse(session, SYSTEM, START + dt.timedelta(days=61), limit=10 * args.events)
    again_s = time.perf_counter() - started
    started = time.perf_counter()
    with database.engine.connect() as conn:
        scanned = len(
            conn.execute(
                text(
                    "SELECT seq, at, actor_role, actor_id, actor_department, action, subject_type, subject_id, payload "
                    "FROM audit_events"
                )
            ).all()
        )
    scan_s = time.perf_counter() - started
    with database.unit_of_work() as session:
        by_rule = dict(session.execute(text("SELECT rule_code, count(*) FROM misuse_alerts GROUP BY rule_code")).all())
    result = {
        "bench": "misuse",
        "database": args.database,
        "events": scanned,
        "fill_s": round(fill_s, 1),
        "sweep_s": round(sweep_s, 2),
        "events_per_s": round(scanned / sweep_s),
        "examined": report.examined,
        "alerts": report.raised,
        "alerts_by_rule": by_rule,
        "again_s": round(again_s, 3),
        "again_examined": again.examined,
        "scan_s": round(scan_s, 2),
        "grouped_s": round(grouped_s, 2),
        "target_s": 30,
        "load": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, ensure_ascii=False))
    if args.reuse:
        forget_sweeps(database)
    database.dispose()


if __name__ == "__main__":
    main()
