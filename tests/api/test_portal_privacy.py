"""Privacy: crawl every portal page a member of the public can reach (home, search results, profiles, records,
lists and their exports) over data full of personal identifiers, and fail on any full ID number, mobile number or
bank account number. The crawl follows the pages' own links, so a new page or a new column is covered."""

from __future__ import annotations

import html
import io
import re
from collections import deque
from collections.abc import Callable
from urllib.parse import urldefrag

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.portal_seed import SECRETS, seed_portal
from xinyong.core.actor import Actor
from xinyong.core.departments import Department
from xinyong.entities.models import Entity

MAX_PAGES = 600
HREF = re.compile(r'(?:href|hx-get)="([^"]+)"')
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LONG_DIGITS = re.compile(r"(?<!\d)\d{15,19}(?!\d)")  # bank accounts, first-generation IDs
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _valid_id(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _text_of(url: str, answer_content: bytes) -> str:
    if url.split("?")[0].endswith(".xlsx"):
        rows = CalamineWorkbook.from_filelike(io.BytesIO(answer_content)).get_sheet_by_index(0).to_python()
        return "\n".join("\t".join(str(cell) for cell in row) for row in rows)
    return answer_content.decode("utf-8-sig")


def _links(text: str) -> list[str]:
    found = []
    for raw in HREF.findall(text):
        url = urldefrag(html.unescape(raw))[0]
        if url.startswith("/") and not url.startswith(("/static/", "//", "/docs", "/api/")):
            found.append(url)
    return found


def _leaks(text: str, codes: set[str]) -> list[str]:
    for code in codes:
        text = text.replace(code, "")
    leaks = [secret for secret in SECRETS if secret in text]
    compact = re.sub(r"[\s-]", "", text)
    leaks += [s for s in SECRETS if re.sub(r"[\s-]", "", s).isdigit() and re.sub(r"[\s-]", "", s) in compact]
    leaks += [m for m in RESIDENT_ID.findall(text) if _valid_id(m)]
    leaks += MOBILE.findall(text)
    leaks += LONG_DIGITS.findall(text)
    return leaks


def test_no_personal_number_reaches_the_public(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    seeded = seed_portal(db)
    codes = set(db.execute(select(Entity.uscc)).scalars()) | set(db.execute(select(Department.uscc)).scalars())
    client = as_actor(Actor.public())
    start = ["/", "/search?q=gqc", "/search?q=瑞雪", "/search?q=李记", "/search?q=hengtai", "/lists"]
    start += [f"/search?q={code}" for code in seeded.usccs]
    start += [f"/entity/{code}" for code in seeded.usccs]
    start += ["/publicity/penalties?page_size=100", "/publicity/licenses?page_size=100"]
    start += ["/lists?kind=abnormal_operation", "/search.json?q=gqc", "/search.csv?q=gqc"]
    queue, seen = deque(start), set(start)
    fetched: list[str] = []
    while queue and len(fetched) < MAX_PAGES:
        url = queue.popleft()
        answer = client.get(url)
        fetched.append(url)
        assert answer.status_code == 200, f"{url} answered {answer.status_code}"
        text = _text_of(url, answer.content)
        leaks = _leaks(text, codes)
        assert leaks == [], f"{url} shows personal numbers: {leaks}"
        if answer.headers["content-type"].startswith("text/html"):
            for link in _links(text):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    assert len(fetched) < MAX_PAGES, "the crawl did not finish"
    visited = " ".join(fetched)
    for must in ("/record/", "/entity/", ".csv", ".xlsx", ".json", "/policies/", "/verify"):
        assert must in visited, f"the crawl never reached {must}"
    for record_id in (seeded.records["penalty"], seeded.records["person"], seeded.records["licence"]):
        assert f"/record/{record_id}" in fetched


def test_the_leak_check_itself() -> None:
    assert _leaks(f"法定代表人证件号码 {SECRETS[0]}", set()) != []
    assert _leaks("电话 139 7921 2345", set()) != []  # a known number, however grouped
    assert _leaks("账号 6222021001123456789", set()) != []
    assert _leaks("代码 913604823000003701 于 2026-11-06 罚款 2.5 万元", {"913604823000003701"}) == []
    assert _leaks("360482********0383 与 138****5678", set()) == []
