"""Credit evaluation in a real browser: the portal profile shows the grade with its breakdown and what would raise
it; the credit office sees the grade distribution drawn by the vendored chart library (SVG) and the model versions."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.web.conftest import screenshot
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.evaluation import service as evaluation
from xinyong.records import service as records

PASSWORD = "Gongqing-2020!"
NAME = "共青城评级示范羽绒服饰有限公司"
USCC: list[str] = []


def _seed(session: Session) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    auth.create_user(
        session, office, username="grade-office", display_name="陈静", role=Role.CREDIT_OFFICE, password=PASSWORD
    )
    made = builders.entity(session, name=NAME)
    USCC.append(made.uscc)
    records.upsert_record(
        session, builders.SYSTEM, builders.penalty(made.uscc, doc_no="共市监罚〔2026〕评级1号", severity="严重")
    )
    evaluation.grade_everyone(session, Actor.system("test"))


def test_evaluation_in_the_browser(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    seed_web(_seed)
    page.goto(f"{live_server}/entity/{USCC[0]}#evaluation")
    section = page.locator("#evaluation")
    expect(section.locator(".grade strong")).to_have_text("C")
    expect(section.locator("#breakdown")).to_contain_text("严重行政处罚")
    expect(section.locator("#breakdown tfoot")).to_contain_text("850")
    expect(section).to_contain_text("如何提升信用等级")
    screenshot(page, "evaluation-profile")

    page.goto(f"{live_server}/console/evaluation")
    page.wait_for_url(re.compile(r"/console/login"))
    page.fill("input[name=username]", "grade-office")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/evaluation$"))
    expect(page.locator("#grade-chart[data-ready=true] svg")).to_be_visible()
    expect(page.locator("#grade-table")).to_contain_text("C（中）")
    expect(page.locator("textarea[name=model]")).to_contain_text('"base": 1000')
    screenshot(page, "evaluation-console")
