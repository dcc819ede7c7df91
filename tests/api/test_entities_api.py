"""GET /api/v1/entities… : answers, errors and hostile input (never a 500)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.ids import IdType
from xinyong.entities import service
from xinyong.entities.rules import PersonRole


def test_read_entity(client: TestClient, db: Session) -> None:
    made = builders.entity(db, name="共青城瑞丰羽绒制品有限公司", industry_code="C1952")
    answer = client.get(f"/api/v1/entities/{made.uscc}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["name"] == "共青城瑞丰羽绒制品有限公司"
    assert body["type_name"] == "企业" and body["region_code"] == "360482"
    lower = client.get(f"/api/v1/entities/{made.uscc.lower()}")
    assert lower.status_code == 200


def test_public_sees_legal_representative_but_not_id(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made = builders.entity(db)
    number = builders.new_resident_id()
    person = service.upsert_person(db, builders.SYSTEM, "刘洋", IdType.RESIDENT_ID, number)
    service.link_person(db, builders.SYSTEM, made.uscc, person, PersonRole.LEGAL_REPRESENTATIVE, valid_from=None)
    controller = service.upsert_person(db, builders.SYSTEM, "胡明", IdType.RESIDENT_ID, builders.new_resident_id())
    service.link_person(db, builders.SYSTEM, made.uscc, controller, PersonRole.ACTUAL_CONTROLLER, valid_from=None)
    public = as_actor(Actor.public()).get(f"/api/v1/entities/{made.uscc}").json()
    assert [(p["role"], p["name"], p["id_masked"]) for p in public["persons"]] == [("法定代表人", "刘洋", None)]
    assert number not in str(public)
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="o")).get(f"/api/v1/entities/{made.uscc}").json()
    assert {p["name"] for p in office["persons"]} == {"刘洋", "胡明"}
    assert number not in str(office), "even staff get the masked form from this API"


def test_unknown_entity_is_404(client: TestClient) -> None:
    answer = client.get(f"/api/v1/entities/{builders.new_uscc()}")
    assert answer.status_code == 404
    assert answer.json()["field"] == "uscc"


@pytest.mark.parametrize(
    "code",
    [
        "91360482MA35G3R20Z",
        "9136048",
        "X" * 18,
        "91360482MA35G3R2O0",
        "ＡＢＣ",
        "'; DROP TABLE entities;--",
        "9" * 5000,
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_malformed_code_is_422_or_404_never_500(client: TestClient, code: str) -> None:
    answer = client.get(f"/api/v1/entities/{code}")
    assert answer.status_code in (404, 422), answer.text
    assert answer.json()["field"] == "uscc" if answer.status_code == 422 else True


def test_check_character_error_names_the_rule(client: TestClient) -> None:
    good = builders.new_uscc()
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    body = client.get(f"/api/v1/entities/{bad}").json()
    assert body["field"] == "uscc"
    assert "check" in body["message"] or "校验" in body["message"]


def test_search_and_paginate(client: TestClient, db: Session) -> None:
    for i in range(3):
        builders.entity(db, name=f"共青城第{i}号人力资源服务有限公司")
    page = client.get("/api/v1/entities", params={"q": "人力资源", "page_size": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    second = client.get("/api/v1/entities", params={"q": "人力资源", "page_size": 2, "page": 2}).json()
    assert len(second["items"]) == 1
    assert {i["uscc"] for i in page["items"]}.isdisjoint({i["uscc"] for i in second["items"]})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 101}, "q"),
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": 100_000}, "page_size"),
        ({"qq": "typo"}, "qq"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_search_params_name_the_field(client: TestClient, params: dict[str, object], field: str) -> None:
    answer = client.get("/api/v1/entities", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_departments_list(client: TestClient) -> None:
    rows = client.get("/api/v1/departments").json()
    assert len(rows) == 47
    assert {
        "code": "SCJGJ",
        "short_name": "市市场监管局",
        "full_name": "共青城市市场监督管理局",
    }.items() <= next(r for r in rows if r["code"] == "SCJGJ").items()
    assert all(r["uscc"].startswith("11") for r in rows)
