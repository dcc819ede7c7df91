"""The listing procedure against both databases: every step dated, attributed, audited; deadlines in working days;
the credit record follows the entry; expiry, early exit and revocation at the right dates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import (
    OFFICE,
    OPERATOR,
    OTHER_OPERATOR,
    OTHER_REVIEWER,
    REVIEWER,
    SYSTEM,
    at,
    listed,
    party,
    propose,
)
from xinyong.core import audit
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntryStep
from xinyong.lists.schemas import ListTypeIn
from xinyong.records import service as records


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _steps(session: Session, entry_id: int) -> list[ListEntryStep]:
    return list(session.scalars(select(ListEntryStep).where(ListEntryStep.entry_id == entry_id)))


def test_the_whole_procedure_to_publication(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 9, 26))
    entry = propose(seeded, made.uscc)
    assert entry.status == "拟列入" and entry.proposed_by == OPERATOR.id and entry.department == "SCJGJ"

    at(dt.date(2024, 9, 27))  # Friday before National Day 2024
    lists.notify_party(seeded, OPERATOR, entry.id, notice_doc_no="共市监告〔2024〕1号")
    assert entry.status == "已告知"
    assert entry.statement_deadline == dt.date(2024, 10, 10), "5 working days: 9-29 (调休), 9-30, 10-08, 10-09, 10-10"
    assert entry.statement_deadline_provisional is False
    assert "第1版" in (entry.statement_deadline_rule or "") and "2024-09-27" in (entry.statement_deadline_rule or "")
    assert "2024-10-10" in (entry.rights or "")

    at(dt.date(2024, 10, 8))
    lists.record_statement(seeded, party(made.uscc), entry.id, statement="已全额缴纳罚款，请求不予列入")
    assert entry.status == "已陈述申辩" and entry.stated_on == dt.date(2024, 10, 8)

    at(dt.date(2024, 10, 10))
    with pytest.raises(Conflict) as early:
        lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="共市监列〔2024〕1号")
    assert early.value.field == "decision_date"

    at(dt.date(2024, 10, 11))
    lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="共市监列〔2024〕1号")
    assert entry.status == "已决定" and entry.decided_by == REVIEWER.id
    assert (entry.valid_from, entry.valid_to) == (dt.date(2024, 10, 11), dt.date(2027, 10, 11))
    assert entry.earliest_exit_on == dt.date(2025, 10, 12)
    assert lists.current_entries(seeded, uscc=made.uscc, on=dt.date(2024, 10, 11)) == [], "not yet published"

    at(dt.date(2024, 10, 12))
    lists.publish_entry(seeded, OPERATOR, entry.id)
    assert entry.status == "已公示" and entry.published_on == dt.date(2024, 10, 12)
    assert entry.record_id is not None
    record = records.get_record(seeded, Actor.public(), entry.record_id)
    assert record.kind == "serious_dishonesty" and record.status == "有效"
    assert record.source_department == "SCJGJ" and record.doc_no == "共市监列〔2024〕1号"
    assert record.decision_date == dt.date(2024, 10, 11)

    binding = lists.current_entries(seeded, uscc=made.uscc, on=dt.date(2024, 10, 12))
    assert [v.id for v in binding] == [entry.id]
    assert binding[0].list_code == "serious" and binding[0].list_version == 1 and binding[0].category == "serious"
    assert lists.current_entries(seeded, uscc=made.uscc, on=dt.date(2024, 10, 11)) == [], "before publication"

    steps = _steps(seeded, entry.id)
    assert [s.step for s in steps] == ["propose", "notify", "state", "decide", "publish"]
    assert [s.on for s in steps] == [
        dt.date(2024, 9, 26),
        dt.date(2024, 9, 27),
        dt.date(2024, 10, 8),
        dt.date(2024, 10, 11),
        dt.date(2024, 10, 12),
    ]
    assert steps[3].actor_id == REVIEWER.id and steps[3].details["valid_to"] == "2027-10-11"
    actions = list(
        seeded.scalars(
            select(audit.AuditEvent.action).where(
                audit.AuditEvent.subject_type == "list_entry", audit.AuditEvent.subject_id == str(entry.id)
            )
        )
    )
    assert actions == [f"lists:entry:{s}" for s in ("propose", "notify", "state", "decide", "publish")]
    assert audit.verify(seeded).ok


def test_expiry_the_day_after_the_term(seeded: Session) -> None:
    entry = listed(seeded)
    assert entry.valid_to == dt.date(2027, 10, 11)
    assert lists.expire_entries(seeded, SYSTEM, dt.date(2027, 10, 11)).expired == 0
    result = lists.expire_entries(seeded, SYSTEM, dt.date(2027, 10, 12))
    assert result.expired == 1
    assert entry.status == "已移出" and entry.exit_kind == "期满移出" and entry.exit_date == dt.date(2027, 10, 12)
    assert lists.expire_entries(seeded, SYSTEM, dt.date(2027, 10, 13)).expired == 0, "idempotent"
    assert entry.record_id is not None
    assert records.get_record(seeded, OFFICE, entry.record_id).status == "已过期"
    uscc = entry.subject_uscc
    assert [v.id for v in lists.current_entries(seeded, uscc=uscc, on=dt.date(2027, 10, 11))] == [entry.id]
    assert lists.current_entries(seeded, uscc=uscc, on=dt.date(2027, 10, 12)) == []


def test_only_the_platform_expires(seeded: Session) -> None:
    with pytest.raises(Forbidden):
        lists.expire_entries(seeded, REVIEWER, dt.date(2027, 10, 12))


def test_early_exit_after_the_earliest_exit_date(seeded: Session) -> None:
    entry = listed(seeded)
    at(dt.date(2025, 10, 11))
    with pytest.raises(Conflict) as too_early:
        lists.exit_entry(seeded, REVIEWER, entry.id, reason="完成信用修复")
    assert too_early.value.field == "exit_date"
    at(dt.date(2025, 10, 12))
    with pytest.raises(Forbidden):
        lists.exit_entry(seeded, OPERATOR, entry.id, reason="完成信用修复")
    lists.exit_entry(seeded, REVIEWER, entry.id, reason="完成信用修复", repair_ref="修复〔2025〕3号")
    assert entry.status == "已移出" and entry.exit_kind == "提前移出" and entry.exit_date == dt.date(2025, 10, 12)
    assert entry.record_id is not None
    assert records.get_record(seeded, OFFICE, entry.record_id).status == "已修复"
    assert lists.current_entries(seeded, uscc=entry.subject_uscc, on=dt.date(2025, 10, 12)) == []
    history = lists.get_entry(seeded, OFFICE, entry.id)
    assert history.status == "已移出" and history.steps is not None and history.steps[-1].step == "exit_early"


def test_revocation_withdraws_the_record(seeded: Session) -> None:
    entry = listed(seeded)
    with pytest.raises(InvalidInput) as empty:
        lists.revoke_entry(seeded, REVIEWER, entry.id, reason="  ")
    assert empty.value.field == "reason"
    lists.revoke_entry(seeded, REVIEWER, entry.id, reason="行政复议撤销原处罚决定")
    assert entry.status == "已撤销"
    assert entry.record_id is not None
    assert records.get_record(seeded, OFFICE, entry.record_id).status == "已撤销"
    assert lists.current_entries(seeded, uscc=entry.subject_uscc, on=dt.date(2024, 10, 12)) == []
    with pytest.raises(Conflict):
        lists.exit_entry(seeded, REVIEWER, entry.id, reason="x")


def test_the_proposer_cannot_approve_their_own_proposal(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 9, 26))
    entry = propose(seeded, made.uscc)
    reviewer_proposer = Actor(role=Role.DEPT_REVIEWER, id=OPERATOR.id, department_code="SCJGJ")
    at(dt.date(2024, 9, 27))
    lists.notify_party(seeded, OPERATOR, entry.id, notice_doc_no="告1")
    at(dt.date(2024, 10, 11))
    with pytest.raises(Forbidden, match="proposer"):
        lists.decide_entry(seeded, reviewer_proposer, entry.id, decision_doc_no="决1")
    with pytest.raises(Forbidden):
        lists.decide_entry(seeded, OPERATOR, entry.id, decision_doc_no="决1")
    with pytest.raises(Forbidden):
        lists.decide_entry(seeded, SYSTEM, entry.id, decision_doc_no="决1")
    assert entry.status == "已告知"


def test_another_department_cannot_touch_the_entry(seeded: Session) -> None:
    entry = listed(seeded, until="propose")
    with pytest.raises(Forbidden):
        lists.notify_party(seeded, OTHER_OPERATOR, entry.id, notice_doc_no="x")
    with pytest.raises(Forbidden):
        lists.decline_entry(seeded, OTHER_REVIEWER, entry.id, reason="x")
    with pytest.raises(Forbidden):
        lists.record_statement(seeded, party(builders.new_uscc()), entry.id, statement="不是我")
    with pytest.raises(NotFound):
        lists.get_entry(seeded, OTHER_OPERATOR, entry.id)
    assert _steps(seeded, entry.id)[-1].step == "propose"


def test_waiver_lets_the_decision_come_before_the_window_ends(seeded: Session) -> None:
    entry = listed(seeded, until="notify")
    at(dt.date(2024, 9, 28))
    with pytest.raises(InvalidInput) as empty:
        lists.record_statement(seeded, party(entry.subject_uscc or ""), entry.id, statement=None)
    assert empty.value.field == "statement"
    lists.record_statement(seeded, party(entry.subject_uscc or ""), entry.id, statement=None, waived=True)
    at(dt.date(2024, 9, 30))
    lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="共市监列〔2024〕9号")
    assert entry.valid_from == dt.date(2024, 9, 30) and entry.status == "已决定"


def test_a_statement_after_the_deadline_is_refused(seeded: Session) -> None:
    entry = listed(seeded, until="notify")
    at(dt.date(2024, 10, 11))
    with pytest.raises(Conflict):
        lists.record_statement(seeded, party(entry.subject_uscc or ""), entry.id, statement="迟到的申辩")
    at(dt.date(2024, 10, 10))
    lists.record_statement(seeded, OPERATOR, entry.id, statement="书面申辩（邮寄送达）")
    assert entry.stated_by == OPERATOR.id


def test_decline_ends_the_procedure(seeded: Session) -> None:
    entry = listed(seeded, until="notify")
    lists.decline_entry(seeded, REVIEWER, entry.id, reason="证据不足")
    assert entry.status == "不予列入" and entry.decision_reason == "证据不足"
    with pytest.raises(Conflict):
        lists.publish_entry(seeded, OPERATOR, entry.id)
    with pytest.raises(Conflict):
        lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="决2")


def test_steps_out_of_order_conflict(seeded: Session) -> None:
    entry = listed(seeded, until="propose")
    with pytest.raises(Conflict):
        lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="决")
    with pytest.raises(Conflict):
        lists.publish_entry(seeded, OPERATOR, entry.id)
    with pytest.raises(Conflict):
        lists.record_statement(seeded, OPERATOR, entry.id, statement="x")
    with pytest.raises(NotFound):
        lists.publish_entry(seeded, OPERATOR, 987654)


def test_decision_document_numbers_are_unique_in_a_department(seeded: Session) -> None:
    listed(seeded, doc_no="共市监列〔2024〕77号")
    second = listed(seeded, until="notify")
    at(dt.date(2024, 10, 11))
    with pytest.raises(Conflict) as clash:
        lists.decide_entry(seeded, REVIEWER, second.id, decision_doc_no="共市监列〔2024〕77号")
    assert clash.value.field == "decision_doc_no"


def test_bad_proposals_name_the_field(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 9, 26))
    cases = [
        ({"list_type": "nope"}, "list_type"),
        ({"subject_uscc": "91360482MA35XXXXX1"}, "uscc"),
        ({"facts": "  "}, "facts"),
        ({"basis": ""}, "basis"),
        ({"conduct_date": None}, "conduct_date"),
        ({"conduct_date": dt.date(2024, 9, 27)}, "conduct_date"),
        ({"key_field": "金融"}, "key_field"),
        ({"list_type": "watch"}, "key_field"),
        ({"list_type": "watch", "key_field": "航天"}, "key_field"),
        ({"linked_record_ids": [987654]}, "linked_record_ids"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as caught:
            propose(seeded, made.uscc, **change)
        assert caught.value.field == field, change
    with pytest.raises(Forbidden):
        lists.propose_entry(seeded, party(made.uscc), list_type="serious", facts="f", basis="b", subject_uscc=made.uscc)
    with pytest.raises(InvalidInput) as no_department:
        lists.propose_entry(seeded, SYSTEM, list_type="serious", facts="f", basis="b", subject_uscc=made.uscc)
    assert no_department.value.field == "department"


def test_conduct_date_comes_from_the_linked_record(seeded: Session) -> None:
    made = builders.entity(seeded)
    other = builders.entity(seeded, name="另一家公司")
    at(dt.date(2024, 9, 26))
    mine, _ = records.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2024, 3, 5))
    )
    theirs, _ = records.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(other.uscc, decision_date=dt.date(2024, 3, 6))
    )
    entry = propose(seeded, made.uscc, conduct_date=None, linked_record_ids=[mine.record_id])
    assert entry.conduct_date == dt.date(2024, 3, 5) and entry.linked_record_ids == [mine.record_id]
    with pytest.raises(InvalidInput) as wrong:
        propose(seeded, made.uscc, linked_record_ids=[theirs.record_id])
    assert wrong.value.field == "linked_record_ids"


def test_the_platform_proposes_for_a_department(seeded: Session) -> None:
    made = builders.entity(seeded)
    at(dt.date(2024, 9, 26))
    entry = lists.propose_entry(
        seeded,
        Actor.system("commitments"),
        list_type="serious",
        facts="信用承诺不实",
        basis="承诺书",
        subject_uscc=made.uscc,
        department="scjgj",
        conduct_date=dt.date(2024, 9, 1),
    )
    assert entry.department == "SCJGJ" and entry.proposed_by == "commitments"


def test_watch_list_with_key_field_and_no_record_kind(seeded: Session) -> None:
    entry = listed(seeded, list_type="watch", key_field="养老")
    assert entry.key_field == "养老" and entry.status == "已公示"
    assert entry.valid_to == dt.date(2025, 10, 11) and entry.earliest_exit_on == dt.date(2025, 1, 12)
    assert entry.record_id is None, "no credit record kind for the watch list yet"
    view = lists.current_entries(seeded, uscc=entry.subject_uscc, on=dt.date(2024, 11, 1))[0]
    assert view.category == "watch" and view.key_field == "养老"


def test_market_ban_can_be_permanent(seeded: Session) -> None:
    entry = listed(seeded, list_type="market_ban", until="notify")
    at(dt.date(2024, 10, 11))
    lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="禁〔2024〕1号", permanent=True)
    assert entry.permanent and entry.valid_to is None and entry.earliest_exit_on is None
    lists.publish_entry(seeded, OPERATOR, entry.id)
    assert lists.expire_entries(seeded, SYSTEM, dt.date(2199, 1, 1)).expired == 0
    assert len(lists.current_entries(seeded, uscc=entry.subject_uscc, on=dt.date(2150, 1, 1))) == 1
    with pytest.raises(Conflict):
        lists.exit_entry(seeded, REVIEWER, entry.id, reason="x")


def test_fixed_terms_cannot_be_changed_by_the_decision(seeded: Session) -> None:
    entry = listed(seeded, until="notify")
    at(dt.date(2024, 10, 11))
    with pytest.raises(InvalidInput) as fixed:
        lists.decide_entry(seeded, REVIEWER, entry.id, decision_doc_no="d", duration_months=6)
    assert fixed.value.field == "duration_months"


def test_a_person_on_the_list(seeded: Session) -> None:
    at(dt.date(2024, 9, 26))
    person_id = lists.resolve_person(seeded, OPERATOR, "张三", "resident_id", builders.new_resident_id())
    entry = listed(seeded, subject_person_id=person_id)
    assert entry.subject_type == "person" and entry.subject_name == "张三"
    assert entry.record_id is not None
    record = records.get_record(seeded, OFFICE, entry.record_id)
    assert record.subject.type == "person"
    binding = lists.current_entries(seeded, person_id=person_id, on=dt.date(2024, 10, 12))
    assert [v.id for v in binding] == [entry.id]
    public = lists.get_entry(seeded, Actor.public(), entry.id)
    assert public.subject.name == "张**" and public.subject.person_id is None and public.facts is None
    with pytest.raises(InvalidInput):
        lists.current_entries(seeded, on=dt.date(2024, 10, 12))


def test_new_type_version_leaves_old_entries_alone(seeded: Session) -> None:
    old = listed(seeded)
    at(dt.date(2024, 11, 1))
    data = ListTypeIn(
        code="serious",
        name="严重失信主体名单",
        category="serious",
        criteria="新标准",
        legal_basis="新依据",
        duration_months=24,
        earliest_exit_months=6,
        exit_rules="新规则",
        statement_window_days=7,
        binds_responsible_persons=True,
        record_kind="serious_dishonesty",
        effective_from=dt.date(2024, 11, 1),
        note="新规施行",
    )
    with pytest.raises(Forbidden):
        lists.publish_version(seeded, REVIEWER, data)
    with pytest.raises(InvalidInput) as past:
        lists.publish_version(seeded, OFFICE, data.model_copy(update={"effective_from": dt.date(2024, 10, 1)}))
    assert past.value.field == "effective_from"
    v2 = lists.publish_version(seeded, OFFICE, data)
    assert v2.version == 2
    assert [t.version for t in lists.type_versions(seeded, "serious")] == [1, 2]
    assert lists.current_type(seeded, "serious").id == v2.id
    assert lists.current_type(seeded, "serious", dt.date(2024, 10, 1)).version == 1
    fresh = listed(seeded, notice_on=dt.date(2024, 11, 5), doc_no="新文号")
    assert fresh.list_type_id == v2.id and fresh.valid_to == dt.date(2026, 11, 15)
    assert fresh.statement_deadline == dt.date(2024, 11, 14), "7 working days"
    assert old.valid_to == dt.date(2027, 10, 11)
    assert lists.entry_view(seeded, old.id).list_version == 1
