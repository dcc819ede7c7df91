"""Credit-service agencies in Chromium on a fresh demo: the credit office registers an agency in 信用服务机构 and
issues its key (shown once); the demo enterprise signs in at the portal, grants the agency access for a purpose and
30 days, sees the agency's query under the grant, and withdraws the grant; the agency's next query reads public data
only. Every screen on the way is Chinese."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support import builders
from tests.web.conftest import chinese, screenshot
from xinyong.core.auth.models import User
from xinyong.core.db import Database
from xinyong.demo.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def demo_site(demo_city: dict[str, Any]) -> dict[str, Any]:
    """The shared fresh demo city, with the demo enterprise account ``qiye``'s entity."""
    database: Database = demo_city["database"]
    with database.unit_of_work() as session:
        uscc = session.scalar(select(User.entity_uscc).where(User.username == "qiye"))
    assert uscc is not None, "the demo has an enterprise account"
    return {"url": demo_city["url"], "uscc": uscc, "entity_login": "qiye"}


def _new_page(browser: Browser) -> Page:
    return browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()


def test_office_registers_an_agency_and_the_enterprise_grants_and_withdraws(
    browser: Browser, demo_site: dict[str, Any]
) -> None:
    url, uscc = demo_site["url"], demo_site["uscc"]
    assert "entity_login" in demo_site, "the demo has an enterprise account"

    # 1. the credit office registers an agency and issues its key
    office = _new_page(browser)
    office.goto(f"{url}/console/login")
    office.fill("input[name=username]", "admin")
    office.fill("input[name=password]", DEFAULT_PASSWORD)
    office.click("button[type=submit]")
    office.wait_for_url(re.compile(r"/console$"))
    office.click("nav >> text=信用服务机构")
    expect(office.locator("h1")).to_have_text("信用服务机构")
    chinese(office)
    office.fill("#agency-form input[name=name]", "江西诚信信用管理有限公司")
    office.fill("#agency-form input[name=uscc]", builders.new_uscc())
    office.fill("#agency-form input[name=filing_no]", "NCB-3600-0012")
    office.fill("#agency-form input[name=contact_name]", "王经理")
    office.fill("#agency-form input[name=contact_phone]", "0791-86001234")
    office.check("#agency-form input[value=credit_report]")
    office.click("#agency-form button[type=submit]")
    expect(office.locator("#agency-done")).to_contain_text("已登记信用服务机构")
    expect(office.locator("#agency-status")).to_contain_text("正常")
    office.fill("#key-form input[name=name]", "生产环境")
    office.click("#key-form button[type=submit]")
    key = office.locator("#new-key").inner_text()
    assert key.startswith("xy_")
    chinese(office)
    screenshot(office, "console-agency")
    api = httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert api.get(f"/api/v1/agency/subjects/{uscc}", params={"purpose": "credit_report"}).json()["scope"] == "public"

    # the public list shows it
    office.goto(f"{url}/agencies")
    expect(office.locator("#agency-register")).to_contain_text("江西诚信信用管理有限公司")
    chinese(office)

    # 2. the enterprise grants it access for 30 days
    firm = _new_page(browser)
    firm.goto(f"{url}/login?next=/my")
    firm.fill("#login-form input[name=login]", demo_site["entity_login"])
    firm.fill("#login-form input[name=password]", DEFAULT_PASSWORD)
    firm.click("#login-form button[type=submit]")
    firm.wait_for_url(re.compile(r"/my$"))
    firm.click("#my-agencies-link")
    expect(firm.locator("h1")).to_contain_text("授权与查询记录")
    expect(firm.locator("#queries")).to_contain_text("公开信息，无需授权")
    chinese(firm)
    firm.select_option("#grant-form select[name=agency_id]", label="江西诚信信用管理有限公司")
    firm.select_option("#grant-form select[name=purpose]", label="出具信用报告")
    firm.fill("#grant-form input[name=days]", "30")
    firm.click("#grant-form button[type=submit]")
    expect(firm.locator("#grant-notice")).to_contain_text("授权已生效")
    expect(firm.locator("#grants")).to_contain_text("有效")

    # the agency reads the full information and the report under the grant; the enterprise sees each query
    assert api.get(f"/api/v1/agency/subjects/{uscc}", params={"purpose": "credit_report"}).json()["scope"] == "full"
    issued = api.post("/api/v1/agency/reports", json={"uscc": uscc, "purpose": "credit_report"})
    assert issued.status_code == 201, issued.text
    firm.reload()
    expect(firm.locator("#queries")).to_contain_text("完整版信用报告（经授权）")
    expect(firm.locator("#queries")).to_contain_text(issued.json()["number"])
    expect(firm.locator("#holders")).to_contain_text("江西诚信信用管理有限公司")
    chinese(firm)
    screenshot(firm, "portal-my-agencies")

    # 3. the enterprise withdraws the grant: at once the agency reads public data only
    firm.locator("#grants form button", has_text="撤回授权").first.click()
    expect(firm.locator("#grant-notice")).to_contain_text("授权已撤回")
    expect(firm.locator("#grants")).to_contain_text("已撤回")
    assert api.get(f"/api/v1/agency/subjects/{uscc}", params={"purpose": "credit_report"}).json()["scope"] == "public"
    assert api.post("/api/v1/agency/reports", json={"uscc": uscc, "purpose": "credit_report"}).status_code == 403
    chinese(firm)
