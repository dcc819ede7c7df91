"""The department's whole journey on a fresh demo city, in Chromium, with the demo's own accounts: the 市场监管局
operator (scjg) uploads a file with a bad row, reads the reason in Chinese, corrects the row on screen and resends
it; finds the now-accepted serious penalty among the 待研判 records and proposes listing from it, notifies the party
and records its written waiver of a statement; the department's reviewer (scjg-review) sees it on the dashboard's
待我决定 tile and in the queue and decides; the operator publishes; the entry is on the public 严重失信主体名单; the
server's background tick (on, with a short interval, as ``./dev.sh start`` runs it) re-grades the entity, and its
public profile shows the lower grade within a minute."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.support.ingestion_files import CHINESE, HEADERS, OFFICE_USCC, gb18030_csv
from tests.web.conftest import chinese, screenshot
from xinyong.core import clock
from xinyong.core.db import Database
from xinyong.demo.accounts import DEFAULT_PASSWORD
from xinyong.entities.models import Entity
from xinyong.evaluation.models import EvaluationResult
from xinyong.records.models import CreditRecordVersion
from xinyong.ticker import BackgroundTicker

pytestmark = pytest.mark.web
DOC_NO = "共市监罚〔2026〕旅程1号"
GRADES = "ABCD"


@pytest.fixture(scope="module")
def journey(demo_city: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A demo entity graded A or B and not on the serious list, and the server's background tick on."""
    database: Database = demo_city["database"]
    with database.unit_of_work() as session:
        v = CreditRecordVersion
        listed = select(v.subject_uscc).where(v.kind == "serious_dishonesty", v.subject_uscc.is_not(None))
        found = session.execute(
            select(Entity.uscc, Entity.name)
            .join(EvaluationResult, EvaluationResult.uscc == Entity.uscc)
            .where(EvaluationResult.grade.in_(["A", "B"]), Entity.provisional.is_(False), Entity.uscc.not_in(listed))
            .order_by(Entity.uscc)
            .limit(1)
        ).first()
    assert found is not None, "the demo city has a well-graded entity that is not on the serious list"
    ticker = BackgroundTicker(database, interval=2)
    ticker.start()
    yield {"url": demo_city["url"], "uscc": found.uscc, "name": found.name}
    ticker.stop()


def _sign_in(browser: Browser, url: str, username: str) -> Page:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console$"))
    return page


def _row(name: str, uscc: str, decided: str) -> list[str]:
    values = {
        "CF_XDR_MC": name, "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": uscc, "CF_XDR_ZJLX": "", "CF_XDR_ZJHM": "",
        "CF_WSH": DOC_NO, "CF_WFXW": "销售假冒伪劣商品", "CF_SY": "销售假冒注册商标的羽绒服", "CF_YZCD": "严重",
        "CF_YJ": "《中华人民共和国产品质量法》第五十条", "CF_CFLB": "罚款", "CF_NR": "罚款五万元",
        "CF_NR_FK": "5", "CF_JDRQ": decided, "CF_YXQ": "2027-12-31", "CF_CFJG": "共青城市市场监督管理局",
        "CF_CFJGDM": OFFICE_USCC, "CF_SJLY": "共青城市市场监督管理局", "CF_SJLYDM": OFFICE_USCC,
    }  # fmt: skip
    return [values[h] for h in [*HEADERS, "CF_YZCD"]]


def _upload_and_correct(operator: Page, url: str, name: str, uscc: str) -> None:
    """The file's one row has an impossible date: rejected with a Chinese reason, corrected on screen, accepted."""
    operator.goto(f"{url}/console/upload")
    body = gb18030_csv([_row(name, uscc, "2026-02-30")], [*CHINESE, "严重程度"])  # the headers a clerk's file has
    operator.set_input_files("input[name=file]", {"name": "市场监管局处罚.csv", "mimeType": "text/csv", "buffer": body})
    operator.select_option("select[name=kind]", "penalty")
    operator.click("#upload-form button[type=submit]")
    operator.wait_for_url(re.compile(r"/console/batches/\d+\?uploaded=1$"))
    expect(operator.locator("#batch-outcome")).to_contain_text("1 行被退回")
    expect(operator.locator("#row-errors")).to_contain_text("处罚决定日期")
    expect(operator.locator("#row-errors tbody tr")).to_have_count(1)  # the one mistake, nothing else
    expect(operator.locator("#batch-submitter")).not_to_contain_text("user:")  # the operator's name, not an id
    chinese(operator)  # field names from the catalogue, no raw codes
    operator.locator("#row-errors").get_by_role("link", name="在线更正").click()
    operator.wait_for_url(re.compile(r"/console/rejections/\d+$"))
    decided = (clock.today() - dt.timedelta(days=3)).isoformat()
    operator.locator('#row-form [data-header="处罚决定日期"]').fill(decided)
    operator.click("#row-form button[type=submit]")
    operator.wait_for_url(re.compile(r"/console/rejections/\d+\?resent=\d+$"))
    expect(operator.locator("#resubmit-outcome")).to_contain_text("通过校验")


def _propose_notify_waive(operator: Page, url: str, name: str) -> str:
    """From the 待研判 records: 拟列入 (严重失信主体名单), 告知, the party's written waiver; returns the entry id."""
    operator.goto(f"{url}/console/lists/candidates")
    row = operator.locator("#candidates tr", has_text=DOC_NO)
    expect(row).to_contain_text(name)
    row.locator("a.propose-link").click()
    operator.select_option("#propose-form select[name=list_type]", "serious")
    operator.click("#propose-form button[type=submit]")
    operator.wait_for_url(re.compile(r"/console/lists/\d+\?done="))
    entry_id = re.search(r"/console/lists/(\d+)", operator.url).group(1)  # type: ignore[union-attr]
    operator.fill("#notice-form input[name=notice_doc_no]", "共市监信告〔2026〕旅程1号")
    operator.click("#notice-form button[type=submit]")
    expect(operator.locator("#statement-deadline")).to_contain_text("个工作日")
    operator.check("#statement-form input[name=waived]")
    operator.click("#statement-form button[type=submit]")
    expect(operator.locator("#statement-text")).to_contain_text("当事人书面放弃陈述申辩")
    chinese(operator)
    return entry_id


def _decide(reviewer: Page, url: str, entry_id: str) -> None:
    """The reviewer's dashboard counts the entry under 待我决定, the queue shows the same count; the decision."""
    tile = reviewer.locator("#tile-waiting")
    expect(tile).to_contain_text("列入决定")
    waiting = int(reviewer.locator("#tile-waiting-total").inner_text())
    assert waiting >= 1
    screenshot(reviewer, "console-dashboard-reviewer-tile")
    tile.get_by_role("link", name=re.compile("列入决定")).click()
    reviewer.wait_for_url(re.compile(r"/console/lists/queue$"))
    expect(reviewer.locator("#queue-mine")).to_contain_text("待您决定")
    reviewer.locator(f"tr[data-entry='{entry_id}'] a.open-entry").click()
    expect(reviewer.locator("#decidable-from")).to_contain_text("今日可决定")
    reviewer.fill("#decision-form input[name=decision_doc_no]", "共市监信列〔2026〕旅程1号")
    reviewer.fill("#decision-form textarea[name=reason]", "情节严重，当事人放弃陈述申辩")
    reviewer.click("#decision-form button[type=submit]")
    expect(reviewer.locator("#entry-done")).to_contain_text("已作出列入决定")
    reviewer.goto(f"{url}/console")
    assert int(reviewer.locator("#tile-waiting-total").inner_text()) == waiting - 1
    chinese(reviewer)


def _grade(page: Page, url: str, uscc: str) -> str:
    page.goto(f"{url}/entity/{uscc}#evaluation")
    return page.locator("#evaluation .grade strong").inner_text().strip()


def test_department_journey_upload_to_a_changed_grade(browser: Browser, journey: dict[str, Any]) -> None:
    url, uscc, name = journey["url"], journey["uscc"], journey["name"]
    public = browser.new_context(locale="zh-CN").new_page()
    before = _grade(public, url, uscc)

    operator = _sign_in(browser, url, "scjg")
    _upload_and_correct(operator, url, name, uscc)
    entry_id = _propose_notify_waive(operator, url, name)
    _decide(_sign_in(browser, url, "scjg-review"), url, entry_id)

    operator.goto(f"{url}/console/lists/{entry_id}")
    operator.click("#publish-form button[type=submit]")
    expect(operator.locator("#entry-done")).to_contain_text("已公示")
    listed_at = time.monotonic()
    public.goto(f"{url}/lists?q={name}")
    expect(public.locator("#list-results")).to_contain_text(name)
    expect(public.locator("#list-results")).to_contain_text("共市监信列〔2026〕旅程1号")
    chinese(public)

    after = before
    while after == before and time.monotonic() - listed_at < 60:  # the background tick, no one runs it by hand
        time.sleep(2)
        after = _grade(public, url, uscc)
    assert GRADES.index(after) > GRADES.index(before), f"the grade went from {before} to {after} within a minute"
    screenshot(public, "portal-entity-after-listing")
