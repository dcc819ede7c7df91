"""适老化/无障碍 in Chromium: the header's toggle enlarges the type and raises the contrast, the choice survives a new
page load and another page, it switches back off; the skip link is the first stop of the keyboard and shows its focus;
a missing portal page is the portal's Chinese 404 with the site map one click away."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.web.conftest import chinese

pytestmark = pytest.mark.web
BODY_TEXT = "() => parseFloat(getComputedStyle(document.querySelector('main p, main li, main a')).fontSize)"
BODY_SIZE = "() => parseFloat(getComputedStyle(document.body).fontSize)"


def test_access_mode_grows_the_type_and_persists_across_pages(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/sitemap")
    toggle = page.locator("[data-access-toggle]")
    assert toggle.get_attribute("aria-pressed") == "false" and toggle.inner_text() == "适老化模式"
    body, text = page.evaluate(BODY_SIZE), page.evaluate(BODY_TEXT)

    toggle.click()
    assert page.evaluate("document.documentElement.classList.contains('access')")
    assert toggle.get_attribute("aria-pressed") == "true" and toggle.inner_text() == "退出适老化模式"
    assert page.evaluate(BODY_SIZE) >= body * 1.2 and page.evaluate(BODY_TEXT) > text
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"

    page.reload()  # a new page load: still on, before any click
    assert page.evaluate("document.documentElement.classList.contains('access')")
    assert page.locator("[data-access-toggle]").get_attribute("aria-pressed") == "true"
    assert page.evaluate(BODY_SIZE) >= body * 1.2
    page.goto(f"{live_server}/policies")  # and on another page
    assert page.evaluate(BODY_SIZE) >= body * 1.2

    page.locator("[data-access-toggle]").click()  # off again, and remembered off
    page.reload()
    assert page.evaluate(BODY_SIZE) == body
    assert page.locator("[data-access-toggle]").get_attribute("aria-pressed") == "false"


def test_keyboard_skip_link_focus_and_the_chinese_404(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/sitemap")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "跳到主要内容"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused skip link shows its focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    answer = page.goto(f"{live_server}/no-such-page")
    assert answer is not None and answer.status == 404
    assert page.locator("h2").first.inner_text().startswith("页面未找到")
    chinese(page)
    page.locator("main a[href='/sitemap']").click()
    page.wait_for_url(f"{live_server}/sitemap")
    assert page.locator("h1.page-title").inner_text() == "网站地图"
