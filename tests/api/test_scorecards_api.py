"""The scorecard API on the hand-made month (tests/support/scorecard_rows.py), on both databases: the office reads
every card ranked, a department only its own (its rank shown, never another's figures), the rows behind a figure,
weight versions by the office only, and bad input refused on every route."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders, scorecard_rows
from tests.support.apps import app_for
from tests.support.scorecard_rows import EXPECTED_SCORE, MONTH
from xinyong.core.actor import Actor, Role
from xinyong.core.http import current_actor, request_session

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:xyb")
AUDITOR = Actor(role=Role.AUDITOR, id="user:auditor")
Client = Callable[[Actor], TestClient]


@pytest.fixture
def client_as(db: Session) -> Client:
    scorecard_rows.build_month(db)
    app = app_for()
    app.dependency_overrides[request_session] = lambda: db

    def make(actor: Actor) -> TestClient:
        app.dependency_overrides[current_actor] = lambda: actor
        return TestClient(app)

    return make


def test_office_and_auditor_read_every_card_ranked(client_as: Client) -> None:
    for actor in (OFFICE, AUDITOR):
        answer = client_as(actor).get("/api/v1/scorecards", params={"month": MONTH})
        assert answer.status_code == 200
        body = answer.json()
        assert body["ranked"] == 2 and len(body["cards"]) == 47
        assert [(c["department"], c["rank"], c["score"]) for c in body["cards"][:2]] == [
            ("SWJ", 1, 100.0),
            ("SCJGJ", 2, EXPECTED_SCORE),
        ]
    card = client_as(OFFICE).get("/api/v1/scorecards/SCJGJ", params={"month": MONTH}).json()
    figures = {f["indicator"]: f for f in card["figures"]}
    assert figures["publicity_on_time"]["good"] == 2 and figures["publicity_on_time"]["due"] == 4
    assert sum(f["points"] or 0 for f in card["figures"]) == pytest.approx(60.83, abs=0.01)


def test_a_department_sees_only_its_own_card(client_as: Client) -> None:
    client = client_as(builders.operator("SCJGJ"))
    body = client.get("/api/v1/scorecards", params={"month": MONTH}).json()
    assert [(c["department"], c["rank"]) for c in body["cards"]] == [("SCJGJ", 2)]
    assert client.get("/api/v1/scorecards/SWJ", params={"month": MONTH}).status_code == 403
    rows = {"month": MONTH, "indicator": "publicity_on_time"}
    assert client.get("/api/v1/scorecards/SWJ/rows", params=rows).status_code == 403
    assert len(client.get("/api/v1/scorecards/SCJGJ/rows", params=rows).json()) == 4
    trend = client.get("/api/v1/scorecards/trend", params={"month": MONTH, "months": 2}).json()
    assert [d["department"] for d in trend["departments"]] == ["SCJGJ"]


def test_weight_versions(client_as: Client) -> None:
    weights = {"publicity_on_time": 20} | {k: 10 for k in scorecard_rows.EXPECTED if k != "publicity_on_time"}
    department = client_as(builders.operator("SCJGJ"))
    new = {"effective_month": "2026-10", "weights": weights, "note": "十月版本"}
    assert department.post("/api/v1/scorecard-models", json=new).status_code == 403
    office = client_as(OFFICE)
    made = office.post("/api/v1/scorecard-models", json=new)
    assert made.status_code == 201 and made.json()["effective_month"] == "2026-10"
    versions = office.get("/api/v1/scorecard-models").json()
    assert [v["version"] for v in versions][-1] == 0 and versions[0]["version"] == made.json()["version"]


BAD_GETS = [
    ("/api/v1/scorecards", {"month": "2026-13"}),
    ("/api/v1/scorecards", {"month": "2026-9"}),
    ("/api/v1/scorecards", {"month": "2099-01"}),
    ("/api/v1/scorecards", {"month": "x" * 5000}),
    ("/api/v1/scorecards", {"month": MONTH, "unknown": "1"}),
    ("/api/v1/scorecards/trend", {"month": MONTH, "months": "0"}),
    ("/api/v1/scorecards/trend", {"month": MONTH, "months": "13"}),
    ("/api/v1/scorecards/trend", {"month": MONTH, "months": "a"}),
    ("/api/v1/scorecards/NOPE", {"month": MONTH}),
    ("/api/v1/scorecards/%27%3B--", {"month": MONTH}),
    ("/api/v1/scorecards/" + "A" * 40, {"month": MONTH}),
    ("/api/v1/scorecards/SCJGJ/rows", {"month": MONTH}),
    ("/api/v1/scorecards/SCJGJ/rows", {"month": MONTH, "indicator": "<script>"}),
    ("/api/v1/scorecards/SCJGJ/rows", {"month": MONTH, "indicator": "publicity_on_time", "limit": "0"}),
    ("/api/v1/scorecards/SCJGJ/rows", {"month": MONTH, "indicator": "publicity_on_time", "limit": "100000"}),
]
BAD_MODELS = [
    {"effective_month": "2026-10", "weights": {"publicity_on_time": 101}},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": 50}},  # does not add up to 100
    {"effective_month": "2026-10", "weights": {"nonsense": 100}},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": -100, "data_quality": 200}},
    {"effective_month": "2026-09", "weights": {"publicity_on_time": 100}},  # a month already scored
    {"effective_month": "2026/10", "weights": {"publicity_on_time": 100}},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": 100}, "params": {"history_months": 99}},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": 100}, "params": {"evil": 1}},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": 100}, "note": "说" * 501},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": 100}, "extra": 1},
    {"effective_month": "2026-10", "weights": {"publicity_on_time": "1e9"}},
    {"weights": {"publicity_on_time": 100}},
]


def test_bad_input_is_refused_on_every_route(client_as: Client) -> None:
    client = client_as(OFFICE)
    for path, params in BAD_GETS:
        answer = client.get(path, params=params)
        assert answer.status_code == 422, (path, params, answer.status_code)
    for body in BAD_MODELS:
        answer = client.post("/api/v1/scorecard-models", json=body)
        assert answer.status_code == 422, (body, answer.text)
    broken = client.post("/api/v1/scorecard-models", content=b"\xff{", headers={"content-type": "application/json"})
    assert broken.status_code == 400  # malformed JSON
