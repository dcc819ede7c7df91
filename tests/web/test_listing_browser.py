"""The listing procedure in a real browser: a department operator finds a serious penalty among the 待研判 records
and proposes listing from it (nothing uploaded), notifies the party (the statement deadline in working days on
screen) and enters the written statement with its materials; the proposing department's reviewer sees the entry in
the queue and, once the window has passed, decides; the operator publishes; the entry is public on the portal's list;
the background tick re-grades the entity; a year on, a reviewer takes it off the list early and it leaves the portal
list. The server runs in this process, so moving the platform's clock (``clock.freeze``) moves it for the pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.web.conftest import screenshot
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.calendar import load_calendar
from xinyong.core.db import Database
from xinyong.core.periods import add_months
from xinyong.evaluation import service as evaluation
from xinyong.records import service as records
from xinyong.records.schemas import SubjectIn
from xinyong.ticker import run_round

pytestmark = pytest.mark.web
PASSWORD = "Gongqing-2020!"
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
NAME = "共青城列入示范跨境电子商务有限公司"
DOC_NO = "共市监罚〔2026〕列入1号"
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 2026-03-02, 10:00 in Beijing


def _at(day: dt.date) -> None:
    clock.freeze(dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC))


def _login(browser: Browser, live_server: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def _grade(page: Page, live_server: str, uscc: str) -> str:
    page.goto(f"{live_server}/entity/{uscc}#evaluation")
    return page.locator("#evaluation .grade strong").inner_text().strip()


def test_listing_procedure_in_the_browser(
    browser: Browser,
    live_server: str,
    web_database: Database,
    seed_web: Callable[[Callable[[Session], None]], None],
) -> None:
    clock.freeze(START)
    made: dict[str, str] = {}

    def seed(session: Session) -> None:
        builders.departments(session)
        firm = builders.entity(session, name=NAME)
        records.upsert_record(
            session,
            builders.SYSTEM,
            builders.penalty(
                firm.uscc,
                doc_no=DOC_NO,
                decision_date=dt.date(2026, 2, 20),
                severity="严重",
                title="行政处罚决定书（跨境销售假冒伪劣商品）",
                subject=SubjectIn(type="entity", name=NAME, uscc=firm.uscc),
                content={"SY": "跨境销售假冒伪劣商品", "YJ": "《中华人民共和国产品质量法》第五十条", "CFLB": ["罚款"]},
            ),
        )
        for username, role in (("lst-jingban", Role.DEPT_OPERATOR), ("lst-shenhe", Role.DEPT_REVIEWER)):
            auth.create_user(
                session, OFFICE, username=username, display_name=username, role=role, password=PASSWORD,
                department="SCJGJ",
            )  # fmt: skip
        evaluation.grade_everyone(session, Actor.system("test"))
        made["uscc"] = firm.uscc

    seed_web(seed)
    uscc = made["uscc"]
    public = browser.new_context(locale="zh-CN").new_page()
    before = _grade(public, live_server, uscc)

    # 1. the operator finds the penalty among the 待研判 records and proposes listing from it
    operator = _login(browser, live_server, "lst-jingban")
    operator.click("nav.sidenav >> text=信用名单")
    operator.wait_for_url(re.compile(r"/console/lists$"))
    operator.click("text=待研判严重失信行为")
    row = operator.locator("#candidates tr", has_text=DOC_NO)
    expect(row).to_contain_text(NAME)
    row.locator("a.propose-link").click()
    expect(operator.locator("#source-record")).to_contain_text(DOC_NO)
    expect(operator.locator("#source-record")).to_contain_text("市场监督管理局")
    expect(operator.locator("#propose-form textarea[name=facts]")).to_contain_text("跨境销售假冒伪劣商品")
    operator.select_option("#propose-form select[name=list_type]", "serious")
    screenshot(operator, "console-lists-propose")
    operator.click("#propose-form button[type=submit]")
    operator.wait_for_url(re.compile(r"/console/lists/\d+\?done="))
    entry_id = re.search(r"/console/lists/(\d+)", operator.url).group(1)  # type: ignore[union-attr]
    expect(operator.locator("#entry-done")).to_contain_text("已提出拟列入")
    expect(operator.locator("#entry-status")).to_contain_text("拟列入")

    # 2. notice: the statement deadline is counted in working days and shown
    operator.fill("#notice-form input[name=notice_doc_no]", "共市监信告〔2026〕1号")
    operator.click("#notice-form button[type=submit]")
    deadline = load_calendar_deadline(seed_web)
    expect(operator.locator("#entry-done")).to_contain_text(f"陈述申辩期限至 {deadline.isoformat()}")
    expect(operator.locator("#statement-deadline")).to_contain_text(deadline.isoformat())
    expect(operator.locator("#statement-deadline")).to_contain_text("个工作日")

    # 3. the written statement received, with its materials
    operator.fill("#statement-form textarea[name=statement]", "已下架全部涉案商品并召回，请求从轻处理。")
    operator.fill("#statement-form textarea[name=documents]", "陈述申辩书.pdf（3页）")
    operator.click("#statement-form button[type=submit]")
    expect(operator.locator("#entry-done")).to_contain_text("已记录当事人的陈述申辩")
    expect(operator.locator("#statement-text")).to_contain_text("已下架全部涉案商品")
    expect(operator.locator("#entry-steps")).to_contain_text("陈述申辩书.pdf（3页）")
    expect(operator.locator("#reviewer-needed")).to_be_visible()
    expect(operator.locator("#decision-form")).to_have_count(0)

    # 4. the reviewer's queue shows it with the deadline; deciding early is refused, after the window it is taken
    reviewer = _login(browser, live_server, "lst-shenhe")
    reviewer.goto(f"{live_server}/console/lists/queue")
    queued = reviewer.locator(f"tr[data-entry='{entry_id}']")
    expect(queued).to_contain_text(NAME)
    expect(queued).to_contain_text(deadline.isoformat())
    screenshot(reviewer, "console-lists-queue")
    queued.locator("a.open-entry").click()
    reviewer.fill("#decision-form input[name=decision_doc_no]", "共市监信列〔2026〕1号")
    reviewer.click("#decision-form button[type=submit]")
    expect(reviewer.locator("#entry-error")).to_contain_text("陈述申辩期限届满后方可决定")

    _at(deadline + dt.timedelta(days=1))
    reviewer = _login(browser, live_server, "lst-shenhe")
    reviewer.goto(f"{live_server}/console/lists/{entry_id}")
    expect(reviewer.locator("#decidable-from")).to_contain_text("今日可决定")
    reviewer.fill("#decision-form input[name=decision_doc_no]", "共市监信列〔2026〕1号")
    reviewer.fill("#decision-form textarea[name=reason]", "陈述申辩理由不足以免除列入")
    screenshot(reviewer, "console-lists-decide")
    reviewer.click("#decision-form button[type=submit]")
    expect(reviewer.locator("#entry-done")).to_contain_text("已作出列入决定")
    expect(reviewer.locator("#entry-validity")).to_contain_text("民法典")

    # 5. the operator publishes; the entry is public on the portal's list
    operator = _login(browser, live_server, "lst-jingban")
    operator.goto(f"{live_server}/console/lists/{entry_id}")
    operator.click("#publish-form button[type=submit]")
    expect(operator.locator("#entry-done")).to_contain_text("已公示")
    for label in ("拟列入", "告知", "陈述申辩", "列入决定", "公示"):
        expect(operator.locator("#entry-steps")).to_contain_text(label)
    expect(operator.locator("#entry-steps")).to_contain_text("lst-shenhe")
    screenshot(operator, "console-lists-entry")
    public.goto(f"{live_server}/lists?q={NAME}")
    expect(public.locator("#list-results")).to_contain_text(NAME)

    # 6. the background tick re-grades the entity
    run_round(web_database)
    after = _grade(public, live_server, uscc)
    # a later letter is a lower grade (C → D)
    assert after > before, f"the grade went from {before} to {after} after the listing"
    operator.goto(f"{live_server}/console/lists?status=已公示&department=SCJGJ&list_type=serious")
    expect(operator.locator(f"#list-entries tr[data-entry='{entry_id}']")).to_contain_text("市场监督管理局")
    operator.locator(f"#list-entries tr[data-entry='{entry_id}'] >> text=办理过程").click()
    expect(operator.locator("#history-steps")).to_contain_text("列入决定")

    # 7. a year on, the reviewer takes it off the list early (after repair); it leaves the portal list
    _at(add_months(deadline, 13))
    reviewer = _login(browser, live_server, "lst-shenhe")
    reviewer.goto(f"{live_server}/console/lists/{entry_id}")
    reviewer.fill("#exit-form input[name=repair_ref]", "XF-2027-0001")
    reviewer.fill("#exit-form textarea[name=reason]", "已纠正失信行为并完成信用修复")
    reviewer.click("#exit-form button[type=submit]")
    expect(reviewer.locator("#entry-done")).to_contain_text("已提前移出")
    expect(reviewer.locator("#entry-status")).to_contain_text("已移出")
    expect(reviewer.locator("#entry-steps")).to_contain_text("提前移出")
    public.goto(f"{live_server}/lists?q={NAME}")
    expect(public.locator("#list-results")).not_to_contain_text(NAME)


def load_calendar_deadline(seed_web: Callable[[Callable[[Session], None]], None]) -> dt.date:
    """The statement deadline the platform computes: 5 working days after the notice day (START), on the calendar."""
    found: list[dt.date] = []
    seed_web(lambda session: found.append(load_calendar(session).add_working_days(START.date(), 5).date))
    return found[0]
