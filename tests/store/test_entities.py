"""The entity master and related persons, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit
from xinyong.core.actor import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import IdType, validate_uscc
from xinyong.core.pagination import PageRequest
from xinyong.entities import service
from xinyong.entities.models import Entity, Person
from xinyong.entities.rules import AliasType, PersonRole
from xinyong.entities.schemas import EntityIn


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def test_create_then_rename_keeps_former_name(seeded: Session) -> None:
    made = builders.entity(seeded, name="共青城恒泰跨境电子商务有限公司")
    assert made.authority == "9" and made.org_type == "1" and made.region_code == "360482"
    _, created = service.upsert_entity(seeded, builders.SYSTEM, EntityIn(uscc=made.uscc, name="江西恒泰电商有限公司"))
    assert not created
    assert service.former_names(seeded, made.uscc) == ["共青城恒泰跨境电子商务有限公司"]
    rows, total = service.search_entities(seeded, "恒泰跨境", PageRequest())
    assert total == 1 and rows[0].uscc == made.uscc, "search finds an entity by its former name"


def test_unchanged_upsert_writes_no_audit_event(seeded: Session) -> None:
    made = builders.entity(seeded)
    head = audit.verify(seeded).checked
    service.upsert_entity(seeded, builders.SYSTEM, EntityIn(uscc=made.uscc, name=made.name))
    assert audit.verify(seeded).checked == head


def test_get_by_alias_and_malformed_code(seeded: Session) -> None:
    made = builders.entity(seeded)
    service.add_alias(seeded, builders.SYSTEM, made.uscc, AliasType.REGISTRATION_NO, "360482000012345")
    assert service.get_entity(seeded, "360482000012345").uscc == made.uscc
    with pytest.raises(InvalidInput) as bad:
        service.get_entity(seeded, made.uscc[:-1] + ("0" if made.uscc[-1] != "0" else "1"))
    assert bad.value.field == "uscc"
    with pytest.raises(NotFound):
        service.get_entity(seeded, builders.new_uscc())


def test_alias_cannot_point_to_two_entities(seeded: Session) -> None:
    a, b = builders.entity(seeded, name="甲公司"), builders.entity(seeded, name="乙公司")
    service.add_alias(seeded, builders.SYSTEM, a.uscc, AliasType.ORGANISATION_CODE, "MA35G3R27")
    with pytest.raises(Conflict):
        service.add_alias(seeded, builders.SYSTEM, b.uscc, AliasType.ORGANISATION_CODE, "MA35G3R27")


def test_search_by_prefix_and_substring_paginates(seeded: Session) -> None:
    for i in range(5):
        builders.entity(seeded, name=f"共青城基金小镇第{i}投资管理合伙企业（有限合伙）")
    rows, total = service.search_entities(seeded, "投资管理合伙", PageRequest(page=2, page_size=2))
    assert total == 5 and len(rows) == 2
    prefix = rows[0].uscc[:10]
    rows, total = service.search_entities(seeded, prefix.lower(), PageRequest())
    assert total >= 1 and all(r.uscc.startswith(prefix) for r in rows)
    rows, total = service.search_entities(seeded, "100%_", PageRequest())
    assert total == 0, "LIKE wildcards in the query are literal"


def test_person_id_is_encrypted_and_found_by_blind_index(seeded: Session) -> None:
    number = builders.new_resident_id()
    person = service.upsert_person(seeded, builders.SYSTEM, "张三", IdType.RESIDENT_ID, number)
    stored = seeded.execute(select(Person.id_number_enc, Person.id_masked)).one()
    assert number not in stored.id_number_enc
    assert get_cipher().decrypt(stored.id_number_enc, context=service.ID_CONTEXT) == number
    assert stored.id_masked == number[:6] + "********" + number[-4:]
    again = service.upsert_person(seeded, builders.SYSTEM, "张三", IdType.RESIDENT_ID, number.lower())
    assert again.id == person.id
    assert service.find_person(seeded, IdType.RESIDENT_ID, number) is not None


def test_bad_person_id_is_refused_with_field(seeded: Session) -> None:
    with pytest.raises(InvalidInput) as bad:
        service.upsert_person(seeded, builders.SYSTEM, "李四", IdType.RESIDENT_ID, "360482199902301234")
    assert bad.value.field


def test_new_legal_representative_closes_previous(seeded: Session) -> None:
    made = builders.entity(seeded)
    old = service.upsert_person(seeded, builders.SYSTEM, "王五", IdType.RESIDENT_ID, builders.new_resident_id())
    new = service.upsert_person(seeded, builders.SYSTEM, "赵六", IdType.RESIDENT_ID, builders.new_resident_id())
    service.link_person(
        seeded,
        builders.SYSTEM,
        made.uscc,
        old,
        PersonRole.LEGAL_REPRESENTATIVE,
        valid_from=dt.date(2018, 1, 1),
    )
    service.link_person(
        seeded,
        builders.SYSTEM,
        made.uscc,
        new,
        PersonRole.LEGAL_REPRESENTATIVE,
        valid_from=dt.date(2023, 5, 1),
    )
    on_2020 = service.roles_of_entity(seeded, made.uscc, on=dt.date(2020, 1, 1))
    on_2024 = service.roles_of_entity(seeded, made.uscc, on=dt.date(2024, 1, 1))
    assert [p.name for _, p in on_2020] == ["王五"]
    assert [p.name for _, p in on_2024] == ["赵六"]
    assert len(service.roles_of_entity(seeded, made.uscc)) == 2, "the old link stays in history"
    with pytest.raises(Conflict):
        service.link_person(
            seeded,
            builders.SYSTEM,
            made.uscc,
            old,
            PersonRole.LEGAL_REPRESENTATIVE,
            valid_from=dt.date(2022, 1, 1),
        )


def test_person_responsible_for_several_entities(seeded: Session) -> None:
    person = service.upsert_person(seeded, builders.SYSTEM, "熊七", IdType.RESIDENT_ID, builders.new_resident_id())
    for name in ("甲羽绒制品有限公司", "乙人力资源服务有限公司"):
        made = builders.entity(seeded, name=name)
        service.link_person(
            seeded,
            builders.SYSTEM,
            made.uscc,
            person,
            PersonRole.ACTUAL_CONTROLLER,
            valid_from=dt.date(2020, 1, 1),
        )
    assert {e.name for _, e in service.entities_of_person(seeded, person.id)} == {
        "甲羽绒制品有限公司",
        "乙人力资源服务有限公司",
    }


def test_public_cannot_write(seeded: Session) -> None:
    with pytest.raises(Forbidden):
        service.upsert_entity(seeded, Actor.public(), EntityIn(uscc=builders.new_uscc(), name="某公司"))


def test_provisional_entity_is_confirmed_by_registry(seeded: Session) -> None:
    code = builders.new_uscc(region="440300")
    made = service.ensure_entity(seeded, builders.SYSTEM, code, "深圳某科技有限公司")
    assert made.provisional
    service.upsert_entity(seeded, builders.SYSTEM, EntityIn(uscc=code, name="深圳某科技有限公司"))
    assert not made.provisional
    assert validate_uscc(code).region_code == "440300"


def test_search_by_pinyin_and_initials(seeded: Session) -> None:
    made = builders.entity(seeded, name="共青城鸿瑞羽绒服饰有限公司")
    builders.entity(seeded, name="九江某某贸易有限公司")
    for query in ("gqc", "GQC", "gongqingcheng", "hongrui", "gqchr"):
        rows, _ = service.search_entities(seeded, query, PageRequest())
        assert [r.uscc for r in rows] == [made.uscc], query
    assert service.search_entities(seeded, "jjmm", PageRequest())[1] == 1


def test_one_and_two_character_queries_match_exactly(seeded: Session) -> None:
    """Short queries go through their own index on PostgreSQL (0018); the answer is the same on both databases."""
    pharmacy = builders.entity(seeded, name="共青城市仁和大药房")
    market = builders.entity(seeded, name="共青城市惠民超市")
    renamed = builders.entity(seeded, name="江西甲公司")
    service.upsert_entity(seeded, builders.SYSTEM, EntityIn(uscc=renamed.uscc, name="江西乙药业有限公司"))
    found = {
        q: {r.uscc for r in service.search_entities(seeded, q, PageRequest())[0]} for q in ("药房", "超", "甲", "司江")
    }
    assert found["药房"] == {pharmacy.uscc}
    assert found["超"] == {market.uscc}
    assert found["甲"] == {renamed.uscc}, "a former name is searched too"
    assert found["司江"] == set(), "no pair spans two names"
    assert service.search_entities(seeded, "药", PageRequest())[1] == 2


def test_search_finds_every_reading(seeded: Session) -> None:
    """都昌 by duchang and dc, 支行 by zhihang, 晟 by sheng and cheng, a surname by its surname reading."""
    duchang = builders.entity(seeded, name="都昌县长虹商行")
    bank = builders.entity(seeded, name="九江银行股份有限公司共青城支行")
    sheng = builders.entity(seeded, name="共青城晟达贸易有限公司")
    person = builders.entity(seeded, name="曾小红", uscc=builders.new_uscc("92"))
    expected = {
        "duchang": {duchang.uscc},
        "dcxch": {duchang.uscc},
        "changhongshanghang": {duchang.uscc},
        "zhihang": {bank.uscc},
        "gqczh": {bank.uscc},
        "shengda": {sheng.uscc},
        "chengda": {sheng.uscc},
        "gqcsd": {sheng.uscc},
        "zengxiaohong": {person.uscc},
        "zxh": {person.uscc},
    }
    for query, usccs in expected.items():
        rows, _ = service.search_entities(seeded, query, PageRequest())
        assert {r.uscc for r in rows} == usccs, query
    assert service.search_entities(seeded, "douchangxian", PageRequest())[1] == 0


def test_rekey_recomputes_old_keys(seeded: Session) -> None:
    made = builders.entity(seeded, name="都昌县长虹商行")
    made.name_pinyin, made.name_initials = "douchangxianzhanghongshangxing", "dcxzhsx"  # keys of the old rules
    seeded.flush()
    changed, last = 0, ""
    while last is not None:
        count, last = service.rekey_names(seeded, last, limit=1)
        changed += count
    assert changed == 1
    seeded.refresh(made)
    assert made.name_pinyin.split(" ")[0] == "duchangxianchanghongshanghang"
    assert service.rekey_names(seeded, "")[0] == 0  # nothing left to change


def test_pinyin_queries_use_the_trigram_index_on_postgresql(seeded: Session) -> None:
    if seeded.get_bind().dialect.name != "postgresql":
        pytest.skip("the trigram indexes are PostgreSQL's")
    for number in range(30):
        builders.entity(seeded, name=f"都昌县第{number}长虹商行")
    seeded.execute(text("ANALYZE entities"))
    seeded.execute(text("SET LOCAL enable_seqscan = off"))
    for query in ("duchang", "dcx"):
        condition = service._search_condition(seeded, query, query.upper())
        statement = select(Entity.uscc).where(condition).limit(service.SEARCH_COUNT_CAP)
        compiled = statement.compile(dialect=seeded.get_bind().dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in seeded.execute(text(f"EXPLAIN {compiled}")))
        assert "trgm_entities_name_pinyin" in plan or "trgm_entities_name_initials" in plan, plan
