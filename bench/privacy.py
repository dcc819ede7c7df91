"""Desensitisation measured: personal data in natural persons' penalties against every public output.

    .venv/bin/python bench/privacy.py [--rows 2000] [--seed 15] [--database sqlite|postgresql]

Generates natural-person 行政处罚 rows whose free text varies the way departments write it: names of 2-4 characters,
compound surnames (欧阳, 司马…), names that are also words (高峰, 江河…, as subjects and as witnesses named only
in the text), the 笔录 style (当事人：姓名，男，45岁，公民身份号码：…), ID numbers (18 digits, x/X, spaced, 15
digits), mobiles and landlines (spaces, dashes, +86, full-width digits, zero-width spaces), bank cards, addresses in
seven forms (住…, 家住…村…组, 在…路…号…栋…室经营, 户籍地…小区…, 现住…花园…幢…室, 户籍所在地为…村委会…村…组…号,
住所地：…路…号), business names and legal citations. Each row is written through the records service (so at-rest
protection and the review hold apply); held rows are confirmed by a reviewer accepting the proposal as is (the count
is reported). Then every public output is
read as the public: each record page and its JSON (`/api/v1/records/{id}`), the publicity list's CSV, JSON and XLSX
exports, and the business systems' feed (CSV and JSON lines).

An *item* is a personal datum put into a row (a name, an ID, a phone, a bank card, a street-level address); it
*leaks* when it appears, normalised and without separators, in any output. `over_masked` counts business names and
legal citations put into a row that its public record page does not show verbatim. Targets (issue 15): zero leaked
ID, phone, bank and address items; name miss rate < 0.5 %; over-masking < 2 %. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import re
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import create_engine, select, text

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_resident_id
from xinyong.records import privacy_review
from xinyong.records import service as records
from xinyong.records.feeds import FeedRequest, feed_rows
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Kind
from xinyong.records.schemas import RecordIn, SubjectIn
from xinyong.schema import create_schema

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
COMPOUND = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐"]
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红娥玲芬燕彬鹏辉建国庆文斌宇浩凯欣怡佳琪子涵梓轩思远嘉俊晨曦"
)
WORD_NAMES = ["高峰", "江河", "石磊", "王平", "金鑫", "向阳", "林立", "田野", "白云", "常青", "文明", "安宁", "马力"]
ROADS = ["青年大道", "湖滨路", "富华大道", "茶山路", "鄱阳湖大道", "南湖路", "甘露路", "双塔路", "沿江路", "建设路"]
TOWNS = ["茶山街道", "甘露镇", "江益镇", "金湖乡", "苏家垱乡", "泽泉乡"]
VILLAGES = ["新塘", "畈上", "港口", "金湖", "泽泉", "万家"]
ESTATES = ["阳光", "湖滨", "锦绣", "富华", "东方", "金色"]
ZIHAO = "瑞鸿泰恒丰盛华昌兴隆福鑫源达通宏德信诚祥和嘉佳茂旺荣辉"
TRADES = [
    ("服饰", "有限公司"),
    ("羽绒制品", "有限公司"),
    ("食品", "商行"),
    ("建材", "经营部"),
    ("农资", "门市部"),
    ("酒业", "有限公司"),
]
LAWS = [
    "《中华人民共和国行政处罚法》第二十八条",
    "《中华人民共和国食品安全法》第一百二十二条",
    "《中华人民共和国烟草专卖法》第三十二条",
    "《无证无照经营查处办法》第十三条",
    "《江西省市场监督管理条例》第四十一条",
    "《中华人民共和国道路交通安全法》第九十条",
]
ACTS = [
    "未取得食品经营许可从事食品经营",
    "无照经营",
    "销售假冒伪劣商品",
    "占道经营",
    "无证运输烟草专卖品",
    "违规收购废旧金属",
]


@dataclass
class Row:
    doc_no: str
    name: str
    title: str
    text: str
    items: dict[str, list[str]] = field(default_factory=dict)  # kind → clear values that must not show
    keep: list[str] = field(default_factory=list)  # business names and citations that must show


def _name(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.08:
        return rng.choice(COMPOUND) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    if draw < 0.16:
        return rng.choice(WORD_NAMES)
    if draw < 0.2:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(3))  # four characters
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _id(rng: random.Random) -> tuple[str, str]:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
    while True:
        number = make_resident_id("360482", birth, rng.randint(0, 999))
        if rng.random() > 0.3 or number.endswith("X"):
            break
    if rng.random() < 0.12:  # a first-generation 15-digit number
        old = number[:6] + number[8:17]
        return old, old
    written = number.lower() if number.endswith("X") and rng.random() < 0.5 else number
    if rng.random() < 0.3:
        written = " ".join(written[i : i + 4] for i in range(0, 18, 4))
    elif rng.random() < 0.2:
        written = f"{written[:6]} {written[6:14]} {written[14:]}"
    return number, written


def _phone(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.2:
        local = f"{rng.randint(2000000, 8999999)}"
        return "0792" + local, rng.choice((f"0792-{local}", f"(0792){local}", f"0792 {local}"))
    number = rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    number = "1" + number
    style = rng.random()
    if style < 0.25:
        written = f"{number[:3]} {number[3:7]} {number[7:]}"
    elif style < 0.45:
        written = f"{number[:3]}-{number[3:7]}-{number[7:]}"
    elif style < 0.6:
        written = "".join(chr(ord(c) + 0xFEE0) for c in number)  # full-width
    elif style < 0.72:
        written = "\u200b".join((number[:3], number[3:7], number[7:]))  # zero-width spaces
    elif style < 0.8:
        written = "+86 " + number
    else:
        written = number
    return number, written


def _bank(rng: random.Random) -> tuple[str, str]:
    length = rng.choice((16, 17, 19, 19))
    number = "62" + "".join(rng.choice("0123456789") for _ in range(length - 2))
    written = " ".join(number[i : i + 4] for i in range(0, length, 4)) if rng.random() < 0.5 else number
    return number, written


def _address(rng: random.Random) -> tuple[str, str, str]:
    """(text with its marker, the street-level part that must not show, form)."""
    town = rng.choice(TOWNS)
    form = rng.randrange(7)
    if form == 4:
        street = f"{rng.choice(ESTATES)}花园{rng.randint(1, 40)}幢{rng.randint(101, 2402)}室"
        return f"现住共青城市{town}{street}", street, "现住"
    if form == 5:
        street = f"{rng.choice(VILLAGES)}村委会{rng.choice(VILLAGES)}村{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
        return f"户籍所在地为江西省共青城市{town}{street}", street, "户籍所在地"
    if form == 6:
        street = f"{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        return f"住所地：共青城市{town}{street}", street, "住所地"
    if form == 0:
        street = f"{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        return f"住共青城市{town}{street}", street, "住"
    if form == 1:
        street = f"{rng.choice(VILLAGES)}村{rng.randint(1, 12)}组"
        return f"家住江西省共青城市{town}{street}", street, "家住"
    if form == 2:
        street = f"{rng.choice(ROADS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2402)}室"
        return f"在共青城市{town}{street}", street, "在"
    street = f"{rng.choice(ESTATES)}小区{rng.randint(1, 40)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2402)}室"
    return f"户籍地：江西省九江市共青城市{town}{street}", street, "户籍"


def _business(rng: random.Random, avoid: str) -> str:
    while True:
        trade, suffix = rng.choice(TRADES)
        name = f"共青城市{''.join(rng.sample(ZIHAO, 2))}{trade}{suffix}"
        if not set(avoid) & set(name[4:6]):
            return name


def make_rows(count: int, seed: int) -> list[Row]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        name = _name(rng)
        number, id_written = _id(rng)
        phone, phone_written = _phone(rng)
        bank, bank_written = _bank(rng)
        address, street, _form = _address(rng)
        business = _business(rng, name)
        law = rng.choice(LAWS)
        act = rng.choice(ACTS)
        items: dict[str, list[str]] = {"name": [name], "id": [number], "phone": [phone], "address": [street]}
        if rng.random() < 0.3:  # the 笔录 style: name, sex, age, then the numbers
            sex = "男" if rng.random() < 0.5 else "女"
            age = rng.randint(20, 70)
            parts = [f"当事人：{name}，{sex}，{age}岁，公民身份号码：{id_written}，手机：{phone_written}，{address}。"]
        else:
            parts = [f"经查，当事人{name}（身份证号{id_written}，联系电话{phone_written}），{address}。"]
        if rng.random() < 0.5:
            parts.append(f"{name}于{2025 - rng.randint(0, 3)}年{rng.randint(1, 12)}月在{business}门口{act}。")
        else:
            parts.append(f"当事人在{business}内{act}，违法所得转入其银行卡{bank_written}。")
            items["bank"] = [bank]
        if rng.random() < 0.3:
            witness = _name(rng)
            while witness == name:  # a witness may be a name that is also a word (高峰, 江河…)
                witness = _name(rng)
            parts.append(f"证人{witness}，{'男' if rng.random() < 0.5 else '女'}，证实上述事实。")
            items["name"].append(witness)
        parts.append(f"以上事实违反了{law}的规定。")
        rows.append(
            Row(
                doc_no=f"共市监基准罚〔2026〕{n + 1}号",
                name=name,
                title=f"{name}{act}案",
                text="".join(parts),
                items=items,
                keep=[business, law],
            )
        )
    return rows


def open_database(kind: str) -> Database:
    if kind == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="xinyong-privacy-"), "bench.db")
        return Database(f"sqlite:///{path}")
    name = "xinyong_bench_privacy"
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")


def publish(database: Database, rows: list[Row], seed: int) -> tuple[dict[str, int], int]:
    system = Actor.system("bench-privacy")
    rng = random.Random(seed + 1)
    ids: dict[str, int] = {}
    with database.unit_of_work() as session:
        seed_notice_departments(session, system)
        day = clock.today() - dt.timedelta(days=10)
        for row in rows:
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 15000))
            version, _ = records.upsert_record(
                session,
                system,
                RecordIn(
                    source_department="SCJGJ",
                    kind="penalty",
                    doc_no=row.doc_no,
                    subject=SubjectIn(
                        type="person",
                        name=row.name,
                        id_type="resident_id",
                        id_number=make_resident_id("360482", birth, rng.randint(0, 999)),
                    ),
                    title=row.title,
                    decision_date=day,
                    severity="一般",
                    content={"XDR_MC": row.name, "XDR_LB": "自然人", "WFXW": "违法经营", "SY": row.text},
                ),
            )
            ids[row.doc_no] = version.record_id
    reviewer = Actor(role=Role.DEPT_REVIEWER, id="user:bench-reviewer", department_code="SCJGJ")
    with database.unit_of_work() as session:
        held = list(
            session.execute(
                select(CreditRecordVersion.record_id).where(
                    CreditRecordVersion.valid_to.is_(None), CreditRecordVersion.privacy_hold.is_(True)
                )
            ).scalars()
        )
        for record_id in held:  # the reviewer accepts the desensitiser's proposal as it is
            privacy_review.confirm(session, reviewer, record_id, {})
    return ids, len(held)


def _normal(value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s\-\u200b-\u200f\u2060\ufeff\\\"()（）]", "", value).upper()


def crawl(database: Database, ids: dict[str, int]) -> tuple[dict[int, str], str, int]:
    os.environ["XINYONG_RATE_LIMIT_PER_MINUTE"] = "100000000"
    from fastapi.testclient import TestClient
    from python_calamine import CalamineWorkbook

    from xinyong.app import create_app
    from xinyong.core.config import get_settings
    from xinyong.core.db import set_database

    get_settings.cache_clear()
    set_database(database)
    client = TestClient(create_app())
    pages: dict[int, str] = {}
    fetched = 0
    for record_id in ids.values():
        page = client.get(f"/record/{record_id}")
        api = client.get(f"/api/v1/records/{record_id}")
        fetched += 2
        pages[record_id] = page.text + "\n" + api.text if page.status_code == 200 else ""
    aggregate = []
    for suffix in (".csv", ".json"):
        answer = client.get(f"/publicity/penalties{suffix}")
        fetched += 1
        aggregate.append(answer.content.decode("utf-8-sig"))
    answer = client.get("/publicity/penalties.xlsx")
    fetched += 1
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(answer.content)).get_sheet_by_index(0).to_python()
    aggregate.append("\n".join("\t".join(str(c) for c in r) for r in sheet))
    business = Actor(role=Role.BUSINESS_SYSTEM, id="api_client:bench")
    with database.unit_of_work() as session:
        request = FeedRequest(kind=Kind.PENALTY, since=None, as_of=clock.now(), fmt="csv")
        aggregate.append(json.dumps(list(feed_rows(session, business, request)), ensure_ascii=False, default=str))
    fetched += 1
    return pages, "\n".join(aggregate), fetched


def measure(rows: list[Row], ids: dict[str, int], pages: dict[int, str], aggregate: str) -> dict[str, object]:
    everything = _normal(aggregate)
    leaked: Counter[str] = Counter()
    items: Counter[str] = Counter()
    over = keep_total = 0
    shown = 0
    examples: list[str] = []
    for row in rows:
        page = pages[ids[row.doc_no]]
        if page:
            shown += 1
        normal_page = _normal(page)
        for kind, values in row.items.items():
            for value in values:
                items[kind] += 1
                probe = _normal(value)
                if probe in normal_page or probe in everything:
                    leaked[kind] += 1
                    if len(examples) < 8:
                        examples.append(f"{kind}:{value}")
        for kept in row.keep:
            keep_total += 1
            if kept not in page:
                over += 1
    total_items = sum(items.values())
    names = items["name"]
    return {
        "rows": len(rows),
        "public_pages": shown,
        "items": total_items,
        "leaked_items": sum(leaked.values()),
        "leaked_by_kind": dict(leaked),
        "items_by_kind": dict(items),
        "miss_rate": round(leaked["name"] / names, 5) if names else 0.0,
        "over_masked": round(over / keep_total, 5) if keep_total else 0.0,
        "examples": examples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    database = open_database(args.database)
    create_schema(database)
    rows = make_rows(args.rows, args.seed)
    started = time.perf_counter()
    ids, held = publish(database, rows, args.seed)
    publish_s = time.perf_counter() - started
    started = time.perf_counter()
    pages, aggregate, fetched = crawl(database, ids)
    crawl_s = time.perf_counter() - started
    result = measure(rows, ids, pages, aggregate)
    result.update(
        {
            "held_then_confirmed": held,
            "outputs_read": fetched,
            "publish_s": round(publish_s, 1),
            "crawl_s": round(crawl_s, 1),
            "database": args.database,
            "load": os.getloadavg()[0],
        }
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
