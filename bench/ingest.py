"""Benchmark: aggregation (归集) of a department's penalty file, against a plain-COPY floor of the same file.

    .venv/bin/python bench/ingest.py --rows 100000
    .venv/bin/python bench/ingest.py --rows 100000 --profile var/ingest.prof   # cProfile of the ingestion run

Generates ``--rows`` realistic 行政处罚 rows as a GB18030 CSV with the Chinese field names as headers (streamed to a
temporary file: firms from a pool of about a third as many USCCs, some 个体工商户 and natural persons with resident
IDs, legal representatives' ID numbers, varied dates, categories and amounts, and ``--invalid`` percent of rows
broken on purpose: bad check digits, future or impossible dates, missing required fields, unknown categories).
Then, in a throwaway PostgreSQL database (created, migrated with ``xinyong.schema.create_schema``, dropped):

1. the real ingestion path: ``records.ingestion.ingest_file`` in one unit of work, as ``Actor.system``, timed to the
   commit;
2. the floor: the same file with ``COPY … FROM STDIN (FORMAT csv, HEADER, ENCODING 'GB18030')`` through psycopg's
   ``cursor.copy`` into an unindexed table with the same columns as text, timed to the commit;
3. the stored floor: the version rows the ingestion kept, dumped with ``COPY … TO`` and loaded again into an empty
   clone of ``credit_record_versions`` with its indexes, timed to the commit (what the server alone needs for them).

Prints rows/s for both and their ratio (ingestion ÷ COPY; 1 = as fast as COPY), and ends with one JSON line:
``{"rows", "ingest_rows_per_s", "copy_rows_per_s", "stored_rows_per_s", "stored_ratio", "ratio", "peak_rss_mb",
"loadavg", ...}`` (``stored_ratio``: ingestion ÷ the stored floor of step 3; peak RSS of this process from
``resource.getrusage``; the server's memory is not included). The admin URL is ``--admin-url`` or
``XINYONG_TEST_DATABASE_URL`` (default: postgres on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import json
import os
import pstats
import random
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, text

from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_resident_id, make_uscc
from xinyong.records import bulk, ingestion, prepare
from xinyong.records.models import BatchRejection, CreditRecordVersion
from xinyong.schema import create_schema

DEFAULT_ADMIN = os.environ.get("XINYONG_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HEADERS = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]  # fmt: skip
AUTHORITY = "共青城市市场监督管理局"
TRADES = [
    "羽绒服饰", "电子商务", "人力资源服务", "投资管理", "餐饮管理", "建筑工程", "物流", "农业科技", "食品", "商贸",
]  # fmt: skip
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "合伙企业（有限合伙）"]
PLACES = ["共青城", "九江", "南昌", "德安", "永修", "江西", "庐山"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌海燕云飞鹏"
VIOLATIONS = [
    ("虚假宣传", "在网店页面发布虚假广告，夸大产品保暖性能", "《中华人民共和国广告法》第五十五条第一款"),
    ("销售不合格产品", "销售的羽绒服含绒量不符合标准要求", "《中华人民共和国产品质量法》第四十九条"),
    ("未按规定公示年报", "未按规定期限公示年度报告", "《企业信息公示暂行条例》第十八条"),
    ("无照经营", "未取得营业执照从事经营活动", "《无证无照经营查处办法》第十三条"),
    ("食品安全", "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条第一款"),
    ("价格违法", "不执行政府指导价，擅自提高收费标准", "《中华人民共和国价格法》第三十九条"),
    ("计量违法", "使用未经检定的计量器具", "《中华人民共和国计量法》第二十六条"),
]
CATEGORIES = [
    ("警告", False, False, False),
    ("罚款", True, False, False),
    ("警告；罚款", True, False, False),
    ("罚款；没收违法所得", True, True, False),
    ("没收非法财物", False, True, False),
    ("暂扣许可证件", False, False, True),
    ("通报批评", False, False, False),
    ("罚款；责令停产停业", True, False, False),
]
ID_TYPE = "身份证"


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


class Generator:
    """Deterministic rows: a pool of firms (some of them 个体工商户) and persons, decisions over 2019–2024."""

    def __init__(self, rows: int, seed: int, invalid_percent: float) -> None:
        self.rng = random.Random(seed)
        self.rows = rows
        self.invalid = invalid_percent / 100
        self.firms = max(10, rows // 3)
        self.persons = max(10, rows // 20)
        self.authority = make_uscc("1", "1", "360482", "01234567")
        self._uscc: dict[int, str] = {}
        self._person: dict[int, str] = {}

    def firm(self, index: int) -> tuple[str, str]:
        code = self._uscc.get(index)
        if code is None:
            kind = ("9", "2") if index % 11 == 0 else ("9", "1")
            code = make_uscc(kind[0], kind[1], "360482", f"{10_000_000 + index * 7:08d}")
            if len(self._uscc) < 300_000:
                self._uscc[index] = code
        rng = random.Random(index)
        trade = TRADES[index % len(TRADES)]
        if code.startswith("92"):
            return code, f"{rng.choice(PLACES)}市{_person_name(rng)}{trade}店"
        return code, f"{rng.choice(PLACES)}{_person_name(rng)}{trade}{rng.choice(FORMS)}"

    def resident_id(self, index: int) -> str:
        number = self._person.get(index)
        if number is None:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=(index * 7919) % 20000)
            number = make_resident_id("360482", birth, index % 1000)
            if len(self._person) < 300_000:
                self._person[index] = number
        return number

    def row(self, n: int) -> list[str]:
        rng = self.rng
        year = rng.choice((2019, 2020, 2021, 2022, 2023, 2024))
        decision = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 360))
        category, fine, confiscation, suspension = rng.choice(CATEGORIES)
        wfxw, fact, basis = rng.choice(VIOLATIONS)
        values = dict.fromkeys(HEADERS, "")
        if rng.random() < 0.1:  # a natural person
            values["行政相对人名称"] = _person_name(rng)
            values["行政相对人类别"] = "自然人"
            values["证件类型"] = ID_TYPE
            values["证件号码"] = self.resident_id(rng.randrange(self.persons))
        else:
            code, name = self.firm(rng.randrange(self.firms))
            values["行政相对人名称"] = name
            values["行政相对人类别"] = "个体工商户" if code.startswith("92") else "法人及非法人组织"
            values["统一社会信用代码"] = code
            values["法定代表人"] = _person_name(rng)
            if rng.random() < 0.3:
                values["法定代表人证件类型"] = ID_TYPE
                values["法定代表人证件号码"] = self.resident_id(rng.randrange(self.persons))
        values["行政处罚决定书文号"] = f"共市监罚〔{year}〕{n}号"
        values["违法行为类型"] = wfxw
        values["违法事实"] = f"经查，当事人{fact}，违法经营额{rng.randrange(1, 500) * 100}元。"
        values["处罚依据"] = basis
        values["处罚类别"] = category
        values["处罚内容"] = f"{category.replace('；', '、')}，责令改正"
        if fine:
            values["罚款金额（万元）"] = f"{rng.randrange(1, 2000) / 100:.2f}"
        if confiscation:
            values["没收违法所得、没收非法财物的金额（万元）"] = f"{rng.randrange(1, 500) / 100:.2f}"
        if suspension:
            values["暂扣或吊销证照名称及编号"] = f"食品经营许可证 JY2360482{rng.randrange(10**6):06d}"
        values["处罚决定日期"] = decision.isoformat() if rng.random() < 0.7 else f"{decision:%Y/%m/%d}"
        values["处罚有效期"] = (decision + dt.timedelta(days=365)).isoformat()
        values["公示截止期"] = (decision + dt.timedelta(days=365)).isoformat()
        values["处罚机关"] = AUTHORITY
        values["处罚机关统一社会信用代码"] = self.authority
        values["数据来源单位"] = AUTHORITY
        values["数据来源单位统一社会信用代码"] = self.authority
        if rng.random() < 0.05:
            values["备注"] = "已履行完毕"
        if rng.random() < self.invalid:
            self._break(values)
        return [values[h] for h in HEADERS]

    def _break(self, values: dict[str, str]) -> None:
        how = self.rng.randrange(5)
        if how == 0 and values["统一社会信用代码"]:
            code = values["统一社会信用代码"]
            values["统一社会信用代码"] = code[:-1] + ("0" if code[-1] != "0" else "1")
        elif how == 1:
            values["处罚决定日期"] = "2099-01-01"
        elif how == 2:
            values["处罚决定日期"] = "2023-02-30"
        elif how == 3:
            values["违法事实"] = ""
        else:
            values["处罚类别"] = "批评教育"

    def lines(self) -> Iterator[list[str]]:
        for n in range(1, self.rows + 1):
            yield self.row(n)


def write_csv(path: Path, generator: Generator) -> int:
    """Stream the rows to ``path`` as GB18030 (what Excel saves on a Chinese Windows); returns the byte size."""
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADERS)
        batch: list[list[str]] = []
        for values in generator.lines():
            batch.append(values)
            if len(batch) >= 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)
    return path.stat().st_size


def _database_url(admin_url: str, name: str) -> str:
    return admin_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + "/" + name


class StatementTimes:
    """Wall time per kind of SQL statement (its first words and table), measured around the driver call."""

    def __init__(self, engine: Engine) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        original = bulk.insert_rows

        def timed(session: Any, model: Any, rows: Any, **options: Any) -> list[int]:
            started = time.perf_counter()
            try:
                return original(session, model, rows, **options)
            finally:
                key = f"insert_rows {model.__tablename__} (COPY on PostgreSQL)"
                self.seconds[key] += time.perf_counter() - started
                self.calls[key] += 1

        bulk.insert_rows = timed  # type: ignore[assignment]

    @staticmethod
    def _key(statement: str) -> str:
        words = statement.split()
        verb = words[0].upper() if words else "?"
        table = next(
            (w for w, prev in zip(words[1:], words, strict=False) if prev.upper() in ("INTO", "FROM", "UPDATE")), ""
        )
        return f"{verb} {table.strip('(')}"

    def _before(self, *_args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        key = self._key(statement)
        self.seconds[key] += time.perf_counter() - self._started.pop()
        self.calls[key] += 1

    def report(self) -> str:
        lines = [
            f"  {seconds:7.2f} s {self.calls[key]:7d} calls  {key}" for key, seconds in self.seconds.most_common(12)
        ]
        return "SQL time by statement (driver call, incl. round trips):\n" + "\n".join(lines)


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process on this machine (the server's backend: PostgreSQL runs here), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SERVER_CPU: dict[str, float] = {}  # the ingestion's backend, for the JSON line


def run_ingest(database: Database, path: Path, profile: str | None) -> tuple[float, ingestion.BatchResult]:
    actor = Actor.system("bench-ingest")
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    with database.unit_of_work() as session:
        backend = int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        before = process_cpu(backend)
        result = ingestion.ingest_file(session, actor, path, "处罚.csv", department="SCJGJ", kind="penalty")
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    after = process_cpu(backend)
    if before is not None and after is not None:
        SERVER_CPU["ingest"] = after - before
    if profiler is not None and profile:
        profiler.dump_stats(profile)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
    return seconds, result


def use_workers(workers: int) -> None:
    """How many worker processes prepare the rows (0: none, every row prepared in this process)."""
    prepare.WORKERS = max(workers, 1)
    prepare.AHEAD = 2 * prepare.WORKERS
    prepare.WORKER_FROM_BYTES = 1 << 20 if workers else 1 << 62


def run_inline(admin_url: str, name: str, path: Path) -> float:
    """The same file ingested in this process alone (no workers) into a second throwaway database: the baseline."""
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(_database_url(admin_url, name))
    try:
        create_schema(database)
        with database.unit_of_work() as session:
            seed_notice_departments(session, Actor.system("bench"))
        use_workers(0)
        seconds, _ = run_ingest(database, path, None)
        return seconds
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_copy(database: Database, path: Path) -> float:
    """Seconds to COPY the same file into an unindexed table of text columns, committed."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with database.engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE bench_copy ({columns})"))
    raw = database.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        started = time.perf_counter()
        with (
            driver.cursor() as cursor,
            cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true, ENCODING 'GB18030')") as copy,
            path.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        driver.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def run_stored_copy(database: Database, folder: Path) -> tuple[float, int]:
    """Seconds to COPY the version rows the ingestion stored (JSONB content and provenance, six indexes) into an
    empty indexed copy of ``credit_record_versions``: what the server alone needs for the rows we keep."""
    dump = folder / "versions.copy"
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_versions (LIKE credit_record_versions INCLUDING ALL)"))
    raw = database.engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, dump.open("wb") as handle:
            with cursor.copy("COPY credit_record_versions TO STDOUT") as copy:
                for block in copy:
                    handle.write(block)
            driver.commit()
            counted = cursor.execute("SELECT count(*) FROM credit_record_versions").fetchone()
            rows = int(counted[0]) if counted else 0
        driver.commit()
        started = time.perf_counter()
        with (
            driver.cursor() as cursor,
            cursor.copy("COPY bench_versions FROM STDIN") as copy,
            dump.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        driver.commit()
        return time.perf_counter() - started, rows
    finally:
        raw.close()
        dump.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20201)
    parser.add_argument("--invalid", type=float, default=3.0, help="percent of rows broken on purpose")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN)
    parser.add_argument("--profile", metavar="FILE", help="profile the ingestion with cProfile, stats to FILE")
    parser.add_argument("--chunk", type=int, help=f"rows per write (default ingestion.CHUNK = {ingestion.CHUNK})")
    parser.add_argument("--breakdown", action="store_true", help="time the SQL statements of the ingestion")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--workers", type=int, default=prepare.WORKERS, help="worker processes preparing rows (0: all in this process)"
    )
    parser.add_argument(
        "--compare", action="store_true", help="also ingest the file in this process alone (--workers 0), same run"
    )
    parser.add_argument(
        "--csv", metavar="FILE", type=Path, help="use this generated file if it exists (generate it there if not)"
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="write the file (--csv) and stop: the timed part runs later"
    )
    args = parser.parse_args()
    load_start = [round(x, 2) for x in os.getloadavg()]

    if args.chunk:
        ingestion.CHUNK = args.chunk
    name = f"xinyong_bench_ingest_{os.getpid()}"
    admin = create_engine(
        args.admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as folder:
        path = args.csv or Path(folder) / "处罚.csv"
        if path.exists():
            print(f"reusing {path} ({path.stat().st_size / 2**20:.1f} MiB; --rows must match how it was generated)")
        else:
            started = time.perf_counter()
            size = write_csv(path, Generator(args.rows, args.seed, args.invalid))
            print(
                f"generated {args.rows} rows, {size / 2**20:.1f} MiB GB18030 in {time.perf_counter() - started:.1f} s"
            )
        if args.generate_only:
            return
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        database = Database(_database_url(args.admin_url, name))
        try:
            create_schema(database)
            with database.unit_of_work() as session:
                seed_notice_departments(session, Actor.system("bench"))
            times = StatementTimes(database.engine) if args.breakdown else None
            inline_seconds = run_inline(args.admin_url, f"{name}_inline", path) if args.compare else None
            use_workers(args.workers)
            cpu = time.process_time()
            ingest_seconds, result = run_ingest(database, path, args.profile)
            cpu = time.process_time() - cpu
            if times is not None:
                print(times.report())
            with database.engine.connect() as connection:
                versions = connection.execute(select(func.count()).select_from(CreditRecordVersion)).scalar_one()
                rejections = connection.execute(select(func.count()).select_from(BatchRejection)).scalar_one()
                version_bytes = connection.execute(
                    text("SELECT avg(pg_column_size(v.*)) FROM credit_record_versions v")
                ).scalar_one()
                provenance_bytes = connection.execute(
                    text("SELECT avg(pg_column_size(provenance)) FROM credit_record_versions")
                ).scalar_one()
                archive_bytes = connection.execute(
                    text("SELECT coalesce(sum(length(data)), 0) FROM provenance_archives")
                ).scalar_one()
            copy_seconds = run_copy(database, path)
            stored_seconds, stored_rows = run_stored_copy(database, Path(folder))
        finally:
            database.dispose()
            if not args.keep:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    rows = args.rows
    ingest_rate, copy_rate = rows / ingest_seconds, rows / copy_seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"ingest: {rows} rows in {ingest_seconds:.1f} s = {ingest_rate:,.0f} rows/s "
        f"(client CPU {cpu:.1f} s + workers {children.ru_utime + children.ru_stime:.1f} s "
        f"+ server backend {SERVER_CPU.get('ingest', float('nan')):.1f} s; "
        f"{result.created} created, {result.rejected} rejected; "
        f"{versions} versions, {rejections} rejections stored)"
    )
    print(f"COPY:   {rows} rows in {copy_seconds:.1f} s = {copy_rate:,.0f} rows/s")
    stored_rate = stored_rows / stored_seconds
    print(
        f"stored: COPY of the {stored_rows} version rows kept (JSONB, indexes) into an empty clone: "
        f"{stored_seconds:.1f} s = {stored_rate:,.0f} rows/s, {stored_rate / copy_rate:.3f} of the plain COPY"
    )
    print(
        f"ratio:  {ingest_rate / copy_rate:.3f} of the file COPY, {ingest_rate / stored_rate:.3f} of the stored floor "
        f"(target ≥ 0.5 and ≥ 5,000 rows/s); peak RSS {peak:.0f} MiB (target < 1024)"
    )
    print(
        f"stored: a version row {float(version_bytes or 0):.0f} B on average, its provenance "
        f"{float(provenance_bytes or 0):.0f} B; row archives {int(archive_bytes) / 2**20:.1f} MiB compressed "
        f"({int(archive_bytes) / max(versions, 1):.0f} B a version)"
    )
    figures = {
        "rows": rows,
        "ingest_rows_per_s": round(ingest_rate, 1),
        "copy_rows_per_s": round(copy_rate, 1),
        "stored_rows_per_s": round(stored_rate, 1),
        "stored_ratio": round(ingest_rate / stored_rate, 4),
        "ratio": round(ingest_rate / copy_rate, 4),
        "peak_rss_mb": round(peak, 1),
        "worker_peak_rss_mb": round(children.ru_maxrss / 1024, 1),  # the largest worker (and earlier children)
        "workers": args.workers,
        "client_cpu_s": round(cpu, 1),
        "workers_cpu_s": round(children.ru_utime + children.ru_stime, 1),
        "server_cpu_s": round(SERVER_CPU["ingest"], 1) if "ingest" in SERVER_CPU else None,
        # CPU of the three parts a row: on an idle machine with C cores the ingestion cannot beat C / this
        "cpu_us_per_row": round(
            (cpu + children.ru_utime + children.ru_stime + SERVER_CPU.get("ingest", 0.0)) / rows * 1e6, 1
        ),
        "ingest_seconds": round(ingest_seconds, 2),
        "copy_seconds": round(copy_seconds, 2),
        "stored_seconds": round(stored_seconds, 2),
        "version_bytes": round(float(version_bytes or 0), 1),
        "provenance_bytes": round(float(provenance_bytes or 0), 1),
        "archive_bytes_per_version": round(int(archive_bytes) / max(versions, 1), 1),
        "accepted": result.accepted,
        "rejected": result.rejected,
        "loadavg_start": load_start,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    if inline_seconds is not None:
        figures["inline_rows_per_s"] = round(rows / inline_seconds, 1)
        figures["speedup"] = round(inline_seconds / ingest_seconds, 2)
        print(f"in this process alone: {rows / inline_seconds:,.0f} rows/s; with workers {figures['speedup']}x")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
