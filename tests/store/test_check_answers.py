"""The check's answers are exact (both databases): a person bound through two roles in one listed entity gets the
entry once with both roles; a wrong name beside a right ID number is a warning, the ID deciding; scenarios by code or
Chinese label; statistics name the requesting system by its registered name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, at, listed
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole
from xinyong.punishment import service
from xinyong.punishment.schemas import CheckIn, CheckOut


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _check(session: Session, subject: dict[str, Any], scenario: str = "flights", actor: Any = None) -> CheckOut:
    data = CheckIn.model_validate({"subject": subject, "scenario": scenario, "purpose": "资格审查"})
    return service.run_check(session, actor or builders.SYSTEM, data)


def _boss_of_listed_firm(session: Session, roles: list[PersonRole]) -> tuple[str, str]:
    firm = builders.entity(session)
    number = builders.new_resident_id()
    boss = entities.upsert_person(session, builders.SYSTEM, "李法人", "resident_id", number)
    for role in roles:
        entities.link_person(session, builders.SYSTEM, firm.uscc, boss, role, valid_from=dt.date(2019, 1, 1))
    entry = listed(session, firm.uscc, conduct_date=dt.date(2024, 5, 1))
    assert entry.valid_from is not None
    at(entry.valid_from + dt.timedelta(days=1))
    return firm.uscc, number


def test_two_roles_in_one_listed_entity_give_one_entry_with_both_roles(seeded: Session) -> None:
    uscc, number = _boss_of_listed_firm(seeded, [PersonRole.LEGAL_REPRESENTATIVE, PersonRole.ACTUAL_CONTROLLER])
    answer = _check(seeded, {"id_type": "resident_id", "id_number": number, "name": "李法人"})
    assert answer.outcome == "restricted" and len(answer.entries) == 1
    entry = answer.entries[0]
    assert entry.via_uscc == uscc and sorted(entry.via_roles) == sorted(["法定代表人", "实际控制人"])
    assert "关联名单 1 条" in answer.explanation and "2 条" not in answer.explanation
    assert all(m.entry_ids == [entry.entry_id] for m in answer.measures)
    assert answer.warnings == []


def test_a_wrong_name_is_a_warning_and_the_id_number_decides(seeded: Session) -> None:
    _, number = _boss_of_listed_firm(seeded, [PersonRole.LEGAL_REPRESENTATIVE])
    spaced = _check(seeded, {"id_type": "resident_id", "id_number": number, "name": " 李 法人 "})
    assert spaced.warnings == []  # blanks are not a different name
    wrong = _check(seeded, {"id_type": "resident_id", "id_number": number, "name": "王五"})
    assert wrong.outcome == "restricted" and wrong.subject_known
    assert [w.code for w in wrong.warnings] == ["name_mismatch"]
    assert "不一致" in wrong.warnings[0].message and "王五" not in wrong.warnings[0].message


def test_an_unknown_person_gets_no_name_warning(seeded: Session) -> None:
    answer = _check(seeded, {"id_type": "resident_id", "id_number": builders.new_resident_id(), "name": "赵六"})
    assert not answer.subject_known and answer.warnings == []


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("政府采购", "government_procurement"),
        (" 公共资源交易 ", "public_resource_trading"),
        ("招投标", "public_resource_trading"),
        ("GOVERNMENT_PROCUREMENT", "government_procurement"),
        ("fiscal_funds", "fiscal_funds"),
    ],
)
def test_scenarios_by_code_or_chinese_label(given: str, code: str) -> None:
    data = CheckIn.model_validate({"subject": {"uscc": builders.new_uscc()}, "scenario": given, "purpose": "审查"})
    assert data.scenario.value == code


@pytest.mark.parametrize("given", ["政府", "procurement", "", "政府采购政府采购", 3, None])
def test_unknown_scenarios_are_refused(given: Any) -> None:
    with pytest.raises(ValidationError):
        CheckIn.model_validate({"subject": {"uscc": builders.new_uscc()}, "scenario": given, "purpose": "审查"})


def test_statistics_name_the_requesting_system(seeded: Session) -> None:
    client, _ = auth.create_api_client(seeded, OFFICE, name="测试系统", role=Role.BUSINESS_SYSTEM, department=None)
    system = auth.actor_for_client(client)
    day = builders.recent_day()
    at(day)
    _check(seeded, {"uscc": builders.new_uscc()}, scenario="政府采购", actor=system)
    _check(seeded, {"uscc": builders.new_uscc()}, actor=system)
    stats = service.statistics(seeded, day.strftime("%Y-%m"))
    (row,) = stats.by_requester
    assert (row.requester, row.requester_name, row.checks) == (f"api:{client.id}", "测试系统", 2)
