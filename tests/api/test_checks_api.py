"""The joint punishment API (req §3.10): the public catalogue, office-only writes, the embedded check for business
systems with the ID number only in the body, feedback, statistics as JSON and XLSX, bad input → 422 naming the
field, and rights (public 401, department 403)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OPERATOR, at, listed
from xinyong.core.actor import Actor, Role

Client = Callable[[Actor], TestClient]
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
AUDITOR = Actor(role=Role.AUDITOR, id="auditor")
GP = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")


def _body(subject: dict[str, object], scenario: str = "government_procurement") -> dict[str, object]:
    return {"subject": subject, "scenario": scenario, "purpose": "采购项目资格审查"}


def test_catalogue_is_public_and_writes_are_the_offices(as_actor: Client) -> None:
    public = as_actor(Actor.public())
    measures = public.get("/api/v1/punishment/measures", params={"scenario": "government_procurement"})
    assert measures.status_code == 200 and "GP01" in [m["code"] for m in measures.json()]
    assert public.get("/api/v1/punishment/measures/GP01").json()["department"] == "市财政局"
    assert public.get("/api/v1/punishment/measures/XX").status_code == 404
    assert public.get("/api/v1/punishment/memoranda").status_code == 200
    assert len(public.get("/api/v1/punishment/scenarios").json()) >= 15
    assert public.get("/api/v1/punishment/measures", params={"scenario": "nope"}).status_code == 422
    new = {
        "code": "HS01", "name": "限制申请保障性住房", "category": "rights_reducing",
        "legal_basis": "《公共租赁住房管理办法》", "list_types": ["serious"], "department": "市住建局",
        "scenarios": ["fiscal_funds"],
    }  # fmt: skip
    assert public.post("/api/v1/punishment/measures", json=new).status_code == 401
    assert as_actor(OPERATOR).post("/api/v1/punishment/measures", json=new).status_code == 403
    assert as_actor(OFFICE).post("/api/v1/punishment/measures", json=new).status_code == 201


def test_a_check_feedback_and_statistics_over_http(as_actor: Client, db: Session) -> None:
    entry = listed(db)
    assert entry.valid_from is not None and entry.subject_uscc is not None
    day = entry.valid_from + dt.timedelta(days=1)
    at(day)
    assert as_actor(Actor.public()).post("/api/v1/checks", json=_body({"uscc": entry.subject_uscc})).status_code == 401
    assert as_actor(OPERATOR).post("/api/v1/checks", json=_body({"uscc": entry.subject_uscc})).status_code == 403
    answer = as_actor(GP).post("/api/v1/checks", json=_body({"uscc": entry.subject_uscc}))
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["outcome"] == "restricted" and got["subject_known"] and got["entries"][0]["source"] == "local"
    assert [m["code"] for m in got["measures"]] == ["GP01", "MG01"] and got["explanation"]
    url = f"/api/v1/checks/{got['check_id']}/feedback"
    first = as_actor(GP).post(url, json={"measure_code": "GP01", "applied": True})
    assert first.status_code == 201, first.text
    assert as_actor(GP).post(url, json={"measure_code": "GP01", "applied": True}).status_code == 409
    assert as_actor(GP).post(url, json={"measure_code": "MG01", "applied": False}).json()["field"] == "reason"
    other = Actor(role=Role.BUSINESS_SYSTEM, id="client-other")
    assert as_actor(other).post(url, json={"measure_code": "MG01", "applied": True}).status_code == 403
    assert (
        as_actor(GP).post("/api/v1/checks/999999/feedback", json={"measure_code": "GP01", "applied": True}).status_code
        == 404
    )

    month = day.strftime("%Y-%m")
    assert as_actor(GP).get("/api/v1/checks/statistics", params={"month": month}).status_code == 403
    stats = as_actor(AUDITOR).get("/api/v1/checks/statistics", params={"month": month})
    assert stats.status_code == 200
    assert (stats.json()["checks"], stats.json()["restricted"], stats.json()["applied"]) == (1, 1, 1)
    assert as_actor(OFFICE).get("/api/v1/checks/statistics", params={"month": "2024-1"}).json()["field"] == "month"
    sheet = as_actor(OFFICE).get("/api/v1/checks/statistics", params={"month": month, "format": "xlsx"})
    assert sheet.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "措施编码" and {r[0] for r in rows[1:3]} == {"GP01", "MG01"}


def test_bad_check_input_is_422_naming_the_field(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 9, 1))
    client = as_actor(GP)
    uscc = builders.new_uscc()
    cases = [
        ({"subject": {"uscc": uscc}, "scenario": "casino", "purpose": "x"}, "scenario"),
        ({"subject": {"uscc": "91360482MA1234567X"}, "scenario": "flights", "purpose": "x"}, "subject.uscc"),
        ({"subject": {"uscc": uscc}, "scenario": "flights"}, "purpose"),
        ({"subject": {"uscc": uscc}, "scenario": "flights", "purpose": ""}, "purpose"),
        ({"subject": {"uscc": uscc, "id_type": "resident_id"}, "scenario": "flights", "purpose": "x"}, "subject"),
        ({"subject": {}, "scenario": "flights", "purpose": "x"}, "subject.id_type"),
        ({"scenario": "flights", "purpose": "x"}, "subject"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/checks", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json().get("field", "").endswith(field), (body, answer.json())
    number = builders.new_resident_id()
    person = client.post(
        "/api/v1/checks", json=_body({"id_type": "resident_id", "id_number": number, "name": "王某"}, "flights")
    )
    assert person.status_code == 200 and not person.json()["subject_known"]
    assert number not in person.text


def test_changes_are_for_business_systems(as_actor: Client) -> None:
    assert as_actor(Actor.public()).get("/api/v1/checks/changes").status_code == 401
    assert as_actor(OPERATOR).get("/api/v1/checks/changes").status_code == 403
    assert as_actor(GP).get("/api/v1/checks/changes").json() == []
    assert as_actor(GP).get("/api/v1/checks/changes", params={"days": "0"}).status_code == 422
