"""Contradiction flags in a real browser: a department user opens 矛盾比对, sees the flag routed to the department,
opens it and reads both sides (an honour the department granted, a serious penalty of another department), and
resolves it as 不构成矛盾 with a reason; the step history names who decided what. Every screen is Chinese."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support import contradictions as c
from tests.web.conftest import chinese, screenshot
from xinyong.contradictions import service
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth

pytestmark = pytest.mark.web
PASSWORD = "Gongqing-2020!"
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")


def test_a_department_resolves_a_flag_in_the_browser(
    browser: Browser, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    made: dict[str, int] = {}

    def seed(session: Session) -> None:
        builders.departments(session)
        firm = builders.entity(session, name="共青城映湖羽绒制品有限公司")
        today = clock.today()
        name = firm.name
        c.record(session, firm.uscc, "honour", today - dt.timedelta(days=40), department="SCJGJ",
                 title="守合同重信用企业", name=name, doc_no="共市监荣〔2026〕3号")  # fmt: skip
        c.record(session, firm.uscc, "penalty", today - dt.timedelta(days=10), department="SWJ", severity="严重",
                 title="税务行政处罚决定书", name=name, doc_no="共税罚〔2026〕12号")  # fmt: skip
        raised, _ = service.run_rules(session, Actor.system("tick"), today, [firm.uscc])
        made["flag"] = raised[0]
        auth.create_user(session, OFFICE, username="scjg-flags", display_name="李敏", role=Role.DEPT_OPERATOR,
                         password=PASSWORD, department="SCJGJ")  # fmt: skip

    seed_web(seed)
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "scjg-flags")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    page.click("nav >> text=矛盾比对")
    page.wait_for_url(re.compile(r"/console/contradictions"))
    expect(page.locator("#flags-table")).to_contain_text("共青城映湖羽绒制品有限公司")
    chinese(page)
    page.click(f"#flags-table a[href='/console/contradictions/{made['flag']}'] >> nth=0")
    page.wait_for_url(re.compile(rf"/console/contradictions/{made['flag']}$"))
    expect(page.locator("#side-a")).to_contain_text("守合同重信用企业")
    expect(page.locator("#side-b")).to_contain_text("税务行政处罚决定书")
    expect(page.locator("#side-b")).to_contain_text("共税罚〔2026〕12号")
    expect(page.locator("#flag-status")).to_have_text("待核查")
    chinese(page)
    screenshot(page, "contradiction-flag")
    page.check("input[name=resolution][value=dismiss]")
    page.fill("textarea[name=reason]", "荣誉认定在处罚之前，已按程序复核，荣誉予以保留")
    page.click("#resolve button[type=submit]")
    expect(page.locator("#flag-done")).to_contain_text("不构成矛盾")
    expect(page.locator("#flag-status")).to_have_text("不构成矛盾")
    expect(page.locator("#steps")).to_contain_text("scjg-flags")
    expect(page.locator("#flag-reason")).to_contain_text("荣誉予以保留")
    assert page.locator("#resolve").count() == 0
    chinese(page)
