"""Commitments on SQLite and PostgreSQL: eligibility with recorded refusals, the signed letter fixed by its SM3
hash, 容缺 due dates on the working-day calendar, breaches with their configured consequences, the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import entity_actor, item, sign, template
from xinyong.commitments import fulfilment, service
from xinyong.commitments.models import Commitment, CommitmentRefusal, CommitmentSuspension, ToleranceCase
from xinyong.commitments.rules import CheckResult, CommitmentStatus, ToleranceStatus
from xinyong.commitments.schemas import CheckIn, ConsequenceIn, SignIn, SupplyIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.clock import BEIJING
from xinyong.core.errors import Conflict, Forbidden, InvalidInput
from xinyong.records import service as records
from xinyong.records.rules import Kind, Severity

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _freeze(day: dt.date) -> None:
    clock.freeze(dt.datetime.combine(day, dt.time(10, 0), tzinfo=BEIJING))


def _records_of(db: Session, uscc: str) -> list[records.RecordOut]:
    found, _ = records.records_of_entity(db, OFFICE, uscc)
    return found


def test_an_eligible_entity_signs_and_the_letter_becomes_a_credit_record(seeded: Session) -> None:
    made = builders.entity(seeded, name="共青城甘露食品商行有限公司")
    catalogue = item(seeded)
    commitment = sign(seeded, entity_actor(made.uscc), catalogue.id)
    assert commitment.status == CommitmentStatus.IN_FORCE and commitment.signed_via == "portal"
    assert "共青城甘露食品商行有限公司" in commitment.letter_text and made.uscc in commitment.letter_text
    assert "冷藏设施检测报告" in commitment.letter_text and commitment.signer == "王建国"
    assert service.verify_letter(commitment)
    [record] = [r for r in _records_of(seeded, made.uscc) if r.kind == Kind.COMMITMENT]
    assert record.doc_no == commitment.number and record.content["SM3"] == commitment.letter_sm3
    assert record.source_department == "SCJGJ" and record.id == commitment.record_id
    actions = seeded.execute(select(audit.AuditEvent.action)).scalars().all()
    assert "commitments:commitment:signed" in actions


def test_an_ineligible_entity_is_refused_with_the_reason_and_the_refusal_is_kept(seeded: Session) -> None:
    made = builders.entity(seeded)
    records.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, severity="严重"))
    catalogue = item(seeded)
    outcome = service.sign_commitment(
        seeded,
        entity_actor(made.uscc),
        SignIn(item_id=catalogue.id, signer="王建国", accept=True, missing_materials=["卫生许可"]),
    )
    assert outcome.commitment is None
    assert any("严重失信记录" in reason for reason in outcome.reasons)
    kept = seeded.execute(select(CommitmentRefusal).where(CommitmentRefusal.uscc == made.uscc)).scalar_one()
    assert kept.reasons == outcome.reasons and kept.item_id == catalogue.id
    assert seeded.execute(select(func.count()).select_from(Commitment)).scalar_one() == 0


def test_a_repaired_serious_record_no_longer_bars_the_option(seeded: Session) -> None:
    made = builders.entity(seeded)
    penalty, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, severity="严重"))
    catalogue = item(seeded)
    assert service.check_eligibility(seeded, entity_actor(made.uscc), None, catalogue.id)
    records.change_status(seeded, builders.SYSTEM, penalty.record_id, records.Status.REPAIRED, "信用修复完成")
    assert service.check_eligibility(seeded, entity_actor(made.uscc), None, catalogue.id) == []


def test_an_entity_cannot_sign_for_another(seeded: Session) -> None:
    mine, other = builders.entity(seeded), builders.entity(seeded, name="共青城另一家公司")
    catalogue = item(seeded)
    with pytest.raises(Forbidden):
        sign(seeded, entity_actor(mine.uscc), catalogue.id, uscc=other.uscc)


def test_a_window_signs_on_behalf_only_for_its_own_department(seeded: Session) -> None:
    made = builders.entity(seeded)
    catalogue = item(seeded)
    commitment = sign(seeded, builders.operator("SCJGJ"), catalogue.id, uscc=made.uscc)
    assert commitment.signed_via == "window" and commitment.signed_by_role == Role.DEPT_OPERATOR
    with pytest.raises(Forbidden):
        sign(seeded, builders.operator("SWJ"), catalogue.id, uscc=made.uscc)


def test_the_letter_cannot_change_after_signing(seeded: Session) -> None:
    made = builders.entity(seeded)
    commitment = sign(seeded, entity_actor(made.uscc), item(seeded).id)
    nested = seeded.begin_nested()
    commitment.letter_text = commitment.letter_text.replace("王建国", "李四")
    with pytest.raises(ValueError, match="cannot change"):
        seeded.flush()
    nested.rollback()
    # Changed behind the platform's back (raw SQL): the stored hash no longer matches the text.
    commitment = sign(seeded, entity_actor(made.uscc), item(seeded).id)
    seeded.execute(
        text("UPDATE commitments SET letter_text = :t WHERE id = :i"),
        {"t": commitment.letter_text + "（补充条款）", "i": commitment.id},
    )
    seeded.expire_all()
    assert not service.verify_letter(seeded.get(Commitment, commitment.id))  # type: ignore[arg-type]


def test_tolerance_due_date_counts_working_days_across_national_day(seeded: Session) -> None:
    _freeze(dt.date(2020, 9, 25))
    made = builders.entity(seeded)
    catalogue = item(seeded, tolerance_days=7)
    commitment = sign(seeded, entity_actor(made.uscc), catalogue.id)
    case = seeded.execute(select(ToleranceCase).where(ToleranceCase.commitment_id == commitment.id)).scalar_one()
    # 2020: National Day and Mid-Autumn 10-01..10-08 off, Sunday 09-27 and Saturday 10-10 worked.
    assert case.due_date == dt.date(2020, 10, 12) and not case.due_provisional
    assert "2020-10-12" in commitment.letter_text
    rows = fulfilment.tolerance_cases(seeded, builders.operator("SCJGJ"), dt.date(2020, 10, 9), state="due_soon")
    assert [c.id for c, _, _ in rows] == [case.id]


def test_supplying_the_materials_closes_the_case_as_kept(seeded: Session) -> None:
    made = builders.entity(seeded)
    commitment = sign(seeded, entity_actor(made.uscc), item(seeded).id)
    fulfilment.supply_materials(seeded, builders.operator("SCJGJ"), commitment.id, SupplyIn(note="已提交检测报告"))
    case = seeded.execute(select(ToleranceCase).where(ToleranceCase.commitment_id == commitment.id)).scalar_one()
    assert case.status == ToleranceStatus.SUPPLIED and commitment.status == CommitmentStatus.KEPT
    assert fulfilment.sweep_commitments(seeded, builders.SYSTEM, clock.today() + dt.timedelta(days=60)).breached == 0
    with pytest.raises(Conflict):
        fulfilment.supply_materials(seeded, builders.operator("SCJGJ"), commitment.id, SupplyIn(note="again"))
    with pytest.raises(Forbidden):
        fulfilment.supply_materials(seeded, builders.operator("SWJ"), commitment.id, SupplyIn(note="x"))


def test_missing_the_due_date_is_a_breach_with_the_configured_consequences(seeded: Session) -> None:
    _freeze(dt.date(2024, 3, 4))
    made = builders.entity(seeded)
    catalogue = item(seeded, tolerance_days=5, consequence=ConsequenceIn(severity="一般", suspend_months=6))
    commitment = sign(seeded, entity_actor(made.uscc), catalogue.id)
    assert fulfilment.sweep_commitments(seeded, builders.SYSTEM, dt.date(2024, 3, 11)).breached == 0  # due 03-11
    _freeze(dt.date(2024, 3, 12))
    result = fulfilment.sweep_commitments(seeded, builders.SYSTEM, dt.date(2024, 3, 12))
    assert (result.examined, result.breached) == (1, 1)
    assert fulfilment.sweep_commitments(seeded, builders.SYSTEM, dt.date(2024, 3, 12)).examined == 0  # idempotent
    seeded.refresh(commitment)
    assert commitment.status == CommitmentStatus.BROKEN
    [check] = fulfilment.checks_of(seeded, commitment.id)
    assert check.result == CheckResult.BROKEN and check.list_proposal is None
    dishonesty = records.get_record(seeded, OFFICE, check.dishonesty_record_id or 0)
    assert dishonesty.kind == Kind.COMMITMENT and dishonesty.severity == Severity.GENERAL
    suspension = seeded.execute(select(CommitmentSuspension)).scalar_one()
    assert suspension.ends_on == dt.date(2024, 9, 12)  # 6 months, Civil Code counting
    reasons = service.check_eligibility(seeded, entity_actor(made.uscc), None, catalogue.id)
    assert reasons and "2024-09-12" in reasons[0]


def test_a_false_commitment_is_serious_and_bars_the_option(seeded: Session) -> None:
    made = builders.entity(seeded)
    catalogue = item(seeded, commitment_type="审批替代", consequence=ConsequenceIn(severity="一般", suspend_months=0))
    commitment = sign(seeded, entity_actor(made.uscc), catalogue.id)
    check = fulfilment.record_check(
        seeded,
        builders.operator("SCJGJ"),
        commitment.id,
        CheckIn(result=CheckResult.FALSE, finding="现场核查发现无冷藏设施，承诺不实"),
    )
    assert commitment.status == CommitmentStatus.FALSE and check.suspended_until is None
    record = records.get_record(seeded, OFFICE, check.dishonesty_record_id or 0)
    assert record.severity == Severity.SERIOUS
    reasons = service.check_eligibility(seeded, entity_actor(made.uscc), None, catalogue.id)
    assert any("虚假承诺" in r for r in reasons) and any("严重失信记录" in r for r in reasons)
    with pytest.raises(Conflict):
        fulfilment.record_check(
            seeded, builders.operator("SCJGJ"), commitment.id, CheckIn(result=CheckResult.KEPT, finding="x")
        )


def test_a_planned_check_is_completed_once(seeded: Session) -> None:
    made = builders.entity(seeded)
    commitment = sign(seeded, entity_actor(made.uscc), item(seeded, commitment_type="主动承诺").id)
    planned = fulfilment.plan_check(seeded, builders.operator("SCJGJ"), commitment.id, clock.today())
    assert fulfilment.planned_checks(seeded, builders.operator("SCJGJ"), clock.today()) == [planned]
    done = fulfilment.record_check(
        seeded,
        builders.operator("SCJGJ"),
        commitment.id,
        CheckIn(result=CheckResult.KEPT, finding="按承诺经营", check_id=planned.id),
    )
    assert done.id == planned.id and done.record_id is not None
    assert fulfilment.planned_checks(seeded, builders.operator("SCJGJ"), clock.today()) == []


def test_refused_input_is_named(seeded: Session) -> None:
    made = builders.entity(seeded)
    catalogue = item(seeded)
    with pytest.raises(InvalidInput) as caught:
        sign(seeded, entity_actor(made.uscc), catalogue.id, materials=[])
    assert caught.value.field == "missing_materials"
    with pytest.raises(InvalidInput) as declared:
        service.sign_commitment(
            seeded, entity_actor(made.uscc), SignIn(item_id=catalogue.id, signer="王", accept=False)
        )
    assert declared.value.field == "accept"


def test_public_and_private_letters_by_reader(seeded: Session) -> None:
    made, other = builders.entity(seeded), builders.entity(seeded)
    private_item = item(seeded, commitment_type="主动承诺", template=template(is_public=False))
    public = sign(seeded, entity_actor(made.uscc), item(seeded, commitment_type="主动承诺").id)
    hidden = sign(seeded, entity_actor(made.uscc), private_item.id)
    seen = {c.id for c in service.list_commitments(seeded, Actor.public())[0]}
    assert public.id in seen and hidden.id not in seen
    assert hidden.id in {c.id for c in service.list_commitments(seeded, entity_actor(made.uscc))[0]}
    assert hidden.id not in {c.id for c in service.list_commitments(seeded, entity_actor(other.uscc))[0]}


def test_a_breach_proposes_a_listing_and_never_lists_directly(seeded: Session) -> None:
    from xinyong.lists import service as lists

    _freeze(dt.date(2024, 3, 4))
    made = builders.entity(seeded)
    consequence = ConsequenceIn(severity="严重", suspend_months=12, list_type="serious")
    catalogue = item(seeded, tolerance_days=5, consequence=consequence)
    commitment = sign(seeded, entity_actor(made.uscc), catalogue.id)
    _freeze(dt.date(2024, 3, 12))
    assert fulfilment.sweep_commitments(seeded, builders.SYSTEM, dt.date(2024, 3, 12)).breached == 1
    [check] = fulfilment.checks_of(seeded, commitment.id)
    dishonesty = records.get_record(seeded, OFFICE, check.dishonesty_record_id or 0)
    assert dishonesty.severity == Severity.SERIOUS  # the configured record
    assert check.list_proposal is not None and check.list_proposal.startswith("list-entry:")
    entry = lists.entry_view(seeded, int(check.list_proposal.split(":")[1]))
    assert entry.list_code == "serious" and entry.department == "SCJGJ" and entry.decision_date is None
    assert entry.status == "拟列入"  # the procedure (notice, statement, two-person decision) is still ahead
    assert lists.current_entries(seeded, uscc=made.uscc, on=dt.date(2024, 3, 12)) == []  # a proposal, not a listing


def test_a_current_serious_list_entry_bars_the_option(seeded: Session) -> None:
    from tests.support.lists import listed

    made = builders.entity(seeded)
    listed(seeded, made.uscc)  # taken through the whole procedure to publication
    catalogue = item(seeded)
    reasons = service.check_eligibility(seeded, entity_actor(made.uscc), None, catalogue.id)
    assert any("严重失信主体名单" in reason for reason in reasons)
