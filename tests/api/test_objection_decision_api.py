"""Objections decided by two people, over the API: who may propose and decide (403), the proposer never decides,
bad input is a 4xx, 更正 changes any published field with the old version kept, the record is named, and one
objection carries its steps (the subject's view names no account)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.records import service as records

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office-1")
OFFICE_2 = Actor(role=Role.CREDIT_OFFICE, id="user:office-2")
OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="user:scj-op", department_code="SCJGJ")
REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="user:scj-rev", department_code="SCJGJ")
OTHER_REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="user:sw-rev", department_code="SWJ")


@pytest.fixture
def objected(db: Session, as_actor: Callable[[Actor], TestClient]) -> dict[str, Any]:
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    entity = Actor(role=Role.ENTITY, id="user:firm", entity_uscc=made.uscc)
    answer = as_actor(entity).post(
        "/api/v1/objections", json={"record_id": version.record_id, "reasons": "罚款金额登记有误"}
    )
    assert answer.status_code == 201, answer.text
    return {"id": answer.json()["id"], "record_id": version.record_id, "entity": entity, "body": answer.json()}


def test_the_record_is_named(objected: dict[str, Any]) -> None:
    label = objected["body"]["record_label"]
    assert label.startswith("行政处罚 ") and "《行政处罚决定书" in label, label


def test_office_proposes_another_member_decides(
    objected: dict[str, Any], as_actor: Callable[[Actor], TestClient]
) -> None:
    url = f"/api/v1/objections/{objected['id']}"
    assert as_actor(OFFICE).post(f"{url}/review", json={"approve": True, "opinion": "同意"}).status_code == 409
    for outsider in (OPERATOR, REVIEWER, objected["entity"]):  # before forwarding the department takes no part
        assert as_actor(outsider).post(f"{url}/propose", json={"outcome": "维持", "reason": "无误"}).status_code == 403
    proposed = as_actor(OFFICE).post(f"{url}/propose", json={"outcome": "撤销", "reason": "非本主体的处罚"})
    assert proposed.status_code == 200 and proposed.json()["proposed_by"] == OFFICE.id
    own = as_actor(OFFICE).post(f"{url}/review", json={"approve": True, "opinion": "同意"})
    assert own.status_code == 403 and "拟办人不得审核本人的拟办意见" in own.text
    for outsider in (REVIEWER, objected["entity"]):
        assert as_actor(outsider).post(f"{url}/review", json={"approve": True, "opinion": "同意"}).status_code == 403
    # another department does not even see it (invisible and missing alike)
    assert as_actor(OTHER_REVIEWER).post(f"{url}/review", json={"approve": True, "opinion": "同意"}).status_code == 404
    public = as_actor(Actor.public()).post(f"{url}/review", json={"approve": True, "opinion": "同意"})
    assert public.status_code == 401
    done = as_actor(OFFICE_2).post(f"{url}/review", json={"approve": True, "opinion": "同意撤销"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "已办结" and done.json()["outcome"] == "撤销"
    firm = as_actor(objected["entity"])
    assert firm.get(f"/api/v1/records/{objected['record_id']}").json()["status"] == "已撤销"
    mine = firm.get(url).json()
    assert [s["step"] for s in mine["steps"]] == ["file", "propose", "decide"]
    assert [s["label"] for s in mine["steps"]] == ["提出异议", "拟办", "审核决定"]
    assert mine["proposed_by"] is None and all(s["actor_id"] == "" for s in mine["steps"]), "no account for the subject"
    staff = as_actor(OFFICE).get(url).json()
    assert [s["actor_id"] for s in staff["steps"][1:]] == [OFFICE.id, OFFICE_2.id]


def test_department_operator_proposes_a_correction_of_content_and_its_reviewer_decides(
    objected: dict[str, Any], as_actor: Callable[[Actor], TestClient]
) -> None:
    url = f"/api/v1/objections/{objected['id']}"
    assert as_actor(OFFICE).post(f"{url}/forward", json={"note": "请核实金额"}).status_code == 200
    record = as_actor(OFFICE).get(f"/api/v1/records/{objected['record_id']}").json()
    content = {**record["content"], "NR_FK": 0.2, "CFLB": ["警告"]}
    correction = {"content": content, "published_date": record["decision_date"], "reason": "金额登记有误"}
    body = {"outcome": "更正", "reason": "罚款金额应为0.2万元", "correction": correction}
    assert as_actor(OTHER_REVIEWER).post(f"{url}/propose", json=body).status_code == 404
    assert as_actor(OPERATOR).post(f"{url}/propose", json=body).status_code == 200
    assert as_actor(OPERATOR).post(f"{url}/review", json={"approve": True, "opinion": "同意"}).status_code == 403
    returned = as_actor(REVIEWER).post(f"{url}/review", json={"approve": False, "opinion": "请附缴款凭证"})
    assert returned.status_code == 200 and returned.json()["status"] == "已转办"
    assert as_actor(OPERATOR).post(f"{url}/propose", json=body).status_code == 200
    done = as_actor(REVIEWER).post(f"{url}/review", json={"approve": True, "opinion": "同意更正"})
    assert done.status_code == 200 and done.json()["outcome"] == "更正"
    history = as_actor(OFFICE).get(f"/api/v1/records/{objected['record_id']}/history").json()
    first, last = history[0], history[-1]
    assert first["content"]["NR_FK"] != 0.2 and first["version"] == 1, "the old version is kept"
    assert last["content"]["NR_FK"] == 0.2 and last["content"]["CFLB"] == ["警告"] and last["status"] == "有效"
    assert last["published_date"] == record["decision_date"] and last["version"] == done.json()["result_version"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"outcome": "删除", "reason": "理由"},
        {"outcome": "维持", "reason": "x"},
        {"outcome": "维持", "reason": "理由" * 3000},
        {"outcome": "更正", "reason": "理由"},  # 更正 without the corrected fields
        {"outcome": "维持", "reason": "理由", "correction": {"title": "新标题", "reason": "r"}},
        {"outcome": "更正", "reason": "理由", "correction": {"reason": "nothing"}},
        {"outcome": "更正", "reason": "理由", "correction": {"title": "", "reason": "r"}},
        {"outcome": "更正", "reason": "理由", "correction": {"decision_date": "2099-01-01", "reason": "r"}},
        {"outcome": "更正", "reason": "理由", "correction": {"content": {"bad key!": 1}, "reason": "r"}},
        {"outcome": "更正", "reason": "理由", "correction": {"content": {"NR": {"x": 1}}, "reason": "r"}},
        {"outcome": "更正", "reason": "理由", "correction": {"severity": "极其严重", "reason": "r"}},
        {"outcome": "维持", "reason": "理由", "extra": 1},
    ],
)
def test_bad_proposals_are_4xx(
    objected: dict[str, Any], as_actor: Callable[[Actor], TestClient], body: dict[str, Any]
) -> None:
    answer = as_actor(OFFICE).post(f"/api/v1/objections/{objected['id']}/propose", json=body)
    assert 400 <= answer.status_code < 500, (body, answer.status_code, answer.text)
    assert as_actor(OFFICE).get(f"/api/v1/objections/{objected['id']}").json()["status"] == "已受理"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/objections/0/propose", "/api/v1/objections/99999999999999999999/review", "/api/v1/objections/x/review"],
)
def test_bad_ids_are_4xx(objected: dict[str, Any], as_actor: Callable[[Actor], TestClient], path: str) -> None:
    answer = as_actor(OFFICE).post(path, json={"approve": True, "opinion": "同意"})
    assert answer.status_code == 422


def test_bad_reviews_are_4xx(objected: dict[str, Any], as_actor: Callable[[Actor], TestClient]) -> None:
    url = f"/api/v1/objections/{objected['id']}"
    as_actor(OFFICE).post(f"{url}/propose", json={"outcome": "维持", "reason": "无误"})
    for body in ({}, {"approve": "maybe", "opinion": "同意"}, {"approve": True, "opinion": "x"}, {"approve": True}):
        assert as_actor(OFFICE_2).post(f"{url}/review", json=body).status_code == 422, body
    assert (
        as_actor(OFFICE_2)
        .post("/api/v1/objections/424242/review", json={"approve": True, "opinion": "同意"})
        .status_code
        == 404
    )
