"""Issue 15: personal information never reaches a public output. A natural person's penalty, a 个体工商户's and a
firm's, with names, ID numbers (spaced, lower-case x, 15 digits), phones (full-width, zero-width spaces, dashes),
bank cards, e-mail and street addresses in their free text and titles, are read through every public output — the
record page, the publicity lists and their CSV/JSON/XLSX exports, the entity profile, the JSON API, the feeds, the
public credit report — and through every public GET route the application has (enumerated from its route table, so
a new public route is covered). Held rows stay off until a reviewer confirms; staff see the original, audited."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.routes_of import effective_routes
from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.auth.access import BUSINESS_SYSTEM, PUBLIC, rule_of
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.schemas import RecordIn, SubjectIn

PERSON = "刘小明"
OPERATOR = "刘大明"
PERSON_TEXT = (
    "经查，当事人刘小明（身份证号3604 8219 9003 0712 3x，手机１３８\u200b1234\u200b5678，邮箱liuxm@example.com）"
    "在共青城市茶山街道青年大道88号3栋201室无证经营，违法所得存入其银行卡6222 0212 3456 7890 123。"
    "依据《中华人民共和国行政处罚法》第二十八条。"
)
SHOP_TEXT = "经营者刘大明（联系电话139-1234-1234，15位身份证360482900307123）在共青城市茶山街道湖滨路16号经营烟酒。"
FIRM_TEXT = "处罚事由：身份证号360482199003071234，手机13812345678，账号6217001234567890123。"
SECRETS = [
    PERSON, OPERATOR, "360482199003071234", "36048219900307123", "360482900307123", "13812345678", "13912341234",
    "6222021234567890123", "6217001234567890123", "liuxm@example.com", "青年大道88号", "湖滨路16号",
]  # fmt: skip
CITATION = "《中华人民共和国行政处罚法》第二十八条"
INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")


def _leaks(text: str) -> list[str]:
    plain = INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    compact = re.sub(r"[\s\-\\\"]", "", plain).upper()
    return [s for s in SECRETS if s in plain or re.sub(r"[\s-]", "", s).upper() in compact]


@dataclass
class Seeded:
    person: int
    shop: int
    firm: int
    shop_uscc: str
    firm_uscc: str


def _seed(db: Session) -> Seeded:
    day = builders.recent_day()
    person, _ = records.upsert_record(
        db,
        builders.SYSTEM,
        RecordIn(
            source_department="SCJGJ",
            kind="penalty",
            doc_no="共市监罚〔2026〕1501号",
            subject=SubjectIn(type="person", name=PERSON, id_type="resident_id", id_number=builders.new_resident_id()),
            title="刘小明无证无照经营案",
            decision_date=day,
            severity="一般",
            content={"XDR_MC": PERSON, "XDR_LB": "自然人", "WFXW": "无照经营", "SY": PERSON_TEXT, "CFLB": ["罚款"]},
        ),
    )
    shop_entity = builders.entity(db, name="共青城市茶山老刘烟酒店", uscc=builders.new_uscc("92"))
    shop, _ = records.upsert_record(
        db,
        builders.SYSTEM,
        builders.penalty(
            shop_entity.uscc,
            subject=SubjectIn(type="entity", name=shop_entity.name, uscc=shop_entity.uscc),
            title="共青城市茶山老刘烟酒店（经营者刘大明）销售假冒卷烟案",
            content={"FRDB": OPERATOR, "WFXW": "销售假冒卷烟", "SY": SHOP_TEXT, "CFLB": ["罚款"], "NR_FK": 0.5},
        ),
    )
    firm_entity = builders.entity(db, name="共青城瑞雪羽绒服饰有限公司")
    firm, _ = records.upsert_record(
        db,
        builders.SYSTEM,
        builders.penalty(
            firm_entity.uscc,
            content={"FRDB": "王五", "WFXW": "虚假宣传", "SY": FIRM_TEXT, "CFLB": ["罚款"], "NR_FK": 1.0},
        ),
    )
    return Seeded(person.record_id, shop.record_id, firm.record_id, shop_entity.uscc, firm_entity.uscc)


def _text(answer_content: bytes, xlsx: bool) -> str:
    if xlsx:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(answer_content)).get_sheet_by_index(0).to_python()
        return "\n".join("\t".join(str(cell) for cell in row) for row in rows)
    return answer_content.decode("utf-8-sig")


def test_every_public_output_is_desensitised(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    seeded = _seed(db)
    public = as_actor(Actor.public())
    urls = [
        f"/record/{seeded.person}", f"/record/{seeded.shop}", f"/record/{seeded.firm}", f"/entity/{seeded.shop_uscc}",
        "/publicity/penalties?page_size=100", "/publicity/penalties.csv", "/publicity/penalties.json",
        "/publicity/penalties.xlsx", "/", f"/api/v1/records/{seeded.person}", f"/api/v1/records/{seeded.shop}",
        f"/api/v1/records/{seeded.firm}", f"/api/v1/entities/{seeded.shop_uscc}/records",
        f"/api/v1/entities/{seeded.firm_uscc}/records",
    ]  # fmt: skip
    seen = {}
    for url in urls:
        answer = public.get(url)
        assert answer.status_code == 200, url
        text = _text(answer.content, url.endswith(".xlsx"))
        assert _leaks(text) == [], f"{url} shows {_leaks(text)}"
        seen[url] = text
    assert "刘**" in seen[f"/record/{seeded.person}"] and CITATION in seen[f"/record/{seeded.person}"]
    assert "共青城市茶山街道***" in seen[f"/record/{seeded.person}"]
    assert "共青城市茶山老刘烟酒店" in seen[f"/record/{seeded.shop}"]  # business names stay
    assert "王五" in seen[f"/record/{seeded.firm}"]  # a firm's legal representative, as the standard shows
    report = public.post("/api/v1/reports", json={"uscc": seeded.shop_uscc})
    assert report.status_code == 201 and _leaks(report.text) == [] and "销售假冒卷烟" in report.text
    for role in (Role.BUSINESS_SYSTEM, Role.CREDIT_OFFICE):
        client = as_actor(Actor(role=role, id=f"test:{role}"))  # one actor at a time: the override is per app
        for fmt in ("csv", "jsonl"):
            feed = client.get(f"/api/v1/feeds/penalty?format={fmt}")
            assert feed.status_code == 200 and "共市监罚〔2026〕1501号" in feed.text
            leaks = _leaks(feed.text)
            if role == Role.CREDIT_OFFICE:  # the office reads names, never a number from free text
                leaks = [s for s in leaks if s not in (PERSON, OPERATOR, "青年大道88号", "湖滨路16号")]
            assert leaks == [], (fmt, leaks)


def test_numbers_in_free_text_are_encrypted_at_rest(db: Session) -> None:
    builders.departments(db)
    seeded = _seed(db)
    stored = list(db.execute(select(CreditRecordVersion.content, CreditRecordVersion.title)))
    dump = repr(stored)
    numbers = [s for s in SECRETS if s[0].isdigit() or "@" in s]
    assert [s for s in numbers if re.sub(r"[\s-]", "", s) in re.sub(r"[\s-]", "", dump)] == []
    office = Actor(role=Role.CREDIT_OFFICE, id="user:office")
    view = records.get_record(db, office, seeded.person)
    assert view.content["SY"] == PERSON_TEXT  # the office reads what the department sent
    other = Actor(role=Role.DEPT_OPERATOR, id="user:tax", department_code="SWJ")
    shared = records.get_record(db, other, seeded.person)
    assert "13812345678" not in shared.content["SY"] and "138****5678" in shared.content["SY"]
    events = db.execute(select(AuditEvent.action).where(AuditEvent.action == "records:personal:read")).scalars()
    assert list(events), "staff reading a natural person's record is audited"
    # a re-send of the same text is unchanged; another number is a correction
    again = records.upsert_record(
        db,
        builders.SYSTEM,
        RecordIn(
            source_department="SCJGJ",
            kind="penalty",
            doc_no="共市监罚〔2026〕1501号",
            subject=SubjectIn(type="person", name=PERSON, id_type="resident_id", id_number=builders.new_resident_id()),
            title="刘小明无证无照经营案",
            decision_date=builders.recent_day(),
            severity="一般",
            content={"XDR_MC": PERSON, "XDR_LB": "自然人", "WFXW": "无照经营", "SY": PERSON_TEXT, "CFLB": ["罚款"]},
        ),
    )
    assert again[1] in ("unchanged", "corrected")


HELD_TEXT = (
    "经查，当事人刘小明（联系电话13912341234，住共青城市茶山街道青年大道88号）未依法取得营业执照，擅自从事经营活动。"
)


def test_a_held_row_is_public_only_after_review(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made, _ = records.upsert_record(
        db,
        builders.SYSTEM,
        RecordIn(
            source_department="SCJGJ",
            kind="penalty",
            doc_no="共市监罚〔2026〕1502号",
            subject=SubjectIn(type="person", name="张伟", id_type="resident_id", id_number=builders.new_resident_id()),
            title="张伟无照经营案",
            decision_date=builders.recent_day(),
            severity="一般",
            content={"WFXW": "无照经营", "SY": HELD_TEXT.replace(PERSON, "张伟").replace("当事人张伟", "当事人李强")},
        ),
    )
    assert made.privacy_hold, "an unknown name after 当事人 and an address after 住: held"
    public = as_actor(Actor.public())
    assert public.get(f"/record/{made.record_id}").status_code == 404
    assert public.get(f"/api/v1/records/{made.record_id}").status_code == 404
    assert "1502" not in public.get("/publicity/penalties.csv").text
    operator = as_actor(builders.operator("SCJGJ"))
    page = operator.get(f"/console/privacy/{made.record_id}")
    assert page.status_code == 200 and "李强" in page.text and "13912341234" in page.text  # staff see the original
    assert "李**" in page.text and "住共青城市茶山街道***" in page.text  # and the proposal
    assert "确认公示文本" not in page.text  # an operator may not confirm
    queue = operator.get("/console/privacy")
    assert queue.status_code == 200 and "共市监罚〔2026〕1502号" in queue.text
    reviewer = Actor(role=Role.DEPT_REVIEWER, id="user:reviewer", department_code="SCJGJ")
    client = as_actor(reviewer)
    form = client.get(f"/console/privacy/{made.record_id}").text
    keys = re.findall(r'name="key" value="([^"]+)"', form)
    texts = [
        "当事人李某（联系电话139****1234，住共青城市茶山街道***）未依法取得营业执照。"
        if k == "SY"
        else "张**无照经营案"
        for k in keys
    ]
    answer = client.post(
        f"/console/privacy/{made.record_id}",
        data={"key": keys, "text": texts, "csrf_token": "x"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and "error" not in answer.headers["location"], answer.headers.get("location")
    public = as_actor(Actor.public())
    shown = public.get(f"/api/v1/records/{made.record_id}")
    assert shown.status_code == 200 and "当事人李某（" in shown.text and "李强" not in shown.text
    actions = set(db.execute(select(AuditEvent.action)).scalars())
    assert {"privacy:review:confirmed", "records:personal:read"} <= actions


def _public_get_routes() -> list[tuple[str, str]]:
    out = []
    for route in effective_routes(create_app()):
        rules = rule_of(route.dependant)
        if "GET" in route.methods and rules and rules[0] in (PUBLIC, BUSINESS_SYSTEM):
            out.append((route.path, rules[0].name))
    return out


def test_every_public_route_is_desensitised(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    """Every public GET route of the application, its parameters filled with the seeded records and entities."""
    seeded = _seed(db)
    values = {"record_id": str(seeded.person), "uscc": seeded.shop_uscc, "kind": "penalty"}
    routes = _public_get_routes()
    assert len(routes) > 40
    answered = 0
    for business, group in (
        (False, [r for r in routes if r[1] != BUSINESS_SYSTEM.name]),
        (True, [r for r in routes if r[1] == BUSINESS_SYSTEM.name]),
    ):
        client = as_actor(Actor(role=Role.BUSINESS_SYSTEM, id="api_client:1") if business else Actor.public())
        answered += _crawl(client, group, values)
    assert answered > 30


def _crawl(client: TestClient, routes: list[tuple[str, str]], values: dict[str, str]) -> int:
    answered = 0
    for path, _rule in routes:
        url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), path)
        answer = client.get(url)
        if answer.status_code != 200:
            continue
        answered += 1
        text = _text(answer.content, answer.headers.get("content-type", "").startswith("application/vnd.openxml"))
        assert _leaks(text) == [], f"GET {path} shows {_leaks(text)}"
    return answered
