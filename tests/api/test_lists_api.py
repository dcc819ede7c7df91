"""The lists API: list types, the procedure step by step over HTTP, who sees what, clause 14, bad input → 4xx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OPERATOR, OTHER_OPERATOR, REVIEWER, at, listed, party
from xinyong.core.actor import Actor, Role
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole

Client = Callable[[Actor], TestClient]
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
AUDITOR = Actor(role=Role.AUDITOR, id="auditor")


def test_list_types_are_public_data(as_actor: Client) -> None:
    public = as_actor(Actor.public())
    types = {t["code"]: t for t in public.get("/api/v1/list-types").json()}
    assert set(types) == {"serious", "watch", "market_ban", "honest_model", "tax_a_grade", "contract_keeping"}
    assert types["honest_model"]["category"] == "honour" and types["honest_model"]["issuing_body"]
    assert types["serious"]["term"] == "3年" and types["serious"]["earliest_exit_months"] == 12
    assert "养老" in types["watch"]["key_fields"]
    assert [v["version"] for v in public.get("/api/v1/list-types/serious").json()] == [1]
    assert public.get("/api/v1/list-types/nope").status_code == 404
    body = {
        "code": "watch",
        "name": "重点关注对象名单",
        "category": "watch",
        "criteria": "c",
        "legal_basis": "b",
        "duration_months": 6,
        "earliest_exit_months": 1,
        "exit_rules": "r",
        "key_fields": ["金融"],
        "effective_from": "2099-01-01",
    }
    assert public.post("/api/v1/list-types", json=body).status_code == 401
    assert as_actor(REVIEWER).post("/api/v1/list-types", json=body).status_code == 403
    made = as_actor(OFFICE).post("/api/v1/list-types", json=body)
    assert made.status_code == 201 and made.json()["version"] == 2
    assert as_actor(OFFICE).post("/api/v1/list-types", json={**body, "key_fields": []}).json()["field"] == "key_fields"
    current = {t["code"]: t for t in public.get("/api/v1/list-types").json()}
    assert current["watch"]["version"] == 1, "the new version takes effect in 2099"


def test_the_procedure_over_http(as_actor: Client, db: Session) -> None:
    made = builders.entity(db)
    at(dt.date(2024, 9, 26))
    proposal = {
        "list_type": "serious",
        "subject": {"uscc": made.uscc},
        "facts": "拒不履行行政处罚决定",
        "basis": "国办发〔2020〕49号",
        "conduct_date": "2024-05-01",
    }
    created = as_actor(OPERATOR).post("/api/v1/list-entries", json=proposal)
    assert created.status_code == 201, created.text
    entry = created.json()
    url = f"/api/v1/list-entries/{entry['id']}"
    assert entry["status"] == "拟列入" and entry["proposed_by"] == OPERATOR.id
    assert [s["step"] for s in entry["steps"]] == ["propose"]

    at(dt.date(2024, 9, 27))
    notified = as_actor(OPERATOR).post(f"{url}/notice", json={"notice_doc_no": "共市监告〔2024〕5号"}).json()
    assert notified["statement_deadline"] == "2024-10-10" and "2024-09-27" in notified["statement_deadline_rule"]

    # as_actor switches the one app's caller: take the client right before each call
    assert as_actor(party(made.uscc)).get(url).json()["statement_deadline"] == "2024-10-10", "the party sees its notice"
    stranger = party(builders.new_uscc())
    assert as_actor(stranger).post(f"{url}/statement", json={"statement": "冒名"}).status_code == 403
    assert as_actor(stranger).get(url).status_code == 404
    at(dt.date(2024, 10, 8))
    stated = as_actor(party(made.uscc)).post(f"{url}/statement", json={"statement": "我方已整改"})
    assert stated.status_code == 200 and stated.json()["status"] == "已陈述申辩"
    assert stated.json()["steps"] is None, "the party does not get the internal step log"

    at(dt.date(2024, 10, 10))
    too_soon = as_actor(REVIEWER).post(f"{url}/decision", json={"decision_doc_no": "共市监列〔2024〕5号"})
    assert too_soon.status_code == 409 and too_soon.json()["field"] == "decision_date"
    at(dt.date(2024, 10, 11))
    proposer = Actor(role=Role.DEPT_REVIEWER, id=OPERATOR.id, department_code="SCJGJ")
    assert as_actor(proposer).post(f"{url}/decision", json={"decision_doc_no": "x"}).status_code == 403
    assert as_actor(OTHER_OPERATOR).post(f"{url}/decision", json={"decision_doc_no": "x"}).status_code == 403
    decided = as_actor(REVIEWER).post(f"{url}/decision", json={"decision_doc_no": "共市监列〔2024〕5号"})
    assert decided.status_code == 200 and decided.json()["valid_to"] == "2027-10-11"
    assert as_actor(Actor.public()).get(url).status_code == 404, "not published yet"
    published = as_actor(OPERATOR).post(f"{url}/publication").json()
    assert published["status"] == "已公示" and published["record_id"]

    public = as_actor(Actor.public()).get(url).json()
    assert public["status"] == "已公示" and public["steps"] is None and public["proposed_by"] is None
    assert public["statement"] is None and public["record_id"] is None
    listing = as_actor(Actor.public()).get("/api/v1/list-entries", params={"list_type": "serious"}).json()
    assert [i["id"] for i in listing["items"]] == [entry["id"]]
    staff = as_actor(AUDITOR).get(url).json()
    assert [s["step"] for s in staff["steps"]] == ["propose", "notify", "state", "decide", "publish"]
    records = as_actor(Actor.public()).get(f"/api/v1/entities/{made.uscc}/records").json()
    assert any(r["kind"] == "serious_dishonesty" for r in records["items"])

    at(dt.date(2025, 10, 12))
    exited = as_actor(REVIEWER).post(f"{url}/exit", json={"reason": "完成信用修复"})
    assert exited.status_code == 200 and exited.json()["exit_kind"] == "提前移出"
    assert as_actor(Actor.public()).get("/api/v1/list-entries").json()["total"] == 0


def test_pipelines_are_departmental(as_actor: Client, db: Session) -> None:
    mine = listed(db, until="propose")
    published = listed(db, notice_on=dt.date(2024, 11, 5))
    at(dt.date(2024, 12, 1))
    ids = lambda actor: {i["id"] for i in as_actor(actor).get("/api/v1/list-entries").json()["items"]}  # noqa: E731
    assert ids(OPERATOR) == {mine.id, published.id}
    assert ids(OTHER_OPERATOR) == {published.id}
    assert ids(Actor.public()) == {published.id}
    assert ids(OFFICE) == {mine.id, published.id}
    filtered = as_actor(OPERATOR).get("/api/v1/list-entries", params={"status": "拟列入"}).json()
    assert [i["id"] for i in filtered["items"]] == [mine.id]


def test_natural_persons_are_masked_for_the_public(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 9, 26))
    proposal = {
        "list_type": "serious",
        "subject": {"name": "张三丰", "id_type": "resident_id", "id_number": builders.new_resident_id()},
        "facts": "骗取社会救助资金",
        "basis": "《社会救助暂行办法》",
        "conduct_date": "2024-05-01",
    }
    created = as_actor(OPERATOR).post("/api/v1/list-entries", json=proposal)
    assert created.status_code == 201, created.text
    assert created.json()["subject"]["name"] == "张三丰"
    entry_id = created.json()["id"]
    at(dt.date(2024, 9, 27))
    as_actor(OPERATOR).post(f"/api/v1/list-entries/{entry_id}/notice", json={"notice_doc_no": "告"})
    received = as_actor(OPERATOR).post(f"/api/v1/list-entries/{entry_id}/statement-received", json={"waived": True})
    assert received.status_code == 200 and received.json()["statement_waived"] is True
    as_actor(REVIEWER).post(f"/api/v1/list-entries/{entry_id}/decision", json={"decision_doc_no": "决"})
    as_actor(OPERATOR).post(f"/api/v1/list-entries/{entry_id}/publication")
    shown = as_actor(Actor.public()).get("/api/v1/list-entries").json()["items"][0]
    assert shown["subject"] == {"type": "person", "uscc": None, "person_id": None, "name": "张**"}
    assert shown["facts"] is None
    assert "张三丰" not in as_actor(Actor.public()).get(f"/api/v1/list-entries/{entry_id}").text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"list_type": "nope"}, "list_type"),
        ({"subject": {"uscc": "91360482MA35XXXXX1"}}, "uscc"),
        ({"subject": {"uscc": "123"}}, "uscc"),
        ({"subject": {}}, "subject"),
        ({"facts": ""}, "facts"),
        ({"facts": None}, "facts"),
        ({"conduct_date": "2024-02-30"}, "conduct_date"),
        ({"conduct_date": None}, "conduct_date"),
        ({"linked_record_ids": ["x"]}, "linked_record_ids.0"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_proposals_are_4xx_naming_the_field(
    as_actor: Client, db: Session, change: dict[str, object], field: str
) -> None:
    made = builders.entity(db)
    body: dict[str, object] = {
        "list_type": "serious",
        "subject": {"uscc": made.uscc},
        "facts": "f",
        "basis": "b",
        "conduct_date": "2024-05-01",
    }
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None or k == "conduct_date"}
    answer = as_actor(OPERATOR).post("/api/v1/list-entries", json=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["field"] == field


def test_steps_on_missing_entries_are_404(as_actor: Client) -> None:
    for path, body in [
        ("notice", {"notice_doc_no": "x"}),
        ("decision", {"decision_doc_no": "x"}),
        ("publication", None),
    ]:
        answer = as_actor(REVIEWER).post(f"/api/v1/list-entries/987654/{path}", json=body)
        assert answer.status_code == 404 and answer.json()["field"] == "entry_id"
    assert as_actor(REVIEWER).get("/api/v1/list-entries/0").status_code == 422


def test_a_persons_page_for_staff(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 9, 1))
    firm = builders.entity(db)
    boss = entities.upsert_person(db, builders.SYSTEM, "周法人", "resident_id", builders.new_resident_id())
    entities.link_person(
        db, builders.SYSTEM, firm.uscc, boss, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2020, 1, 1)
    )
    entry = listed(db, firm.uscc)
    url = f"/api/v1/persons/{boss.id}/list-entries"
    page = as_actor(REVIEWER).get(url, params={"on": "2024-11-01"}).json()
    assert page["name"] == "周法人" and "*" in page["id_masked"]
    assert [(v["role"], v["entry"]["id"]) for v in page["via_entities"]] == [("法定代表人", entry.id)]
    assert as_actor(Actor.public()).get(url).status_code == 401
    assert as_actor(party(firm.uscc)).get(url).status_code == 403
    assert as_actor(REVIEWER).get("/api/v1/persons/987654/list-entries").status_code == 404


def test_clause_14_notices_and_public_sector_marking(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 9, 1))
    firm = builders.entity(db, name="共青城市某国有公司")
    marked = as_actor(OFFICE).put(
        f"/api/v1/public-sector/{firm.uscc}",
        json={"sector": "国有企业", "supervising_unit": "共青城市国有资产监督管理委员会"},
    )
    assert marked.status_code == 200 and marked.json()["sector"] == "国有企业"
    bad = as_actor(OFFICE).put(f"/api/v1/public-sector/{firm.uscc}", json={"sector": "私营", "supervising_unit": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "sector"
    assert (
        as_actor(OFFICE)
        .put("/api/v1/public-sector/123", json={"sector": "国有企业", "supervising_unit": "x"})
        .json()["field"]
        == "uscc"
    )
    entry = listed(db, firm.uscc, until="decide")
    notices = as_actor(AUDITOR).get("/api/v1/list-notices", params={"entry_id": entry.id}).json()
    assert notices["total"] == 2
    assert {n["recipient_department"] for n in notices["items"]} == {"GZW", "SJJ"}
    assert as_actor(OTHER_OPERATOR).get("/api/v1/list-notices").json()["total"] == 0
