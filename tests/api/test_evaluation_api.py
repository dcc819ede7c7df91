"""The evaluation API: the public sees the grade and the public parts of the breakdown; history is for staff and
the entity itself; the office publishes models (bad, hostile and oversized models refused with the field named)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import at
from xinyong.core.actor import Actor, Role
from xinyong.evaluation import service
from xinyong.evaluation.rules import DEFAULT_MODEL_JSON
from xinyong.records import service as records

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
SYSTEM = Actor.system("test")


def _graded(db: Session) -> tuple[str, int, int]:
    builders.departments(db)
    at(dt.date(2026, 11, 20))
    made = builders.entity(db)
    public, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, severity="严重"))
    hidden, _ = records.upsert_record(
        db, builders.SYSTEM, builders.penalty(made.uscc, severity="一般", disclosure="有条件共享")
    )
    service.regrade_entity(db, SYSTEM, made.uscc, "test")
    return made.uscc, public.record_id, hidden.record_id


def test_public_sees_grade_and_public_parts(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    uscc, public_id, hidden_id = _graded(db)
    body = as_actor(Actor.public()).get(f"/api/v1/evaluation/entities/{uscc}").json()
    assert (body["score"], body["grade"], body["grade_label"], body["model_version"]) == (800, "D", "差", 1)
    assert body["base"] + sum(item["points"] for item in body["breakdown"]) == body["score"]
    items = {item["code"]: item for item in body["breakdown"]}
    assert items["penalty_serious"]["record_ids"] == [public_id]
    assert items["penalty_general"]["record_ids"] == [] and items["penalty_general"]["hidden"] == 1
    assert body["cause"] is None
    staff = as_actor(OFFICE).get(f"/api/v1/evaluation/entities/{uscc}").json()
    assert {i["code"]: i["record_ids"] for i in staff["breakdown"]}["penalty_general"] == [hidden_id]
    own = as_actor(Actor(role=Role.ENTITY, id="e", entity_uscc=uscc)).get(f"/api/v1/evaluation/entities/{uscc}")
    assert {i["code"]: i["hidden"] for i in own.json()["breakdown"]}["penalty_general"] == 0


def test_improvements_name_dates(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    uscc, public_id, _ = _graded(db)
    body = as_actor(Actor.public()).get(f"/api/v1/evaluation/entities/{uscc}/improvements").json()
    assert (body["grade"], body["next_grade"], body["points_to_next"]) == ("D", "C", 50)
    serious = body["indicators"][0]
    assert serious["code"] == "penalty_serious" and serious["gain"] == 150
    item = serious["items"][0]
    assert item["id"] == public_id and item["repair_from"] is not None and item["counts_until"] is not None
    assert dt.date.fromisoformat(item["repair_from"]) <= dt.date.fromisoformat(item["counts_until"])


def test_history_is_for_staff_and_the_entity(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    uscc, _, _ = _graded(db)
    path = f"/api/v1/evaluation/entities/{uscc}/history"
    assert as_actor(Actor.public()).get(path).status_code == 401
    other = builders.entity(db, name="共青城别家有限公司")
    assert as_actor(Actor(role=Role.ENTITY, id="x", entity_uscc=other.uscc)).get(path).status_code == 403
    rows = as_actor(Actor(role=Role.ENTITY, id="e", entity_uscc=uscc)).get(path).json()
    assert [(r["old_grade"], r["new_grade"], r["cause"]) for r in rows] == [(None, "D", "test")]
    assert as_actor(builders.operator()).get(path).status_code == 200


def test_unknown_entity_is_404(client: TestClient, db: Session) -> None:
    builders.departments(db)
    answer = client.get("/api/v1/evaluation/entities/913604820000000000")
    assert answer.status_code in (404, 422)
    assert client.get("/api/v1/evaluation/entities/" + "9" * 40).status_code in (404, 422)


def test_publish_model(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    builders.departments(db)
    definition = copy.deepcopy(DEFAULT_MODEL_JSON)
    assert as_actor(builders.operator()).post("/api/v1/evaluation/models", json={}).status_code == 403
    office = as_actor(OFFICE)  # the last client made decides who is calling
    same = office.post("/api/v1/evaluation/models", json={"model": definition, "note": "同"})
    assert same.status_code == 409
    definition["indicators"][1]["points"] = "lots"
    bad = office.post("/api/v1/evaluation/models", json={"model": definition, "note": "坏"})
    assert bad.status_code == 422 and bad.json()["field"] == "indicators[1].points"
    huge = {**definition, "note": "长" * 300_000}
    assert office.post("/api/v1/evaluation/models", json={"model": huge, "note": "大"}).status_code == 422
    assert office.post("/api/v1/evaluation/models", json={"model": [], "note": "x"}).status_code == 422
    definition["indicators"][1]["points"] = -250
    made = office.post("/api/v1/evaluation/models", json={"model": definition, "note": "部门名单扣250分"})
    assert made.status_code == 201 and made.json()["version"] == 2 and made.json()["current"]
    assert office.put("/api/v1/evaluation/models/1", json={}).status_code == 405, "versions never change"
    public = as_actor(Actor.public())
    listed = public.get("/api/v1/evaluation/models").json()
    assert [(m["version"], m["current"]) for m in listed] == [(2, True), (1, False)]
    assert public.get("/api/v1/evaluation/models/1").json()["current"] is False
    assert public.get("/api/v1/evaluation/models/9").status_code == 404


def test_regrade_and_distribution(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    uscc, _, _ = _graded(db)
    office = as_actor(OFFICE)
    answer = office.post(f"/api/v1/evaluation/entities/{uscc}/regrade", json={"reason": "核对"})
    assert answer.status_code == 200 and answer.json()["changed"] is False and answer.json()["grade"] == "D"
    assert office.post(f"/api/v1/evaluation/entities/{uscc}/regrade", json={"reason": ""}).status_code == 422
    counts = office.get("/api/v1/evaluation/distribution").json()
    assert counts["counts"]["D"] >= 1 and counts["model_version"] == 1
