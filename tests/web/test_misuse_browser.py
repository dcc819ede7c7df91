"""Insider-misuse alerts in a real browser: an auditor opens 谋私预警 from the console menu, reads an alert about a
department operator's repeated exports with the audit events behind it, is refused when closing without a reason
and closes it with one; the alert then reads 已关闭 with the reason in its 办理过程."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.misuse import at, export, sweep
from tests.web.conftest import chinese, screenshot
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth

pytestmark = pytest.mark.web

PASSWORD = "Gongqing-2020!"
OPERATOR = Actor(Role.DEPT_OPERATOR, id="user:misuse-jingban", department_code="SCJGJ")


def _seed(session: Session) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    for username, name, role, department in (
        ("misuse-shenji", "钱审计", Role.AUDITOR, None),
        ("misuse-jingban", "郑经办", Role.DEPT_OPERATOR, "SCJGJ"),
    ):
        auth.create_user(
            session, office, username=username, display_name=name, role=role, department=department, password=PASSWORD
        )
    day = dt.date(2024, 9, 27)
    for hour in (9, 10, 11, 14, 15):
        export(session, OPERATOR, at(day, hour))
    sweep(session, day)
    clock.freeze(None)


def test_an_auditor_reads_an_alert_and_closes_it_with_a_reason(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    seed_web(_seed)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "misuse-shenji")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=谋私预警")
    expect(page.locator("h1")).to_have_text("谋私预警")
    row = page.locator("#misuse-table tr", has_text="郑经办")
    expect(row).to_contain_text("频繁导出数据")
    chinese(page)
    screenshot(page, "console-misuse-queue")
    row.locator("a").first.click()
    expect(page.locator("#alert-facts")).to_contain_text("郑经办")
    expect(page.locator("#alert-events tbody tr")).to_have_count(5)
    expect(page.locator("#alert-events")).to_contain_text("导出校验未通过数据")
    chinese(page)
    page.locator("#close-form textarea").fill("   ")
    page.evaluate("document.querySelector('#close-form textarea').removeAttribute('required')")
    page.click("#close-form button[type=submit]")
    expect(page.locator(".notice.error")).to_contain_text("核查结论")
    expect(page.locator("#alert-status")).to_have_text("待核查")
    page.locator("#close-form textarea").fill("经核实系月末向省平台报送数据，属正常工作")
    page.click("#close-form button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("已核查关闭")
    expect(page.locator("#alert-status")).to_have_text("已关闭")
    expect(page.locator("#alert-steps")).to_contain_text("经核实系月末向省平台报送数据")
    expect(page.locator("#close-form")).to_have_count(0)
    screenshot(page, "console-misuse-alert")
