"""The portal's content in Chromium on a fresh demo: the public walks 信用动态 → a 政策法规 item → its attachment
(downloaded, the count goes up) → a 典型案例 → the credit record it is about (desensitised record page); the office's
content editor writes a news item in the rich-text editor and sends it for review, is offered no publication, and
the reviewer publishes it to the portal. Every screen on the way is Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import chinese, screenshot
from xinyong.demo.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.web
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
INSERT_IMAGE = """(data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const file = new File([bytes], "现场照片.png", { type: "image/png" });
  document.querySelector("trix-editor").editor.insertFile(file);
}"""


def _nav(page: Page, name: str) -> None:
    page.locator(".site-nav").get_by_role("link", name=name, exact=True).click()


def test_news_policy_attachment_case_and_its_record(page: Page, demo_city: dict[str, Any]) -> None:
    url = demo_city["url"]
    page.goto(url)
    _nav(page, "信用动态")
    expect(page.locator("h1")).to_have_text("信用动态")
    expect(page.locator("#content-list li")).to_have_count(12)
    chinese(page)
    page.locator("#content-list a").first.click()
    expect(page.locator("#content-article h1")).to_be_visible()
    assert re.search(r"/news/\d+$", page.url)
    chinese(page)

    _nav(page, "政策法规")
    page.locator("aside").get_by_role("link", name="国家", exact=True).click()
    page.get_by_role("link", name=re.compile("构建以信用为基础的新型监管机制的指导意见")).click()
    expect(page.locator("#policy-facts")).to_contain_text("国办发〔2019〕35号")
    expect(page.locator("#policy-facts")).to_contain_text("现行有效")
    chinese(page)
    with page.expect_download() as downloading:
        page.locator("#attachments a").first.click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    page.reload()
    expect(page.locator("#attachments")).to_contain_text("下载 1 次")
    screenshot(page, "portal-policy")

    _nav(page, "典型案例")
    page.locator("aside").get_by_role("link", name="失信惩戒", exact=True).click()
    page.get_by_role("link", name="某公司虚假宣传被处罚并公示").click()
    expect(page.locator("#case-links")).to_contain_text("信用记录")
    chinese(page)
    page.locator("#case-links a").first.click()
    assert re.search(r"/record/\d+$", page.url)
    expect(page.locator("main h1")).to_be_visible()
    chinese(page)


def _console(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def test_an_editor_writes_and_a_reviewer_publishes(browser: Browser, demo_city: dict[str, Any]) -> None:
    url = demo_city["url"]
    editor = _console(browser, url, "bianji")
    editor.get_by_role("link", name="网站内容").click()
    editor.locator("#content-new").get_by_role("link", name="信用动态").click()
    expect(editor.locator("trix-toolbar")).to_be_visible()
    chinese(editor)
    editor.fill("input[name=title]", "浏览器测试：信用修复便民服务上线")
    editor.locator("trix-editor").click()
    editor.keyboard.type("企业可在网上办理信用修复，全程不收取任何费用。")
    editor.click("#content-save")
    expect(editor.locator("#content-done")).to_contain_text("已保存为草稿")
    editor.evaluate(INSERT_IMAGE, PIXEL)  # as a paste or a drop does: uploaded to the item's files
    expect(editor.locator('trix-editor img[src^="/content/files/"]')).to_have_count(1)
    editor.click("#content-save")
    expect(editor.locator("#content-done")).to_contain_text("第 2 版")
    expect(editor.locator("#content-files")).to_contain_text("现场照片.png")
    editor.click("#content-submit")
    expect(editor.locator("#content-status")).to_have_text("待审核")
    expect(editor.locator("#content-publish")).to_have_count(0)  # an editor is offered no publication
    item_url = editor.url.split("?")[0]
    chinese(editor)

    reviewer = _console(browser, url, "shenhe")
    reviewer.goto(item_url)
    reviewer.click("#content-publish")
    expect(reviewer.locator("#content-status")).to_have_text("已发布")
    expect(reviewer.locator("#content-history")).to_contain_text("审核发布")
    chinese(reviewer)
    reviewer.locator("#content-public-link").click()
    expect(reviewer.locator("#content-article")).to_contain_text("全程不收取任何费用")
    image = reviewer.locator('#content-article img[src^="/content/files/"]')
    expect(image).to_have_count(1)
    assert reviewer.evaluate("(img) => img.naturalWidth", image.element_handle()) == 1  # served to the public
    chinese(reviewer)
