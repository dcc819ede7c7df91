"""Data upload in a real browser: a department operator uploads a GB18030 file with bad rows, reads the reasons,
corrects one row in the form and resubmits it, sees it accepted, and is refused another department's batch; the
credit office reads the 双公示 timeliness dashboard with its chart."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import CHINESE, gb18030_csv, row
from tests.web.conftest import screenshot
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.records import ingestion
from xinyong.records import service as records

pytestmark = pytest.mark.web

PASSWORD = "Gongqing-2020!"
DEPARTMENT = "TJJ"  # 市统计局: no other browser test sends data for it
OTHER = "RFB"  # 市人防办: the batch the operator must not see


def _seed(session: Session, other_batch: list[int]) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    for username, role, department in (
        ("upload-wangli", Role.DEPT_OPERATOR, DEPARTMENT),
        ("upload-office", Role.CREDIT_OFFICE, None),
    ):
        auth.create_user(
            session,
            office,
            username=username,
            display_name="王丽" if department else "刘洋",
            role=role,
            department=department,
            password=PASSWORD,
        )
    sender = Actor(role=Role.DEPT_OPERATOR, id="user:rfb", department_code=OTHER)
    sent = ingestion.ingest_file(
        session, sender, gb18030_csv([row(71), row(72, CF_JDRQ="2024-02-30")]), "人防.csv", department=OTHER
    )
    other_batch.append(sent.batch_id)
    # this month's decisions of a few departments, for the timeliness dashboard
    today = clock.today()
    made = builders.entity(session, name="共青城统计咨询服务有限公司")
    plan = [("TJJ", 1, 1), ("TJJ", 2, None), ("TJJ", 12, 12), ("RFB", 3, 2), ("RFB", 14, None), ("XFDD", 6, 4)]
    for number, (department, days_ago, published_after) in enumerate(plan, start=1):
        decided = max(today - dt.timedelta(days=days_ago), today.replace(day=1))
        published = min(decided + dt.timedelta(days=published_after), today) if published_after else None
        data = builders.penalty(
            made.uscc,
            source_department=department,
            doc_no=f"共统时效〔{today.year}〕{number}号",
            decision_date=decided,
            received_date=published or decided,
            published_date=published,
        )
        records.upsert_record(session, builders.SYSTEM, data)


def _log_in(page: Page, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_upload_fix_and_resubmit_in_the_browser(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None]
) -> None:
    other_batch: list[int] = []
    seed_web(lambda session: _seed(session, other_batch))

    page.goto(f"{live_server}/console/upload")
    page.wait_for_url(re.compile(r"/console/login\?next=/console/upload$"))
    _log_in(page, "upload-wangli")
    page.wait_for_url(f"{live_server}/console/upload")
    expect(page.locator(".sidenav")).to_contain_text("数据上报")
    expect(page.locator(".sidenav")).to_contain_text("双公示时效")

    rows = [row(61), row(62, CF_JDRQ="2024-02-30"), row(63, CF_CFLB="罚站"), row(64)]
    page.set_input_files(
        "input[name=file]", {"name": "统计局处罚.csv", "mimeType": "text/csv", "buffer": gb18030_csv(rows, CHINESE)}
    )
    page.select_option("select[name=kind]", "penalty")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/batches/\d+\?uploaded=1$"))
    expect(page.locator("#batch-outcome")).to_contain_text("2 行被退回")
    expect(page.locator("#count-created")).to_have_text("2")
    expect(page.locator("#batch-layout")).to_have_text("国家标准 2.0 版")
    errors = page.locator("#row-errors")
    # the catalogue's Chinese field names, not the codes (CF_JDRQ, CF_CFLB)
    expect(errors).to_contain_text("处罚决定日期")
    expect(errors).to_contain_text("处罚类别")
    expect(errors).not_to_contain_text("CF_JDRQ")
    screenshot(page, "console-upload")

    # correct the impossible date in the form and send the row again
    errors.locator("tr", has_text="2024-02-30").get_by_role("link", name="在线更正").click()
    page.wait_for_url(re.compile(r"/console/rejections/\d+$"))
    field = page.locator('#row-form [data-header="处罚决定日期"]')
    expect(field).to_have_value("2024-02-30")
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("2024-02-29")
    page.click("#row-form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/rejections/\d+\?resent=\d+$"))
    expect(page.locator("#resubmit-outcome")).to_contain_text("通过校验")
    expect(page.locator("#rejection-status")).to_have_text("已重新报送")

    # one row is left to correct
    page.click("text=退回数据（待更正）")
    expect(page.locator("#rejections-table tbody tr")).to_have_count(1)
    expect(page.locator("#rejections-table")).to_contain_text("罚站")

    # another department's batch is not this operator's to see
    answer = page.goto(f"{live_server}/console/batches/{other_batch[0]}")
    assert answer is not None and answer.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    assert "人防.csv" not in page.content()

    # the credit office's timeliness dashboard: every department, a chart, the alerts
    page.goto(f"{live_server}/console")
    page.click("text=退出登录")
    page.goto(f"{live_server}/console/timeliness")
    _log_in(page, "upload-office")
    page.wait_for_url(f"{live_server}/console/timeliness")
    expect(page.locator("#departments-table")).to_contain_text("市统计局")
    expect(page.locator("#departments-table")).to_contain_text("市人防办")
    expect(page.locator("#timeliness-chart[data-ready=true] svg")).to_be_visible()
    screenshot(page, "console-timeliness")
