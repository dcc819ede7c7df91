"""Password reset in a real browser (issue 23): the credit office resets a staff account's password on the users
page and reads the temporary password once; the holder's open session has ended; signing in with the temporary
password leads only to 修改密码, and after the change the console opens."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.db import Database

pytestmark = pytest.mark.web

PASSWORD = "Gongqing-2020!"
NEW = "Lushan-Poyang-7"


def _seed(session: Session) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    auth.create_user(
        session, office, username="reset-office", display_name="刘洋", role=Role.CREDIT_OFFICE, password=PASSWORD
    )
    auth.create_user(
        session,
        office,
        username="reset-wangfang",
        display_name="王芳",
        role=Role.DEPT_OPERATOR,
        department="SLJ",
        password=PASSWORD,
    )


def _sign_in(page: Page, server: str, username: str, password: str) -> None:
    page.goto(f"{server}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_the_office_resets_a_password_and_the_holder_replaces_it(
    page: Page,
    browser: Browser,
    live_server: str,
    seed_web: Callable[[Callable[[Session], None]], None],
    web_database: Database,
) -> None:
    seed_web(_seed)
    holder_context = browser.new_context(locale="zh-CN")
    holder = holder_context.new_page()
    try:
        _sign_in(holder, live_server, "reset-wangfang", PASSWORD)
        holder.wait_for_url(f"{live_server}/console")

        _sign_in(page, live_server, "reset-office", PASSWORD)
        page.wait_for_url(f"{live_server}/console")
        page.goto(f"{live_server}/console/users")
        page.locator("#user-reset-wangfang button:has-text('重置密码')").click()
        panel = page.locator("#temporary-password")
        expect(panel).to_contain_text("已重置 reset-wangfang 的密码")
        expect(panel).to_contain_text("只显示这一次")
        temporary = panel.locator("strong.secret").inner_text().strip()
        assert re.fullmatch(r"[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}", temporary), temporary
        expect(page.locator("#user-reset-wangfang")).to_contain_text("待改临时密码")
        page.goto(f"{live_server}/console/users")
        expect(page.locator("#temporary-password")).to_have_count(0)  # shown once

        holder.goto(f"{live_server}/console/upload")  # the holder's open session has ended
        holder.wait_for_url(re.compile(r"/console/login\?next="))

        _sign_in(holder, live_server, "reset-wangfang", temporary)
        holder.wait_for_url(f"{live_server}/console/account")
        expect(holder.locator("#forced-change")).to_contain_text("您的密码已由信用办重置")
        holder.goto(f"{live_server}/console/batches")  # nothing else until the password is changed
        holder.wait_for_url(f"{live_server}/console/account")
        holder.fill("input[name=current_password]", temporary)
        holder.fill("input[name=new_password]", NEW)
        holder.fill("input[name=new_password_confirm]", NEW)
        holder.get_by_role("button", name="保存新密码").click()
        expect(holder.locator("p.notice[role=status]")).to_contain_text("现在可以正常使用管理后台")
        holder.get_by_role("link", name="进入管理后台").click()
        holder.wait_for_url(f"{live_server}/console")
        expect(holder.locator(".identity")).to_contain_text("共青城市水利局")
    finally:
        holder_context.close()
    with web_database.unit_of_work() as session:
        assert not auth.get_user(session, "reset-wangfang").must_change_password
        actions = [
            e.action
            for e in session.query(audit.AuditEvent).filter(audit.AuditEvent.subject_id == "reset-wangfang").all()
        ]
        assert "auth:user:password_reset" in actions and "auth:user:password_set" in actions
