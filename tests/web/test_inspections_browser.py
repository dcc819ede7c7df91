"""双随机、一公开 in a real browser: the public finds a published draw, sees the pool hash, the public value, the chart
of draws by stratum and the drawn entities, and downloads a bundle that re-runs to the same result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.web.conftest import screenshot
from xinyong.core import clock
from xinyong.inspections import rules, service
from xinyong.inspections.schemas import InspectorIn, ItemIn, MappingIn, TaskIn

pytestmark = pytest.mark.web
OP = builders.operator("SCJGJ")


def _seed(session: Session) -> None:
    builders.departments(session)
    for i in range(30):
        builders.entity(session, name=f"共青城浏览器抽查测试企业{i}号有限公司")
    service.save_mapping(session, OP, MappingIn.model_validate({"classes": rules.DEFAULT_CLASSES}))
    item = service.create_item(
        session,
        OP,
        ItemIn(code="WEB-1", name="企业年度报告公示信息抽查", basis="《企业信息公示暂行条例》", subject="企业"),
    )
    for i in range(4):
        service.create_inspector(session, OP, InspectorIn(name=f"检查员{i}", badge_no=f"WEB-{i:03d}"))
    task = service.create_task(
        session,
        OP,
        TaskIn(name="浏览器测试抽查任务", item_ids=[item.id], inspection_end=clock.today() + dt.timedelta(days=30)),
    )
    service.make_draw(session, OP, task.id, "福彩3D 2025150 4 7 1")


def test_the_public_reads_a_draw_and_reruns_its_bundle(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    seed_web(_seed)
    page.goto(f"{live_server}/inspections")
    expect(page.get_by_role("heading", name="双随机、一公开")).to_be_visible()
    page.get_by_role("link", name="查看").first.click()
    expect(page.locator("#public-value")).to_have_text("福彩3D 2025150 4 7 1")
    expect(page.locator("svg.chart-svg")).to_be_visible()
    expect(page.locator("#selected-table tbody tr")).not_to_have_count(0)
    pool_hash = page.locator("#pool-hash").inner_text()
    href = page.locator("#bundle-link").get_attribute("href")
    assert href
    bundle = page.request.get(f"{live_server}{href}").json()
    assert bundle["pool_hash"] == pool_hash
    assert rules.verify(bundle).match
    screenshot(page, "portal-inspection-draw")
