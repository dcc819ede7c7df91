"""GET records APIs: rights applied per caller, as_of, and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.records import service
from xinyong.records.schemas import RecordCorrection


def test_public_and_staff_views(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made = builders.entity(db)
    shown, _ = service.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    service.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, disclosure="不公开"))
    public = as_actor(Actor.public()).get(f"/api/v1/entities/{made.uscc}/records").json()
    assert public["total"] == 1
    item = public["items"][0]
    assert item["id"] == shown.record_id and item["kind_label"] == "行政处罚"
    assert item["provenance"] is None and "*" in item["content"]["FR_ZJHM"]
    staff = as_actor(builders.operator("SCJGJ")).get(f"/api/v1/entities/{made.uscc}/records").json()
    assert staff["total"] == 2


def test_as_of_rebuilds_the_past(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    made = builders.entity(db)
    clock.freeze(dt.datetime(2024, 3, 5, 2, tzinfo=dt.UTC))
    created, _ = service.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    clock.freeze(dt.datetime(2024, 7, 1, 2, tzinfo=dt.UTC))
    service.correct_record(db, builders.SYSTEM, created.record_id, RecordCorrection(title="新标题", reason="更正"))
    clock.freeze(None)
    client = as_actor(Actor(role=Role.AUDITOR, id="a"))
    old = client.get(f"/api/v1/records/{created.record_id}", params={"as_of": "2024-05-01"}).json()
    new = client.get(f"/api/v1/records/{created.record_id}").json()
    assert (old["version"], old["title"]) == (1, "行政处罚决定书")
    assert (new["version"], new["title"]) == (2, "新标题")
    before = client.get(f"/api/v1/records/{created.record_id}", params={"as_of": "2024-03-01"})
    assert before.status_code == 404
    history = client.get(f"/api/v1/records/{created.record_id}/history").json()
    assert [h["version"] for h in history] == [1, 2]
    assert as_actor(Actor.public()).get(f"/api/v1/records/{created.record_id}/history").status_code == 401


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/records/1", {"as_of": "2024-13-45"}, "as_of"),
        ("/api/v1/records/1", {"as_of": "yesterday"}, "as_of"),
        ("/api/v1/records/0", {}, "record_id"),
        ("/api/v1/records/abc", {}, "record_id"),
        ("/api/v1/records/99999999999999999999999", {}, "record_id"),
        ("/api/v1/records/1", {"verbose": "1"}, "verbose"),
        ("/api/v1/entities/{uscc}/records", {"kind": "nonsense"}, "kind.0"),
        ("/api/v1/entities/{uscc}/records", {"page_size": 0}, "page_size"),
    ],
)
def test_bad_input_is_422_with_field(
    client: TestClient, db: Session, url: str, params: dict[str, object], field: str
) -> None:
    made = builders.entity(db)
    answer = client.get(url.format(uscc=made.uscc), params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_missing_record_is_404(client: TestClient) -> None:
    answer = client.get("/api/v1/records/424242")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_unknown_route_and_method(client: TestClient) -> None:
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert client.post("/api/v1/records/1").status_code == 405
