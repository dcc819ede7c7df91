"""A keyword on the public 双公示 lists counts its matches up to a cap (issue 14): above it the page says 超过 N 条 in
Chinese, pages within the first N newest matches (the same rows, in the same order, as the exact list) and refuses a
page past them with a Chinese message (422); below it the count is exact and every page is reachable. The page of a
capped keyword is read from the newest days first, widening the span until it holds the page; every span gives the
same rows. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor
from xinyong.records import publication, service
from xinyong.records.schemas import SubjectIn

Client = Callable[[Actor], TestClient]
MATCHES = 23  # penalties of one firm, three a day: ties on a day broken by record id
PATH = "/publicity/penalties"


@pytest.fixture
def public(db: Session, as_actor: Client) -> TestClient:
    builders.departments(db)
    firm = builders.entity(db, name="共青城汇立服装有限公司")
    other = builders.entity(db, name="共青城鸿瑞羽绒服饰有限公司")
    base = builders.recent_day()
    for n in range(MATCHES):
        for who in (firm, other):
            record = builders.penalty(
                who.uscc,
                subject=SubjectIn(type="entity", name=who.name, uscc=who.uscc),
                decision_date=base - dt.timedelta(days=n // 3),
            )
            service.upsert_record(db, builders.SYSTEM, record)
    return as_actor(Actor.public())


def _ids(client: TestClient, **params: str) -> tuple[list[int], dict[str, object]]:
    answer = client.get(f"{PATH}.json", params={"q": "汇立", "page_size": "5", **params})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return [row["record_id"] for row in body["items"]], body


def _exact(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    with monkeypatch.context() as patch:
        patch.setattr(publication, "KEYWORD_COUNT_CAP", 1_000)
        found, body = _ids(client, page_size="100")
    assert body["total"] == MATCHES and body["total_capped"] is False
    return found


@pytest.mark.parametrize("spans", [(7, 56, 448), (0,), (0, 1, 2)])
def test_capped_keyword_pages_the_newest_matches(
    public: TestClient, monkeypatch: pytest.MonkeyPatch, spans: tuple[int, ...]
) -> None:
    exact = _exact(public, monkeypatch)
    monkeypatch.setattr(publication, "KEYWORD_COUNT_CAP", 10)
    monkeypatch.setattr(publication, "KEYWORD_SPANS", spans)
    first, body = _ids(public)
    assert body["total"] == 10 and body["total_capped"] is True
    second, _ = _ids(public, page="2")
    assert first + second == exact[:10]
    # 下一页 by keyset from page 1's last row, and 上一页 back from page 2's first row
    assert _ids(public, page="2", after=_key(public, first[-1]))[0] == second
    assert _ids(public, page="1", before=_key(public, second[0]))[0] == first
    page = public.get(PATH, params={"q": "汇立", "page_size": "5"}, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "符合条件的记录超过 <strong>10</strong> 条" in page.text and "缩小范围" in page.text
    assert "共 <strong>" not in page.text
    assert "尾页" in page.text and "共 2 页" in page.text


def _key(client: TestClient, record_id: int) -> str:
    """The list position of a row as the page's links write it (decision date, record id)."""
    monkey = pytest.MonkeyPatch()
    monkey.setattr(publication, "KEYWORD_COUNT_CAP", 1_000)
    try:
        answer = client.get(f"{PATH}.json", params={"q": "汇立", "page_size": "100"}).json()
    finally:
        monkey.undo()
    day = next(row["decision_date"] for row in answer["items"] if row["record_id"] == record_id)
    return f"{day}.{record_id}"


def test_page_past_the_cap_is_refused_in_chinese(public: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publication, "KEYWORD_COUNT_CAP", 10)
    page = public.get(PATH, params={"q": "汇立", "page_size": "5", "page": "3"}, headers={"accept": "text/html"})
    assert page.status_code == 422
    assert "仅可翻阅前 10 条" in page.text and "缩小范围" in page.text
    api = public.get(f"{PATH}.json", params={"q": "汇立", "page_size": "5", "page": "3"})
    assert api.status_code == 422 and api.json()["field"] == "page"


def test_below_the_cap_counts_exactly_and_pages_to_the_end(public: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = _exact(public, monkeypatch)
    monkeypatch.setattr(publication, "KEYWORD_COUNT_CAP", MATCHES)  # exactly the cap: not capped
    pages = [_ids(public, page=str(n)) for n in range(1, 6)]
    assert all(body["total"] == MATCHES and body["total_capped"] is False for _, body in pages)
    assert [i for found, _ in pages for i in found] == exact
    page = public.get(PATH, params={"q": "汇立", "page_size": "5"}, headers={"accept": "text/html"})
    assert f"共 <strong>{MATCHES}</strong> 条" in page.text and "超过" not in page.text.split("list-results")[1]
    unfiltered = public.get(f"{PATH}.json", params={"page_size": "5"}).json()
    assert unfiltered["total"] == 2 * MATCHES and "total_capped" in unfiltered
