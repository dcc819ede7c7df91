"""The 双公示 list's first page against its last page (and a middle jump, and a keyset 下一页 deep in the list) at
10⁵ published penalties, next to the plain ``OFFSET`` read of the last page that the list used before.

    .venv/bin/python bench/list_pages.py [--rows 100000] [--database sqlite|postgresql] [--repeat 9]

Writes N penalty versions straight into a throwaway database (SQLite file in a temporary directory, or a fresh
PostgreSQL database), then times ``records.publication.search_published`` as the public reads it: page 1, the last
page (read from the end), the middle page (the worst case: an offset of half the list), page 2,000 by keyset from
page 1,999's last row, and, as the floor it replaces, the last page by plain ``OFFSET``. Medians of ``--repeat``
runs; the count of the list is inside every figure (each page shows 共 N 条). Ends with one JSON line.
Target (issue 24): the last page in the same order of time as the first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.pagination import PageRequest
from xinyong.records import publication
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.publication import Cursor, RecordFilter
from xinyong.records.rules import Kind
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PAGE_SIZE = 20


def database_for(kind: str, folder: Path) -> Database:
    if kind == "sqlite":
        return Database(f"sqlite:///{folder / 'bench.db'}")
    name = "xinyong_bench_list_pages"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")


def fill(database: Database, rows: int) -> None:
    with database.sessions() as session:
        seed_notice_departments(session, Actor.system("bench"))
        session.commit()
    now = dt.datetime.now(dt.UTC)
    today = clock.today()
    chunk = 5_000
    with database.engine.begin() as conn:
        for start in range(0, rows, chunk):
            ids = range(start + 1, min(rows, start + chunk) + 1)
            conn.execute(
                insert(CreditRecord),
                [
                    {
                        "id": i,
                        "source_department": "SCJGJ",
                        "kind": "penalty",
                        "doc_no": f"共市监罚〔2026〕{i}号",
                        "current_version": 1,
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(CreditRecordVersion),
                [
                    {
                        "record_id": i,
                        "version": 1,
                        "valid_from": now,
                        "valid_to": None,
                        "source_department": "SCJGJ",
                        "kind": "penalty",
                        "subject_type": "entity",
                        "subject_uscc": f"91360482{i:09d}X"[:18],
                        "subject_person_id": None,
                        "subject_name": f"共青城测试{i}服饰有限公司",
                        "title": "行政处罚决定书",
                        "decision_date": today - dt.timedelta(days=i % 300),  # inside 一般's one-year window
                        "received_date": today,
                        "published_date": today,
                        "disclosure": "公开",
                        "severity": "一般",
                        "status": "有效",
                        "content": {"WFXW": "虚假宣传", "CFLB": ["罚款"]},
                        "provenance": {},
                        "change_kind": "created",
                        "change_reason": None,
                        "actor_role": "system",
                        "actor_id": "bench",
                        "privacy_hold": False,
                    }
                    for i in ids
                ],
            )
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = database_for(args.database, Path(folder))
        create_schema(database)
        started = time.perf_counter()
        fill(database, args.rows)
        print(f"wrote {args.rows} penalties in {time.perf_counter() - started:.0f} s")
        public = Actor.public()
        flt = RecordFilter(kinds=(Kind.PENALTY,))
        figures: dict[str, object] = {"rows": args.rows, "database": args.database, "page_size": PAGE_SIZE}
        with database.sessions() as session:
            _, total = publication.search_published(session, public, flt, PageRequest(1, PAGE_SIZE))
            pages = -(-total // PAGE_SIZE)
            deep = min(2_000, pages)
            before_deep, _ = publication.search_published(session, public, flt, PageRequest(deep - 1, PAGE_SIZE))
            mark = before_deep[-1]
            cursor = Cursor(mark.decision_date, mark.id)
            v = CreditRecordVersion

            def plain_offset_last() -> object:  # what the list did before: ORDER BY … OFFSET (pages - 1) * size
                stmt = publication._filtered(session, public, flt, clock.today())
                session.execute(select(text("count(*)")).select_from(stmt.subquery())).scalar_one()
                order = (v.decision_date.desc(), v.record_id.desc())
                offset = (pages - 1) * PAGE_SIZE
                return session.execute(stmt.order_by(*order).offset(offset).limit(PAGE_SIZE)).scalars().all()

            def page(number: int, at: Cursor | None = None) -> Callable[[], object]:
                request = PageRequest(number, PAGE_SIZE)
                return lambda: publication.search_published(session, public, flt, request, cursor=at)

            figures["total"] = total
            figures["first_page_ms"] = median_ms(page(1), args.repeat)
            figures["last_page_ms"] = median_ms(page(pages), args.repeat)
            figures["middle_page_ms"] = median_ms(page(pages // 2), args.repeat)
            figures[f"keyset_page_{deep}_ms"] = median_ms(page(deep, cursor), args.repeat)
            figures["plain_offset_last_page_ms"] = median_ms(plain_offset_last, args.repeat)
        figures["last_over_first"] = round(float(figures["last_page_ms"]) / float(figures["first_page_ms"]), 2)  # type: ignore[arg-type]
        figures["load_avg"] = round(os.getloadavg()[0], 2)
        database.engine.dispose()
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
