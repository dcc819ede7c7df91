"""Clause 14 against both databases: an entity's serious-list entry shows on the persons responsible at the time
of the conduct; a listing of a 机关事业单位 or 国有企业 produces notices to its supervising unit and the audit
office."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, OPERATOR, OTHER_OPERATOR, REVIEWER, at, listed
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.ids import make_uscc
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.entities.models import Person
from xinyong.entities.rules import PersonRole
from xinyong.lists import service as lists

PAGE = PageRequest()


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _person(session: Session, name: str) -> Person:
    return entities.upsert_person(session, builders.SYSTEM, name, "resident_id", builders.new_resident_id())


def test_persons_responsible_at_the_conduct_carry_the_listing(seeded: Session) -> None:
    at(dt.date(2024, 9, 1))
    firm = builders.entity(seeded)
    before, after, controller, shareholder = (_person(seeded, n) for n in ("李前任", "王现任", "赵控制", "钱股东"))
    link = entities.link_person
    link(seeded, builders.SYSTEM, firm.uscc, before, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2019, 1, 1))
    link(seeded, builders.SYSTEM, firm.uscc, after, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2024, 6, 1))
    link(seeded, builders.SYSTEM, firm.uscc, controller, PersonRole.ACTUAL_CONTROLLER, valid_from=None)
    link(seeded, builders.SYSTEM, firm.uscc, shareholder, PersonRole.SHAREHOLDER, valid_from=None)

    entry = listed(seeded, firm.uscc, conduct_date=dt.date(2024, 5, 1))
    on = dt.date(2024, 11, 1)
    found = lists.entries_of_person(seeded, before.id, on)
    assert [(f.role, f.entry.id, f.uscc) for f in found] == [("法定代表人", entry.id, firm.uscc)]
    assert found[0].role_to == dt.date(2024, 6, 1)
    assert lists.entries_of_person(seeded, after.id, on) == [], "took office after the conduct"
    assert [f.role for f in lists.entries_of_person(seeded, controller.id, on)] == ["实际控制人"]
    assert lists.entries_of_person(seeded, shareholder.id, on) == [], "shareholders are not responsible persons"
    assert lists.entries_of_person(seeded, before.id, dt.date(2024, 10, 10)) == [], "not yet decided"

    page = lists.person_entries(seeded, REVIEWER, before.id, on)
    assert page.own_entries == [] and [f.entry.id for f in page.via_entities] == [entry.id]
    assert page.id_masked.startswith("360482") and "*" in page.id_masked
    with pytest.raises(Forbidden):
        lists.person_entries(seeded, Actor(role=Role.ENTITY, id="e", entity_uscc=firm.uscc), before.id, on)
    with pytest.raises(NotFound):
        lists.person_entries(seeded, REVIEWER, 987654, on)


def test_watch_list_entries_do_not_follow_persons(seeded: Session) -> None:
    at(dt.date(2024, 9, 1))
    firm = builders.entity(seeded)
    boss = _person(seeded, "孙法人")
    entities.link_person(
        seeded, builders.SYSTEM, firm.uscc, boss, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2020, 1, 1)
    )
    listed(seeded, firm.uscc, list_type="watch", key_field="家政")
    assert lists.entries_of_person(seeded, boss.id, dt.date(2024, 11, 1)) == []


def test_a_public_institution_decision_notifies_supervisor_and_audit_office(seeded: Session) -> None:
    at(dt.date(2024, 9, 1))
    uscc = make_uscc("1", "2", "360482", "41234567")  # 机构编制 / 事业单位
    school = builders.entity(seeded, name="共青城市某某学校", uscc=uscc)
    entry = listed(seeded, school.uscc, until="decide")
    items, total = lists.list_notices(seeded, OFFICE, page=PAGE)
    assert total == 2
    kinds = {n.recipient_kind: n for n in items}
    assert kinds["审计部门"].recipient_department == "SJJ" and kinds["审计部门"].recipient_name == "共青城市审计局"
    assert kinds["上级主管单位"].recipient_name == "上级主管单位（待信用办登记）"
    assert all(n.entry_id == entry.id and n.sector == "机关事业单位" for n in items)
    assert "共青城市某某学校" in items[0].content and "市市场监管局" in items[0].content
    # the deciding department sees them, the audit office sees the one addressed to it, another department none
    assert lists.list_notices(seeded, OPERATOR, page=PAGE)[1] == 2
    auditor_dept = Actor(role=Role.DEPT_OPERATOR, id="sjj", department_code="SJJ")
    assert [n.recipient_kind for n in lists.list_notices(seeded, auditor_dept, page=PAGE)[0]] == ["审计部门"]
    assert lists.list_notices(seeded, OTHER_OPERATOR, page=PAGE)[1] == 0


def test_a_state_owned_enterprise_is_marked_by_the_office(seeded: Session) -> None:
    at(dt.date(2024, 9, 1))
    firm = builders.entity(seeded, name="共青城市城市建设投资有限公司")
    plain = listed(seeded, firm.uscc, until="decide")
    assert lists.list_notices(seeded, OFFICE, page=PAGE)[1] == 0, "not marked: an ordinary enterprise"
    with pytest.raises(Forbidden):
        lists.set_public_sector(seeded, REVIEWER, firm.uscc, "国有企业", "共青城市国有资产监督管理委员会")
    with pytest.raises(InvalidInput) as bad:
        lists.set_public_sector(seeded, OFFICE, firm.uscc, "民营企业", "x")
    assert bad.value.field == "sector"
    lists.set_public_sector(seeded, OFFICE, firm.uscc, "国有企业", "共青城市国有资产监督管理委员会")
    assert lists.sector_of(seeded, firm.uscc) == ("国有企业", "共青城市国有资产监督管理委员会")
    second = listed(seeded, firm.uscc, until="decide", notice_on=dt.date(2024, 11, 5))
    items, total = lists.list_notices(seeded, OFFICE, page=PAGE, entry_id=second.id)
    assert total == 2
    supervisor = next(n for n in items if n.recipient_kind == "上级主管单位")
    assert supervisor.recipient_department == "GZW", "the supervising unit is a member department"
    assert lists.list_notices(seeded, OFFICE, page=PAGE, entry_id=plain.id)[1] == 0
