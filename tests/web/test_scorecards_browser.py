"""The department scorecards in Chromium on a fresh demo: the credit office (``xyb``) opens 信用工作考核 from the
menu, reads the ranking with its chart, opens 市市场监管局's card with its trend and drills down to the decisions
behind its 双公示按时率; a department user (``scjg``) sees only its own card and is refused another's. Every screen
is Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import chinese, screenshot
from xinyong.core import clock
from xinyong.core.db import Database
from xinyong.core.periods import add_months
from xinyong.demo.accounts import DEFAULT_PASSWORD
from xinyong.scorecards import service
from xinyong.scorecards.rules import Indicator

pytestmark = pytest.mark.web


def _console(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def _busy_month(database: Database) -> str:
    """The latest of the last twelve months in which 市场监管局 had decisions due (the demo city's data)."""
    today = clock.today()
    with database.unit_of_work() as session:
        for back in range(12):
            month = f"{add_months(today.replace(day=1), -back):%Y-%m}"
            card = next(c for c in service.compute(session, month, today).cards if c.department == "SCJGJ")
            if card.figures[Indicator.PUBLICITY_ON_TIME].due:
                return month
    pytest.fail("the demo gives 市场监管局 decisions in the last twelve months")


def test_office_ranking_drill_down_and_a_department_sees_only_its_own(
    browser: Browser, demo_city: dict[str, Any]
) -> None:
    url = demo_city["url"]
    month = _busy_month(demo_city["database"])

    office = _console(browser, url, "xyb")
    office.click("nav.sidenav >> text=信用工作考核")
    office.wait_for_url(re.compile(r"/console/scorecards$"))
    office.goto(f"{url}/console/scorecards?month={month}")
    expect(office.locator("#scorecard-chart")).to_have_attribute("data-ready", "true")
    rows = office.locator("#ranking-table tbody tr")
    assert rows.count() >= 40  # every department, those without data last
    expect(rows.first.locator("td").first).to_have_text("1")
    chinese(office)
    screenshot(office, "console-scorecards")

    office.click('#ranking-table tr[data-department="SCJGJ"] a')
    office.wait_for_url(re.compile(r"/console/scorecards/SCJGJ\?month="))
    expect(office.locator("#card-score")).not_to_have_text("")
    expect(office.locator("#scorecard-trend")).to_have_attribute("data-ready", "true")
    chinese(office)
    office.click('#figures-table tr[data-indicator="publicity_on_time"] a.drill')
    office.wait_for_url(re.compile(r"indicator=publicity_on_time"))
    assert office.locator("#rows-table tbody tr").count() >= 1
    expect(office.locator("#rows-table")).to_contain_text("行政")
    chinese(office)

    department = _console(browser, url, "scjg")
    department.goto(f"{url}/console/scorecards?month={month}")
    expect(department.locator("#ranking-table tbody tr")).to_have_count(1)
    expect(department.locator('#ranking-table tr[data-department="SCJGJ"]')).to_be_visible()
    chinese(department)
    refused = department.goto(f"{url}/console/scorecards/SWJ?month={month}")
    assert refused is not None and refused.status == 403
    expect(department.locator("body")).to_contain_text("无权访问")
