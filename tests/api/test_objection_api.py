"""Objections, reports and risk alerts through the API: an entity cannot object for another (403); a report
issued over the API verifies on the portal's /verify page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.records import service as records


def test_entity_objects_to_its_own_record_only(db: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    made = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    stranger = Actor(role=Role.ENTITY, id="e2", entity_uscc=builders.new_uscc())
    other = as_actor(stranger)
    body = {"record_id": version.record_id, "reasons": "该处罚不是本企业的"}
    assert other.post("/api/v1/objections", json=body).status_code == 403
    own = as_actor(Actor(role=Role.ENTITY, id="e1", entity_uscc=made.uscc))
    answer = own.post("/api/v1/objections", json=body)
    assert answer.status_code == 201, answer.text
    objection = answer.json()
    assert objection["status"] == "已受理" and objection["deadline"]
    assert own.get(f"/api/v1/records/{version.record_id}").json()["status"] == "异议中"
    assert as_actor(stranger).get(f"/api/v1/objections/{objection['id']}").status_code == 404
    office = as_actor(Actor(role=Role.CREDIT_OFFICE, id="o1"))
    proposed = office.post(
        f"/api/v1/objections/{objection['id']}/propose", json={"outcome": "维持", "reason": "经核实无误"}
    )
    assert proposed.status_code == 200 and proposed.json()["status"] == "待审核"
    second = as_actor(Actor(role=Role.CREDIT_OFFICE, id="o2"))
    done = second.post(f"/api/v1/objections/{objection['id']}/review", json={"approve": True, "opinion": "同意"})
    assert done.status_code == 200 and done.json()["outcome"] == "维持"
    mine = as_actor(Actor(role=Role.ENTITY, id="e1", entity_uscc=made.uscc)).get("/api/v1/objections")
    assert mine.json()[0]["outcome_reason"] == "经核实无误"


def test_report_over_the_api_verifies_on_the_portal(db: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    made = builders.entity(db, name="共青城验证测试有限公司")
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    public = as_actor(Actor.public())
    answer = public.post("/api/v1/reports", json={"uscc": made.uscc})
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["audience"] == "public" and "/verify?report_no=" in report["verify_url"]
    assert public.post("/api/v1/reports", json={"uscc": made.uscc, "full": True}).status_code == 403
    public = as_actor(Actor.public())
    page = public.get("/verify", params={"report_no": report["number"], "code": report["code"]})
    assert page.status_code == 200 and "核验结果：有效" in page.text and "共青城验证测试有限公司" in page.text
    bad = public.get("/verify", params={"report_no": report["number"], "code": "0" * 32})
    assert "核验结果：非真实报告" in bad.text
    twin = {"content": report["content"], "code": report["code"]}
    assert public.post("/api/v1/reports/verify-json", json=twin).json()["verdict"] == "有效"


def test_portal_report_and_my_objections(db: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    made = builders.entity(db, name="共青城门户报告测试有限公司")
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    public = as_actor(Actor.public())
    assert "下载报告" in public.get("/report", params={"uscc": made.uscc}).text
    pdf = public.post("/report", data={"uscc": made.uscc})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert public.post("/report", data={"uscc": made.uscc, "full": "on"}).status_code == 403
    assert "统一社会信用代码" in public.post("/report", data={"uscc": "nonsense"}).text
    own = as_actor(Actor(role=Role.ENTITY, id="e1", entity_uscc=made.uscc))
    page = own.get("/my/objections")
    assert page.status_code == 200 and "行政处罚决定书" in page.text
    short = own.post("/my/objections", data={"csrf_token": "t", "record_id": version.record_id, "reasons": "错"})
    assert short.status_code == 422
    filed = own.post(
        "/my/objections",
        data={"csrf_token": "t", "record_id": version.record_id, "reasons": "罚款金额登记有误"},
        follow_redirects=False,
    )
    assert filed.status_code == 303
    assert "异议已受理" in own.get("/my/objections", params={"filed": "1"}).text
    assert "异议中" in as_actor(Actor.public()).get(f"/entity/{made.uscc}").text
