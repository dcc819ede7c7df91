"""Every portal and console page, as each role sees it, is Chinese and shows Beijing time.

A small demo city (the real loader, 300 entities) is served by the real application; each role signs in through the
login form and the crawl follows every link it is shown (a few pages per kind of address, so 20,000 entity profiles
count as one), plus the refusals a person meets (a malformed USCC, a missing record, a page of another role). Each
page's visible text (title, text, placeholders, labels, button values; not what is marked ``translate="no"``, which
the templates put on identifiers such as usernames, hashes and raw payloads) must hold no ASCII word of three or more
letters outside the allow-list (USCC, file names, URLs, formats, units, API names), and no time in UTC: the clock is
pinned at 16:30 UTC, when Beijing is already on the next day, so a time printed in UTC is a time of 2026-12-07 16:xx.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.apps import app_for
from tests.support.console_helpers import HTML, hidden
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.models import User
from xinyong.core.db import Database
from xinyong.demo import load_demo
from xinyong.demo.accounts import DEFAULT_PASSWORD, create_demo_accounts
from xinyong.objections import service as objections
from xinyong.objections.rules import Outcome
from xinyong.objections.schemas import ForwardIn, ObjectionIn, ProposeIn
from xinyong.records.models import CreditRecordVersion
from xinyong.records.schemas import RecordCorrection
from xinyong.schema import create_schema

PINNED = dt.datetime(2026, 12, 7, 16, 30, tzinfo=dt.UTC)  # 2026-12-08 00:30 in Beijing
ROLES = ("anonymous", "qiye", "scjg", "scjg-review", "admin", "auditor")
PER_KIND = 2  # pages crawled per kind of address (path with its numbers and codes taken out, and query names)
MAX_PAGES = 220  # per role

# words a Chinese screen may show: formats, identifiers and names a Chinese reader sees as such
ALLOWED = {
    "USCC", "API", "APIs", "CSV", "XLSX", "XLS", "JSON", "PDF", "Word", "PNG", "JPEG", "JPG", "URL", "HTTP", "HTTPS",
    "HTML", "SVG", "HMAC", "SHA", "OpenAPI", "Swagger", "ReDoc", "Bearer", "webhook", "Webhook", "GCM", "CJK",
    "UTF", "GBK",  # character encodings, named as such
}  # fmt: skip
WORD = re.compile(r"[A-Za-z]{3,}")
# URLs, paths, file names, e-mail addresses and API key prefixes are identifiers, not words
IDENTIFIERS = re.compile(
    r"[a-z][a-z0-9+.-]*://\S*"
    r"|(?<![\w])/[\w./?=&%{}:-]*"
    r"|[\w.-]+\.(?:csv|xlsx|xls|json|pdf|png|jpe?g|zip|txt)\b"
    r"|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|\bxy_[\w-]+"
    r"|\b[0-9A-HJ-NP-RTUW-Y]{18}\b"  # a USCC
    r"|\b[0-9a-fA-F]{16,}\b"  # a hash
    r"|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b",  # a hyphenated code: report numbers, commitment item codes
    re.IGNORECASE,
)
UTC_TIME = re.compile(
    r"2026-12-07[ T]16:\d\d|\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:\+00:00|Z\b)|\bUTC\b|\d{4}-\d\d-\d\dT\d\d:\d\d"
)
SKIP_SUFFIXES = (".csv", ".xlsx", ".json", ".pdf", ".png", ".js", ".css", ".zip")
SKIP_PREFIXES = ("/static/", "/api/", "/docs", "/redoc", "/openapi.json", "/console/logout", "/healthz")
ERROR_PAGES = (
    "/entity/91360482MA35XXXX0X",  # a malformed USCC
    "/entity/913604827055555550",  # a well-formed code nobody holds
    "/record/987654321",
    "/search?page=0",
    "/console/users",  # 403 for most roles
    "/console/audit?date_from=2026-02-30",
    "/my/repair",
    "/console/no-such-page",
)
LIST_PAGES = (  # the listing procedure's pages (each links on to its entries and forms)
    "/console/lists",
    "/console/lists/queue",
    "/console/lists/candidates",
    "/console/lists/new",
    "/console/lists?status=已公示",
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a person sees or hears on a page, without what is marked ``translate="no"``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip: list[bool] = []  # per open element: is it (or an ancestor) hidden from the check

    def _skipping(self) -> bool:
        return bool(self._skip) and self._skip[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = self._skipping() or values.get("translate") == "no" or tag in ("script", "style", "template")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if not skip:
            for name in ("placeholder", "title", "alt", "aria-label"):
                if values.get(name):
                    self.parts.append(values[name] or "")
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.parts.append(values["value"] or "")
        if tag not in VOID:
            self._skip.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self._skip:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.parts.append(data.strip())


def english(text: str) -> list[str]:
    return [w for w in WORD.findall(IDENTIFIERS.sub(" ", text)) if w not in ALLOWED]


def kind_of(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/[0-9A-Z][0-9A-Z-]{5,}(?=/|$)|/\d+(?=/|\.|$)", "/*", parts.path)
    names = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return path + "?" + "&".join(names)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database(f"sqlite:///{Path(tmp_path_factory.mktemp('crawl')) / 'crawl.db'}")
    create_schema(database)
    clock.freeze(PINNED)
    load_demo(database, entities=300, seed=20201)
    with database.unit_of_work() as session:
        create_demo_accounts(session)
        _objection_in_hand(session)
    clock.freeze(None)
    yield database
    database.dispose()


ENTERPRISE = frozenset({"qiye"})  # enterprise users sign in at the portal's 企业用户登录, staff at the console's


def _objection_in_hand(session: Session) -> None:
    """qiye objects to its penalty and the office forwards it to 市场监管局: the objection pages have a record with
    its fields, the proposal form and the steps to show (and a proposal awaiting its decision, below)."""
    firm = session.scalars(select(User.entity_uscc).where(User.username == "qiye")).one()
    record_id = session.scalars(
        select(CreditRecordVersion.record_id)
        .where(
            CreditRecordVersion.subject_uscc == firm,
            CreditRecordVersion.valid_to.is_(None),
            CreditRecordVersion.kind == "penalty",
        )
        .order_by(CreditRecordVersion.decision_date.desc(), CreditRecordVersion.id.desc())  # the newest: in publicity
    ).first()
    assert record_id is not None
    entity = Actor(role=Role.ENTITY, id="user:qiye", entity_uscc=firm)
    filed = objections.file_objection(session, entity, ObjectionIn(record_id=record_id, reasons="罚款金额登记有误"))
    objections.forward(session, Actor(role=Role.CREDIT_OFFICE, id="user:admin"), filed.id, ForwardIn(note="请核实"))
    # and one on a licence that xyb (信用办) has proposed to correct: admin is shown the proposal and its review form
    licence = session.scalars(
        select(CreditRecordVersion)
        .where(
            CreditRecordVersion.subject_uscc == firm,
            CreditRecordVersion.valid_to.is_(None),
            CreditRecordVersion.kind == "license",
        )
        .order_by(CreditRecordVersion.decision_date.desc(), CreditRecordVersion.id.desc())
    ).first()
    assert licence is not None
    other = objections.file_objection(
        session, entity, ObjectionIn(record_id=licence.record_id, reasons="有效期登记有误")
    )
    content = {**licence.content, "YXQZI": "2030-12-31"}
    proposal = ProposeIn(
        outcome=Outcome.CORRECTED,
        reason="经核对许可证原件，有效期至登记有误",
        correction=RecordCorrection(content=content, reason="有效期更正"),
    )
    objections.propose(session, Actor(role=Role.CREDIT_OFFICE, id="user:xyb"), other.id, proposal)


def _client(database: Database, role: str) -> TestClient:
    client = TestClient(app_for(database), raise_server_exceptions=True, follow_redirects=False)
    if role in ENTERPRISE:
        form = client.get("/login", headers=HTML)
        data = {"form_token": hidden(form.text, "form_token"), "login": role, "password": DEFAULT_PASSWORD}
        signed = client.post("/login", data={**data, "next": "/my"}, headers=HTML)
        assert signed.status_code == 303, f"{role} could not sign in: {signed.text[:300]}"
        assert signed.headers["location"] == "/my"
    elif role != "anonymous":
        form = client.get("/console/login", headers=HTML)
        data = {"login_token": hidden(form.text, "login_token"), "username": role, "password": DEFAULT_PASSWORD}
        signed = client.post("/console/login", data=data, headers=HTML)
        assert signed.status_code == 303, f"{role} could not sign in: {signed.text[:300]}"
    return client


def test_an_enterprise_user_at_the_console_login_is_sent_to_my_credit(served: Database) -> None:
    """The console's 工作人员登录 lets an enterprise account in only to send it to the portal's 我的信用; the console's
    front page and its sign-in form do the same for one already signed in."""
    client = TestClient(app_for(served), raise_server_exceptions=True, follow_redirects=False)
    form = client.get("/console/login", headers=HTML)
    data = {"login_token": hidden(form.text, "login_token"), "username": "qiye", "password": DEFAULT_PASSWORD}
    signed = client.post("/console/login", data={**data, "next": "/console/audit"}, headers=HTML)
    assert signed.status_code == 303 and signed.headers["location"] == "/my"
    assert client.get("/console", headers=HTML).headers["location"] == "/my"
    assert client.get("/console/login", headers=HTML).headers["location"] == "/my"
    mine = client.get("/my", headers=HTML)
    assert mine.status_code == 200 and "我的信用" in mine.text
    staff = _client(served, "scjg")
    assert staff.get("/console", headers=HTML).status_code == 200, "staff stay in the console"


def _crawl(client: TestClient, role: str) -> dict[str, list[str]]:
    start = ["/", "/search?q=共青城", "/console", "/my/repair", "/my/objections", "/console/objections", "/report"]
    start += ["/verify", *LIST_PAGES, *ERROR_PAGES]
    queue, seen, kinds = list(start), set(start), Counter[str]()
    problems: dict[str, list[str]] = {}
    crawled = 0
    while queue and crawled < MAX_PAGES:
        url = queue.pop(0)
        answer = client.get(url, headers=HTML)
        if answer.status_code in (301, 302, 303, 307):
            target = answer.headers["location"]
            if target.startswith("/") and target not in seen:
                seen.add(target)
                queue.append(target)
            continue
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        crawled += 1
        page = VisibleText()
        page.feed(answer.text)
        text = "\n".join(page.parts)
        found = [f"英文：{w}" for w in dict.fromkeys(english(text))]
        found += [f"非北京时间：{m.group(0)}" for m in UTC_TIME.finditer(text)]
        if found:
            problems[f"{role} {url} ({answer.status_code})"] = found[:12]
        for href in page.links:
            link, _ = urldefrag(urljoin(url, href))
            parts = urlsplit(link)
            if parts.netloc and parts.netloc != "testserver":
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not local.startswith("/") or local.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
                continue
            kind = kind_of(local)
            if local in seen or kinds[kind] >= PER_KIND:
                continue
            kinds[kind] += 1
            seen.add(local)
            queue.append(local)
    assert crawled >= 5, f"{role}: the crawl reached almost nothing"
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_chinese_in_beijing_time(served: Database, role: str) -> None:
    clock.freeze(PINNED + dt.timedelta(minutes=5))
    client = _client(served, role)
    problems = _crawl(client, role)
    report = "\n".join(f"{where}: {'；'.join(found)}" for where, found in sorted(problems.items()))
    assert not problems, f"English words or UTC times on {len(problems)} pages:\n{report}"


def test_the_checker_finds_english_and_utc_times() -> None:
    """The crawl's own eyes: an English sentence, a UTC time and an ISO time are found; identifiers are not."""
    page = VisibleText()
    page.feed(
        '<p>代码不正确 (invalid USCC)</p><p>于 2026-12-07 16:03 出具</p><code translate="no">auth:session</code>'
        '<input placeholder="如 records:record:"><a href="/entity/1">报告.pdf 见 https://example.org/x</a>'
    )
    text = "\n".join(page.parts)
    assert english(text) == ["invalid", "records", "record"]
    assert [m.group(0) for m in UTC_TIME.finditer(text)] == ["2026-12-07 16:03"]
    assert page.links == ["/entity/1"]
