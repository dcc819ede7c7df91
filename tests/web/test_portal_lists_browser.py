"""A citizen on the public lists in a browser: filters the 行政处罚 list by a keyword, walks to the last page with
尾页 and jumps to a page by number; searches two words; prints a profile, a record and a list page (print media:
no navigation, filters or page controls; the table whole)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.records import service as records
from xinyong.records.schemas import SubjectIn

pytestmark = pytest.mark.web
FIRM = "共青城汇立印刷有限公司"
COUNT = 45  # three pages of 20


def _seed(session: Session) -> None:
    builders.departments(session)
    firm = builders.entity(session, name=FIRM)
    builders.entity(session, name="九江汇立印刷有限公司", uscc=builders.new_uscc(region="360400"))
    for n in range(COUNT):
        record = builders.penalty(
            firm.uscc,
            doc_no=f"共印罚〔2026〕{n + 1}号",
            subject=SubjectIn(type="entity", name=FIRM, uscc=firm.uscc),
            decision_date=builders.recent_day() - dt.timedelta(days=n % 9),
        )
        records.upsert_record(session, builders.SYSTEM, record)


def test_keyword_last_page_jump_search_and_print(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    seed_web(_seed)
    page.goto(f"{live_server}/publicity/penalties")
    page.fill(".filters input[name=q]", "汇立 印刷")
    page.click(".filters button[type=submit]")
    page.wait_for_selector('nav.pagination a[href*="q="]')  # the filtered results are in
    page.wait_for_selector(f"text=共 {COUNT} 条")
    page.click("nav.pagination >> text=尾页")
    page.wait_for_selector('nav.pagination [aria-current="page"]:has-text("3")')
    assert page.locator("table.data tbody tr").count() == COUNT - 40
    assert "q=" in page.url and "page=3" in page.url
    page.fill(".page-jump input[name=page]", "2")
    page.click(".page-jump button")
    page.wait_for_selector('nav.pagination [aria-current="page"]:has-text("2")')
    assert page.locator("table.data tbody tr").count() == 20
    page.click("nav.pagination >> text=下一页")
    page.wait_for_selector('nav.pagination [aria-current="page"]:has-text("3")')
    assert page.locator("table.data tbody tr").count() == COUNT - 40

    page.goto(f"{live_server}/search?q=汇立 印刷")
    names = page.locator(".result-name").all_inner_texts()
    assert names == [FIRM, "九江汇立印刷有限公司"]  # the city's own first
    assert page.locator(".result .matched dd").first.inner_text() == "名称"

    page.emulate_media(media="print")
    for path in ("/publicity/penalties", page.locator(".result-name").first.get_attribute("href"), None):
        if path is None:
            page.goto(f"{live_server}/publicity/penalties")
            path = page.locator("table.data a.more").first.get_attribute("href")
        page.goto(f"{live_server}{path}")
        assert not page.locator("nav.site-nav").is_visible(), f"{path}: navigation printed"
        assert not page.locator(".header-search").is_visible(), f"{path}: search box printed"
        for hidden in (".filters", "nav.pagination", ".exports"):
            if page.locator(hidden).count():
                assert not page.locator(hidden).first.is_visible(), f"{path}: {hidden} printed"
        assert page.locator("main").is_visible()
    page.emulate_media(media="screen")
    assert page.locator("nav.site-nav").is_visible()
