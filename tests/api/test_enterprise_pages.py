"""Enterprise users at the portal over real sessions: an anonymous browser at /my/* is sent to the portal's sign-in
page with its way back (API clients keep their 401); the way back stays on this site; registration, the office's
queue in the console (approve, activation code), sign-in from the header, 我的信用 with every section, sign-out —
and the forms cannot be forged from another site."""

from __future__ import annotations

import re

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, hidden, make_user, sign_in
from xinyong.core.actor import Role
from xinyong.enterprise.models import EnterpriseApplication
from xinyong.records import service as records

PASSWORD = "Qiye-Mima-2026!"
NAME = "共青城晨光羽绒服饰有限公司"


def _register(client: TestClient, uscc: str, **changes: str) -> httpx2.Response:
    form = client.get("/register", headers=HTML)
    assert form.status_code == 200 and "注册企业账号" in form.text
    data = {
        "form_token": hidden(form.text, "form_token"),
        "uscc": uscc,
        "entity_name": NAME,
        "contact_name": "王建国",
        "mobile": "13800138000",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "agree": "on",
    } | changes
    return client.post("/register", data=data, headers=HTML)


def _login(client: TestClient, login: str, password: str = PASSWORD, next_path: str = "") -> httpx2.Response:
    form = client.get("/login" + (f"?next={next_path}" if next_path else ""), headers=HTML)
    assert form.status_code == 200 and "企业用户登录" in form.text
    data = {
        "form_token": hidden(form.text, "form_token"),
        "csrf_token": hidden(form.text, "csrf_token"),
        "next": hidden(form.text, "next"),
        "login": login,
        "password": password,
    }
    return client.post("/login", data=data, headers=HTML)


def _firm(db: Session) -> str:
    builders.departments(db)
    uscc = builders.entity(db, name=NAME).uscc
    records.upsert_record(db, builders.SYSTEM, builders.penalty(uscc))
    return uscc


@pytest.mark.parametrize("path", ["/my", "/my/repair", "/my/objections?filed=1", "/my/self-reports"])
def test_anonymous_browsers_are_sent_to_the_portal_sign_in(db: Session, path: str) -> None:
    client = console_client(db)
    page = client.get(path, headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=%2Fmy")
    assert client.get(path).status_code == 401, "API clients keep the plain 401"
    htmx = client.get(path, headers={"HX-Request": "true"})
    assert htmx.headers.get("hx-redirect", "").startswith("/login?next=")


def test_register_approve_sign_in_my_credit_sign_out(db: Session) -> None:
    uscc = _firm(db)
    client = console_client(db)
    home = client.get("/", headers=HTML)
    assert 'href="/login"' in home.text and "我的信用" not in home.text
    done = _register(client, uscc)
    assert done.status_code == 200 and "注册申请已提交" in done.text and "王**" in done.text
    assert "王建国" not in done.text and "13800138000" not in done.text
    assert _login(client, uscc).status_code == 401, "inactive until the office decides"

    office = console_client(db)
    make_user(db, "office-1", Role.CREDIT_OFFICE)
    csrf = sign_in(office, "office-1")
    queue = office.get("/console/enterprise-accounts", headers=HTML)
    assert queue.status_code == 200 and NAME in queue.text and "王**" in queue.text
    row = db.scalars(select(EnterpriseApplication)).one()
    approved = office.post(f"/console/enterprise-accounts/{row.id}/approve", data={"csrf_token": csrf}, headers=HTML)
    assert approved.status_code == 200 and "企业账号已开通" in approved.text

    signed = _login(client, uscc.lower(), next_path="/my/repair")
    assert signed.status_code == 303 and signed.headers["location"] == "/my/repair"
    home = client.get("/", headers=HTML)
    assert "我的信用" in home.text and "退出" in home.text and NAME in home.text and 'id="login-link"' not in home.text
    mine = client.get("/my", headers=HTML)
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    for section in (
        "主体信息",
        "公共信用综合评价",
        "信用记录",
        "异议",
        "信用修复申请",
        "信用承诺",
        "自主填报信息",
        "信用报告",
    ):
        assert section in mine.text
    assert "行政处罚决定书" in mine.text
    out = client.post("/logout", data={"csrf_token": hidden(home.text, "csrf_token")}, headers=HTML)
    assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
    assert client.get("/my", headers=HTML).status_code == 303
    assert "您已安全退出" in client.get("/login?signed_out=1", headers=HTML).text


def test_the_way_back_never_leaves_the_site(db: Session) -> None:
    uscc = _firm(db)
    client = console_client(db)
    _register(client, uscc)
    office = console_client(db)
    make_user(db, "office-2", Role.CREDIT_OFFICE)
    csrf = sign_in(office, "office-2")
    row = db.scalars(select(EnterpriseApplication)).one()
    issued = office.post(f"/console/enterprise-accounts/{row.id}/code", data={"csrf_token": csrf}, headers=HTML)
    code = re.search(r'id="activation-code-value">([A-Z0-9-]+)<', issued.text)
    assert code and issued.headers["cache-control"] == "no-store"
    assert code.group(1) not in office.get("/console/enterprise-accounts", headers=HTML).text, "shown once"
    form = client.get("/register/activate", headers=HTML)
    token = hidden(form.text, "form_token")
    wrong = client.post("/register/activate", data={"form_token": token, "uscc": uscc, "code": "ABCD"}, headers=HTML)
    assert wrong.status_code == 422 and "激活码不正确" in wrong.text
    db.refresh(row)
    assert row.code_failures == 1, "a wrong try is counted (answered, not rolled back)"
    ok = client.post(
        "/register/activate", data={"form_token": token, "uscc": uscc, "code": code.group(1)}, headers=HTML
    )
    assert ok.status_code == 200 and "账号已激活" in ok.text
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/login"):
        answer = _login(client, uscc, next_path=evil.replace("/", "%2F").replace("\\", "%5C"))
        assert answer.status_code == 303 and answer.headers["location"] == "/my", evil
        client.cookies.clear()


def test_forms_cannot_be_forged_and_staff_are_sent_to_the_console(db: Session) -> None:
    uscc = _firm(db)
    client = console_client(db)
    forged = client.post(
        "/register",
        data={"form_token": "x", "uscc": uscc, "entity_name": NAME, "contact_name": "王建国", "mobile": "13800138000",
              "password": PASSWORD, "password_confirm": PASSWORD, "agree": "on"},
        headers=HTML,
    )  # fmt: skip
    assert forged.status_code == 403 and db.scalars(select(EnterpriseApplication)).all() == []
    mismatch = _register(client, uscc, password_confirm="Other-Mima-2026!")
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.text
    make_user(db, "scj-op", Role.DEPT_OPERATOR, "SCJGJ")
    staff = _login(client, "scj-op", password="Gongqing-2020!")
    assert staff.status_code == 403 and "工作人员登录" in staff.text
    console = console_client(db)
    sign_in(console, "scj-op")
    refused = console.get("/my", headers=HTML)
    assert refused.status_code == 403 and "不是企业账号" in refused.text
    assert console.get("/console/enterprise-accounts", headers=HTML).status_code == 403
