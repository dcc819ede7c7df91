"""Load for the drills (scripts/drill_restore.sh, scripts/drill_failover.sh), against XINYONG_DATABASE_URL.

python scripts/drill_load.py seed N                 departments and N entities (committed)
python scripts/drill_load.py checks N               N embedded checks (each a committed row)
python scripts/drill_load.py count TABLE            rows of TABLE
python scripts/drill_load.py run SECONDS ACKED      checks and entity upserts for SECONDS, through a failover:
                                                    every acknowledged (committed) write's key appended to ACKED;
                                                    prints one JSON line: acknowledged, failed, first failure,
                                                    first success after it (Unix times)
python scripts/drill_load.py lost ACKED             how many keys in ACKED the database does not hold
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import func, select, text

from xinyong.core.actor import Actor, Role
from xinyong.core.db import get_database

CHECKER = Actor(role=Role.BUSINESS_SYSTEM, id="drill-checker", name="演练业务系统")
SYSTEM = Actor.system("drill")


def _seed(count: int) -> None:
    from xinyong.core.departments import seed_notice_departments
    from xinyong.core.ids import make_uscc
    from xinyong.entities import service as entities
    from xinyong.entities.schemas import EntityIn

    database = get_database()
    with database.unit_of_work() as session:
        seed_notice_departments(session, SYSTEM)
    done = 0
    while done < count:
        with database.unit_of_work() as session:
            for n in range(done, min(count, done + 200)):
                uscc = make_uscc("9", "1", "360482", f"{50000000 + n * 7:08d}")
                entities.upsert_entity(session, SYSTEM, EntityIn(uscc=uscc, name=f"共青城演练企业{n}有限公司"))
        done = min(count, done + 200)
    print(done)


def _uscc(n: int) -> str:
    from xinyong.core.ids import make_uscc

    return make_uscc("9", "1", "360482", f"{50000000 + n * 7:08d}")


def _check(n: int) -> int:
    from xinyong.punishment import service as punishment
    from xinyong.punishment.schemas import CheckIn

    database = get_database()
    with database.unit_of_work() as session:
        data = CheckIn.model_validate(
            {"subject": {"uscc": _uscc(n % 100)}, "scenario": "government_procurement", "purpose": "演练"}
        )
        return punishment.run_check(session, CHECKER, data).check_id


def _checks(count: int) -> None:
    for n in range(count):
        _check(n)
    print(count)


def _count(table: str) -> None:
    with get_database().engine.connect() as conn:
        print(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar())  # noqa: S608 - an operator's table name


def _run(seconds: float, acked_path: str) -> None:
    """Checks as fast as one client goes; each acknowledged check id is written down before the next starts."""
    end = time.time() + seconds
    acknowledged = failed = 0
    first_failure = recovered = None
    n = 0
    with open(acked_path, "a", encoding="utf-8") as acked:
        while time.time() < end:
            n += 1
            try:
                check_id = _check(n)
            except Exception:
                failed += 1
                if first_failure is None:
                    first_failure = time.time()
                time.sleep(0.2)
                continue
            acknowledged += 1
            acked.write(f"{check_id}\n")
            acked.flush()
            if first_failure is not None and recovered is None:
                recovered = time.time()
    line = {"acknowledged": acknowledged, "failed": failed, "first_failure": first_failure, "recovered": recovered}
    print(json.dumps(line))


def _lost(acked_path: str) -> None:
    from xinyong.punishment.models import Check

    with open(acked_path, encoding="utf-8") as acked:
        ids = {int(line) for line in acked if line.strip()}
    with get_database().unit_of_work() as session:
        found = set(session.execute(select(Check.id).where(Check.id.in_(ids))).scalars()) if ids else set()
        total = session.execute(select(func.count()).select_from(Check)).scalar()
    print(json.dumps({"acknowledged": len(ids), "lost": len(ids - found), "rows": total}))


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "seed":
        _seed(int(args[0]))
    elif command == "checks":
        _checks(int(args[0]))
    elif command == "count":
        _count(args[0])
    elif command == "run":
        _run(float(args[0]), args[1])
    elif command == "lost":
        _lost(args[0])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
