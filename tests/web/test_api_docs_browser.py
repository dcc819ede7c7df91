"""The API reference renders from the platform's own files: every request to another host is refused, as on a
network without internet access, and Swagger UI and ReDoc still show the operations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

pytestmark = pytest.mark.web


def _offline(page: Page, live_server: str) -> list[str]:
    """Refuse every request that leaves the test server; return the list of refused addresses."""
    refused: list[str] = []

    def handle(route: Route) -> None:
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return refused


def test_swagger_ui_and_redoc_render_without_internet(page: Page, live_server: str) -> None:
    refused = _offline(page, live_server)
    # the application builds its OpenAPI document once, on first request (seconds on a busy machine)
    assert page.request.get(f"{live_server}/openapi.json", timeout=120_000).status == 200
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock-tag", timeout=60_000)
    assert page.locator(".opblock-tag").count() >= 5, "the operations' groups are shown"
    page.locator(".opblock-tag").first.click()
    page.wait_for_selector(".opblock-summary", timeout=10_000)
    assert page.locator(".opblock-summary").count() >= 1

    assert refused == [], f"Swagger UI asked another host for {refused[:3]}"

    page.goto(f"{live_server}/redoc")
    page.wait_for_selector("[data-section-id^='tag/'], [data-section-id^='operation/']", timeout=60_000)
    assert page.locator("[data-section-id^='operation/']").count() >= 10, "ReDoc lists the operations"
    # ReDoc's only outside request is the branding logo of its "API docs by Redocly" link, which hides itself when
    # it cannot load; the reference itself comes from the platform
    assert set(refused) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}, f"ReDoc asked another host for {refused[:3]}"
