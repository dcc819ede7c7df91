"""The browser can reach the served application and its vendored scripts (no CDN)."""

from __future__ import annotations

from playwright.sync_api import Page


def test_static_vendor_scripts_are_served(page: Page, live_server: str) -> None:
    answer = page.request.get(f"{live_server}/static/vendor/htmx-2.0.11.min.js")
    assert answer.status == 200
    assert "htmx" in answer.text()[:2000]
    page.goto(f"{live_server}/healthz")
    assert '"status":"ok"' in page.content().replace(" ", "")
