"""Repair eligibility (req §3.11) at the day before and the day of the end of the minimum publicity period, for
every severity and both regimes; obligations and the commitment; the two-person rule; lists without early exit."""

from __future__ import annotations

import datetime as dt

import pytest

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden
from xinyong.records.publicity import publication_window
from xinyong.records.rules import Severity
from xinyong.repair.rules import (
    AppStatus,
    Check,
    EntryFacts,
    RecordFacts,
    Step,
    check_step,
    entry_eligibility,
    record_eligibility,
)

DAY = dt.timedelta(days=1)


def _facts(decided: dt.date, severity: Severity, **fields: object) -> RecordFacts:
    window = publication_window(decided, severity)
    data: dict[str, object] = {
        "decision_date": decided,
        "severity": severity.value,
        "status": "有效",
        "min_end": window.min_end,
        "regime": window.regime,
        "commitment": "CN20250101000001",
    }
    data.update(fields)
    return RecordFacts(**data)  # type: ignore[arg-type]


# (decision date, severity, first day repair can be applied for) under the Civil Code: the minimum period ends on
# the corresponding day (or the month's last day) and repair opens the next day.
CASES = [
    (dt.date(2025, 3, 31), Severity.MINOR, dt.date(2025, 3, 31)),  # 轻微: no minimum, from the decision day
    (dt.date(2025, 3, 31), Severity.GENERAL, dt.date(2025, 7, 1)),  # 3 months: through 06-30
    (dt.date(2025, 11, 30), Severity.GENERAL, dt.date(2026, 3, 1)),  # through 2026-02-28 (no 02-30)
    (dt.date(2025, 3, 31), Severity.SERIOUS, dt.date(2026, 4, 1)),  # 1 year
    (dt.date(2024, 2, 29), Severity.SERIOUS, dt.date(2025, 3, 1)),  # through 2025-02-28
    (dt.date(2022, 8, 31), Severity.SERIOUS, dt.date(2023, 3, 1)),  # 2019 rule: 6 months, through 2023-02-28
    (dt.date(2022, 8, 31), Severity.GENERAL, dt.date(2022, 12, 1)),  # 2019 rule: 3 months
    (dt.date(2022, 8, 31), Severity.MINOR, dt.date(2022, 12, 1)),  # 2019 rule knew no 轻微: 一般's periods
]


@pytest.mark.parametrize(("decided", "severity", "opens"), CASES)
def test_the_day_before_and_the_day_the_minimum_period_allows(
    decided: dt.date, severity: Severity, opens: dt.date
) -> None:
    facts = _facts(decided, severity)
    on_the_day = record_eligibility(facts, opens)
    assert on_the_day.available_from == opens
    assert on_the_day.can_apply and on_the_day.repairable and on_the_day.reason is None
    assert on_the_day.conditions[0].name == "最短公示期" and on_the_day.conditions[0].state is Check.MET
    if opens > decided:
        before = record_eligibility(facts, opens - DAY)
        assert before.repairable and not before.can_apply and before.available_from == opens
        assert before.conditions[0].state is Check.NOT_MET
        assert opens.isoformat() in (before.reason or "")


def test_obligations_and_the_commitment() -> None:
    decided, opens = dt.date(2025, 3, 31), dt.date(2025, 7, 1)
    unpaid = record_eligibility(_facts(decided, Severity.GENERAL, fine=1.5), opens)
    assert unpaid.can_apply and unpaid.needs_materials and "罚款" in unpaid.needs_materials[0]
    refused = record_eligibility(_facts(decided, Severity.GENERAL, performance="全部未履行"), opens)
    assert not refused.can_apply and "履行义务" in (refused.reason or "")
    done = record_eligibility(_facts(decided, Severity.GENERAL, fine=2.0, performance="全部已履行"), opens)
    assert done.can_apply and not done.needs_materials
    task = record_eligibility(_facts(decided, Severity.GENERAL, open_tasks=["整改任务 3（整改中）"]), opens)
    assert not task.can_apply and "整改任务 3" in (task.reason or "")
    closed = record_eligibility(_facts(decided, Severity.GENERAL, closed_tasks=["整改任务 3"]), opens)
    assert closed.can_apply and any(c.name == "整改完成" and c.state is Check.MET for c in closed.conditions)
    uncommitted = record_eligibility(_facts(decided, Severity.GENERAL, commitment=None), opens)
    assert not uncommitted.can_apply and "信用修复承诺" in (uncommitted.reason or "")


def test_what_cannot_be_repaired_says_why() -> None:
    decided = dt.date(2025, 3, 31)
    barred = record_eligibility(
        _facts(decided, Severity.SERIOUS, not_repairable="严重失信信息依据《某法》第十条不可修复"), dt.date(2030, 1, 1)
    )
    assert not barred.repairable and not barred.can_apply and "不可修复" in (barred.reason or "")
    objected = record_eligibility(_facts(decided, Severity.GENERAL, status="异议中"), dt.date(2025, 7, 1))
    assert objected.repairable and not objected.can_apply and "异议" in (objected.reason or "")
    twice = record_eligibility(_facts(decided, Severity.GENERAL, open_application="XF1"), dt.date(2025, 7, 1))
    assert not twice.can_apply and "XF1" in (twice.reason or "")
    gone = record_eligibility(_facts(decided, Severity.GENERAL, status="已过期"), dt.date(2025, 7, 1))
    assert not gone.repairable


def test_list_entries_exit_early_only_when_their_type_allows() -> None:
    record = _facts(dt.date(2024, 10, 11), Severity.SERIOUS)
    entry = EntryFacts(
        list_name="严重失信主体名单",
        status="已公示",
        decision_date=dt.date(2024, 10, 11),
        earliest_exit_on=dt.date(2025, 10, 12),
        exit_rules="列入满1年后可提前移出",
        permanent=False,
        record=record,
    )
    assert not entry_eligibility(entry, dt.date(2025, 10, 11)).can_apply
    assert entry_eligibility(entry, dt.date(2025, 10, 12)).can_apply
    ban = EntryFacts(
        list_name="市场和行业禁入",
        status="已公示",
        decision_date=dt.date(2024, 10, 11),
        earliest_exit_on=None,
        exit_rules="禁入期限届满移出",
        permanent=True,
        record=None,
    )
    verdict = entry_eligibility(ban, dt.date(2030, 1, 1))
    assert not verdict.repairable and "永久禁入" in (verdict.reason or "")


OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="op", department_code="SCJGJ")
REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev", department_code="SCJGJ")
OTHER = Actor(role=Role.DEPT_REVIEWER, id="rev2", department_code="ZJJ")


def test_two_people_of_the_deciding_department() -> None:
    check_step(Step.ACCEPT, AppStatus.SUBMITTED, OPERATOR, department="SCJGJ", proposer_id=None)
    with pytest.raises(Forbidden):
        check_step(Step.ACCEPT, AppStatus.SUBMITTED, OTHER, department="SCJGJ", proposer_id=None)
    with pytest.raises(Forbidden):
        check_step(Step.APPROVE, AppStatus.PROPOSED, OPERATOR, department="SCJGJ", proposer_id="someone")
    with pytest.raises(Forbidden):
        check_step(Step.APPROVE, AppStatus.PROPOSED, REVIEWER, department="SCJGJ", proposer_id="rev")
    check_step(Step.APPROVE, AppStatus.PROPOSED, REVIEWER, department="SCJGJ", proposer_id="op")
    with pytest.raises(Conflict):
        check_step(Step.APPROVE, AppStatus.ACCEPTED, REVIEWER, department="SCJGJ", proposer_id="op")
    with pytest.raises(Forbidden):
        check_step(Step.ESCALATE, AppStatus.SUBMITTED, REVIEWER, department="SCJGJ", proposer_id=None)
