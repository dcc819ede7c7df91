"""Console pages over real sessions: who may open what, the dashboard's numbers, users, the audit log."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, PASSWORD, console_client, make_user, sign_in
from xinyong.core import audit, clock
from xinyong.core.actor import Role
from xinyong.core.audit import AuditEvent
from xinyong.core.auth import service as auth
from xinyong.core.http import SESSION_COOKIE
from xinyong.records import service as records

CONSOLE_PAGES = ["/console", "/console/users", "/console/audit", "/console/account", "/console/audit.csv"]


def _chart(page: str) -> dict[str, list[object]]:
    found = re.search(r'<script type="application/json" id="kind-chart-data">(.*?)</script>', page, re.S)
    assert found
    data: dict[str, list[object]] = json.loads(found.group(1))
    return data


def test_anonymous_browser_is_sent_to_login_with_a_401(db: Session) -> None:
    client = console_client(db)
    for path in CONSOLE_PAGES:
        page = client.get(path, headers=HTML)
        assert page.status_code == 401, path
        assert 'http-equiv="refresh"' in page.text and "/console/login?next=" in page.text
        assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "next=/console/audit%3Faction%3Dauth%3A" in client.get("/console/audit?action=auth:", headers=HTML).text
    api = client.get("/console/users")  # not a browser: the API's JSON refusal
    assert api.status_code == 401 and api.json()["error"] == "unauthorized"
    htmx = client.get("/console/audit/verify", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/console/login")


def test_operator_sees_only_its_departments_numbers(db: Session) -> None:
    client = console_client(db)
    made = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, kind="license"))
    for _ in range(3):  # another department's public records: readable, but not this dashboard's business
        records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, source_department="SWJ"))
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    sign_in(client, "zhangmin")
    page = client.get("/console", headers=HTML).text
    assert "共青城市市场监督管理局" in page and "本部门" in page
    assert re.search(r'id="tile-total">2<', page)
    assert _chart(page) == {"labels": ["行政许可", "行政处罚"], "values": [1, 1]}
    assert "/static/vendor/echarts-" in page and "cdn" not in page.lower()
    assert "各部门归集情况" not in page


def test_office_dashboard_totals_every_department(db: Session) -> None:
    client = console_client(db)
    made = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, source_department="SWJ"))
    make_user(db, "xinyongban", Role.CREDIT_OFFICE, display_name="刘洋")
    sign_in(client, "xinyongban")
    page = client.get("/console", headers=HTML).text
    assert re.search(r'id="tile-total">2<', page) and "各部门归集情况" in page and "市税务局" in page


def test_operator_is_refused_office_pages(db: Session) -> None:
    client = console_client(db)
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "zhangmin")
    for path in ("/console/users", "/console/audit", "/console/audit.csv", "/console/audit/verify"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 403 and "无权访问" in page.text, path
    form = {"csrf_token": csrf, "username": "lisi", "display_name": "李四", "role": "auditor", "password": PASSWORD}
    assert client.post("/console/users", data=form).status_code == 403
    nav = client.get("/console", headers=HTML).text
    assert 'href="/console/users"' not in nav and 'href="/console/audit"' not in nav


def test_auditor_reads_the_audit_log_but_cannot_change_users(db: Session) -> None:
    client = console_client(db)
    make_user(db, "wangfang", Role.AUDITOR, display_name="王芳")
    make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ")
    csrf = sign_in(client, "wangfang")
    page = client.get("/console/audit?action=auth:user:", headers=HTML)
    assert page.status_code == 200 and "创建用户" in page.text and "zhangmin" in page.text
    assert "auth:user:created" not in page.text, "the event type reads as Chinese, not as its code"
    assert client.get("/console/users", headers=HTML).status_code == 403
    form = {"csrf_token": csrf, "username": "lisi", "display_name": "李四", "role": "auditor", "password": PASSWORD}
    assert client.post("/console/users", data=form, headers=HTML).status_code == 403
    assert client.post("/console/users/zhangmin/active", data={"csrf_token": csrf, "active": "0"}).status_code == 403
    assert auth.get_user(db, "zhangmin").active
    verified = client.get("/console/audit/verify", headers={**HTML, "HX-Request": "true"})
    assert verified.status_code == 200 and "哈希链完整" in verified.text and "<html" not in verified.text


def test_audit_page_filters_paginates_and_exports(db: Session) -> None:
    client = console_client(db)
    make_user(db, "wangfang", Role.AUDITOR, display_name="王芳")
    office = auth.actor_for_user(make_user(db, "xinyongban", Role.CREDIT_OFFICE))
    for n in range(55):
        audit.record(db, office, "test:console:paged", "thing", f"=cmd|{n}")
    sign_in(client, "wangfang")
    first = client.get("/console/audit?action=test:console:&actor=xinyongban", headers=HTML)
    assert "共 55 条" in first.text and "第 1 / 2 页" in first.text and "=cmd|54" in first.text
    assert "page=2" in first.text and "=cmd|4<" not in first.text
    second = client.get("/console/audit?action=test:console:&actor=xinyongban&page=2", headers=HTML)
    assert "=cmd|4<" in second.text and "=cmd|54" not in second.text
    assert client.get("/console/audit?date_from=2026-02-30", headers=HTML).status_code == 422
    assert client.get("/console/audit?colour=red", headers=HTML).status_code == 422  # a misspelt filter
    exported = client.get("/console/audit.csv?action=test:console:")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = exported.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 56 and ",'=cmd|54," in lines[1]
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "console:audit:exported")).scalar_one()
    assert event.actor_id == "user:wangfang" and event.payload["rows"] == 55


def test_office_creates_disables_and_enables_users(db: Session) -> None:
    client = console_client(db)
    make_user(db, "xinyongban", Role.CREDIT_OFFICE, display_name="刘洋")
    csrf = sign_in(client, "xinyongban")
    page = client.get("/console/users", headers=HTML).text
    assert "共青城市市场监督管理局" in page and "至少包含大写字母、小写字母、数字、符号中的三类" in page
    form = {
        "username": "chenjing",
        "display_name": "陈静",
        "role": "department_reviewer",
        "department": "SWJ",
        "password": "Jiujiang-2024!",
    }
    assert client.post("/console/users", data=form, headers=HTML).status_code == 403  # no CSRF token
    weak = client.post("/console/users", data={"csrf_token": csrf, **form, "password": "weakpassword"}, headers=HTML)
    assert weak.status_code == 422 and "初始密码" in weak.text and 'value="chenjing"' in weak.text
    no_dept = client.post("/console/users", data={"csrf_token": csrf, **form, "department": ""}, headers=HTML)
    assert no_dept.status_code == 422 and "所属部门" in no_dept.text
    created = client.post("/console/users", data={"csrf_token": csrf, **form}, headers=HTML)
    assert created.status_code == 303 and created.headers["location"].startswith("/console/users?done=")
    assert "已创建账号 chenjing" in client.get(created.headers["location"], headers=HTML).text
    user = auth.get_user(db, "chenjing")
    assert (user.role, user.department_code, user.created_by) == ("department_reviewer", "SWJ", "user:xinyongban")
    again = client.post("/console/users", data={"csrf_token": csrf, **form}, headers=HTML)
    assert again.status_code == 409 and "用户名已存在" in again.text

    row = client.post(
        "/console/users/chenjing/active",
        data={"csrf_token": csrf, "active": "0"},
        headers={**HTML, "HX-Request": "true"},
    )
    assert row.status_code == 200 and row.text.lstrip().startswith('<tr id="user-chenjing">') and "已停用" in row.text
    assert not auth.get_user(db, "chenjing").active
    back = client.post("/console/users/chenjing/active", data={"csrf_token": csrf, "active": "1"}, headers=HTML)
    assert back.status_code == 303 and auth.get_user(db, "chenjing").active
    self_off = client.post("/console/users/xinyongban/active", data={"csrf_token": csrf, "active": "0"}, headers=HTML)
    assert self_off.status_code == 409 and auth.get_user(db, "xinyongban").active
    missing = client.post("/console/users/nobody/active", data={"csrf_token": csrf, "active": "0"}, headers=HTML)
    assert missing.status_code == 404
    actions = db.execute(select(AuditEvent.action).where(AuditEvent.subject_id == "chenjing")).scalars().all()
    assert actions == ["auth:user:created", "auth:user:disabled", "auth:user:enabled"]


def test_api_key_callers_get_no_console_password_page(db: Session) -> None:
    client = console_client(db)
    _, key = auth.create_api_client(
        db,
        auth.actor_for_user(make_user(db, "xinyongban", Role.CREDIT_OFFICE)),
        name="市监局",
        role=Role.DEPT_OPERATOR,
        department="SCJGJ",
    )
    page = client.get("/console/account", headers={**HTML, "Authorization": f"Bearer {key}"})
    assert page.status_code == 200 and "没有登录密码" in page.text
    assert SESSION_COOKIE not in client.cookies


def test_audit_log_reads_as_chinese_with_a_detail_view(db: Session) -> None:
    """Who (name and department), what (a Chinese label), when (Beijing time), which subject; the detail view shows
    the payload as labelled fields and the stored JSON without \\u escapes."""
    client = console_client(db)
    make_user(db, "wangfang", Role.AUDITOR, display_name="王芳")
    clerk = auth.actor_for_user(make_user(db, "zhangmin", Role.DEPT_OPERATOR, "SCJGJ", display_name="张敏"))
    clock.freeze(dt.datetime(2026, 12, 7, 16, 3, tzinfo=dt.UTC))  # 2026-12-08 00:03 in Beijing
    payload = {"reason": "已履行", "to_status": "已修复"}
    event = audit.record(db, clerk, "records:record:status", "record", "3408", payload)
    clock.freeze(None)
    sign_in(client, "wangfang")
    listing = client.get("/console/audit?action=records:", headers=HTML).text
    assert (
        "信用记录状态变更" in listing
        and '张敏（<span translate="no">zhangmin</span>）' in listing
        and "市市场监管局" in listing
    )
    assert "2026-12-08 00:03:00" in listing and "records:record:status" not in listing
    assert f'href="/console/audit/events/{event.seq}"' in listing
    detail = client.get(f"/console/audit/events/{event.seq}", headers=HTML)
    assert detail.status_code == 200
    text = detail.text
    assert "<td>原因</td><td>已履行</td>" in text and "<td>新状态</td><td>已修复</td>" in text
    assert "\\u5df2" not in text and "已履行" in text and "2026-12-08 00:03:00" in text
    assert "信用记录 <span" in text and ">3408<" in text
    assert client.get("/console/audit/events/999999", headers=HTML).status_code == 404
