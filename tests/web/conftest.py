"""Browser tests: the real application served by Uvicorn on a free local port, driven by headless Chromium.

The server runs in this process (a thread), on its own migrated SQLite file loaded through the real services, so
the tests see exactly what a user would. Chromium is the Debian package (/usr/bin/chromium), installed by
``./dev.sh test``; Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from xinyong.app import create_app
from xinyong.core.db import Database
from xinyong.schema import create_schema

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def web_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}")
    create_schema(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def seed_web(web_database: Database) -> Callable[[Callable[[Session], None]], None]:
    """Commit test data into the served database: ``seed_web(lambda session: ...)``."""

    def seed(fill: Callable[[Session], None]) -> None:
        with web_database.unit_of_work() as session:
            fill(session)

    return seed


@pytest.fixture(scope="session")
def live_server(web_database: Database) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(web_database), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./dev.sh test installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    new_page = context.new_page()
    yield new_page
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot under docs/screenshots/ for reviewers, when XINYONG_SCREENSHOTS=1 is set
    (ordinary runs leave the committed pictures alone)."""
    if os.environ.get("XINYONG_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
