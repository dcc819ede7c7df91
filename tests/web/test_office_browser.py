"""The credit office's journey in Chromium on a fresh demo (what ``./dev.sh start`` serves, smaller):

- an objection decided by two people: ``qiye`` objects to a licence at the portal; ``xyb`` (信用办) proposes 维持,
  is offered no decision on it; ``admin`` returns it; ``xyb`` proposes 更正 of a content field (有效期至);
  ``admin`` approves; the record shows the corrected value with its old version kept, and ``qiye`` reads the outcome
  with the record named and linked;
- the repair queue: an application waiting for 受理 with its working-day deadline and its 办理过程;
- the audit log: the objection's steps read in Chinese, one opened in its detail view;
- a business system registered in 业务系统接入: its key shown once, working on the check API, absent from the list,
  then revoked and refused.

Every screen on the way is Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support.commitment_builders import sign
from tests.web.conftest import chinese, screenshot
from xinyong.commitments.models import CommitmentItem
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.models import User
from xinyong.core.db import Database
from xinyong.demo.accounts import DEFAULT_PASSWORD
from xinyong.records.models import CreditRecordVersion
from xinyong.repair import service as repair
from xinyong.repair.schemas import ApplicationIn

pytestmark = pytest.mark.web
CORRECTED_UNTIL = "2027-06-30"


@pytest.fixture(scope="module")
def office_site(demo_city: dict[str, Any]) -> dict[str, Any]:
    """The fresh demo city; qiye's licence to object to, and a repair application of qiye waiting for 受理 (applied
    as ``qiye`` would at the portal: the 信用修复承诺 signed, the old penalty's repair asked for)."""
    database: Database = demo_city["database"]
    found: dict[str, Any] = {"url": demo_city["url"]}
    with database.unit_of_work() as session:
        qiye = session.scalars(select(User).where(User.username == "qiye")).one()
        assert qiye.entity_uscc is not None
        v = CreditRecordVersion
        current = select(v).where(v.subject_uscc == qiye.entity_uscc, v.valid_to.is_(None), v.status == "有效")
        licence = session.scalars(current.where(v.kind == "license").order_by(v.record_id)).first()
        penalty = session.scalars(current.where(v.kind == "penalty", v.source_department == "SCJGJ")).first()
        assert licence is not None and penalty is not None, "the demo gives qiye licences and a repairable penalty"
        entity = Actor(role=Role.ENTITY, id="user:qiye", name=qiye.display_name, entity_uscc=qiye.entity_uscc)
        promise = session.scalars(select(CommitmentItem.id).where(CommitmentItem.commitment_type == "信用修复")).first()
        assert promise is not None, "the demo's catalogue has the 信用修复承诺"
        sign(session, entity, promise)
        applied = repair.apply(
            session,
            entity,
            ApplicationIn(
                target_kind="record",
                target_id=penalty.record_id,
                methods=["信用承诺"],
                statement="已全额缴纳罚款并补报年度报告，承诺今后依法经营。",
            ),
            [("缴款凭证.pdf", b"%PDF-1.4\n% receipt\n")],
        )
        found.update(
            uscc=qiye.entity_uscc,
            licence=licence.record_id,
            until=licence.content.get("YXQZI"),
            application=applied.id,
            application_number=applied.number,
        )
    return found


def _console(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def test_credit_office_journey_on_a_fresh_demo(browser: Browser, office_site: dict[str, Any]) -> None:
    url, licence = office_site["url"], office_site["licence"]

    # 1. qiye signs in at the portal and objects to its licence's term
    firm = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    firm.goto(f"{url}/login?next=/my/objections")
    firm.fill("#login-form input[name=login]", "qiye")
    firm.fill("#login-form input[name=password]", DEFAULT_PASSWORD)
    firm.click("#login-form button[type=submit]")
    firm.wait_for_url(re.compile(r"/my/objections$"))
    firm.select_option("#objection-form select[name=record_id]", str(licence))
    firm.fill("#objection-form textarea[name=reasons]", f"许可证有效期至应为 {CORRECTED_UNTIL}，登记有误")
    firm.click("#objection-form button[type=submit]")
    expect(firm.locator(".notice.ok")).to_contain_text("异议中")
    row = firm.locator("#my-objections tbody tr").first
    expect(row).to_contain_text("行政许可 ")  # the record by name, linked
    expect(row.locator(f"a[href='/record/{licence}']")).to_be_visible()
    objection_id = int(row.locator("td").first.inner_text())

    # 2. xyb (信用办) proposes 维持 and is offered no decision on it
    xyb = _console(browser, url, "xyb")
    xyb.click(".sidenav >> text=异议处理")
    desk_row = xyb.locator(f"#objection-{objection_id}")
    expect(desk_row).to_contain_text("已受理")
    expect(desk_row.locator(".record-link")).to_contain_text("行政许可 ")
    expect(desk_row).to_contain_text("个工作日")
    chinese(xyb)
    desk_row.locator(".act-link").click()
    xyb.wait_for_url(re.compile(rf"/console/objections/{objection_id}$"))
    expect(xyb.locator("#record-label")).to_contain_text("行政许可 ")
    expect(xyb.locator("#record-versions")).to_contain_text("第 1 版")
    chinese(xyb)
    xyb.select_option("#propose-form select[name=outcome]", "维持")
    xyb.fill("#propose-form input[name=reason]", "经核对许可档案，有效期登记无误")
    xyb.click("#propose-form button[type=submit]")
    expect(xyb.locator("#objection-done")).to_contain_text("待另一名人员审核")
    expect(xyb.locator("#objection-status")).to_contain_text("待审核")
    expect(xyb.locator("#awaiting-review")).to_contain_text("拟办人不得审核本人的拟办意见")
    expect(xyb.locator("#review-form")).to_have_count(0)

    # 3. admin returns it for a new proposal
    admin = _console(browser, url, "admin")
    admin.goto(f"{url}/console/objections/{objection_id}")
    expect(admin.locator("#objection-proposal")).to_contain_text("拟维持")
    admin.select_option("#review-form select[name=decision]", "return")
    admin.fill("#review-form input[name=opinion]", "请核对企业提交的许可证原件")
    admin.click("#review-form button[type=submit]")
    expect(admin.locator("#objection-done")).to_contain_text("退回重新拟办")
    expect(admin.locator("#objection-status")).to_contain_text("已受理")

    # 4. xyb proposes 更正 of the content field 有效期至; admin approves
    xyb.reload()
    xyb.select_option("#propose-form select[name=outcome]", "更正")
    xyb.fill("#propose-form input[name=reason]", "经核对许可证原件，有效期至登记有误")
    xyb.fill("#propose-form input[data-key=YXQZI]", CORRECTED_UNTIL)
    screenshot(xyb, "console-objection-propose")
    xyb.click("#propose-form button[type=submit]")
    expect(xyb.locator("#objection-proposal")).to_contain_text("拟更正")
    expect(xyb.locator("#review-form")).to_have_count(0)
    admin.reload()
    admin.fill("#review-form input[name=opinion]", "同意更正")
    admin.click("#review-form button[type=submit]")
    expect(admin.locator("#objection-done")).to_contain_text("已办结（更正）")
    expect(admin.locator("#objection-outcome")).to_contain_text("更正")
    expect(admin.locator("#record")).to_contain_text(CORRECTED_UNTIL)
    expect(admin.locator("#record-versions tbody tr")).to_have_count(4)  # 1, 异议中, 更正, back to 有效
    expect(admin.locator("#record-versions tr[data-version='1']")).to_contain_text("首次归集")
    steps = admin.locator("#objection-steps")
    for label in ("提出异议", "拟办", "退回重新拟办", "审核决定"):
        expect(steps).to_contain_text(label)
    chinese(admin)
    screenshot(admin, "console-objection-decided")

    # 5. qiye reads the outcome, the record named and linked
    firm.goto(f"{url}/my/objections")
    expect(firm.locator("#my-objections")).to_contain_text("更正：经核对许可证原件，有效期至登记有误")
    firm.locator(f"#my-objections a[href='/record/{licence}']").first.click()
    expect(firm.locator("body")).to_contain_text(CORRECTED_UNTIL)
    chinese(firm)

    # 6. the repair queue: the application waiting for 受理, its deadline and its 办理过程
    admin.click(".sidenav >> text=信用修复")
    application = admin.locator(f"#repair-{office_site['application']}")
    expect(application).to_contain_text("待受理")
    expect(application).to_contain_text("受理 ")
    application.locator("text=办理过程").click()
    expect(admin.locator("#history-steps")).to_contain_text("提交申请")
    chinese(admin)

    # 7. the audit log: the objection's steps in Chinese, one read in detail
    admin.click(".sidenav >> text=审计日志")
    admin.select_option("select[name=action]", "objections:")
    admin.click("button:has-text('查询')")
    expect(admin.locator("#audit-table")).to_contain_text("异议拟办")
    expect(admin.locator("#audit-table")).to_contain_text("异议退回重新拟办")
    chinese(admin)
    admin.locator("#audit-table a:has-text('异议办结')").first.click()
    expect(admin.locator("#audit-event")).to_contain_text("信用办管理员")
    expect(admin.locator("#audit-event")).to_contain_text("北京时间")
    chinese(admin)

    # 8. a business system: its key shown once, working, then revoked
    admin.click(".sidenav >> text=业务系统接入")
    admin.fill("#client-form input[name=name]", "共青城市公共资源交易系统")
    admin.select_option("#client-form select[name=role]", "business_system")
    admin.click("#client-form button[type=submit]")
    expect(admin.locator("#shown-once")).to_contain_text("仅显示这一次")
    key = admin.locator("#new-key").inner_text().strip()
    assert key.startswith("xy_")
    chinese(admin)
    caller = browser.new_context().request
    assert caller.get(f"{url}/api/v1/checks/changes", headers={"Authorization": f"Bearer {key}"}).status == 200
    admin.goto(f"{url}/console/api-clients")
    client_row = admin.locator("#clients tr", has_text="共青城市公共资源交易系统")
    expect(client_row).to_contain_text("有效")
    assert key not in admin.content(), "the key is shown once, never again"
    client_row.locator("button:has-text('吊销')").click()
    expect(admin.locator("#clients tr", has_text="共青城市公共资源交易系统")).to_contain_text("已吊销")
    assert caller.get(f"{url}/api/v1/checks/changes", headers={"Authorization": f"Bearer {key}"}).status == 401
    screenshot(admin, "console-api-clients")
