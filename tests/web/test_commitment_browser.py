"""An entity signs a credit commitment on the portal in a real browser: it signs in, reads the catalogue item's
letter, signs it, and sees the stored letter with its SM3 hash checked; the letter then appears on its profile."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import item
from tests.web.conftest import screenshot
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth

PASSWORD = "Gongqing-2020!"


def test_an_entity_signs_a_commitment_on_the_portal(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    made: dict[str, str | int] = {}

    def seed(session: Session) -> None:
        builders.departments(session)
        firm = builders.entity(session, name="共青城云锦羽绒制衣有限公司")
        office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
        auth.create_user(
            session,
            office,
            username="yunjin-firm",
            display_name="王建国",
            role=Role.ENTITY,
            password=PASSWORD,
            entity_uscc=firm.uscc,
        )
        catalogue = item(session, department="XZSPJ", tolerance_days=7, name="食品经营许可（容缺受理）")
        made.update(uscc=firm.uscc, item=catalogue.id)

    seed_web(seed)

    page.goto(f"{live_server}/commitments")
    page.click("text=食品经营许可（容缺受理）")
    expect(page.locator("#template-text")).to_contain_text("承诺内容")

    page.goto(f"{live_server}/login")  # the portal's 企业用户登录
    page.fill("#login-form input[name=login]", "yunjin-firm")
    page.fill("#login-form input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/my$"))

    page.goto(f"{live_server}/commitments/items/{made['item']}")
    page.click("#sign-link")
    expect(page.locator("#letter-preview")).to_contain_text("共青城云锦羽绒制衣有限公司")
    page.fill("textarea[name=missing_materials]", "从业人员健康证明")
    page.fill("input[name=signer]", "王建国")
    page.check("input[name=accept]")
    screenshot(page, "commitment-sign")
    page.click("#sign-form button[type=submit]")

    page.wait_for_url(re.compile(r"/commitments/letters/\d+\?signed=1$"))
    expect(page.locator("#signed-notice")).to_be_visible()
    expect(page.locator("#hash-check")).to_have_text("全文与签署时一致")
    expect(page.locator("#letter-text")).to_contain_text("签署人：王建国")
    expect(page.locator("#letter-text")).to_contain_text("从业人员健康证明")
    assert re.fullmatch(r"[0-9a-f]{64}", page.locator("#letter-hash").inner_text())
    screenshot(page, "commitment-letter")

    page.goto(f"{live_server}/entity/{made['uscc']}#commitments")
    expect(page.locator("#commitments")).to_contain_text("食品经营许可（容缺受理）")


def test_the_office_stops_an_item_and_a_member_leaves_its_association(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    made: dict[str, str] = {}

    def seed(session: Session) -> None:
        builders.departments(session)
        office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
        auth.create_user(
            session, office, username="office-assoc", display_name="信用办", role=Role.CREDIT_OFFICE, password=PASSWORD
        )
        item(session, department="SCJGJ", commitment_type="主动承诺", name="个体工商户年度报告公示（承诺）")
        association = builders.entity(session, name="共青城市电子商务协会", uscc=builders.new_uscc("51"))
        member = builders.entity(session, name="共青城市青山电子商务有限公司")
        made.update(association=association.uscc, member=member.uscc)

    seed_web(seed)
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "office-assoc")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))

    page.goto(f"{live_server}/console/commitments")
    row = page.locator("tr", has_text="个体工商户年度报告公示（承诺）")
    row.get_by_role("button", name="停用").click()
    expect(page.locator("p.notice")).to_contain_text("已停用")
    expect(
        page.locator("tr", has_text="个体工商户年度报告公示（承诺）").get_by_role("button", name="启用")
    ).to_be_visible()

    page.goto(f"{live_server}/console/associations")
    page.fill("input[name=uscc]", made["association"])
    page.select_option("select[name=supervising_department]", label="市民政局")
    page.get_by_role("button", name="授权").click()
    panel = page.locator("section.panel", has_text="共青城市电子商务协会")
    panel.locator("input[name=member_uscc]").first.fill(made["member"])
    panel.get_by_role("button", name="登记入会").click()
    expect(page.locator("p.notice")).to_contain_text("已加入本会")
    member_row = page.locator("tr", has_text="共青城市青山电子商务有限公司")
    member_row.get_by_role("button", name="办理退会").click()
    expect(page.locator("p.notice")).to_contain_text("退会")
    expect(page.locator("section.panel", has_text="共青城市电子商务协会")).to_contain_text("暂无会员")
    screenshot(page, "association-member-left")
