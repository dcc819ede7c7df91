"""A stratified 双随机 draw from a pool of N entities: the pure engine, then the platform's path on PostgreSQL (freeze
the pool from the entity master with grades, draw a round, rebuild and verify the published bundle), next to a plain
SQL ``GROUP BY`` over the frozen rows in the same run as the floor.

    .venv/bin/python bench/inspections.py --entities 1000000 [--inspectors 200] [--engine-only] [--keep-db]

Target (issue 6): the draw under 5 s for 1,000,000 entities. Ends with one JSON line of the figures (``draw_s`` is
the platform's draw on PostgreSQL; ``engine_draw_s`` the pure engine on the same pool).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import time

from sqlalchemy import create_engine, select, text

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import org_code_check_char, uscc_check_char
from xinyong.evaluation.service import ensure_seeded
from xinyong.inspections import rules, service
from xinyong.inspections.models import InspectionPoolRow
from xinyong.inspections.schemas import InspectorIn, ItemIn, MappingIn, TaskIn
from xinyong.schema import create_schema

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NAME = "xinyong_bench_inspections"
# the share of each class in the made-up city: most firms B or C, few D, a handful on a watch list
GRADE_WEIGHTS = (("A", 12), ("B", 38), ("C", 34), ("D", 6), (None, 10))
RATIOS = {"A": "1", "B": "2", "C": "3", "D": "10", rules.WATCH: "20", rules.UNGRADED: "3"}


def make_usccs(n: int) -> list[str]:
    out = []
    for i in range(n):
        org = f"{i:08d}"
        body = "91360482" + org + org_code_check_char(org)
        out.append(body + uscc_check_char(body))
    return out


CPU: dict[str, float] = {}  # label → CPU seconds of this process (less sensitive to a busy machine than wall time)


def timed(label: str, work: object) -> tuple[float, object]:
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = work()  # type: ignore[operator]
    took = time.perf_counter() - started
    CPU[label] = time.process_time() - cpu
    print(f"{label:<44} {took:8.2f} s   (CPU of this process {CPU[label]:.2f} s)")
    return took, result


def engine(usccs: list[str], grades: list[str | None], inspectors: int) -> dict[str, float]:
    pool = [(u, g or rules.UNGRADED) for u, g in zip(usccs, grades, strict=True)]
    people = [rules.Inspector(f"JX{i:04d}", f"检查员{i}") for i in range(inspectors)]
    took, result = timed(
        "engine draw (form check only)", lambda: rules.draw(pool, "2025150 4 7 1", RATIOS, people, strict=False)
    )
    assert isinstance(result, rules.DrawResult)
    bundle = rules.make_bundle(rules.check_pool(pool), "2025150 4 7 1", rules.parse_ratios(RATIOS), people, result)
    verify_s, outcome = timed("engine verify (full GB 32100 check)", lambda: rules.verify(bundle))
    assert isinstance(outcome, rules.Verification) and outcome.match
    print(
        f"  drawn {len(result.picks)} of {len(pool)}: "
        + ", ".join(f"{s.stratum} {s.count}/{s.size}" for s in result.strata)
    )
    return {
        "engine_draw_s": round(took, 3),
        "engine_draw_cpu_s": round(CPU["engine draw (form check only)"], 3),
        "engine_verify_s": round(verify_s, 3),
        "selected": len(result.picks),
    }


def prepare(usccs: list[str], grades: list[str | None]) -> Database:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    database = Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{NAME}")
    create_schema(database)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started = time.perf_counter()
    with database.engine.begin() as conn:  # the search indexes are rebuilt after the load, not row by row
        trigram = [
            (name, definition)
            for name, definition in conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'entities' AND indexname LIKE 'trgm%'"
                )
            )
        ]
        for name, _ in trigram:
            conn.execute(text(f'DROP INDEX "{name}"'))
    with database.unit_of_work() as session:
        seed_notice_departments(session, Actor.system("bench"))
        ensure_seeded(session)
        session.flush()
        driver = session.connection().connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            columns = (
                "uscc, name, name_pinyin, name_initials, former_names, authority, org_type, region_code, status, "
                "provisional, created_at, updated_at"
            )
            with cursor.copy(f"COPY entities ({columns}) FROM STDIN") as copy:
                for i, uscc in enumerate(usccs):
                    copy.write_row(
                        (
                            uscc,
                            f"共青城基准测试企业{i}号有限公司",
                            "",
                            "",
                            "",
                            "9",
                            "1",
                            "360482",
                            "存续",
                            False,
                            now,
                            now,
                        )
                    )
            grade_columns = "uscc, model_version, score, grade, forced_by, breakdown, cause, computed_at"
            with cursor.copy(f"COPY evaluation_results ({grade_columns}) FROM STDIN") as copy:
                for uscc, grade in zip(usccs, grades, strict=True):
                    if grade:
                        copy.write_row((uscc, 1, 1000, grade, None, "[]", "bench", now))
    with database.engine.begin() as conn:
        for _, definition in trigram:
            conn.execute(text(definition))
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"{'loaded entities and grades':<44} {time.perf_counter() - started:8.2f} s")
    return database


def platform(database: Database, inspectors: int) -> dict[str, float]:
    actor = Actor.system("bench")
    with database.unit_of_work() as session:
        service.save_mapping(
            session,
            actor,
            MappingIn.model_validate(
                {"department": "SCJGJ", "classes": {c: {"ratio": RATIOS[c], "frequency": 1} for c in rules.CLASSES}}
            ),
        )
        item = service.create_item(
            session,
            actor,
            ItemIn(department="SCJGJ", code="B-1", name="企业年度报告公示信息抽查", basis="条例", subject="企业"),
        )
        for i in range(inspectors):
            service.create_inspector(
                session, actor, InspectorIn(department="SCJGJ", name=f"检查员{i}", badge_no=f"JX-{i:05d}")
            )
        item_id = item.id
    data = TaskIn(
        department="SCJGJ", name="基准抽查", item_ids=[item_id], inspection_end=clock.today() + dt.timedelta(days=30)
    )

    def freeze() -> int:
        with database.unit_of_work() as session:
            return service.create_task(session, actor, data).id

    freeze_s, task_id = timed("freeze pool (filter, grades, hash, COPY rows)", freeze)
    with database.engine.connect() as conn:
        conn.execute(text("ANALYZE inspection_pool_rows"))
        conn.commit()

    def floor() -> list[object]:
        with database.sessions() as session:
            stmt = text("SELECT stratum, count(*) FROM inspection_pool_rows WHERE task_id = :t GROUP BY stratum")
            return list(session.execute(stmt, {"t": task_id}))

    floor_s, _ = timed("floor: SELECT stratum, count(*) … GROUP BY", floor)

    def draw() -> int:
        with database.unit_of_work() as session:
            return service.make_draw(session, actor, int(task_id), "2025150 4 7 1").id  # type: ignore[call-overload]

    draw_s, draw_id = timed("draw (pool rows, tickets, inspectors, store)", draw)

    def bundle_and_verify() -> bool:
        with database.sessions() as session:
            return rules.verify(service.bundle_of(session, int(draw_id))).match  # type: ignore[call-overload]

    verify_s, matched = timed("bundle rebuild + verify", bundle_and_verify)
    assert matched
    with database.sessions() as session:
        rows = session.scalar(select(text("count(*)")).select_from(InspectionPoolRow.__table__))
    print(f"  frozen rows {rows}")
    return {
        "freeze_s": round(freeze_s, 3),
        "draw_s": round(draw_s, 3),
        "verify_s": round(verify_s, 3),
        "floor_group_by_s": round(floor_s, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--inspectors", type=int, default=200)
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    rng = random.Random(20201)
    usccs = make_usccs(args.entities)
    choices, weights = zip(*GRADE_WEIGHTS, strict=True)
    grades: list[str | None] = rng.choices(choices, weights, k=args.entities)
    figures: dict[str, object] = {"entities": args.entities, "inspectors": args.inspectors}
    figures.update(engine(usccs, grades, args.inspectors))
    if not args.engine_only:
        database = prepare(usccs, grades)
        try:
            figures.update(platform(database, args.inspectors))
        finally:
            database.dispose()
            if not args.keep_db:
                admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
                admin.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
