"""The portal in a real browser: search by pinyin initials with live (HTMX) results, open a profile and a record
and see masked data, filter the penalty list; the search also works with JavaScript off. Screenshots of the main
pages go to docs/screenshots/ for reviewers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests.support.portal_seed import LEGAL_REP_ID, MOBILE, Seeded, seed_portal
from tests.web.conftest import screenshot

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def seeded(seed_web: Callable[[Callable[[Session], None]], None]) -> Seeded:
    made: list[Seeded] = []
    seed_web(lambda session: made.append(seed_portal(session)))
    return made[0]


def test_search_by_initials_then_profile_and_record_are_masked(page: Page, live_server: str, seeded: Seeded) -> None:
    page.goto(f"{live_server}/")
    expect(page.locator(".hero-search input[name=q]")).to_be_visible()
    expect(page.locator(".stat-value").first).not_to_have_text("0")
    screenshot(page, "portal-home")

    page.goto(f"{live_server}/search")
    results = page.locator("#search-results")
    page.locator("#q").fill("gqc")  # live results, no Enter: HTMX asks for the fragment after a pause
    expect(results).to_contain_text("与“gqc”相关的信用主体")
    screenshot(page, "portal-search")
    page.locator("#q").fill("gqcrx")
    expect(results).to_contain_text("与“gqcrx”相关的信用主体")
    expect(results).to_contain_text("共青城瑞雪羽绒服饰有限公司")
    expect(results).to_contain_text(seeded.company)
    assert "q=gqcrx" in page.url  # the URL follows the query, so it can be shared and reloaded

    results.locator(f'a.result-name[href="/entity/{seeded.company}"]').click()
    expect(page.locator("h1.entity-name")).to_have_text("共青城瑞雪羽绒服饰有限公司")
    expect(page.locator("#basic")).to_contain_text("王建国")
    expect(page.locator("#penalties")).to_contain_text("警告、罚款")
    content = page.content()
    assert LEGAL_REP_ID not in content and MOBILE not in content
    screenshot(page, "portal-profile")

    page.locator("#penalties").get_by_role("link", name="查看").first.click()
    facts = page.locator("dl.record-facts")
    expect(facts).to_contain_text("360482********")
    expect(facts).to_contain_text("139****2345")
    assert LEGAL_REP_ID not in page.content() and MOBILE not in page.content()


def test_penalty_list_filters_in_place(page: Page, live_server: str, seeded: Seeded) -> None:
    page.goto(f"{live_server}/publicity/penalties")
    table = page.locator("#list-results")
    expect(table).to_contain_text("共税简罚")
    expect(table).to_contain_text("共市监罚")
    page.locator("select[name=department]").select_option("SWJ")  # a change re-queries through HTMX
    expect(table).not_to_contain_text("共市监罚")
    expect(table).to_contain_text("共税简罚")
    assert "department=SWJ" in page.url
    csv_link = table.get_by_role("link", name="CSV")
    assert "department=SWJ" in (csv_link.get_attribute("href") or "")
    page.locator("select[name=department]").select_option("")
    page.locator("select[name=category]").select_option("罚款")
    expect(table).to_contain_text("共市监罚")
    expect(table).not_to_contain_text("共税简罚")
    screenshot(page, "portal-penalties")


def test_search_works_without_javascript(browser: Browser, live_server: str, seeded: Seeded) -> None:
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/")
        page.locator(".hero-search input[name=q]").fill("瑞雪羽绒")
        page.locator(".hero-search button").click()
        page.wait_for_url("**/search?q=*")
        expect(page.locator("#search-results")).to_contain_text(seeded.company)
    finally:
        context.close()
