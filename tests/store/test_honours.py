"""The honour lists (守信激励, 红名单) against both databases: honour types with their basis, issuing body and term;
an entry added by one office account and approved by another; in force from its decision date to the end of its
term; ended early by the office or lapsed by the sweep; never binding; every step logged and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.honours import CHIEF, CLERK, honour_body, honoured
from tests.support.lists import OPERATOR, SYSTEM, at, listed
from xinyong.core import audit
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntryStep
from xinyong.lists.schemas import HonourIn


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def test_honour_types_carry_basis_issuing_body_and_term(seeded: Session) -> None:
    found = {t.code: t for t in lists.honour_types(seeded)}
    assert set(found) >= {"honest_model", "tax_a_grade", "contract_keeping"}
    model = found["honest_model"]
    assert model.category == "honour" and "国发〔2016〕33号" in model.legal_basis
    assert model.issuing_body == "共青城市社会信用体系建设领导小组办公室" and model.duration_months == 24
    assert found["tax_a_grade"].issuing_body == "国家税务总局江西省税务局"
    with pytest.raises(InvalidInput) as wrong:
        lists.honour_type(seeded, "serious")
    assert wrong.value.field == "list_type"


def test_lifecycle_two_persons_in_force_end(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 6, 3))
    entry = honoured(seeded, made.uscc, approve=False)
    assert entry.status == "拟列入" and entry.honour and entry.proposed_by == CLERK.id
    assert (entry.valid_from, entry.valid_to) == (dt.date(2024, 6, 1), dt.date(2026, 6, 1))
    assert lists.honours_of(seeded, made.uscc) == [], "not public before approval"
    with pytest.raises(Forbidden):
        lists.approve_honour(seeded, CLERK, entry.id)  # two-person rule
    with pytest.raises(Forbidden):
        lists.approve_honour(seeded, OPERATOR, entry.id)  # a department is not the office
    lists.approve_honour(seeded, CHIEF, entry.id)
    assert entry.status == "已公示" and entry.published_on == dt.date(2024, 6, 3)
    shown = lists.honours_of(seeded, made.uscc)
    assert [h.id for h in shown] == [entry.id] and shown[0].category == "honour"
    assert lists.current_entries(seeded, uscc=made.uscc, on=dt.date(2024, 6, 3)) == [], "an honour never binds"
    assert lists.binding_entity(seeded, made.uscc, dt.date(2024, 6, 3)) == (True, [])
    with pytest.raises(Conflict):
        lists.approve_honour(seeded, CHIEF, entry.id)

    at(dt.date(2024, 9, 1))
    with pytest.raises(InvalidInput) as empty:
        lists.end_honour(seeded, CHIEF, entry.id, reason="   ")
    assert empty.value.field == "reason"
    lists.end_honour(seeded, CHIEF, entry.id, reason="发现存在未履行的行政处罚决定")
    assert entry.status == "已移出" and entry.exit_kind == "终止公示" and entry.exit_date == dt.date(2024, 9, 1)
    assert lists.honours_of(seeded, made.uscc) == []
    assert [h.id for h in lists.honours_of(seeded, made.uscc, dt.date(2024, 8, 31))] == [entry.id]
    steps = list(seeded.scalars(select(ListEntryStep).where(ListEntryStep.entry_id == entry.id)))
    assert [s.step for s in steps] == ["nominate", "approve", "end"]
    assert [s.actor_id for s in steps] == [CLERK.id, CHIEF.id, CHIEF.id]
    events = list(
        seeded.scalars(
            select(audit.AuditEvent.action)
            .where(audit.AuditEvent.subject_type == "list_entry", audit.AuditEvent.subject_id == str(entry.id))
            .order_by(audit.AuditEvent.seq)
        )
    )
    assert events == ["lists:honour:nominate", "lists:honour:approve", "lists:honour:end"]
    assert audit.verify(seeded).ok


def test_decline_and_lapse(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 6, 3))
    declined = honoured(seeded, made.uscc, approve=False, decision_doc_no="共信用办〔2024〕9号")
    lists.decline_honour(seeded, CHIEF, declined.id, reason="材料不全")
    assert declined.status == "不予列入"
    lapsing = honoured(seeded, made.uscc, list_type="tax_a_grade", department="SWJ", decision_doc_no="赣税〔2024〕1号")
    assert lapsing.valid_to == dt.date(2025, 6, 1)
    at(dt.date(2025, 6, 2))
    assert lists.honours_of(seeded, made.uscc) == [], "out of term the day after it ends"
    result = lists.expire_entries(seeded, SYSTEM, dt.date(2025, 6, 2))
    assert result.expired >= 1 and lapsing.status == "已移出" and lapsing.exit_kind == "期满移出"
    assert lists.expire_entries(seeded, SYSTEM, dt.date(2025, 6, 2)).expired == 0, "idempotent"


def test_bad_input_is_refused(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 6, 3))
    cases: list[tuple[dict[str, object], str]] = [
        ({"list_type": "nope"}, "list_type"),
        ({"list_type": "watch"}, "list_type"),
        ({"uscc": "91360482MA00000000"}, "uscc"),
        ({"department": "NOPE"}, "department"),
        ({"decision_date": "2030-01-01"}, "decision_date"),
        ({"decision_date": "2019-01-01"}, "decision_date"),
        ({"reason": "事迹\x00"}, "reason"),
    ]
    for change, field in cases:
        with pytest.raises((InvalidInput, NotFound)) as refused:
            lists.nominate_honour(seeded, CLERK, HonourIn.model_validate({**honour_body(made.uscc), **change}))
        assert refused.value.field == field or field in str(refused.value.field), (change, refused.value.field)
    with pytest.raises(ValidationError):
        HonourIn.model_validate(honour_body(made.uscc, reason="x" * 5001))
    with pytest.raises(ValidationError):
        HonourIn.model_validate({**honour_body(made.uscc), "extra": 1})
    with pytest.raises(Forbidden):
        lists.nominate_honour(seeded, OPERATOR, HonourIn.model_validate(honour_body(made.uscc)))
    public = Actor(role=Role.PUBLIC)
    with pytest.raises(Forbidden):
        lists.nominate_honour(seeded, public, HonourIn.model_validate(honour_body(made.uscc)))
    honoured(seeded, made.uscc)
    with pytest.raises(Conflict):
        honoured(seeded, made.uscc)  # the same honour by the same document twice
    with pytest.raises(NotFound):
        lists.approve_honour(seeded, CHIEF, 10**9)
    serious = listed(seeded, made.uscc)
    with pytest.raises(NotFound):
        lists.end_honour(seeded, CHIEF, serious.id, reason="不是守信激励条目")


def test_an_a_grade_taxpayer_from_upstream_is_an_honour_only_its_source_changes(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 6, 3))
    lists.honour_types(seeded)
    entry = lists.apply_upstream_entry(
        seeded,
        SYSTEM,
        lists.UpstreamEntry(
            source="jx_tax",
            source_name="江西省税务局纳税信用A级纳税人名单",
            level="provincial",
            issuing_body="国家税务总局江西省税务局",
            upstream_id="A-2024-0001",
            version=1,
            list_code="tax_a_grade",
            department="SWJ",
            subject_uscc=made.uscc,
            subject_person_id=None,
            subject_name=made.name,
            status="active",
            facts="2023年度纳税信用评价为A级",
            basis="《纳税信用管理办法（试行）》",
            decision_doc_no="赣税信评〔2024〕1号",
            decision_date=dt.date(2024, 4, 30),
            valid_from=dt.date(2024, 4, 30),
            valid_to=dt.date(2025, 4, 29),
            exit_date=None,
            reason=None,
        ),
    )
    assert entry.honour and entry.origin == "upstream"
    shown = lists.honours_of(seeded, made.uscc)
    assert [h.id for h in shown] == [entry.id] and shown[0].upstream is not None
    assert lists.current_entries(seeded, uscc=made.uscc, on=dt.date(2024, 6, 3)) == []
    with pytest.raises(Forbidden):
        lists.end_honour(seeded, CHIEF, entry.id, reason="本市不得自行终止上级来源条目")
    steps = list(seeded.scalars(select(ListEntryStep.step).where(ListEntryStep.entry_id == entry.id)))
    assert steps == ["upstream"], "an honour's arrival is no listing: no change notice to business systems"
