"""守信激励 over HTTP: the honour routes (office only, two accounts, bad input → 422/404/409 naming the field), and
the check API returning incentives beside restrictions: for an honoured entity, none once the honour ended or
expired, and none — with the honours flagged as withheld — while a serious-list entry binds it (国发〔2016〕33号);
feedback on an incentive as on a restriction; the new fields in the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.honours import CHIEF, CLERK, honour_body, honoured
from tests.support.lists import OPERATOR, at, listed
from xinyong.core.actor import Actor, Role
from xinyong.lists import service as lists

Client = Callable[[Actor], TestClient]
SYSTEM_A = Actor(role=Role.BUSINESS_SYSTEM, id="client-approval", name="政务服务审批系统")


def _check(client: TestClient, uscc: str, scenario: str = "administrative_approval") -> dict[str, object]:
    answer = client.post("/api/v1/checks", json={"subject": {"uscc": uscc}, "scenario": scenario, "purpose": "审批"})
    assert answer.status_code == 200, answer.text
    got: dict[str, object] = answer.json()
    return got


def test_honour_routes_rights_and_bad_input(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 6, 3))
    uscc = builders.entity(db).uscc
    body = honour_body(uscc)
    assert as_actor(Actor.public()).post("/api/v1/honour-entries", json=body).status_code == 401
    assert as_actor(OPERATOR).post("/api/v1/honour-entries", json=body).status_code == 403
    made = as_actor(CLERK).post("/api/v1/honour-entries", json=body)
    assert made.status_code == 201, made.text
    entry_id = made.json()["id"]
    assert made.json()["status"] == "拟列入" and made.json()["category"] == "honour"
    assert as_actor(CLERK).post(f"/api/v1/honour-entries/{entry_id}/approval").status_code == 403
    approved = as_actor(CHIEF).post(f"/api/v1/honour-entries/{entry_id}/approval")
    assert approved.status_code == 200 and approved.json()["status"] == "已公示"
    assert as_actor(CHIEF).post(f"/api/v1/honour-entries/{entry_id}/approval").status_code == 409
    public = as_actor(Actor.public()).get(f"/api/v1/list-entries/{entry_id}")
    assert public.status_code == 200 and public.json()["subject"]["uscc"] == uscc
    types = as_actor(Actor.public()).get("/api/v1/honour-types").json()
    assert {t["code"] for t in types} >= {"honest_model", "tax_a_grade"} and all(t["issuing_body"] for t in types)

    bad = [
        ({**body, "list_type": "serious"}, 422, "list_type"),
        ({**body, "uscc": "not-a-code"}, 422, "uscc"),
        ({**body, "decision_date": "2024-13-01"}, 422, "decision_date"),
        ({**body, "decision_date": "2099-01-01"}, 422, "decision_date"),
        ({**body, "reason": ""}, 422, "reason"),
        ({**body, "reason": "x" * 5001}, 422, "reason"),
        ({**body, "department": "NOPE"}, 404, "department"),
        ({**body, "extra": "<script>"}, 422, "extra"),
        ({k: v for k, v in body.items() if k != "decision_doc_no"}, 422, "decision_doc_no"),
    ]
    for sent, status, field in bad:
        answer = as_actor(CLERK).post("/api/v1/honour-entries", json=sent)
        assert answer.status_code == status, (sent, answer.text)
        assert answer.json().get("field", "").endswith(field), (sent, answer.json())
    assert as_actor(CLERK).post("/api/v1/honour-entries", json="[]").status_code == 422
    for path in ("approval", "decline", "end"):
        sent = {"reason": "理由"} if path != "approval" else None
        assert as_actor(CHIEF).post(f"/api/v1/honour-entries/0/{path}", json=sent).status_code == 422
        assert as_actor(CHIEF).post(f"/api/v1/honour-entries/999999/{path}", json=sent).status_code == 404
        assert as_actor(OPERATOR).post(f"/api/v1/honour-entries/{entry_id}/{path}", json=sent).status_code == 403
    assert as_actor(CHIEF).post(f"/api/v1/honour-entries/{entry_id}/end", json={"reason": ""}).status_code == 422
    assert (
        as_actor(CHIEF).post(f"/api/v1/honour-entries/{entry_id}/decline", json={"reason": "晚了"}).status_code == 409
    )
    ended = as_actor(CHIEF).post(f"/api/v1/honour-entries/{entry_id}/end", json={"reason": "存在失信行为"})
    assert ended.status_code == 200 and ended.json()["status"] == "已移出"
    assert as_actor(CLERK).get("/api/v1/honour-types?x=1").status_code == 422


def test_check_returns_incentives_and_feedback(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 6, 3))
    uscc = builders.entity(db).uscc
    bare = _check(as_actor(SYSTEM_A), uscc)
    assert bare["honours"] == [] and bare["incentives"] == [] and bare["incentives_withheld"] is False
    entry = honoured(db, uscc)
    got = _check(as_actor(SYSTEM_A), uscc)
    assert got["outcome"] == "clear" and got["measures"] == []
    assert [h["entry_id"] for h in got["honours"]] == [entry.id]  # type: ignore[index]
    codes = [m["code"] for m in got["incentives"]]  # type: ignore[attr-defined]
    assert codes == ["IN01", "IN02"] and all(m["category"] == "incentive" for m in got["incentives"])  # type: ignore[attr-defined]
    assert "共信办〔2021〕2号" in got["incentives"][0]["memoranda"]  # type: ignore[index]
    assert "容缺受理" in str(got["explanation"])
    supervision = _check(as_actor(SYSTEM_A), uscc, "supervision")
    assert [m["code"] for m in supervision["incentives"]] == ["IN03"]  # type: ignore[attr-defined]
    url = f"/api/v1/checks/{got['check_id']}/feedback"
    assert as_actor(SYSTEM_A).post(url, json={"measure_code": "IN01", "applied": True}).status_code == 201
    assert as_actor(SYSTEM_A).post(url, json={"measure_code": "IN01", "applied": True}).status_code == 409
    assert as_actor(SYSTEM_A).post(url, json={"measure_code": "IN04", "applied": True}).status_code == 422

    lists.end_honour(db, CHIEF, entry.id, reason="终止")
    ended = _check(as_actor(SYSTEM_A), uscc)
    assert ended["honours"] == [] and ended["incentives"] == []


def test_expired_honour_gives_nothing(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 6, 3))
    uscc = builders.entity(db).uscc
    honoured(db, uscc, list_type="tax_a_grade", department="SWJ", decision_doc_no="赣税〔2024〕2号")
    tax = _check(as_actor(SYSTEM_A), uscc, "tax_incentives")
    assert [m["code"] for m in tax["incentives"]] == ["IN04"]  # type: ignore[attr-defined]
    assert tax["incentives"][0]["memoranda"] == ["发改财金〔2016〕1467号"]  # type: ignore[index]
    at(dt.date(2025, 6, 2))  # the 12-month term ended on 2025-06-01; the sweep has not run yet
    late = _check(as_actor(SYSTEM_A), uscc, "tax_incentives")
    assert late["honours"] == [] and late["incentives"] == []


def test_serious_listing_withholds_incentives(as_actor: Client, db: Session) -> None:
    entry = listed(db)
    uscc = entry.subject_uscc
    assert uscc is not None and entry.valid_from is not None
    at(entry.valid_from)
    honour = honoured(db, uscc, decision_date=entry.valid_from.isoformat())
    got = _check(as_actor(SYSTEM_A), uscc, "public_resource_trading")
    assert got["outcome"] == "restricted" and [m["code"] for m in got["measures"]] == ["MG01", "PR01"]  # type: ignore[attr-defined]
    assert got["incentives"] == [] and got["incentives_withheld"] is True
    assert got["honours"] == [  # type: ignore[comparison-overlap]
        {
            "entry_id": honour.id,
            "list_type": "honest_model",
            "list_name": "诚信典型",
            "decision_doc_no": "共信用办〔2024〕8号",
            "department": "FGW",
            "issuing_body": None,
            "valid_from": honour.valid_from.isoformat() if honour.valid_from else None,
            "valid_to": honour.valid_to.isoformat() if honour.valid_to else None,
            "withheld": True,
        }
    ]
    assert "国发〔2016〕33号" in str(got["explanation"])


def test_openapi_names_the_incentives(as_actor: Client) -> None:
    schema = as_actor(Actor.public()).get("/openapi.json").json()
    check = schema["components"]["schemas"]["xinyong__punishment__schemas__CheckOut"]["properties"]
    assert {"honours", "incentives", "incentives_withheld"} <= set(check)
    assert "CheckHonourOut" in schema["components"]["schemas"]
    assert "/api/v1/honour-entries" in schema["paths"] and "/api/v1/honour-entries/{entry_id}/end" in schema["paths"]
