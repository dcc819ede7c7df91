"""Entity search on a hand-made dataset: every word must match, results come most relevant first (exact name,
prefix, contains, other fields) with the city's own subjects before provisional and out-of-town ones, and each
result says what it matched. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import PageRequest
from xinyong.entities import service
from xinyong.entities.rules import relevance, search_words
from xinyong.entities.schemas import EntityIn

JIUJIANG = "360400"  # 九江市: out of town


@pytest.fixture
def city(db: Session) -> dict[str, str]:
    builders.departments(db)
    made = {
        "exact": builders.entity(db, name="羽绒服饰"),
        "prefix": builders.entity(db, name="羽绒服饰共青城有限公司"),
        "local": builders.entity(db, name="共青城瑞雪羽绒服饰有限公司"),
        "far": builders.entity(db, name="九江羽绒服饰有限公司", uscc=builders.new_uscc(region=JIUJIANG)),
        "huili": builders.entity(db, name="共青城汇立服装有限公司"),
        "huili_far": builders.entity(db, name="九江汇立服装有限公司", uscc=builders.new_uscc(region=JIUJIANG)),
        "huili_shoes": builders.entity(db, name="共青城汇立鞋业有限公司"),
    }
    renamed = builders.entity(db, name="共青城鸿运羽绒制品厂")
    service.upsert_entity(db, builders.SYSTEM, EntityIn(uscc=renamed.uscc, name="共青城鸿运服装厂"))
    made["renamed"] = renamed
    made["provisional"] = service.ensure_entity(db, builders.SYSTEM, builders.new_uscc(), "共青城新羽绒服饰店")
    return {key: entity.uscc for key, entity in made.items()}


def _names(session: Session, q: str) -> list[str]:
    hits, _ = service.search_hits(session, q, PageRequest(1, 50))
    return [hit.entity.name for hit in hits]


def test_every_word_must_match(db: Session, city: dict[str, str]) -> None:
    assert _names(db, "汇立 服装") == ["共青城汇立服装有限公司", "九江汇立服装有限公司"]
    assert _names(db, "汇立　鞋业") == ["共青城汇立鞋业有限公司"]  # a 全角 blank splits too
    assert _names(db, "汇立 羽绒") == []
    assert set(_names(db, "汇立")) == {"共青城汇立服装有限公司", "九江汇立服装有限公司", "共青城汇立鞋业有限公司"}


def test_relevance_exact_then_prefix_then_contains_local_first(db: Session, city: dict[str, str]) -> None:
    found = _names(db, "羽绒服饰")
    assert found[:3] == [
        "羽绒服饰",  # the exact name
        "羽绒服饰共青城有限公司",  # begins with the query
        "共青城瑞雪羽绒服饰有限公司",  # contains it, the city's own
    ]
    # contains it, out of town or provisional (not yet confirmed by the registry): after the city's own
    assert set(found[3:]) == {"九江羽绒服饰有限公司", "共青城新羽绒服饰店"}


def test_local_subjects_come_before_out_of_town_and_provisional(db: Session, city: dict[str, str]) -> None:
    found = _names(db, "羽绒")
    far, provisional = found.index("九江羽绒服饰有限公司"), found.index("共青城新羽绒服饰店")
    assert found.index("共青城瑞雪羽绒服饰有限公司") < far
    assert found.index("共青城瑞雪羽绒服饰有限公司") < provisional


def test_each_result_says_what_it_matched(db: Session, city: dict[str, str]) -> None:
    hits, _ = service.search_hits(db, "鸿运 羽绒", PageRequest())
    assert [(h.entity.uscc, h.matched) for h in hits] == [(city["renamed"], ("name", "former_name"))]
    assert hits[0].matched_labels == "名称、曾用名"
    code = city["huili"]
    by_code, _ = service.search_hits(db, code.lower(), PageRequest())
    assert [(h.entity.uscc, h.matched_labels) for h in by_code] == [(code, "统一社会信用代码")]
    by_pinyin, _ = service.search_hits(db, "huili xieye", PageRequest())
    assert [(h.entity.uscc, h.matched_labels) for h in by_pinyin] == [(city["huili_shoes"], "拼音")]
    by_initials, _ = service.search_hits(db, "gqchl", PageRequest())
    assert {h.entity.uscc for h in by_initials} == {city["huili"], city["huili_shoes"]}
    assert all(h.matched_labels == "拼音首字母" for h in by_initials)


def test_pages_follow_the_relevance_order(db: Session, city: dict[str, str]) -> None:
    every = _names(db, "羽绒")
    paged = [hit.entity.name for n in (1, 2, 3) for hit in service.search_hits(db, "羽绒", PageRequest(n, 2))[0]]
    assert paged == every


@pytest.mark.parametrize("query", ["x" * 101, "汇立\x00"])
def test_hostile_queries_are_refused(db: Session, city: dict[str, str], query: str) -> None:
    with pytest.raises(InvalidInput):
        service.search_hits(db, query, PageRequest())


def test_wildcards_and_many_words_are_harmless(db: Session, city: dict[str, str]) -> None:
    assert _names(db, "% _") == []
    assert _names(db, " ".join(["汇立"] * 30)) == _names(db, "汇立")


def test_relevance_rule_is_pure() -> None:
    assert search_words(" a\u3000b  c ") == ["a", "b", "c"]
    local = relevance("汇立", "共青城汇立服装", "X", "360482", False)
    assert relevance("汇立", "汇立", "X", "360400", False) < relevance("汇立", "汇立服装", "X", "360482", False)
    assert local < relevance("汇立", "九江汇立服装", "Y", "360400", False)
    assert local < relevance("汇立", "共青城汇立服装", "Z", "360482", True)
