"""Objections, credit reports and credit repair in a real browser: an entity files an objection and sees 异议中;
requests its report and verifies it on /verify (有效); applies online for the repair of a penalty with a receipt;
the department accepts and proposes, a second reviewer approves; the report then verifies as 已被更新 and the
penalty is gone from the public profile."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import item, sign
from tests.web.conftest import screenshot
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.periods import end_of_period
from xinyong.records import service as records
from xinyong.records.schemas import SubjectIn
from xinyong.reports.models import IssuedReport

pytestmark = pytest.mark.web
PASSWORD = "Gongqing-2020!"
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
PDF = b"%PDF-1.4\n% receipt\n"


def _login(browser: Browser, live_server: str, username: str, *, portal: bool = False) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    if portal:  # the enterprise signs in at the portal's 企业用户登录 and lands on 我的信用
        page.goto(f"{live_server}/login?next=/my")
        page.fill("#login-form input[name=login]", username)
        page.fill("#login-form input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r"/my$"))
        return page
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def test_objection_report_and_repair_in_the_browser(
    browser: Browser, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    made: dict[str, str] = {}

    def seed(session: Session) -> None:
        builders.departments(session)
        firm = builders.entity(session, name="共青城晨曦羽绒服饰有限公司")
        today = clock.today()
        old = today.replace(day=1) - dt.timedelta(days=200)  # an 一般 penalty past its 3-month minimum
        assert end_of_period(old, months=3) < today
        repairable, _ = records.upsert_record(
            session,
            builders.SYSTEM,
            builders.penalty(
                firm.uscc,
                doc_no="共市监罚〔2026〕801号",
                decision_date=old,
                title="行政处罚决定书（虚假宣传）",
                subject=SubjectIn(type="entity", name=firm.name, uscc=firm.uscc),
            ),
        )
        objected, _ = records.upsert_record(
            session,
            builders.SYSTEM,
            builders.penalty(
                firm.uscc,
                doc_no="共市监罚〔2026〕802号",
                title="行政处罚决定书（未明码标价）",
                subject=SubjectIn(type="entity", name=firm.name, uscc=firm.uscc),
            ),
        )
        for username, role, department in (
            ("chenxi-firm", Role.ENTITY, None),
            ("scj-jingban", Role.DEPT_OPERATOR, "SCJGJ"),
            ("scj-shenhe", Role.DEPT_REVIEWER, "SCJGJ"),
        ):
            auth.create_user(
                session,
                OFFICE,
                username=username,
                display_name=username,
                role=role,
                password=PASSWORD,
                department=department,
                entity_uscc=firm.uscc if role == Role.ENTITY else None,
            )
        promise = item(session, department="FGW", commitment_type="信用修复", tolerance_days=None, name="信用修复承诺")
        sign(session, Actor(role=Role.ENTITY, id="seed", entity_uscc=firm.uscc), promise.id)
        made.update(uscc=firm.uscc, repairable=str(repairable.record_id), objected=str(objected.record_id))

    seed_web(seed)
    uscc = made["uscc"]

    # 1. the entity objects to one of its records and sees 异议中 at once
    entity = _login(browser, live_server, "chenxi-firm", portal=True)
    entity.goto(f"{live_server}/my/objections")
    entity.select_option("#objection-form select[name=record_id]", made["objected"])
    entity.fill("#objection-form textarea[name=reasons]", "该处罚已被行政复议撤销，请核实")
    entity.click("#objection-form button[type=submit]")
    expect(entity.locator(".notice.ok")).to_contain_text("异议中")
    expect(entity.locator("#my-objections")).to_contain_text("已受理")
    screenshot(entity, "portal-my-objections")
    entity.goto(f"{live_server}/entity/{uscc}")
    expect(entity.locator("body")).to_contain_text("异议中")

    # 2. it requests its report and verifies it on /verify
    entity.goto(f"{live_server}/report?uscc={uscc}")
    with entity.expect_download() as downloaded:
        entity.click("#report-form button[type=submit]")
    number = downloaded.value.suggested_filename.removesuffix(".pdf")
    codes: list[str] = []
    seed_web(lambda s: codes.append(s.scalars(select(IssuedReport.code).where(IssuedReport.number == number)).one()))
    entity.goto(f"{live_server}/verify")
    entity.fill("input[name=report_no]", number)
    entity.fill("input[name=code]", codes[0])
    entity.click(".verify-form button[type=submit]")
    expect(entity.locator("[data-verdict]")).to_have_attribute("data-verdict", "有效")
    screenshot(entity, "portal-verify-valid")

    # 3. it applies for the repair of the old penalty with a receipt (reached from 我的信用; the console sends an
    # enterprise user there)
    entity.goto(f"{live_server}/console")
    entity.wait_for_url(re.compile(r"/my$"))
    entity.click("#my-records >> text=申请信用修复")
    entity.wait_for_url(re.compile(r"/my/repair$"))
    expect(entity.locator("#free-notice")).to_contain_text("不收取任何费用")
    row = entity.locator(f"#repair-targets tr[data-target='record:{made['repairable']}']")
    expect(row.locator(".verdict")).to_have_text("可申请")
    entity.select_option("#repair-form select[name=target]", f"record:{made['repairable']}")
    entity.check("#repair-form input[value=信用整改]")
    entity.fill("#repair-form textarea[name=statement]", "已全额缴纳罚款，整改虚假宣传内容，承诺依法经营。")
    entity.set_input_files("#repair-form input[name=file]", files=[
        {"name": "缴款凭证.pdf", "mimeType": "application/pdf", "buffer": PDF}])  # fmt: skip
    screenshot(entity, "portal-repair-apply")
    entity.click("#repair-form button[type=submit]")
    entity.wait_for_url(re.compile(r"/my/repair/\d+\?applied=1$"))
    expect(entity.locator("#application-status")).to_contain_text("待受理")
    expect(entity.locator("#application-materials")).to_contain_text("缴款凭证.pdf")

    # 4. the department accepts and proposes; a second person approves (the proposer could not)
    operator = _login(browser, live_server, "scj-jingban")
    operator.goto(f"{live_server}/console/repair")
    operator.click(".accept-form button[type=submit]")
    expect(operator.locator("#repair-done")).to_contain_text("已受理")
    operator.fill(".propose-form input[name=opinion]", "罚款已缴清，整改到位，拟同意修复")
    operator.click(".propose-form button[type=submit]")
    expect(operator.locator("#repair-done")).to_contain_text("待另一名审核人员审核")
    reviewer = _login(browser, live_server, "scj-shenhe")
    reviewer.goto(f"{live_server}/console/repair")
    screenshot(reviewer, "console-repair-review")
    reviewer.fill(".review-form input[name=opinion]", "同意修复")
    reviewer.click(".review-form button[type=submit]")
    expect(reviewer.locator("#repair-done")).to_contain_text("已修复")

    # 5. the penalty is gone from the public profile and the earlier report is superseded
    entity.reload()
    expect(entity.locator("#application-status")).to_contain_text("已修复")
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{live_server}/entity/{uscc}")
    expect(public.locator("body")).to_contain_text("共青城晨曦羽绒服饰有限公司")
    expect(public.locator("body")).not_to_contain_text("共市监罚〔2026〕801号")
    public.goto(f"{live_server}/verify?report_no={number}&code={codes[0]}")
    expect(public.locator("[data-verdict]")).to_have_attribute("data-verdict", "已被更新")
    expect(public.locator("[data-verdict]")).to_contain_text("已修复")
