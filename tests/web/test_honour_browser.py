"""The office's 守信激励 journey in Chromium on a fresh demo: ``xyb`` (信用办) adds an enterprise to 诚信典型 in the
console; the same account is offered no approval of its own entry; ``admin`` approves it; the enterprise shows on
the portal's 守信激励名单 tab (beside the demo's honours) and on its profile, with the reason; every screen is
Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import exists, select

from tests.web.conftest import chinese
from xinyong.core import clock
from xinyong.core.db import Database
from xinyong.demo.accounts import DEFAULT_PASSWORD
from xinyong.entities.models import Entity
from xinyong.lists.models import ListEntry

pytestmark = pytest.mark.web
REASON = "连续五年无失信记录，带头开展诚信经营承诺活动"


def _console(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def test_office_adds_an_honour_and_the_portal_shows_it(browser: Browser, demo_city: dict[str, Any]) -> None:
    url, database = demo_city["url"], demo_city["database"]
    assert isinstance(database, Database)
    with database.unit_of_work() as session:
        listed = exists().where(ListEntry.subject_uscc == Entity.uscc)
        firm = session.execute(
            select(Entity.uscc, Entity.name).where(Entity.uscc.like("91%"), ~listed).order_by(Entity.uscc.desc())
        ).first()
        demo_honours = session.scalars(select(ListEntry.id).where(ListEntry.honour.is_(True))).all()
    assert firm is not None and len(demo_honours) >= 10, "the demo honours a dozen enterprises"
    uscc, name = firm

    clerk = _console(browser, url, "xyb")
    clerk.click("nav >> text=守信激励名单")
    clerk.wait_for_url(re.compile(r"/console/honours$"))
    chinese(clerk)
    form = clerk.locator("#honour-form")
    form.locator("select[name=list_type]").select_option("honest_model")
    form.locator("input[name=uscc]").fill(uscc)
    form.locator("select[name=department]").select_option("FGW")
    form.locator("input[name=decision_doc_no]").fill("共信用办〔2026〕99号")
    form.locator("input[name=decision_date]").fill(clock.today().isoformat())
    form.locator("textarea[name=reason]").fill(REASON)
    form.locator("button[type=submit]").click()
    expect(clerk.locator("#honour-done")).to_contain_text("待另一名信用办人员审核公示")
    row = clerk.locator("#honour-queue tr", has_text=name)
    expect(row).to_have_count(1)
    row.locator("button", has_text="审核公示").click()
    expect(clerk.locator("#honour-error")).to_contain_text("录入人不得审核")

    chief = _console(browser, url, "admin")
    chief.goto(f"{url}/console/honours")
    chief.locator("#honour-queue tr", has_text=name).locator("button", has_text="审核公示").click()
    expect(chief.locator("#honour-done")).to_contain_text("已审核公示")
    chinese(chief)

    portal = browser.new_context(locale="zh-CN").new_page()
    portal.goto(f"{url}/lists?kind=honour")
    expect(portal.locator("h1")).to_contain_text("信用名单")
    expect(portal.locator("table.data")).to_contain_text(name)
    expect(portal.locator("table.data")).to_contain_text("共信用办〔2026〕99号")
    assert portal.locator("table.data tbody tr").count() >= 10
    chinese(portal)
    portal.locator("table.data a", has_text=name).first.click()
    portal.wait_for_url(re.compile(rf"/entity/{uscc}"))
    section = portal.locator("#honours")
    expect(section).to_contain_text("诚信典型")
    expect(section).to_contain_text(REASON)
    chinese(portal)
