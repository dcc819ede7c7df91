"""The insider-misuse API (谋私预警): auditors read the queue and an alert's events and close it with a reason; the
subject of an alert never sees it; the office changes rules; bad input is refused at every route."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.misuse import AUDITOR, AUDITOR_2, OFFICE, OPERATOR, alerts, at, export, read_persons, sweep
from xinyong.core.actor import Actor

FRIDAY = dt.date(2024, 9, 27)
Client = Callable[[Actor], TestClient]


def _two_alerts(db: Session) -> tuple[int, int]:
    """One about the operator (many exports), one about the first auditor (many persons)."""
    for hour in (9, 10, 11, 14, 15):
        export(db, OPERATOR, at(FRIDAY, hour))
    for minute in range(30):
        read_persons(db, AUDITOR, at(FRIDAY, 16, minute), [minute])
    sweep(db, FRIDAY)
    found = {a.actor_id: a.id for a in alerts(db)}
    return found[OPERATOR.id], found[AUDITOR.id]


def test_auditor_reads_the_queue_and_an_alerts_events_then_closes_it(as_actor: Client, db: Session) -> None:
    about_operator, _ = _two_alerts(db)
    client = as_actor(AUDITOR)
    page = client.get("/api/v1/misuse/alerts").json()
    assert [item["id"] for item in page["items"]] == [about_operator] and page["total"] == 1
    assert page["items"][0]["rule_label"] == "频繁导出数据"
    detail = client.get(f"/api/v1/misuse/alerts/{about_operator}").json()
    assert [e["action"] for e in detail["events"]] == ["records:rejections:exported"] * 5
    assert {e["actor_id"] for e in detail["events"]} == {OPERATOR.id}
    assert [s["label"] for s in detail["steps"]] == ["生成预警"]
    refused = client.post(f"/api/v1/misuse/alerts/{about_operator}/close", json={"reason": "  "})
    assert refused.status_code == 422
    closed = client.post(f"/api/v1/misuse/alerts/{about_operator}/close", json={"reason": "经核实系报送整改材料"})
    assert closed.status_code == 200 and closed.json()["status"] == "已关闭"
    assert client.get("/api/v1/misuse/alerts", params={"status": "待核查"}).json()["total"] == 0
    assert client.post(f"/api/v1/misuse/alerts/{about_operator}/close", json={"reason": "再关"}).status_code == 409


def test_the_subject_of_an_alert_cannot_see_it(as_actor: Client, db: Session) -> None:
    _, about_auditor = _two_alerts(db)
    own = as_actor(AUDITOR)
    assert about_auditor not in [i["id"] for i in own.get("/api/v1/misuse/alerts").json()["items"]]
    assert own.get(f"/api/v1/misuse/alerts/{about_auditor}").status_code == 404
    assert own.post(f"/api/v1/misuse/alerts/{about_auditor}/close", json={"reason": "自己关"}).status_code == 404
    other = as_actor(AUDITOR_2)
    assert other.get(f"/api/v1/misuse/alerts/{about_auditor}").status_code == 200
    for outsider in (OFFICE, OPERATOR):
        assert as_actor(outsider).get("/api/v1/misuse/alerts").status_code == 403
        assert as_actor(outsider).get(f"/api/v1/misuse/alerts/{about_auditor}").status_code == 403


def test_office_changes_a_rule_auditors_read_the_catalogue(as_actor: Client, db: Session) -> None:
    rules = as_actor(AUDITOR).get("/api/v1/misuse/rules").json()
    assert {r["code"] for r in rules} == {
        "bulk_personal",
        "off_hours",
        "outside_department",
        "repeated_exports",
        "read_before_decision",
        "api_surge",
    }
    assert all(r["version"] == 0 for r in rules)
    body = {"enabled": True, "params": {"threshold": 8}, "reason": "按联席会议要求调整"}
    assert as_actor(AUDITOR).put("/api/v1/misuse/rules/repeated_exports", json=body).status_code == 403
    changed = as_actor(OFFICE).put("/api/v1/misuse/rules/repeated_exports", json=body)
    assert changed.status_code == 200 and changed.json()["version"] == 1 and changed.json()["params"]["threshold"] == 8


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/misuse/alerts?status=bogus", None),
        ("get", "/api/v1/misuse/alerts?page=0", None),
        ("get", "/api/v1/misuse/alerts?page_size=1000", None),
        ("get", "/api/v1/misuse/alerts?unknown=1", None),
        ("get", "/api/v1/misuse/alerts/abc", None),
        ("get", "/api/v1/misuse/alerts/0", None),
        ("get", f"/api/v1/misuse/alerts/{2**63}", None),
        ("post", "/api/v1/misuse/alerts/1/close", None),
        ("post", "/api/v1/misuse/alerts/1/close", {"reason": ""}),
        ("post", "/api/v1/misuse/alerts/1/close", {"reason": "x" * 2001}),
        ("post", "/api/v1/misuse/alerts/1/close", {"reason": "ok", "status": "已关闭"}),
        ("post", "/api/v1/misuse/alerts/1/close", {"reason": ["a"]}),
        ("get", "/api/v1/misuse/rules?x=1", None),
    ],
)
def test_bad_input_on_the_auditors_routes(as_actor: Client, db: Session, method: str, path: str, body: object) -> None:
    answer = getattr(as_actor(AUDITOR), method)(path, **({"json": body} if body is not None else {}))
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/misuse/rules/repeated_exports", None, 422),
        ("/api/v1/misuse/rules/repeated_exports", {"enabled": True, "params": {}, "reason": ""}, 422),
        ("/api/v1/misuse/rules/repeated_exports", {"enabled": "maybe", "params": {}, "reason": "x"}, 422),
        ("/api/v1/misuse/rules/repeated_exports", {"enabled": True, "params": {"threshold": -1}, "reason": "x"}, 422),
        (
            "/api/v1/misuse/rules/repeated_exports",
            {"enabled": True, "params": {"threshold": 1e300}, "reason": "x"},
            422,
        ),
        (
            "/api/v1/misuse/rules/repeated_exports",
            {"enabled": True, "params": {"actions": ["<script>"]}, "reason": "x"},
            422,
        ),
        (
            "/api/v1/misuse/rules/repeated_exports",
            {"enabled": True, "params": {f"k{i}": 1 for i in range(11)}, "reason": "x"},
            422,
        ),
        ("/api/v1/misuse/rules/repeated_exports", {"enabled": True, "params": {}, "reason": "x" * 501}, 422),
        ("/api/v1/misuse/rules/off_hours", {"enabled": True, "params": {"day_start": "25:00"}, "reason": "x"}, 422),
        ("/api/v1/misuse/rules/no_such_rule", {"enabled": True, "params": {}, "reason": "x"}, 404),
        ("/api/v1/misuse/rules/Robert'); DROP", {"enabled": True, "params": {}, "reason": "x"}, 422),
        ("/api/v1/misuse/rules/" + "a" * 40, {"enabled": True, "params": {}, "reason": "x"}, 422),
    ],
)
def test_bad_input_on_the_rule_route(as_actor: Client, db: Session, path: str, body: object, status: int) -> None:
    answer = as_actor(OFFICE).put(path, **({"json": body} if body is not None else {}))
    assert answer.status_code == status, answer.text
