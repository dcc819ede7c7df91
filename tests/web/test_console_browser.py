"""The console in a real browser: a department operator signs in, sees the department's numbers, is refused the
user pages and signs out; the credit office creates an account through the form and checks the audit chain."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.web.conftest import screenshot
from xinyong.console import service
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database
from xinyong.records import service as records

PASSWORD = "Gongqing-2020!"
DEPARTMENT = "QXJ"  # 市气象局: a department no other browser test writes records for
OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="user:console-zhangmin", department_code=DEPARTMENT)


def _seed(session: Session) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    auth.create_user(
        session, office, username="console-office", display_name="刘洋", role=Role.CREDIT_OFFICE, password=PASSWORD
    )
    auth.create_user(
        session,
        office,
        username="console-zhangmin",
        display_name="张敏",
        role=Role.DEPT_OPERATOR,
        department=DEPARTMENT,
        password=PASSWORD,
    )
    today = clock.today()
    made = builders.entity(session, name="共青城云帆气象科技有限公司")
    plan = [("penalty", 3, 2), ("penalty", 12, None), ("penalty", 40, 5), ("license", 2, 1), ("license", 25, 9)]
    plan += [("inspection", 6, 3), ("inspection", 30, 4), ("reward", 15, 2), ("license", 60, 6)]
    for number, (kind, days_ago, published_after) in enumerate(plan, start=1):
        decided = max(today - dt.timedelta(days=days_ago), dt.date(today.year, 1, 1))
        received = decided + dt.timedelta(days=1) if decided < today else decided
        data = builders.penalty(
            made.uscc,
            source_department=DEPARTMENT,
            doc_no=f"共气{kind}〔{today.year}〕{number}号",  # apart from the portal tests' documents
            kind=kind,
            decision_date=decided,
            received_date=received,
            published_date=min(decided + dt.timedelta(days=published_after), today) if published_after else None,
        )
        records.upsert_record(session, builders.SYSTEM, data)
    other = builders.penalty(made.uscc, source_department="SLJ", doc_no=f"共水罚〔{today.year}〕1号")
    records.upsert_record(session, builders.SYSTEM, other)  # another department's: not on this dashboard


def _log_in(page: Page, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_console_in_the_browser(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None], web_database: Database
) -> None:
    seed_web(_seed)

    # anonymous: the console sends the browser to its login form
    page.goto(f"{live_server}/console")
    page.wait_for_url(re.compile(r"/console/login\?next=/console$"))
    expect(page.locator("h1")).to_have_text("共青城市公共信用信息平台")
    screenshot(page, "console-login")

    # a department operator sees the department's own numbers
    _log_in(page, "console-zhangmin")
    page.wait_for_url(f"{live_server}/console")
    with web_database.unit_of_work() as session:
        expected = service.record_figures(session, OPERATOR)
    assert expected.total >= 9
    expect(page.locator("#tile-total")).to_have_text(str(expected.total))
    expect(page.locator(".identity")).to_contain_text("共青城市气象局")
    expect(page.locator("#kind-chart[data-ready=true] svg")).to_be_visible()
    expect(page.locator(".sidenav")).not_to_contain_text("用户管理")
    screenshot(page, "console-dashboard")

    # the users page is the credit office's: refused
    answer = page.goto(f"{live_server}/console/users")
    assert answer is not None and answer.status == 403
    expect(page.locator("h1")).to_have_text("无权访问")

    # sign out: the session is over
    page.goto(f"{live_server}/console")
    page.click("text=退出登录")
    page.wait_for_url(re.compile(r"/console/login\?signed_out=1"))
    expect(page.locator(".notice")).to_contain_text("已安全退出")
    page.goto(f"{live_server}/console/audit")
    page.wait_for_url(re.compile(r"/console/login\?next=/console/audit"))

    # the credit office creates an account through the form
    _log_in(page, "console-office")
    page.wait_for_url(f"{live_server}/console/audit")
    page.click(".sidenav >> text=用户管理")
    form = page.locator("#create-user")
    form.locator("input[name=username]").fill("console-lisi")
    form.locator("input[name=display_name]").fill("李四")
    form.locator("select[name=role]").select_option(label="部门审核")
    form.locator("select[name=department]").select_option(value=DEPARTMENT)
    form.locator("input[name=password]").fill("Lushan-Poyang-7")
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice")).to_contain_text("已创建账号 console-lisi")
    row = page.locator("#user-console-lisi")
    expect(row).to_contain_text("部门审核")
    expect(row).to_contain_text("市气象局")
    screenshot(page, "console-users")

    # disabling goes through HTMX (after a confirmation) and swaps the row
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button", has_text="停用").click()
    expect(page.locator("#user-console-lisi")).to_contain_text("已停用")

    # the audit log shows those changes and the chain verifies
    page.click(".sidenav >> text=审计日志")
    page.select_option("select[name=action]", "auth:")
    page.click("button:has-text('查询')")
    expect(page.locator("#audit-table")).to_contain_text("停用用户")
    page.locator("#audit-table a:has-text('停用用户')").first.click()
    expect(page.locator("#audit-event")).to_contain_text("刘洋")
    expect(page.locator("#audit-event")).to_contain_text("北京时间")
    page.go_back()
    page.click("text=校验哈希链")
    expect(page.locator("#verify-outcome")).to_contain_text("哈希链完整")
    screenshot(page, "console-audit")
