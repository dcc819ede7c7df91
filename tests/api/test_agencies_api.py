"""The agency API over HTTP with real keys: public data without a grant, the full report (JSON twin + PDF) under
one, the per-agency rate limit, a suspended agency's key refused, an agency kept out of another's data and out of
the business systems' routes, and bad input answered 4xx."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.agency_support import OFFICE, agency, at, entity_actor
from xinyong.agencies import service as agencies
from xinyong.agencies.rules import AgencyStep
from xinyong.app import create_app
from xinyong.core.auth import service as auth
from xinyong.core.config import get_settings
from xinyong.core.http import request_session
from xinyong.core.ratelimit import InProcessLimiter, RateLimits
from xinyong.records import service as records


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    builders.departments(db)
    at(dt.date(2024, 9, 20))
    auth.API_KEYS.clear()
    app = create_app(rate_limits=RateLimits(InProcessLimiter(), 10_000))
    app.dependency_overrides[request_session] = lambda: db
    yield TestClient(app, raise_server_exceptions=False)
    auth.API_KEYS.clear()


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_public_then_full_report_under_a_grant(db: Session, client: TestClient) -> None:
    firm = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc))
    records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc, disclosure="有条件共享"))
    made = agency(db)
    url = f"/api/v1/agency/subjects/{firm.uscc}?purpose=credit_report"
    answer = client.get(url, headers=_h(made.key))
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "public" and len(answer.json()["records"]) == 1
    refused = client.post(
        "/api/v1/agency/reports", json={"uscc": firm.uscc, "purpose": "credit_report"}, headers=_h(made.key)
    )
    assert refused.status_code == 403

    grant = agencies.give_grant(db, entity_actor(firm.uscc), made.agency.id, "credit_report", 30)
    full = client.get(url, headers=_h(made.key)).json()
    assert full["scope"] == "full" and full["grant_id"] == grant.id and len(full["records"]) == 2
    issued = client.post(
        "/api/v1/agency/reports", json={"uscc": firm.uscc, "purpose": "credit_report"}, headers=_h(made.key)
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["content"]["issued_for"]["grant_id"] == grant.id
    twin = client.post("/api/v1/reports/verify-json", json={"content": body["content"], "code": body["code"]})
    assert twin.status_code == 200 and twin.json()["verdict"] == "有效", twin.text
    pdf = client.get(body["pdf_url"], headers=_h(made.key))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    check = client.post("/api/v1/reports/verify-pdf", files={"file": ("r.pdf", pdf.content, "application/pdf")})
    assert check.status_code == 200 and check.json()["verdict"] == "有效", check.text

    grants = client.get("/api/v1/agency/grants", headers=_h(made.key)).json()
    assert [g["id"] for g in grants] == [grant.id] and grants[0]["in_force"] is True
    log = client.get("/api/v1/agency/queries", headers=_h(made.key)).json()
    assert [q["scope"] for q in log] == ["report", "full", "public"]


def test_another_agency_sees_nothing_of_the_first(db: Session, client: TestClient) -> None:
    firm = builders.entity(db)
    one = agency(db)
    two = agency(db, name="另一家机构")
    agencies.give_grant(db, entity_actor(firm.uscc), one.agency.id, "credit_report", 30)
    issued = client.post(
        "/api/v1/agency/reports", json={"uscc": firm.uscc, "purpose": "credit_report"}, headers=_h(one.key)
    )
    number = issued.json()["number"]
    assert client.get("/api/v1/agency/grants", headers=_h(two.key)).json() == []
    assert client.get("/api/v1/agency/queries", headers=_h(two.key)).json() == []
    assert client.get(f"/api/v1/agency/reports/{number}/pdf", headers=_h(two.key)).status_code == 404
    # the grant is the first agency's: the second reads public data only and cannot have the report
    assert (
        client.get(f"/api/v1/agency/subjects/{firm.uscc}?purpose=credit_report", headers=_h(two.key)).json()["scope"]
        == "public"
    )
    again = client.post(
        "/api/v1/agency/reports", json={"uscc": firm.uscc, "purpose": "credit_report"}, headers=_h(two.key)
    )
    assert again.status_code == 403


def test_suspended_agency_key_is_refused_and_agency_keys_stay_out_of_other_apis(
    db: Session, client: TestClient
) -> None:
    firm = builders.entity(db)
    made = agency(db)
    assert client.get("/api/v1/agency/me", headers=_h(made.key)).status_code == 200
    assert client.get("/api/v1/feeds/penalty", headers=_h(made.key)).status_code == 403, "no business-system feeds"
    agencies.change_status(db, OFFICE, made.agency.id, AgencyStep.SUSPEND, "逾期未确认删除")
    assert client.get("/api/v1/agency/me", headers=_h(made.key)).status_code == 401
    assert client.get(f"/api/v1/entities/{firm.uscc}", headers=_h(made.key)).status_code == 401
    agencies.change_status(db, OFFICE, made.agency.id, AgencyStep.REINSTATE, "已整改")
    assert client.get("/api/v1/agency/me", headers=_h(made.key)).status_code == 200
    # the public and other roles may not call the agency API
    assert client.get("/api/v1/agency/me").status_code == 401


def test_rate_limited_per_agency_across_its_keys(
    db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_AGENCY_REQUESTS_PER_MINUTE", "3")
    get_settings.cache_clear()
    try:
        made = agency(db)
        _client, second = agencies.issue_key(db, OFFICE, made.agency.id, "第二把")
        statuses = [
            client.get("/api/v1/agency/me", headers=_h(k)).status_code for k in (made.key, second, made.key, second)
        ]
        assert statuses == [200, 200, 200, 429]
        other = agency(db, name="不受影响的机构")
        assert client.get("/api/v1/agency/me", headers=_h(other.key)).status_code == 200
    finally:
        monkeypatch.delenv("XINYONG_AGENCY_REQUESTS_PER_MINUTE")
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/agency/subjects/NOT-A-CODE?purpose=credit_report", None),
        ("GET", "/api/v1/agency/subjects/91360482MA35XXXXXX?purpose=credit_report", None),
        ("GET", "/api/v1/agency/subjects/{uscc}?purpose=steal_everything", None),
        ("GET", "/api/v1/agency/subjects/{uscc}", None),
        ("GET", "/api/v1/agency/subjects/{uscc}?purpose=" + "x" * 5000, None),
        ("GET", "/api/v1/agency/subjects/{uscc}?purpose=credit_report&extra=1", None),
        ("GET", "/api/v1/agency/notices?state=everything", None),
        ("POST", "/api/v1/agency/reports", {"uscc": "{uscc}"}),
        ("POST", "/api/v1/agency/reports", {"uscc": "{uscc}", "purpose": "credit_report", "x": 1}),
        ("POST", "/api/v1/agency/reports", ["not", "an", "object"]),
        ("POST", "/api/v1/agency/subscriptions", {}),
        ("POST", "/api/v1/agency/subscriptions", {"uscc": "123"}),
        ("POST", "/api/v1/agency/notices/999999/ack", {"note": "已删除"}),
        ("POST", "/api/v1/agency/notices/0/ack", {}),
        ("POST", "/api/v1/agency/notices/1/ack", {"note": "x" * 600}),
        ("GET", "/api/v1/agency/reports/NOPE/pdf", None),
    ],
)
def test_bad_input_is_4xx(db: Session, client: TestClient, method: str, path: str, body: object) -> None:
    firm = builders.entity(db)
    made = agency(db)
    data = body
    if isinstance(body, dict):
        data = {k: (v.replace("{uscc}", firm.uscc) if isinstance(v, str) else v) for k, v in body.items()}
    answer = client.request(method, path.replace("{uscc}", firm.uscc), json=data, headers=_h(made.key))
    assert 400 <= answer.status_code < 500, answer.text
