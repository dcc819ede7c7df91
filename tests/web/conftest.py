"""Browser tests: the real application served by Uvicorn on a free local port, driven by headless Chromium.

The server runs in this process (a thread), on its own migrated SQLite file loaded through the real services, so
the tests see exactly what a user would. Chromium is the Debian package (/usr/bin/chromium), installed by
``./dev.sh test``; Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from xinyong.app import create_app
from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.demo import load_demo
from xinyong.demo.accounts import create_demo_accounts
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


# ASCII words a Chinese screen may show: the platform's name and version in the footer, file types and formats
ALLOWED = {"xinyong", "PDF", "PNG", "JPEG", "CSV", "XLSX", "JSON", "API", "RSS", "Word"}
# identifiers, not words: USCCs, numbers (QY…, report numbers), catalogue item codes, SM3 digests, versions
CODES = re.compile(
    r"\b[0-9A-Z]{18}\b|\b[A-Z]{2}\d{6,}\b|\b[A-Z]+(?:-[A-Z]+)*-\d+\b|\b[0-9a-f]{16,}\b|\d+(?:\.\d+)+"
    r"|\S+\.(?:pdf|png|jpe?g)\b"  # and file names
)


VISIBLE_WORDS = """() => {
  const hidden = [...document.querySelectorAll('[translate="no"]')].filter((e) => e.style.display !== "none");
  hidden.forEach((e) => { e.style.display = "none"; });
  const text = document.body.innerText;
  hidden.forEach((e) => { e.style.display = ""; });
  return text;
}"""


def english_words(page: Page) -> list[str]:
    """ASCII words of three letters or more in the page's text, identifiers left out (what the templates mark
    ``translate="no"``: usernames, linked documents, keys — as the screen-language crawl reads it)."""
    text = CODES.sub(" ", str(page.evaluate(VISIBLE_WORDS)))
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED]


def chinese(page: Page) -> None:
    words = english_words(page)
    assert words == [], f"English on {page.url}: {words[:10]}"


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


def serve(database: Database, wait: float = 60) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Serve the application on ``database`` from a thread on a free port: (server, thread, base URL)."""
    port = _free_port()
    config = uvicorn.Config(create_app(database), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + wait
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A fresh demo city (what ``./dev.sh start`` serves, smaller: 100 entities) with the demo's accounts and
    commitment catalogue, served by Uvicorn in a thread: ``{"url": …, "database": …}``. Journeys that need data of
    their own add it through ``database``; each works on entities the others leave alone."""
    folder = tmp_path_factory.mktemp("demo-city")
    database = Database(f"sqlite:///{folder / 'demo.db'}")
    create_schema(database)
    settings = get_settings()
    uploads = settings.upload_dir
    settings.upload_dir = Path(folder / "uploads")  # before the load: the demo stores its content's attachments
    load_demo(database, entities=100, seed=20201)
    with database.unit_of_work() as session:
        create_demo_accounts(session)
    server, thread, url = serve(database)
    yield {"url": url, "database": database}
    server.should_exit = True
    thread.join(timeout=10)
    settings.upload_dir = uploads
    database.dispose()


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
