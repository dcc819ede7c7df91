"""Joint punishment against both databases: the seeded catalogue and memoranda, the embedded check during, before
and after an entry's validity, unknown vs known clean subjects, a person hit through a legal representative role,
a scenario without a measure, feedback once per measure, and the monthly statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, REVIEWER, at, listed
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole
from xinyong.lists import service as lists
from xinyong.punishment import service
from xinyong.punishment.models import Check
from xinyong.punishment.rules import DEFAULT_MEASURES, Scenario
from xinyong.punishment.schemas import CheckIn, CheckOut, FeedbackIn, MeasureIn, MemorandumIn

SYSTEM_A = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统", department_code="CZJ")
SYSTEM_B = Actor(role=Role.BUSINESS_SYSTEM, id="client-ggzy", name="公共资源交易系统")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _check(
    session: Session, subject: dict[str, Any], scenario: str = "government_procurement", actor: Actor = SYSTEM_A
) -> CheckOut:
    data = CheckIn.model_validate({"subject": subject, "scenario": scenario, "purpose": "采购项目资格审查"})
    return service.run_check(session, actor, data)


def test_the_catalogue_is_seeded_with_the_notice_measures_and_memoranda(seeded: Session) -> None:
    measures = service.list_measures(seeded)
    assert {m.code for m in measures} == {m.code for m in DEFAULT_MEASURES}
    names = " ".join(m.name for m in measures)
    for wanted in (
        "政府采购",
        "公共资源交易",
        "财政性资金",
        "税收优惠",
        "股票",
        "企业债券",
        "授信",
        "飞机",
        "列车",
        "出境",
        "通报批评",
        "公开谴责",
        "不予接纳",
        "劝退",
        "重点监管",
    ):
        assert wanted in names, wanted
    assert {m.category for m in measures} == {"rights_reducing", "management", "market_social"}
    assert [m.code for m in service.list_measures(seeded, scenario=Scenario.FLIGHTS)] == ["TR01"]
    memoranda = service.list_memoranda(seeded)
    assert {m.level for m in memoranda} == {"national", "city"}
    assert service.seed_catalogue(seeded) == 0, "idempotent"


def test_office_adds_measures_and_memoranda_only_from_the_catalogue(seeded: Session) -> None:
    data = MeasureIn.model_validate(
        {
            "code": "HS01", "name": "限制申请保障性住房", "category": "rights_reducing",
            "legal_basis": "《公共租赁住房管理办法》", "list_types": ["serious"], "department": "市住建局",
            "scenarios": ["fiscal_funds"],
        }
    )  # fmt: skip
    with pytest.raises(Forbidden):
        service.create_measure(seeded, REVIEWER, data)
    service.create_measure(seeded, OFFICE, data)
    with pytest.raises(Conflict):
        service.create_measure(seeded, OFFICE, data)
    with pytest.raises(InvalidInput) as bad:
        service.create_measure(seeded, OFFICE, data.model_copy(update={"code": "HS02", "list_types": ["nope"]}))
    assert bad.value.field == "list_types"
    memo = {"number": "共信办〔2024〕3号", "name": "住房领域备忘录", "level": "city", "signing_bodies": ["市住建局"]}
    with pytest.raises(InvalidInput) as bad:
        service.create_memorandum(
            seeded,
            OFFICE,
            MemorandumIn.model_validate({**memo, "links": [{"list_type": "serious", "measure_codes": ["XX99"]}]}),
        )
    assert bad.value.field == "links.0.measure_codes"
    with pytest.raises(InvalidInput):  # HS01 is not for the watch list
        service.create_memorandum(
            seeded,
            OFFICE,
            MemorandumIn.model_validate({**memo, "links": [{"list_type": "watch", "measure_codes": ["HS01"]}]}),
        )
    made = service.create_memorandum(
        seeded,
        OFFICE,
        MemorandumIn.model_validate({**memo, "links": [{"list_type": "serious", "measure_codes": ["HS01"]}]}),
    )
    assert made.links[0].measure_codes == ["HS01"]


def test_a_check_is_restricted_only_while_the_entry_is_in_force(seeded: Session) -> None:
    firm = builders.entity(seeded)
    at(dt.date(2024, 9, 1))
    before = _check(seeded, {"uscc": firm.uscc})
    assert before.outcome == "clear" and before.subject_known and not before.listed
    entry = listed(seeded, firm.uscc)
    assert entry.valid_from is not None
    at(entry.valid_from + dt.timedelta(days=3))
    during = _check(seeded, {"uscc": firm.uscc})
    assert during.outcome == "restricted" and during.listed
    assert [e.entry_id for e in during.entries] == [entry.id]
    assert during.entries[0].decision_doc_no == entry.decision_doc_no and during.entries[0].source == "local"
    codes = [m.code for m in during.measures]
    assert codes == ["GP01", "MG01"]
    gp = during.measures[0]
    assert "政府采购法" in gp.legal_basis and gp.department == "市财政局" and gp.entry_ids == [entry.id]
    assert "限制参与政府采购活动" in during.explanation
    assert entry.earliest_exit_on is not None
    at(entry.earliest_exit_on)
    assert _check(seeded, {"uscc": firm.uscc}).outcome == "restricted"
    lists.exit_entry(seeded, REVIEWER, entry.id, reason="信用修复完成")
    after = _check(seeded, {"uscc": firm.uscc})
    assert after.outcome == "clear" and after.entries == []
    rows = seeded.scalars(select(Check).order_by(Check.id)).all()
    assert [r.outcome for r in rows] == ["clear", "restricted", "restricted", "clear"]
    assert rows[1].requester_id == "client-gp" and rows[1].purpose == "采购项目资格审查"
    assert rows[1].answer["measures"][0]["code"] == "GP01"
    at(dt.date.today() + dt.timedelta(days=1))  # a minute later the log is sealed into the audit chain
    sealed = service.seal_checks(seeded, builders.SYSTEM)
    assert (sealed.seals, sealed.checks, sealed.up_to) == (1, 4, rows[-1].id)
    event = seeded.scalars(select(AuditEvent).where(AuditEvent.action == "punishment:checks:sealed")).one()
    assert event.payload["count"] == 4 and service.verify_check_seals(seeded).ok


def test_unknown_subject_and_known_clean_subject_are_told_apart(seeded: Session) -> None:
    at(dt.date(2024, 9, 1))
    clean = builders.entity(seeded)
    known = _check(seeded, {"uscc": clean.uscc})
    unknown = _check(seeded, {"uscc": builders.new_uscc()})
    assert known.subject_known and not unknown.subject_known
    assert known.outcome == unknown.outcome == "clear"
    assert "未登记" in unknown.explanation and "未被列入" in known.explanation


def test_a_person_is_hit_through_a_legal_representative_role_and_never_stored_in_clear(seeded: Session) -> None:
    firm = builders.entity(seeded)
    number = builders.new_resident_id()
    boss = entities.upsert_person(seeded, builders.SYSTEM, "李法人", "resident_id", number)
    entities.link_person(
        seeded, builders.SYSTEM, firm.uscc, boss, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2019, 1, 1)
    )
    entry = listed(seeded, firm.uscc, conduct_date=dt.date(2024, 5, 1))
    assert entry.valid_from is not None
    at(entry.valid_from + dt.timedelta(days=1))
    answer = _check(seeded, {"id_type": "resident_id", "id_number": number, "name": "李法人"}, scenario="flights")
    assert answer.subject_kind == "person" and answer.subject_known and answer.outcome == "restricted"
    assert answer.entries[0].via == "法定代表人" and answer.entries[0].via_uscc == firm.uscc
    assert [m.code for m in answer.measures] == ["TR01"]
    assert number not in answer.subject and "*" in answer.subject
    row = seeded.scalars(select(Check)).one()
    assert number not in row.subject_key and number not in str(row.answer) and number not in row.subject_display
    at(dt.date.today() + dt.timedelta(days=1))
    service.seal_checks(seeded, builders.SYSTEM)
    for event in seeded.scalars(select(AuditEvent).where(AuditEvent.action.like("punishment:%"))):
        assert number not in str(event.payload)
    stranger = _check(
        seeded, {"id_type": "resident_id", "id_number": builders.new_resident_id(dt.date(1990, 1, 1)), "name": "王某"}
    )
    assert not stranger.subject_known and stranger.outcome == "clear"


def test_a_scenario_without_an_applicable_measure_reports_the_entry_only(seeded: Session) -> None:
    firm = builders.entity(seeded)
    entry = listed(seeded, firm.uscc, list_type="watch", key_field="家政")
    assert entry.valid_from is not None
    at(entry.valid_from + dt.timedelta(days=1))
    answer = _check(seeded, {"uscc": firm.uscc}, scenario="tax_incentives")
    assert answer.listed and answer.outcome == "clear" and answer.measures == []
    assert [e.entry_id for e in answer.entries] == [entry.id]
    assert "无适用的联合惩戒措施" in answer.explanation


def test_bad_subjects_name_the_field(seeded: Session) -> None:
    at(dt.date(2024, 9, 1))
    cases = [
        ({"uscc": "91360482MA12345"}, "subject.uscc"),
        ({"uscc": builders.new_uscc(), "id_number": "x"}, "subject"),
        ({}, "subject.id_type"),
        ({"id_type": "resident_id", "name": "王某"}, "subject.id_number"),
        ({"id_type": "resident_id", "id_number": "360482198506010000", "name": "王某"}, "subject.id_number"),
        ({"id_type": "card", "id_number": "123456", "name": "王某"}, "subject.id_type"),
    ]
    for subject, field in cases:
        with pytest.raises(InvalidInput) as bad:
            _check(seeded, subject)
        assert bad.value.field is not None and bad.value.field.endswith(field), (subject, bad.value.field)


def test_feedback_once_per_measure_and_the_statistics(seeded: Session) -> None:
    firm = builders.entity(seeded)
    entry = listed(seeded, firm.uscc)
    assert entry.valid_from is not None
    day = entry.valid_from + dt.timedelta(days=1)
    at(day)
    first = _check(seeded, {"uscc": firm.uscc})
    second = _check(seeded, {"uscc": firm.uscc}, scenario="public_resource_trading", actor=SYSTEM_B)
    _check(seeded, {"uscc": builders.new_uscc()})
    with pytest.raises(Forbidden):
        service.record_feedback(seeded, SYSTEM_B, first.check_id, FeedbackIn(measure_code="GP01", applied=True))
    with pytest.raises(InvalidInput) as bad:
        service.record_feedback(seeded, SYSTEM_A, first.check_id, FeedbackIn(measure_code="MG01", applied=False))
    assert bad.value.field == "reason"
    with pytest.raises(InvalidInput) as bad:
        service.record_feedback(seeded, SYSTEM_A, first.check_id, FeedbackIn(measure_code="TR01", applied=True))
    assert bad.value.field == "measure_code"
    done = service.record_feedback(seeded, SYSTEM_A, first.check_id, FeedbackIn(measure_code="GP01", applied=True))
    assert done.applied
    with pytest.raises(Conflict):
        service.record_feedback(
            seeded, SYSTEM_A, first.check_id, FeedbackIn(measure_code="GP01", applied=False, reason="x")
        )
    service.record_feedback(
        seeded, SYSTEM_A, first.check_id, FeedbackIn(measure_code="MG01", applied=False, reason="项目已终止")
    )
    service.record_feedback(seeded, SYSTEM_B, second.check_id, FeedbackIn(measure_code="PR01", applied=True))

    stats = service.statistics(seeded, day.strftime("%Y-%m"))
    assert (stats.checks, stats.restricted, stats.measures_returned, stats.applied, stats.not_applied) == (
        3,
        2,
        4,
        2,
        1,
    )
    by_code = {s.measure_code: s for s in stats.by_measure}
    assert by_code["MG01"].returned == 2 and by_code["MG01"].not_applied == 1 and by_code["MG01"].pending == 1
    assert by_code["PR01"].department == "市政务服务管理局" and by_code["PR01"].applied == 1
    assert {r.requester: r.checks for r in stats.by_requester} == {"client-gp": 2, "client-ggzy": 1}
    departments = {d.department: (d.returned, d.applied, d.not_applied, d.pending) for d in stats.by_department}
    assert departments == {"市财政局": (1, 1, 0, 0), "市市场监管局": (2, 0, 1, 1), "市政务服务管理局": (1, 1, 0, 0)}
    empty = service.statistics(seeded, "2020-01")
    assert empty.checks == 0 and empty.by_measure == []
    with pytest.raises(InvalidInput) as bad:
        service.statistics(seeded, "2024-13")
    assert bad.value.field == "month"


def test_a_system_is_told_of_list_changes_after_its_check(seeded: Session) -> None:
    firm = builders.entity(seeded)
    other = builders.entity(seeded, name="共青城另一家公司")
    at(dt.date(2024, 9, 20))
    first = _check(seeded, {"uscc": firm.uscc})
    _check(seeded, {"uscc": other.uscc}, actor=SYSTEM_B)
    assert service.changes_for(seeded, SYSTEM_A) == []
    entry = listed(seeded, firm.uscc, notice_on=dt.date(2024, 9, 27))
    assert entry.published_on is not None and entry.earliest_exit_on is not None
    told = service.changes_for(seeded, SYSTEM_A)
    assert [(c.event, c.entry_id, c.check_id, c.on) for c in told] == [
        ("listed", entry.id, first.check_id, entry.published_on)
    ]
    assert service.changes_for(seeded, SYSTEM_B) == [], "another system checked another subject"
    at(entry.earliest_exit_on)
    assert service.changes_for(seeded, SYSTEM_A) == [], "the first check is older than the window"
    again = _check(seeded, {"uscc": firm.uscc})
    lists.exit_entry(seeded, REVIEWER, entry.id, reason="信用修复完成")
    told = service.changes_for(seeded, SYSTEM_A, days=30)
    assert [(c.event, c.exit_kind, c.check_id) for c in told] == [("exited", "提前移出", again.check_id)]
