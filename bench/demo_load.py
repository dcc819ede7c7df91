"""Benchmark: load the demo city into a throwaway PostgreSQL database, against a plain-COPY floor.

    .venv/bin/python bench/demo_load.py --entities 100000

The demo load draws every row in Python (names, pinyin keys, SM4-encrypted ID numbers, record content) and writes
seven indexed tables; the floor COPYs the same number of rows, of the same average width, into one unindexed table
in the same database and run: what the server alone can take. Figures go to stdout; the last line is JSON:

    entities, records (credit records), seconds (demo load), entities_per_s, records_per_s,
    rows (all rows the demo wrote), copy_rows_per_s (floor), ratio (demo rows/s ÷ floor rows/s; 1 = as fast as COPY)

The admin URL comes from ``--admin-url`` or ``XINYONG_TEST_DATABASE_URL`` (default: postgres on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import json
import os
import time

from sqlalchemy import create_engine, func, select, text

from xinyong.core.db import Database
from xinyong.demo import load_demo, loader
from xinyong.schema import create_schema

DEFAULT_ADMIN = os.environ.get("XINYONG_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _database_url(admin_url: str, name: str) -> str:
    return admin_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + "/" + name


def _server_cpu(database: Database) -> float | None:
    """CPU seconds used so far by all backends of this database (local server only, from /proc)."""
    with database.engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        total = 0.0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _copy_floor(database: Database, rows: int, width: int) -> float:
    """Seconds to COPY ``rows`` rows of about ``width`` bytes into an unindexed table."""
    payload = "x" * max(1, width - 8)
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_floor (id bigint, payload text)"))
    raw = database.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        started = time.perf_counter()
        with driver.cursor() as cursor, cursor.copy("COPY bench_floor (id, payload) FROM STDIN") as copy:
            for start in range(0, rows, 10_000):
                block = "".join(f"{i}\t{payload}\n" for i in range(start, min(rows, start + 10_000)))
                copy.write(block.encode())
        driver.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20201)
    parser.add_argument("--method", choices=["auto", "core", "copy"], default="auto")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"xinyong_bench_demo_{os.getpid()}"
    admin = create_engine(
        args.admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(_database_url(args.admin_url, name))
    try:
        create_schema(database)
        cpu = time.process_time()
        children = os.times().children_user + os.times().children_system
        server_before = _server_cpu(database)
        summary = load_demo(database, entities=args.entities, seed=args.seed, method=args.method)
        cpu = time.process_time() - cpu
        children = os.times().children_user + os.times().children_system - children
        server_after = _server_cpu(database)
        with database.engine.connect() as connection:
            counts = {
                t: int(connection.execute(select(func.count()).select_from(loader.table(t))).scalar_one())
                for t in loader.COLUMNS
            }
            heap = sum(int(connection.execute(select(func.pg_relation_size(t))).scalar_one()) for t in loader.COLUMNS)
        rows = sum(counts.values())
        width = heap // max(1, rows)
        floor_seconds = _copy_floor(database, rows, width)
        copy_rows_per_s = rows / floor_seconds
        print(summary.describe())
        server = "n/a" if server_before is None or server_after is None else f"{server_after - server_before:.1f} s"
        print(f"wall {summary.seconds:.1f} s; CPU: loader {cpu:.1f} s, pinyin worker {children:.1f} s, server {server}")
        print(f"rows per table: {counts}")
        print(f"floor: COPY {rows} rows of ~{width} bytes into an unindexed table in {floor_seconds:.1f} s")
        figures = {
            "entities": summary.entities,
            "records": summary.records,
            "seconds": round(summary.seconds, 2),
            "entities_per_s": round(summary.entities / summary.seconds, 1),
            "records_per_s": round(summary.records / summary.seconds, 1),
            "rows": rows,
            "copy_rows_per_s": round(copy_rows_per_s, 1),
            "ratio": round(rows / summary.seconds / copy_rows_per_s, 3),
        }
        print(json.dumps(figures))
    finally:
        database.dispose()
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
