"""The public list pages show, per entry, the reason, legal basis, deciding department, decision document number,
dates and end of publication, for every list the law makes public (严重失信, 重点关注, 市场和行业禁入, 经营异常);
a crawl of the public site finds no "coming soon" placeholder text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import listed
from tests.support.portal_seed import seed_portal
from xinyong.core.actor import Actor
from xinyong.entities import service as entity_service

Client = Callable[[Actor], TestClient]
PLACEHOLDERS = (
    "上线后",
    "即将上线",
    "敬请期待",
    "正在建设",
    "建设中",
    "暂未开放",
    "功能开发中",
    "coming soon",
    "TODO",
    "lorem",
)


@pytest.fixture
def entries(db: Session) -> dict[str, str]:
    builders.departments(db)
    made = {
        "serious": builders.entity(db, name="共青城失信测试贸易有限公司"),
        "watch": builders.entity(db, name="共青城关注测试养老服务有限公司"),
        "market_ban": builders.entity(db, name="共青城禁入测试建筑工程有限公司"),
    }
    listed(db, made["serious"].uscc, facts="拒不履行罚款决定，情节严重", basis="《行政处罚法》第七十二条")
    listed(db, made["watch"].uscc, list_type="watch", key_field="养老", facts="养老机构虚假宣传，尚未达到严重失信标准")
    listed(db, made["market_ban"].uscc, list_type="market_ban", facts="串通投标，依法禁止参加招标投标活动")
    return {key: entity.uscc for key, entity in made.items()}


def _only(client: TestClient, kind: str, **params: str) -> dict[str, object]:
    data = client.get("/lists.json", params={"kind": kind, **params}).json()
    assert data["total"] == 1, data
    return dict(data["items"][0])


@pytest.mark.parametrize("kind", ["serious_dishonesty", "watch", "market_ban"])
def test_every_public_list_shows_why_by_whom_and_until_when(
    as_actor: Client, entries: dict[str, str], kind: str
) -> None:
    public = as_actor(Actor.public())
    key = "serious" if kind == "serious_dishonesty" else kind
    item = _only(public, kind)
    assert item["uscc"] == entries[key]
    assert item["reason"] and item["basis"]
    assert item["department"] == "共青城市市场监督管理局"
    assert str(item["doc_no"]).startswith("共市监列〔2024〕")
    assert item["decision_date"] and item["valid_from"]
    assert item["valid_to"]  # the end of publication (a date, or 长期 for a permanent ban)
    page = public.get("/lists", params={"kind": kind}, headers={"accept": "text/html"}).text
    for title in ("列入事由", "列入依据", "认定部门", "认定决定文书号", "认定日期", "列入日期", "公示截止日期"):
        assert title in page
    assert str(item["reason"]) in page and str(item["doc_no"]) in page


def test_the_serious_list_reads_the_procedures_own_fields(as_actor: Client, entries: dict[str, str]) -> None:
    item = _only(as_actor(Actor.public()), "serious_dishonesty")
    assert item["reason"] == "拒不履行罚款决定，情节严重"
    assert item["basis"] == "《行政处罚法》第七十二条"
    start = dt.date.fromisoformat(str(item["valid_from"]))
    end = dt.date.fromisoformat(str(item["valid_to"]))
    assert (end - start).days > 3 * 365 - 5  # the serious list's three-year term


def test_list_filters_apply_to_entries_and_their_twins(as_actor: Client, entries: dict[str, str]) -> None:
    public = as_actor(Actor.public())
    assert public.get("/lists.json", params={"kind": "watch", "q": "养老"}).json()["total"] == 1
    assert public.get("/lists.json", params={"kind": "watch", "q": "养老 不存在"}).json()["total"] == 0
    assert public.get("/lists.json", params={"kind": "watch", "department": "SWJ"}).json()["total"] == 0
    assert public.get("/lists.json", params={"kind": "market_ban", "date_to": "2020-01-01"}).json()["total"] == 0
    table = public.get("/lists.csv", params={"kind": "market_ban", "q": entries["market_ban"]})
    assert table.status_code == 200 and entries["market_ban"] in table.content.decode("utf-8-sig")
    refused = public.get("/lists.json", params={"kind": "watch", "date_from": "2024-02-01", "date_to": "2024-01-01"})
    assert refused.status_code == 422
    assert public.get("/lists.json", params={"kind": "nope"}).status_code == 422


def test_a_person_on_a_list_is_masked_and_its_facts_stay_off(as_actor: Client, db: Session) -> None:
    builders.departments(db)
    person = entity_service.upsert_person(db, builders.SYSTEM, "王小二", "resident_id", builders.new_resident_id())
    listed(db, list_type="watch", subject_person_id=person.id, key_field="救助")
    item = _only(as_actor(Actor.public()), "watch")
    assert item["subject_name"] == "王**"
    assert item["reason"] == "重点关注对象名单"  # free text about a natural person is not public
    assert as_actor(Actor.public()).get("/lists.json", params={"kind": "watch", "q": "王小二"}).json()["total"] == 0


def test_a_crawl_of_the_public_site_finds_no_placeholder_text(as_actor: Client, db: Session) -> None:
    seed_portal(db)
    public = as_actor(Actor.public())
    queue, seen, pages = ["/"], set(), 0
    while queue and pages < 120:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        answer = public.get(path, headers={"accept": "text/html"})
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        pages += 1
        text = answer.text
        for word in PLACEHOLDERS:
            assert word.lower() not in text.lower(), f"{path} says {word!r}"
        for link in re.findall(r'href="([^"#]+)"', text):
            target = urljoin("http://testserver" + path, link.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc != "testserver" or parts.path.startswith(("/console", "/api", "/static", "/logout")):
                continue
            if parts.path.endswith((".csv", ".xlsx", ".pdf", ".json")):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query and len(seen) < 60 else ""))
    assert pages >= 20
