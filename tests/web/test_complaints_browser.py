"""Complaints in a real browser: a department operator opens 投诉举报 from the console menu, uploads a 12345 export
with a good, a duplicate, an unmatched and a malformed row, reads every row's outcome in Chinese, matches the
unmatched complaint to its subject and sees it become a credit record; the complainant's phone number is nowhere
on the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.web.conftest import screenshot
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth

pytestmark = pytest.mark.web

PASSWORD = "Gongqing-2020!"
DEPARTMENT = "WJW"  # 市卫健委: no other browser test uses it
PHONE = "13912341234"


def _seed(session: Session, made: dict[str, str]) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    auth.create_user(
        session,
        office,
        username="complaint-chenjing",
        display_name="陈静",
        role=Role.DEPT_OPERATOR,
        department=DEPARTMENT,
        password=PASSWORD,
    )
    made["known"] = builders.entity(session, name="共青城康宁大药房有限公司").uscc
    made["later"] = builders.entity(session, name="共青城惠民诊所有限公司").uscc


def test_a_department_takes_in_a_12345_export_and_matches_a_held_complaint(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None], tmp_path: Path
) -> None:
    made: dict[str, str] = {}
    seed_web(lambda session: _seed(session, made))
    day = (clock.today() - dt.timedelta(days=3)).isoformat()
    export = (
        "工单号,受理时间,被投诉对象,统一社会信用代码,诉求内容,办理结果,办结时间,核实结果,来电人,联系电话\n"
        f"WJ-001,{day},康宁大药房,{made['known']},销售过期药品，来电人要求处理,已责令整改,{day},属实,周敏,{PHONE}\n"
        f"WJ-001,{day},康宁大药房,{made['known']},重复,已责令整改,{day},属实,周敏,{PHONE}\n"
        f"WJ-002,{day},街口那家诊所,,收费不明码标价,已约谈,{day},属实,吴刚,13800001111\n"
        f"WJ-003,{day},某诊所,,,已办结,,属实,郑华,13800002222\n"
    )
    path = tmp_path / "12345工单.csv"
    path.write_text(export, encoding="utf-8-sig")

    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", "complaint-chenjing")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=投诉举报")
    expect(page.locator("h1")).to_have_text("投诉举报")
    page.set_input_files("#complaint-upload input[type=file]", str(path))
    page.click("#complaint-upload button[type=submit]")
    expect(page.locator(".notice.ok")).to_contain_text("共 4 行：已接收 1，待匹配主体 1，重复工单 1，未接收 1")
    result = page.locator("#intake-result")
    expect(result).to_contain_text("重复工单（已忽略）")
    expect(result).to_contain_text("诉求内容：必填")
    expect(result).to_contain_text("未读取的投诉人信息列：来电人、联系电话")
    assert PHONE not in page.content() and "周敏" not in page.content()
    screenshot(page, "console-complaints")

    page.select_option("select[name=status]", "待匹配")
    page.click("form[action='/console/complaints'] button[type=submit]")
    held = page.locator("#complaints-table tr[data-status='待匹配']")
    expect(held).to_have_count(1)
    held.locator("input[name=uscc]").fill(made["later"])
    held.locator("input[name=reason]").fill("现场核实为惠民诊所")
    held.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("已形成信用记录")
    page.goto(f"{live_server}/console/complaints")
    expect(page.locator("#complaints-table tr[data-status='已匹配']")).to_have_count(2)
    expect(page.locator("#complaints-table")).to_contain_text(made["later"])
