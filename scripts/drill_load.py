"""Load for the drills (scripts/drill_restore.sh, scripts/drill_failover.sh), against XINYONG_DATABASE_URL.

python scripts/drill_load.py seed N                 departments and N entities (committed)
python scripts/drill_load.py checks N               N embedded checks (each a committed row)
python scripts/drill_load.py count TABLE            rows of TABLE
python scripts/drill_load.py run SECONDS ACKED      checks and entity upserts for SECONDS, through a failover:
                                                    every acknowledged (committed) write's key appended to ACKED;
                                                    prints one JSON line: acknowledged, failed, first failure,
                                                    first success after it (Unix times)
python scripts/drill_load.py lost ACKED             how many keys in ACKED the database does not hold
python scripts/drill_load.py ingest SECONDS ACKED [FIRST]  a department's penalty files (20 rows each) through the
                                                    ingestion, one after another; a file whose import failed is
                                                    sent again until it is acknowledged (what a department does);
                                                    each acknowledged file's number appended to ACKED
python scripts/drill_load.py ingest-lost ACKED      rows of acknowledged files missing, records stored twice, and
                                                    records with more than one version (a resend that changed
                                                    something): all must be 0
python scripts/drill_load.py outbox SECONDS ACKED URL [PREFIX]
                                                    webhook messages queued for URL (one a transaction), each
                                                    committed message's idempotency key appended to ACKED
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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


INGEST_ROWS = 20
DEPARTMENT = "SCJGJ"
PENALTY_HEADERS = (
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ",
    "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM",
)  # fmt: skip


def _doc_no(file_no: int, row: int) -> str:
    return f"共市监演练罚〔2026〕{file_no * 100 + row}号"


def _penalty_file(file_no: int) -> bytes:
    """A penalty file of the national 双公示 layout: INGEST_ROWS rows for the seeded firms, decided ten days ago."""
    from xinyong.core import clock
    from xinyong.core.ids import make_uscc

    office = make_uscc("1", "1", "360482", "01234567")
    decided = clock.today() - dt.timedelta(days=10)  # sample data, not a legal period
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PENALTY_HEADERS)
    for row in range(INGEST_ROWS):
        n = (file_no * INGEST_ROWS + row) % 100
        writer.writerow([
            f"共青城演练企业{n}有限公司", "法人及非法人组织", _uscc(n), "", "", _doc_no(file_no, row), "虚假宣传",
            "发布虚假广告", "《中华人民共和国广告法》第五十五条", "警告；罚款", "警告并处罚款", "0.5",
            decided.isoformat(), decided.replace(year=decided.year + 1).isoformat(), "共青城市市场监督管理局",
            office, "共青城市市场监督管理局", office,
        ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _ingest(seconds: float, acked_path: str, first: int = 1) -> None:
    """Files one after another for SECONDS; a failed import is sent again (the same bytes) until acknowledged."""
    from xinyong.records import ingestion

    database = get_database()
    actor = Actor.system("drill-ingest")
    end = time.time() + seconds
    acknowledged = failed = resent = 0
    file_no, attempts = first, 0
    with open(acked_path, "a", encoding="utf-8") as acked:
        while time.time() < end or attempts:  # a file in flight is finished, whatever the time
            attempts += 1
            try:
                with database.unit_of_work() as session:
                    result = ingestion.ingest_file(
                        session, actor, _penalty_file(file_no), f"drill-{file_no}.csv",
                        department=DEPARTMENT, kind="penalty", channel="cli",
                    )  # fmt: skip
            except Exception:
                failed += 1
                time.sleep(0.2)
                if time.time() > end + 120:
                    break
                continue
            resent += attempts > 1
            acknowledged += 1
            acked.write(f"{file_no} {result.created} {result.unchanged} {result.rejected}\n")
            acked.flush()
            file_no, attempts = file_no + 1, 0
    print(json.dumps({"files_acknowledged": acknowledged, "failed_attempts": failed, "files_resent": resent}))


def _ingest_lost(acked_path: str) -> None:
    from xinyong.records.models import CreditRecord

    with open(acked_path, encoding="utf-8") as acked:
        files = [int(line.split()[0]) for line in acked if line.strip()]
    expected = {_doc_no(f, r) for f in files for r in range(INGEST_ROWS)}
    with get_database().unit_of_work() as session:
        stored = session.execute(
            select(CreditRecord.doc_no, CreditRecord.current_version).where(
                CreditRecord.source_department == DEPARTMENT, CreditRecord.doc_no.like("共市监演练罚%")
            )
        ).all()
    docs = [doc for doc, _version in stored]
    line = {
        "files_acknowledged": len(files),
        "rows_expected": len(expected),
        "rows_lost": len(expected - set(docs)),
        "records_stored_twice": len(docs) - len(set(docs)),
        "records_with_a_second_version": sum(1 for _doc, version in stored if version > 1),
    }
    print(json.dumps(line))


def _outbox(seconds: float, acked_path: str, url: str, prefix: str = "drill") -> None:
    from xinyong.core import outbox

    database = get_database()
    end = time.time() + seconds
    acknowledged = failed = 0
    n = 0
    with open(acked_path, "a", encoding="utf-8") as acked:
        while time.time() < end:
            n += 1
            key = f"{prefix}-{n}"
            try:
                with database.unit_of_work() as session:
                    outbox.enqueue(
                        session, SYSTEM, topic="drill.notice", destination=url,
                        payload={"n": n, "what": "演练通知"}, idempotency_key=key,
                    )  # fmt: skip
            except Exception:
                failed += 1
                time.sleep(0.2)
                continue
            acknowledged += 1
            acked.write(f"{key}\n")
            acked.flush()
            time.sleep(0.05)
    print(json.dumps({"messages_acknowledged": acknowledged, "failed": failed}))


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
    elif command == "ingest":
        _ingest(float(args[0]), args[1], int(args[2]) if len(args) > 2 else 1)
    elif command == "ingest-lost":
        _ingest_lost(args[0])
    elif command == "outbox":
        _outbox(float(args[0]), args[1], args[2], *args[3:4])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
