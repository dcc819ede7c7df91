"""The enterprise user's journey in Chromium on a fresh demo (what ``./dev.sh start`` serves, smaller): register an
enterprise account → the credit office approves it in 企业账号审核 → sign in from the portal header → 我的信用 →
object to a record → sign the 信用修复承诺 from the demo's catalogue and apply for repair → self-report an honour →
download the credit report → sign out. Every screen on the way is Chinese."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import exists, select

from tests.web.conftest import chinese, screenshot
from xinyong.core.db import Database
from xinyong.demo.accounts import DEFAULT_PASSWORD, repairable_penalty
from xinyong.entities.models import Entity
from xinyong.records.models import CreditRecordVersion

pytestmark = pytest.mark.web
PASSWORD = "Qiye-Mima-2026!"
PDF = b"%PDF-1.4\n% receipt\n"


@pytest.fixture(scope="module")
def demo_site(demo_city: dict[str, Any]) -> dict[str, Any]:
    """The fresh demo city, and a firm of it (not qiye's) with a repairable penalty, as the demo gives qiye one."""
    database: Database = demo_city["database"]
    found: dict[str, Any] = {"url": demo_city["url"]}
    with database.unit_of_work() as session:
        v = CreditRecordVersion
        serious = exists().where(v.subject_uscc == Entity.uscc, v.valid_to.is_(None), v.severity == "严重")
        licensed = exists().where(
            v.subject_uscc == Entity.uscc, v.valid_to.is_(None), v.kind == "license", v.status == "有效"
        )
        qiye_firm = session.scalar(
            select(Entity.uscc)
            .where(Entity.authority == "9", Entity.org_type == "1", Entity.region_code == "360482")
            .order_by(Entity.uscc)
            .limit(1)
        )
        firm = session.execute(
            select(Entity.uscc, Entity.name)
            .where(Entity.authority == "9", Entity.org_type == "1", Entity.status == "存续", ~Entity.provisional)
            .where(Entity.uscc != qiye_firm, licensed, ~serious)
            .order_by(Entity.uscc)
            .limit(1)
        ).one()
        # as the demo gives its own enterprise one (a decision of its own: qiye keeps the demo's)
        repairable_penalty(session, firm.uscc, firm.name, number=9002)
        found.update(uscc=firm.uscc, name=firm.name)
    return found


def _new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    return context.new_page()


def test_enterprise_journey_on_a_fresh_demo(browser: Browser, demo_site: dict[str, Any]) -> None:
    url, uscc, name = demo_site["url"], demo_site["uscc"], demo_site["name"]
    firm = _new_page(browser)

    # anonymous at 我的信用: the portal's sign-in page, with the way back
    firm.goto(f"{url}/my")
    firm.wait_for_url(re.compile(r"/login\?next=%2Fmy$"))
    expect(firm.locator("h1")).to_have_text("企业用户登录")
    chinese(firm)

    # 1. register from the header
    firm.goto(url)
    firm.click("#account >> text=注册")
    expect(firm.locator("h1")).to_have_text("注册企业账号")
    chinese(firm)
    firm.fill("#register-form input[name=uscc]", uscc)
    firm.fill("#register-form input[name=entity_name]", name)
    firm.fill("#register-form input[name=contact_name]", "王建国")
    firm.fill("#register-form input[name=mobile]", "13800138000")
    firm.fill("#register-form input[name=password]", PASSWORD)
    firm.fill("#register-form input[name=password_confirm]", PASSWORD)
    firm.check("#register-form input[name=agree]")
    screenshot(firm, "portal-register")
    firm.click("#register-form button[type=submit]")
    expect(firm.locator("#register-done")).to_contain_text("待审核")
    expect(firm.locator("body")).to_contain_text("王**")
    chinese(firm)

    # 2. the credit office approves it in 企业账号审核
    office = _new_page(browser)
    office.goto(f"{url}/console/login")
    office.fill("input[name=username]", "admin")
    office.fill("input[name=password]", DEFAULT_PASSWORD)
    office.click("button[type=submit]")
    office.wait_for_url(re.compile(r"/console$"))
    office.click("text=企业账号审核")
    row = office.locator("#enterprise-table tr", has_text=uscc)
    expect(row).to_contain_text("待审核")
    row.locator(".approve-form button").click()
    expect(office.locator("#enterprise-done")).to_contain_text("企业账号已开通")
    screenshot(office, "console-enterprise-accounts")

    # 3. sign in from the portal header
    firm.goto(f"{url}/publicity/penalties")
    firm.click("#login-link")
    firm.fill("#login-form input[name=login]", uscc)
    firm.fill("#login-form input[name=password]", PASSWORD)
    firm.click("#login-form button[type=submit]")
    firm.wait_for_url(re.compile(r"/publicity/penalties$"))
    expect(firm.locator("#account")).to_contain_text(name)
    expect(firm.locator("#account")).to_contain_text("退出")

    # 4. 我的信用
    firm.click("#account >> text=我的信用")
    firm.wait_for_url(re.compile(r"/my$"))
    expect(firm.locator("h1")).to_contain_text("我的信用")
    expect(firm.locator("#my-grade")).to_contain_text("综合得分")
    expect(firm.locator("#my-records")).to_contain_text("未按规定公示年度报告")
    chinese(firm)
    screenshot(firm, "portal-my-credit")

    # 5. object to a licence record
    firm.click("#my-objections >> text=提出异议、查看处理结果")
    options = firm.locator("#objection-form select[name=record_id] option")
    licence = next(i for i in range(options.count()) if options.nth(i).inner_text().startswith("行政许可"))
    firm.select_option("#objection-form select[name=record_id]", index=licence)
    firm.fill("#objection-form textarea[name=reasons]", "许可证有效期登记有误，请核实更正")
    firm.click("#objection-form button[type=submit]")
    expect(firm.locator(".notice.ok")).to_contain_text("异议中")
    chinese(firm)

    # 6. repair: 暂不可申请 until the 信用修复承诺 from the catalogue is signed
    firm.goto(f"{url}/my/repair")
    penalty = firm.locator("#repair-targets tr", has_text="未按规定公示年度报告")
    expect(penalty.locator(".verdict")).to_contain_text("暂不可申请")
    firm.goto(f"{url}/commitments")
    firm.click("text=信用修复承诺（行政处罚信息、严重失信主体名单信息）")
    firm.click("#sign-link")
    firm.fill("#sign-form input[name=signer]", "王建国")
    firm.check("#sign-form input[name=accept]")
    firm.click("#sign-form button[type=submit]")
    firm.wait_for_url(re.compile(r"/commitments/letters/\d+\?signed=1$"))
    chinese(firm)
    firm.goto(f"{url}/my/repair")
    expect(penalty.locator(".verdict")).to_have_text("可申请")
    firm.check("#repair-form input[value=信用承诺]")
    firm.fill("#repair-form textarea[name=statement]", "已全额缴纳罚款并补报年度报告，承诺今后依法经营。")
    firm.set_input_files("#repair-form input[name=file]", files=[
        {"name": "缴款凭证.pdf", "mimeType": "application/pdf", "buffer": PDF}])  # fmt: skip
    firm.click("#repair-form button[type=submit]")
    firm.wait_for_url(re.compile(r"/my/repair/\d+\?applied=1$"))
    expect(firm.locator("#application-status")).to_contain_text("待受理")
    chinese(firm)

    # 7. self-report an honour
    firm.goto(f"{url}/my/self-reports")
    firm.select_option("#report-form select[name=category]", index=0)
    firm.fill("#report-form input[name=title]", "共青城市守合同重信用企业")
    firm.fill("#report-form textarea[name=content]", "2025 年度被评为共青城市守合同重信用企业。")
    firm.check("#report-form input[name=truthfulness]")
    firm.click("#report-form button[type=submit]")
    firm.wait_for_url(re.compile(r"/my/self-reports\?submitted=1$"))
    expect(firm.locator("body")).to_contain_text("共青城市守合同重信用企业")
    chinese(firm)

    # 8. 我的信用 shows all of it with its deadlines; download the report
    firm.goto(f"{url}/my")
    expect(firm.locator("#my-objections")).to_contain_text("个工作日")
    expect(firm.locator("#my-repairs")).to_contain_text("待受理")
    expect(firm.locator("#my-repairs")).to_contain_text("个工作日")
    expect(firm.locator("#my-commitments")).to_contain_text("信用修复")
    expect(firm.locator("#my-self-reports")).to_contain_text("待核验")
    with firm.expect_download() as downloaded:
        firm.click("#my-report-form button[type=submit]")
    assert downloaded.value.suggested_filename.endswith(".pdf")
    assert Path(downloaded.value.path()).read_bytes().startswith(b"%PDF")
    firm.goto(f"{url}/my")
    expect(firm.locator("#my-report-list")).to_contain_text("完整版")
    chinese(firm)
    screenshot(firm, "portal-my-credit-after")

    # 9. sign out from the header
    firm.click("#account >> text=退出")
    firm.wait_for_url(re.compile(r"/login\?signed_out=1$"))
    expect(firm.locator("body")).to_contain_text("您已安全退出")
    expect(firm.locator("#login-link")).to_be_visible()
    firm.goto(f"{url}/my")
    firm.wait_for_url(re.compile(r"/login\?next=%2Fmy$"))
