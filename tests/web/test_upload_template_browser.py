"""A department operator downloads the 行政处罚 upload template from 数据上报 in a browser, uploads it back as
downloaded (its sample row) and sees the row accepted with no errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth

pytestmark = pytest.mark.web
PASSWORD = "Gongqing-2020!"
DEPARTMENT = "SJJ"  # 市审计局: no other browser test sends data for it


def _seed(session: Session) -> None:
    builders.departments(session)
    office = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
    auth.create_user(
        session,
        office,
        username="template-op",
        display_name="陈静",
        role=Role.DEPT_OPERATOR,
        department=DEPARTMENT,
        password=PASSWORD,
    )


def test_download_the_template_and_upload_it_back(
    page: Page, live_server: str, seed_web: Callable[[Callable[[Session], None]], None], tmp_path: Path
) -> None:
    seed_web(_seed)
    page.goto(f"{live_server}/console/login?next=/console/upload")
    page.fill("input[name=username]", "template-op")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/upload$"))
    with page.expect_download() as download:
        page.click('#templates a[href="/console/upload/template-penalty.xlsx"]')
    saved = tmp_path / "模板.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".xlsx")
    page.set_input_files("input[name=file]", str(saved))
    page.select_option("select[name=kind]", "penalty")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/batches/\d+\?uploaded=1"))
    assert page.locator("#count-rows").inner_text() == "1"
    assert page.locator("#count-created").inner_text() == "1"
    assert page.locator("#count-rejected").inner_text() == "0"
