"""Over HTTP: the change-notice console page and API, webhook registration by the office in the console (secret
shown once), the check-effectiveness chart (server-rendered SVG), and the special campaigns API with its rights
and bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OPERATOR, SYSTEM, at, listed
from xinyong.core import outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient
from xinyong.punishment import service as punishment
from xinyong.punishment.schemas import CheckIn

Client = Callable[[Actor], TestClient]
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office", name="信用办")
AUDITOR = Actor(role=Role.AUDITOR, id="user:auditor")
HTML = {"Accept": "text/html"}


def test_notices_page_webhook_form_and_api(as_actor: Client, db: Session) -> None:
    client, _ = auth.create_api_client(db, OFFICE, name="政府采购系统", role=Role.BUSINESS_SYSTEM, department=None)
    firm = builders.entity(db)
    at(dt.date(2024, 9, 20))
    data = CheckIn.model_validate(
        {"subject": {"uscc": firm.uscc}, "scenario": "government_procurement", "purpose": "资格审查"}
    )
    punishment.run_check(db, auth.actor_for_client(client), data)

    office = as_actor(OFFICE)
    form = {"csrf_token": "t", "webhook_url": "javascript:alert(1)"}
    refused = office.post(f"/console/notices/systems/{client.id}/webhook", data=form, follow_redirects=False)
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    form["webhook_url"] = "https://gp.example.cn/xinyong/hook"
    shown = office.post(f"/console/notices/systems/{client.id}/webhook", data=form, headers=HTML)
    assert shown.status_code == 200 and "whsec_" in shown.text and "仅显示一次" in shown.text
    assert db.get(ApiClient, client.id).webhook_url == form["webhook_url"]  # type: ignore[union-attr]
    assert "whsec_" not in office.get("/console/notices", headers=HTML).text, "the secret shows once"

    listed(db, firm.uscc, notice_on=dt.date(2024, 9, 27))
    punishment.sweep_change_notices(db, SYSTEM)
    page = as_actor(AUDITOR).get("/console/notices", headers=HTML)
    assert page.status_code == 200 and "政府采购系统" in page.text and "待发送" in page.text and firm.uscc in page.text
    api = as_actor(AUDITOR).get("/api/v1/checks/notices")
    assert api.status_code == 200 and api.json()[0]["delivery"] == "pending" and api.json()[0]["event"] == "listed"
    assert as_actor(AUDITOR).get("/api/v1/checks/notices", params={"page_size": 501}).status_code == 422
    assert as_actor(OPERATOR).get("/console/notices", headers=HTML).status_code == 403
    auditor_form = as_actor(AUDITOR).post(f"/console/notices/systems/{client.id}/webhook", data=form)
    assert auditor_form.status_code == 403

    message_id = api.json()[0]["message_id"]
    delivered = as_actor(OFFICE).post(f"/console/notices/messages/{message_id}/retry", data={"csrf_token": "t"})
    assert delivered.status_code == 200  # a pending message may be queued again now
    outbox.get_message(db, message_id).status = outbox.Status.DELIVERED
    db.flush()
    refused = as_actor(OFFICE).post(
        f"/console/notices/messages/{message_id}/retry", data={"csrf_token": "t"}, follow_redirects=False
    )
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    assert (
        as_actor(AUDITOR).post(f"/console/notices/messages/{message_id}/retry", data={"csrf_token": "t"}).status_code
        == 403
    )


def test_effectiveness_chart_is_svg(as_actor: Client, db: Session) -> None:
    entry = listed(db)
    assert entry.valid_from is not None and entry.subject_uscc is not None
    at(entry.valid_from + dt.timedelta(days=1))
    system = Actor(role=Role.BUSINESS_SYSTEM, id="api:77", name="政府采购系统")
    data = CheckIn.model_validate(
        {"subject": {"uscc": entry.subject_uscc}, "scenario": "government_procurement", "purpose": "资格审查"}
    )
    punishment.run_check(db, system, data)
    month = (entry.valid_from + dt.timedelta(days=1)).strftime("%Y-%m")
    page = as_actor(AUDITOR).get("/console/check-statistics", params={"month": month}, headers=HTML)
    assert page.status_code == 200
    assert page.text.count("<svg") == 3 and "GP01" in page.text and "按实施部门" in page.text
    assert "<script" not in page.text.split("<main", 1)[1]
    for bad in ("2024-13", "abc", "2024-1"):
        answer = as_actor(AUDITOR).get("/console/check-statistics", params={"month": bad}, headers=HTML)
        assert answer.status_code == 422, bad
    assert as_actor(OPERATOR).get("/console/check-statistics", headers=HTML).status_code == 403


def test_campaigns_api(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 9, 27))
    firm = builders.entity(db, industry_code="E4710")
    body = {
        "name": "建筑工程领域失信问题专项治理",
        "legal_basis": "国办发〔2020〕49号",
        "lead_department": "ZJJ",
        "start_date": "2024-09-01",
        "end_date": "2024-12-31",
        "description": "治理拖欠农民工工资。",
    }
    assert as_actor(Actor.public()).post("/api/v1/campaigns", json=body).status_code == 401
    assert as_actor(OPERATOR).post("/api/v1/campaigns", json=body).status_code == 403
    made = as_actor(OFFICE).post("/api/v1/campaigns", json=body)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert as_actor(OFFICE).post("/api/v1/campaigns", json=body).status_code == 409
    assert (
        as_actor(OFFICE).post("/api/v1/campaigns", json={**body, "name": "x", "end_date": "2024-13-01"}).status_code
        == 422
    )
    assert as_actor(OFFICE).post("/api/v1/campaigns", json={**body, "name": "另一个", "extra": 1}).status_code == 422

    added = as_actor(OFFICE).post(f"/api/v1/campaigns/{cid}/targets", json={"usccs": [firm.uscc]})
    assert added.status_code == 200 and added.json()["added"] == 1
    assert as_actor(OFFICE).post(f"/api/v1/campaigns/{cid}/targets", json={"usccs": ["bad"]}).status_code == 422
    assert as_actor(OFFICE).post(f"/api/v1/campaigns/{cid}/targets", json={"usccs": ["x"] * 1001}).status_code == 422
    task = as_actor(OFFICE).post(
        f"/api/v1/campaigns/{cid}/tasks", json={"department": "SCJGJ", "title": "核查", "working_days": 0}
    )
    assert task.status_code == 422
    task = as_actor(OFFICE).post(
        f"/api/v1/campaigns/{cid}/tasks", json={"department": "SCJGJ", "title": "核查", "working_days": 5}
    )
    assert task.status_code == 201 and task.json()["tasks"][0]["deadline"] == "2024-10-10"
    task_id = task.json()["tasks"][0]["id"]
    done = as_actor(OPERATOR).post(f"/api/v1/campaigns/{cid}/tasks/{task_id}/complete", json={"note": "已核查"})
    assert done.status_code == 200 and done.json()["tasks"][0]["status"] == "已完成"
    result = as_actor(OPERATOR).post(
        f"/api/v1/campaigns/{cid}/results", json={"uscc": firm.uscc, "outcome": "整改到位", "notes": "内部说明"}
    )
    assert result.status_code == 201
    bad = as_actor(OPERATOR).post(f"/api/v1/campaigns/{cid}/results", json={"uscc": firm.uscc, "outcome": "x"})
    assert bad.status_code == 422
    assert as_actor(Actor.public()).get(f"/api/v1/campaigns/{cid}").json()["published_results"] == []
    assert as_actor(OPERATOR).post(f"/api/v1/campaigns/{cid}/publish").status_code == 403
    assert as_actor(OFFICE).post(f"/api/v1/campaigns/{cid}/publish").status_code == 200
    shown = as_actor(Actor.public()).get(f"/api/v1/campaigns/{cid}").json()
    assert shown["published_results"][0]["outcome"] == "整改到位" and "内部说明" not in str(shown)
    assert as_actor(Actor.public()).get("/api/v1/campaigns").json()[0]["results"] == {"整改到位": 1}
    assert as_actor(Actor.public()).get(f"/api/v1/campaigns/{cid}/work").status_code == 401
    assert as_actor(OPERATOR).get(f"/api/v1/campaigns/{cid}/work").json()["result_list"][0]["notes"] == "内部说明"
    assert as_actor(Actor.public()).get("/api/v1/campaigns/999999").status_code == 404


def test_campaign_console_and_portal_pages(as_actor: Client, db: Session) -> None:
    at(dt.date(2024, 9, 27))
    firm = builders.entity(db, name="共青城建工集团有限公司", industry_code="E4710")
    form = {
        "csrf_token": "t",
        "name": "建筑工程领域失信问题专项治理",
        "legal_basis": "国办发〔2020〕49号",
        "lead_department": "ZJJ",
        "start_date": "2024-09-01",
        "end_date": "2024-12-31",
        "description": "治理拖欠农民工工资。",
    }
    bad = as_actor(OFFICE).post("/console/campaigns", data={**form, "end_date": "2024-08-01"}, follow_redirects=False)
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    made = as_actor(OFFICE).post("/console/campaigns", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    here = made.headers["location"].split("?")[0]
    lead = Actor(role=Role.DEPT_OPERATOR, id="user:zjj", department_code="ZJJ")
    added = as_actor(lead).post(f"{here}/targets", data={"csrf_token": "t", "industry": "E"}, follow_redirects=False)
    assert "error" not in added.headers["location"], added.headers["location"]
    refused = as_actor(OPERATOR).post(f"{here}/targets", data={"csrf_token": "t", "usccs": firm.uscc})
    assert refused.status_code == 200 and "牵头部门" in refused.text  # redirected to the page with the refusal
    as_actor(lead).post(
        f"{here}/tasks", data={"csrf_token": "t", "department": "SCJGJ", "title": "核查欠薪", "working_days": "5"}
    )
    page = as_actor(OPERATOR).get(here, headers=HTML)
    assert page.status_code == 200 and firm.uscc in page.text and "2024-10-10" in page.text and "办结" in page.text
    result = {"csrf_token": "t", "uscc": firm.uscc, "outcome": "整改到位", "notes": "内部：负责人已约谈"}
    as_actor(lead).post(f"{here}/results", data=result)
    bad_result = as_actor(lead).post(f"{here}/results", data={**result, "outcome": "x"}, follow_redirects=False)
    assert "error=" in bad_result.headers["location"]
    assert as_actor(lead).post(f"{here}/publish", data={"csrf_token": "t"}).status_code == 403
    as_actor(OFFICE).post(f"{here}/publish", data={"csrf_token": "t"})
    portal = as_actor(Actor.public()).get("/campaigns", headers=HTML)
    assert portal.status_code == 200 and "建筑工程领域失信问题专项治理" in portal.text and "整改到位 1" in portal.text
    one = as_actor(Actor.public()).get("/campaigns/" + here.rsplit("/", 1)[1], headers=HTML)
    assert one.status_code == 200 and firm.uscc in one.text and "内部" not in one.text
    assert as_actor(Actor.public()).get("/campaigns/999999", headers=HTML).status_code == 404
    assert as_actor(Actor.public()).get("/console/campaigns", headers=HTML).status_code == 401
