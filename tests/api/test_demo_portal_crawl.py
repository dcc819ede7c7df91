"""Issue 15: the whole demo portal crawled as an anonymous visitor (a small seeded demo city): every page reachable by
links from the home page — search results, entity profiles, record pages, the publicity lists and their JSON and CSV
twins, credit lists, commitments, 双随机 draws and cases, policies — and the JSON API answers they link to. The crawl
fails on any page that shows a natural-person subject's name in clear, a resident ID number, a mobile number, a bank
card number or a street-level address (路/街/巷…号; a legal person's registered address is public registration data
and allowed). The rows the demo holds for the desensitisation review are confirmed first, as their reviewers would,
so their desensitised text is public too. Bounded: each URL shape (digits stripped) is followed a few times, record
and entity pages many times."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, deque
from html import unescape
from urllib.parse import urljoin, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.apps import app_for
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.demo import load_demo
from xinyong.entities.models import Entity, Person
from xinyong.records import privacy_review
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import SubjectType

MAX_PAGES = 1500
PER_SHAPE = 6  # pages followed per URL shape (/record/1, /record/2… are one shape)
WIDE_SHAPES = {"/record/#": 600, "/entity/#": 200}  # the pages about subjects: many of them
SKIP = ("/console", "/login", "/logout", "/register", "/static", "/api/docs", "/api/redoc", "/activate", "/my")
LINK = re.compile(r"""href=["']([^"'#]+)""")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-8]\d{16}[0-9Xx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])")
BANK = re.compile(r"(?<![0-9A-Za-z])62\d{14,17}(?![0-9A-Za-z])")
STREET = re.compile(r"[\u4e00-\u9fff]{1,8}(?:路|大道|街|巷)\d+号")
INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _is_resident_id(text: str) -> bool:
    number = text.upper()
    total = sum(int(c) * w for c, w in zip(number[:17], WEIGHTS, strict=True))
    month, day = int(number[10:12]), int(number[12:14])
    return "10X98765432"[total % 11] == number[17] and 1 <= month <= 12 and 1 <= day <= 31


def _shape(path: str) -> str:
    return re.sub(r"\d+", "#", path)


def _findings(text: str, names: set[str], registered: str) -> list[str]:
    plain = INVISIBLE.sub("", unicodedata.normalize("NFKC", unescape(text)))
    found = [m for m in ID_NUMBER.findall(plain) if _is_resident_id(m)]
    found += MOBILE.findall(plain) + BANK.findall(plain)
    found += [m for m in STREET.findall(plain) if m not in registered]
    found += [name for name in names if name in plain]
    return found


def test_the_whole_demo_portal_shows_no_personal_data_to_a_visitor(committing_db: Database) -> None:
    load_demo(committing_db, entities=300, seed=4242)
    with committing_db.unit_of_work() as session:
        subjects = set(
            session.execute(
                select(CreditRecordVersion.subject_person_id).where(
                    CreditRecordVersion.subject_type == SubjectType.PERSON
                )
            ).scalars()
        )
        names = {p.name for p in session.execute(select(Person)).scalars() if p.id in subjects and len(p.name) >= 2}
        firms = session.execute(select(Entity.registered_address).where(~Entity.uscc.startswith("92"))).scalars()
        registered = "\n".join(a for a in firms if a)
    assert names, "the demo has natural-person subjects"
    with committing_db.unit_of_work() as session:  # the reviewers accept the desensitiser's proposals: all public
        held = session.execute(
            select(CreditRecordVersion.record_id, CreditRecordVersion.source_department).where(
                CreditRecordVersion.valid_to.is_(None), CreditRecordVersion.privacy_hold.is_(True)
            )
        ).all()
        for record_id, department in held:
            reviewer = Actor(role=Role.DEPT_REVIEWER, id=f"user:reviewer-{department}", department_code=department)
            privacy_review.confirm(session, reviewer, record_id, {})
    assert held, "the demo has rows held for the desensitisation review"
    client = TestClient(app_for(committing_db))
    queue: deque[str] = deque(
        [
            "/",
            "/search?q=共青城",
            "/publicity/penalties?page_size=1000",
            "/lists",
            "/inspections",
            "/commitments/public",
        ]
    )
    seen: set[str] = set(queue)
    shapes: Counter[str] = Counter()
    visited: Counter[str] = Counter()
    problems: list[str] = []
    masked = 0  # pages showing a natural person's masked name: the crawl reached them
    while queue and sum(visited.values()) < MAX_PAGES:
        url = queue.popleft()
        answer = client.get(url)
        visited[str(answer.status_code)] += 1
        if answer.status_code != 200:
            continue
        kind = answer.headers.get("content-type", "")
        if not kind.startswith(("text/", "application/json")):
            continue
        text = answer.content.decode("utf-8-sig", errors="replace")
        problems += [f"{url}: {found}" for found in _findings(text, names, registered)]
        masked += any(f"{name[0]}**" in text for name in names)
        if not kind.startswith("text/html"):
            continue
        for link in LINK.findall(text):
            target = urljoin(url, unescape(link))
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "testserver":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path in seen or parts.path.startswith(SKIP) or parts.path.endswith((".pdf", ".xlsx")):
                continue
            shape = _shape(parts.path)
            if shapes[shape] >= WIDE_SHAPES.get(shape, PER_SHAPE):
                continue
            shapes[shape] += 1
            seen.add(path)
            queue.append(path)
    assert problems == [], f"personal data on the public portal: {problems}"
    assert visited["200"] > 100, f"the crawl reached too little of the portal: {dict(visited)}"
    assert masked > 30, f"the crawl reached too few pages about natural persons ({masked})"
    assert any(s.startswith("/record/") for s in shapes) and any(s.startswith("/entity/") for s in shapes)
