"""Phone widths (390 px): portal and console pages never scroll sideways, the console's header does not overlap, and
its navigation folds behind a 菜单 button that opens it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.records import service as records

pytestmark = pytest.mark.web
PASSWORD = "Gongqing-2020!"
PORTAL = ("/", "/search?q=共青城", "/publicity/penalties", "/lists", "/policies", "/verify", "/report")
CONSOLE = (
    "/console",
    "/console/audit",
    "/console/timeliness",
    "/console/users",
    "/console/api-clients",
    "/console/lists",
    "/console/lists/queue",
)


def _seed(session: Session) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    auth.create_user(
        session, office, username="phone-office", display_name="刘洋", role=Role.CREDIT_OFFICE, password=PASSWORD
    )
    made = builders.entity(session, name="共青城长风手机配件有限公司")
    records.upsert_record(session, builders.SYSTEM, builders.penalty(made.uscc, doc_no="共市监罚〔2026〕390号"))


def _overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_portal_and_console_fit_390px(
    browser: Browser, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    seed_web(_seed)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        for path in PORTAL:
            page.goto(f"{live_server}{path}")
            assert _overflow(page) <= 0, f"{path} scrolls sideways at 390 px"
        page.goto(f"{live_server}/console/login")
        page.fill("input[name=username]", "phone-office")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/console")
        for path in CONSOLE:
            page.goto(f"{live_server}{path}")
            assert _overflow(page) <= 0, f"{path} scrolls sideways at 390 px"
            header = page.locator("header.topbar").bounding_box()
            content = page.locator("main.content").bounding_box()
            assert header and content and header["y"] + header["height"] <= content["y"], f"{path}: header overlaps"
        nav = page.locator("nav.sidenav")
        assert not nav.is_visible(), "the navigation folds away at 390 px"
        page.click("label.nav-toggle-label")
        assert nav.is_visible() and page.locator("nav.sidenav a[href='/console/audit']").is_visible()
        assert _overflow(page) <= 0
    finally:
        context.close()
