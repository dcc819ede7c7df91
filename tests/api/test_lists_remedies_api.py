"""The rectification and interview API (req §3.9): the task over HTTP, who sees which task, overdue listing,
interviews by the finding department only, bad input → 4xx naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OPERATOR, OTHER_OPERATOR, REVIEWER, SYSTEM, at, listed, party
from xinyong.core.actor import Actor, Role
from xinyong.remedies import service as remedies

Client = Callable[[Actor], TestClient]
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


def test_a_task_over_http(as_actor: Client, db: Session) -> None:
    entry = listed(db)
    uscc = entry.subject_uscc or ""
    at(dt.date(2024, 9, 27))
    body = {"list_entry_id": entry.id, "requirement": "补缴罚款", "working_days": 5}
    assert as_actor(OTHER_OPERATOR).post("/api/v1/rectifications", json=body).status_code == 403
    issued = as_actor(OPERATOR).post("/api/v1/rectifications", json=body)
    assert issued.status_code == 201, issued.text
    task = issued.json()
    assert task["deadline"] == "2024-10-10" and task["status"] == "整改中" and not task["overdue"]
    url = f"/api/v1/rectifications/{task['id']}"

    assert as_actor(party(builders.new_uscc())).post(f"{url}/report", json={"report": "x"}).status_code == 403
    assert as_actor(party(builders.new_uscc())).get(url).status_code == 404
    at(dt.date(2024, 10, 11))
    remedies.sweep_rectifications(db, SYSTEM, dt.date(2024, 10, 11))
    overdue = as_actor(OPERATOR).get("/api/v1/rectifications", params={"overdue": "true"}).json()
    assert [t["id"] for t in overdue["items"]] == [task["id"]] and overdue["items"][0]["escalated"]
    assert as_actor(party(uscc)).get("/api/v1/rectifications").json()["total"] == 1
    assert as_actor(OTHER_OPERATOR).get("/api/v1/rectifications").json()["total"] == 0
    assert as_actor(Actor.public()).get("/api/v1/rectifications").status_code == 401

    reported = as_actor(party(uscc)).post(f"{url}/report", json={"report": "已缴纳罚款"})
    assert reported.status_code == 200 and reported.json()["status"] == "待确认"
    assert as_actor(OPERATOR).post(f"{url}/rejection", json={}).json()["field"] == "note"
    confirmed = as_actor(REVIEWER).post(f"{url}/confirmation", json={"note": "整改到位"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "已完成"
    steps = as_actor(OFFICE).get(url).json()["steps"]
    assert [s["step"] for s in steps] == ["issue", "escalate", "report", "confirm"]
    assert as_actor(REVIEWER).post(f"{url}/confirmation", json={}).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"requirement": "x", "working_days": 0}, "working_days"),
        ({"requirement": "", "working_days": 5}, "requirement"),
        ({"working_days": 5}, "requirement"),
        ({"requirement": "x", "working_days": 5}, "list_entry_id"),
        ({"requirement": "x", "working_days": 5, "record_id": "abc"}, "record_id"),
    ],
)
def test_bad_tasks_name_the_field(as_actor: Client, body: dict[str, object], field: str) -> None:
    answer = as_actor(OPERATOR).post("/api/v1/rectifications", json=body)
    assert answer.status_code == 422 and answer.json()["field"] == field


def test_interviews_over_http(as_actor: Client, db: Session) -> None:
    entry = listed(db)
    at(dt.date(2024, 10, 20))
    body = {
        "kind": "提示约谈",
        "list_entry_id": entry.id,
        "held_on": "2024-10-18",
        "place": "市市场监管局",
        "attendees": ["李科员", "企业负责人"],
        "content": "提示按期整改",
    }
    assert as_actor(OTHER_OPERATOR).post("/api/v1/interviews", json=body).status_code == 403
    made = as_actor(OPERATOR).post("/api/v1/interviews", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["credit_record_id"] and made.json()["kind"] == "提示约谈"
    record = as_actor(party(entry.subject_uscc or "")).get(f"/api/v1/records/{made.json()['credit_record_id']}")
    assert record.status_code == 200 and record.json()["kind"] == "interview"
    assert as_actor(OPERATOR).get("/api/v1/interviews").json()["total"] == 1
    assert as_actor(OTHER_OPERATOR).get("/api/v1/interviews").json()["total"] == 0
    assert as_actor(party(entry.subject_uscc or "")).get("/api/v1/interviews").status_code == 403
    for change, field in [
        ({"kind": "闲聊"}, "kind"),
        ({"held_on": "2024-10-21"}, "held_on"),
        ({"attendees": []}, "attendees"),
    ]:
        answer = as_actor(OPERATOR).post("/api/v1/interviews", json={**body, **change})
        assert answer.status_code == 422 and answer.json()["field"] == field, change
