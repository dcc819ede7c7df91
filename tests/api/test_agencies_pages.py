"""Credit-service agency pages over real sessions: the office registers an agency, issues a key shown once, suspends
it from the overdue list; the enterprise grants and withdraws on its own page and sees each query; the public list;
bad form input answered 4xx with the reason on the page."""

from __future__ import annotations

import datetime as dt

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.agency_support import ADDRESS, agency, at, entity_actor
from tests.support.console_helpers import HTML, OFFICE, PASSWORD, console_client, hidden, make_user, sign_in
from xinyong.agencies import service as agencies
from xinyong.agencies.rules import AgencyStatus
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.records import service as records
from xinyong.records.rules import Status


def _portal_login(client: TestClient, login: str) -> None:
    form = client.get("/login", headers=HTML)
    data = {
        "form_token": hidden(form.text, "form_token"),
        "csrf_token": hidden(form.text, "csrf_token"),
        "next": "/my/agencies",
        "login": login,
        "password": PASSWORD,
    }
    answer = client.post("/login", data=data, headers=HTML)
    assert answer.status_code == 303, answer.text


def _register(client: TestClient, csrf: str, **changes: str | list[str]) -> httpx2.Response:
    data: dict[str, str | list[str]] = {
        "csrf_token": csrf,
        "name": "江西诚信信用管理有限公司",
        "uscc": builders.new_uscc(),
        "filing_body": "pbc",
        "filing_no": "NCB-3600-0012",
        "contact_name": "王经理",
        "contact_phone": "0791-86001234",
        "purposes": ["credit_report", "financing"],
        "ip_allow": "",
    }
    data.update(changes)
    return client.post("/console/agencies", data=data, headers=HTML)


def test_office_registers_issues_a_key_and_suspends(db: Session) -> None:
    at(dt.date(2024, 9, 20))
    make_user(db, "office-a", Role.CREDIT_OFFICE)
    client = console_client(db)
    csrf = sign_in(client, "office-a")
    made = _register(client, csrf)
    assert made.status_code == 303, made.text
    detail = client.get(made.headers["location"], headers=HTML)
    assert detail.status_code == 200 and "江西诚信信用管理有限公司" in detail.text and "0791-******34" in detail.text
    agency_id = int(made.headers["location"].split("?")[0].rsplit("/", 1)[1])
    issued = client.post(f"/console/agencies/{agency_id}/keys", data={"csrf_token": csrf, "name": "生产"}, headers=HTML)
    assert issued.status_code == 200 and "仅显示这一次" in issued.text
    key = hidden(issued.text.replace('id="new-key">', 'name="new-key" value="').replace("</code>", '"', 1), "new-key")
    assert key.startswith("xy_") and auth.resolve_api_actor(db, key) is not None
    assert key not in client.get(f"/console/agencies/{agency_id}", headers=HTML).text, "the key is shown once"

    refused = client.post(
        f"/console/agencies/{agency_id}/status",
        data={"csrf_token": csrf, "step": "suspend", "reason": ""},
        headers=HTML,
    )
    assert refused.status_code == 303 and agencies.get_agency(db, agency_id).status == AgencyStatus.ACTIVE
    suspended = client.post(
        f"/console/agencies/{agency_id}/status",
        data={"csrf_token": csrf, "step": "suspend", "reason": "逾期未确认删除"},
        headers=HTML,
    )
    assert suspended.status_code == 303
    assert agencies.get_agency(db, agency_id).status == AgencyStatus.SUSPENDED
    assert auth.resolve_api_actor(db, key) is None
    listing = client.get("/console/agencies", headers=HTML)
    assert listing.status_code == 200 and "已暂停" in listing.text

    public = client.get("/agencies", headers=HTML)
    assert public.status_code == 200 and "NCB-3600-0012" in public.text and "已暂停" in public.text


def test_bad_registration_forms_are_4xx_on_the_page(db: Session) -> None:
    make_user(db, "office-b", Role.CREDIT_OFFICE)
    client = console_client(db)
    csrf = sign_in(client, "office-b")
    for changes in (
        {"uscc": "123"},
        {"purposes": ["steal"]},
        {"ip_allow": "not-an-ip"},
        {"filing_body": "x"},
        {"name": "x" * 150},
        {"contact_phone": "电话"},
    ):
        answer = _register(client, csrf, **changes)
        assert 400 <= answer.status_code < 500, (changes, answer.status_code)
        assert "notice error" in answer.text
    assert agencies.list_agencies(db) == []
    assert client.get("/console/agencies/999999", headers=HTML).status_code == 404
    assert client.get("/console/agencies/abc", headers=HTML).status_code == 422
    bad = client.post(
        "/console/agencies/1/status", data={"csrf_token": csrf, "step": "explode", "reason": "x"}, headers=HTML
    )
    assert bad.status_code == 303


def test_overdue_notice_and_suspension_from_the_list(db: Session) -> None:
    at(dt.date(2024, 9, 30))
    builders.departments(db)
    firm = builders.entity(db)
    version, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc))
    made = agency(db)
    agencies.read_subject(db, made.actor, firm.uscc, "credit_report", ADDRESS)
    records.change_status(db, builders.SYSTEM, version.record_id, Status.REPAIRED, "信用修复")
    agencies.sweep_agency_notices(db, builders.SYSTEM)
    at(dt.date(2024, 10, 11))
    make_user(db, "office-c", Role.CREDIT_OFFICE)
    client = console_client(db)
    csrf = sign_in(client, "office-c")
    page = client.get("/console/agencies", headers=HTML)
    assert 'id="overdue-' in page.text and "信用修复" in page.text
    client.post(
        f"/console/agencies/{made.agency.id}/status",
        data={"csrf_token": csrf, "step": "suspend", "reason": "逾期未确认删除", "back_to": "list"},
        headers=HTML,
    )
    assert agencies.get_agency(db, made.agency.id).status == AgencyStatus.SUSPENDED


def test_enterprise_grants_sees_queries_and_withdraws(db: Session) -> None:
    at(dt.date(2024, 9, 20))
    client = console_client(db)
    firm = builders.entity(db)
    made = agency(db)
    auth.create_user(
        db,
        OFFICE,
        username="firm-user",
        display_name="企业用户",
        role=Role.ENTITY,
        password=PASSWORD,
        entity_uscc=firm.uscc,
    )
    _portal_login(client, "firm-user")
    page = client.get("/my/agencies", headers=HTML)
    assert page.status_code == 200 and made.agency.name in page.text
    csrf = hidden(page.text, "csrf_token")
    for bad in (
        {"agency_id": "x", "purpose": "credit_report", "days": "30"},
        {"agency_id": str(made.agency.id), "purpose": "credit_rating", "days": "30"},
        {"agency_id": str(made.agency.id), "purpose": "credit_report", "days": "9999"},
        {"agency_id": "999999", "purpose": "credit_report", "days": "30"},
    ):
        refused = client.post("/my/agencies/grants", data={"csrf_token": csrf, **bad}, headers=HTML)
        assert 400 <= refused.status_code < 500, (bad, refused.status_code)
    granted = client.post(
        "/my/agencies/grants",
        data={"csrf_token": csrf, "agency_id": str(made.agency.id), "purpose": "credit_report", "days": "30"},
        headers=HTML,
    )
    assert granted.status_code == 303
    agencies.read_subject(db, made.actor, firm.uscc, "credit_report", ADDRESS)
    page = client.get("/my/agencies?done=granted", headers=HTML)
    assert "授权已生效" in page.text and "完整信用信息（经授权）" in page.text and "2024-10-20" in page.text
    grant = agencies.grants_of_subject(db, auth.actor_for_user(auth.get_user(db, "firm-user")))[0]
    withdrawn = client.post(f"/my/agencies/grants/{grant.id}/withdraw", data={"csrf_token": csrf}, headers=HTML)
    assert withdrawn.status_code == 303
    assert agencies.read_subject(db, made.actor, firm.uscc, "credit_report", ADDRESS)["scope"] == "public"
    assert "已撤回" in client.get("/my/agencies", headers=HTML).text
    # another entity cannot withdraw it
    assert (
        client.post("/my/agencies/grants/999999/withdraw", data={"csrf_token": csrf}, headers=HTML).status_code == 404
    )


def test_agency_and_grant_history_on_the_console(db: Session) -> None:
    """办理过程 of an agency and of a grant: the office reads both (Chinese step names, the agency's name); a
    department finds neither (404, as for a missing one)."""
    at(dt.date(2024, 9, 20))
    builders.departments(db)
    firm = builders.entity(db)
    made = agency(db)
    entity = entity_actor(firm.uscc)
    grant = agencies.give_grant(db, entity, made.agency.id, "credit_report", 30)
    agencies.withdraw_grant(db, entity, grant.id, "不再合作")
    make_user(db, "office-h", Role.CREDIT_OFFICE)
    make_user(db, "dept-h", Role.DEPT_OPERATOR, department="SCJGJ")
    client = console_client(db)
    sign_in(client, "office-h")
    page = client.get(f"/console/history/agencies-agency/{made.agency.id}", headers=HTML)
    assert page.status_code == 200 and made.agency.name in page.text and "信用服务机构登记管理" in page.text
    assert (
        f"/console/history/agencies-agency/{made.agency.id}"
        in client.get(f"/console/agencies/{made.agency.id}", headers=HTML).text
    )
    page = client.get(f"/console/history/agencies-grant/{grant.id}", headers=HTML)
    assert page.status_code == 200 and "信用信息查询授权" in page.text and "不再合作" in page.text
    assert "出具信用报告" in page.text and firm.uscc in page.text
    assert client.get("/console/history/agencies-grant/999999", headers=HTML).status_code == 404
    other = console_client(db)
    sign_in(other, "dept-h")
    for path in (f"agencies-agency/{made.agency.id}", f"agencies-grant/{grant.id}"):
        assert other.get(f"/console/history/{path}", headers=HTML).status_code == 404, path
