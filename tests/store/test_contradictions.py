"""Contradiction flags (可比对): each rule fires on its case and not on a near miss, flags are idempotent, a department
sees only its own queue, and resolving records who decided what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support import contradictions as c
from tests.support import lists as list_support
from xinyong.contradictions import service
from xinyong.contradictions.models import ContradictionFlagStep
from xinyong.contradictions.rules import FlagStatus, FlagStep, RuleCode
from xinyong.contradictions.schemas import ResolveIn, RuleIn
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.entities import service as entities
from xinyong.entities.schemas import EntityIn
from xinyong.lists import service as lists
from xinyong.lists.schemas import HonourIn

SYSTEM = Actor.system("tick")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
DAY = c.TODAY


@pytest.fixture
def ready(db: Session) -> Session:
    builders.departments(db)
    c.today()
    return db


def flags_of(db: Session, rule: RuleCode) -> list[service.FlagOut]:
    rows, _ = service.page_flags(db, OFFICE, rule=rule.value)
    return [service.to_view(r) for r in rows]


def run(db: Session, scope: list[str] | None = None) -> list[int]:
    raised, _ = service.run_rules(db, SYSTEM, DAY, scope)
    return raised


def test_honour_beside_a_serious_penalty_in_the_same_period(ready: Session) -> None:
    db = ready
    both = builders.entity(db).uscc
    c.record(db, both, "honour", DAY - dt.timedelta(days=60), department="SWJ")
    c.record(db, both, "penalty", DAY - dt.timedelta(days=20), severity="严重")
    far = builders.entity(db).uscc  # near miss: the honour is 14 months before the serious penalty
    c.record(db, far, "honour", dt.date(2024, 9, 1), department="SWJ")
    c.record(db, far, "penalty", dt.date(2025, 11, 3), severity="严重")
    mild = builders.entity(db).uscc  # near miss: a general (not serious) penalty
    c.record(db, mild, "honour", DAY - dt.timedelta(days=60), department="SWJ")
    c.record(db, mild, "penalty", DAY - dt.timedelta(days=20), severity="一般")
    run(db)
    [flag] = flags_of(db, RuleCode.HONOUR_VS_SERIOUS)
    assert flag.uscc == both and flag.department == "SWJ"  # the honouring department reviews its honour
    assert flag.side_a.kind == "record" and flag.side_b.kind == "record"
    assert "守合同重信用企业" in flag.side_a.label and flag.status == FlagStatus.OPEN
    assert flag.deadline is not None and flag.deadline > DAY


def test_honour_beside_a_serious_list_entry(ready: Session) -> None:
    db = ready
    listed = builders.entity(db).uscc
    c.listed(db, listed)
    c.record(db, listed, "honour", dt.date(2025, 3, 1), department="SWJ")
    run(db)
    [flag] = flags_of(db, RuleCode.HONOUR_VS_SERIOUS)
    assert flag.side_b.kind == "list_entry" and "严重失信主体名单" in flag.side_b.label


def test_an_honour_list_entry_beside_a_serious_penalty(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    first, second = Actor(role=Role.CREDIT_OFFICE, id="office-a"), Actor(role=Role.CREDIT_OFFICE, id="office-b")
    honour = lists.nominate_honour(
        db,
        first,
        HonourIn(list_type="honest_model", uscc=uscc, department="SWJ", reason="连续三年纳税信用A级",
                 decision_doc_no="共发改信〔2026〕5号", decision_date=DAY - dt.timedelta(days=90)),
    )  # fmt: skip
    lists.approve_honour(db, second, honour.id)
    c.record(db, uscc, "penalty", DAY - dt.timedelta(days=20), severity="严重")
    run(db)
    [flag] = flags_of(db, RuleCode.HONOUR_VS_SERIOUS)
    assert flag.side_a.kind == "list_entry" and flag.side_a.ref == str(honour.id) and flag.department == "SWJ"


def test_licence_granted_after_a_market_ban_took_effect(ready: Session) -> None:
    db = ready
    banned = builders.entity(db).uscc
    entry = c.listed(db, banned, "market_ban")
    assert entry.valid_from is not None
    c.record(db, banned, "license", entry.valid_from + dt.timedelta(days=3), department="XZSPJ")
    before = builders.entity(db).uscc  # near miss: the licence came the day before the ban took effect
    other = c.listed(db, before, "market_ban")
    assert other.valid_from is not None
    c.record(db, before, "license", other.valid_from - dt.timedelta(days=1), department="XZSPJ")
    run(db)
    [flag] = flags_of(db, RuleCode.LICENCE_AFTER_BAN)
    assert flag.uscc == banned and flag.department == "XZSPJ"
    assert flag.side_a.kind == "list_entry" and flag.side_a.ref == str(entry.id) and flag.side_b.kind == "record"


def test_grade_a_with_an_open_serious_entry(ready: Session) -> None:
    db = ready
    graded = builders.entity(db).uscc
    c.listed(db, graded)
    c.grade(db, graded, "A")
    b_grade = builders.entity(db).uscc  # near miss: grade B
    c.listed(db, b_grade)
    c.grade(db, b_grade, "B")
    exited = builders.entity(db).uscc  # near miss: the entry was revoked
    gone = c.listed(db, exited)
    lists.revoke_entry(db, list_support.REVIEWER, gone.id, reason="决定依据被撤销")
    c.grade(db, exited, "A")
    run(db)
    [flag] = flags_of(db, RuleCode.GRADE_A_SERIOUS)
    assert flag.uscc == graded and flag.side_a.kind == "grade" and flag.department == "SCJGJ"


def test_upstream_exit_against_a_local_entry_in_force(ready: Session) -> None:
    db = ready
    here = builders.entity(db).uscc
    local = c.listed(db, here, doc_no="共市监列〔2024〕88号")
    up = c.upstream(db, here, "exited", doc_no="共市监列〔2024〕88号")
    still = builders.entity(db).uscc  # near miss: upstream still in force
    c.listed(db, still)
    c.upstream(db, still, "active")
    other_doc = builders.entity(db).uscc  # near miss: a different decision number upstream
    c.listed(db, other_doc, doc_no="共市监列〔2024〕90号")
    c.upstream(db, other_doc, "exited", doc_no="赣发改〔2024〕1号")
    run(db)
    [flag] = flags_of(db, RuleCode.UPSTREAM_EXITED)
    assert flag.uscc == here and flag.side_a.ref == str(up.id) and flag.side_b.ref == str(local.id)
    assert flag.department == "SCJGJ"


def test_same_document_number_with_different_content(ready: Session) -> None:
    db = ready
    one, two = builders.entity(db).uscc, builders.entity(db).uscc
    c.record(db, one, "penalty", DAY - dt.timedelta(days=10), doc_no="共罚〔2026〕7号")
    second = c.record(db, two, "penalty", DAY - dt.timedelta(days=10), doc_no="共罚〔2026〕7号", department="SWJ")
    same = builders.entity(db).uscc  # near miss: the same decision sent by two departments, same content
    c.record(db, same, "penalty", DAY - dt.timedelta(days=9), doc_no="共罚〔2026〕8号")
    c.record(db, same, "penalty", DAY - dt.timedelta(days=9), doc_no="共罚〔2026〕8号", department="SWJ")
    run(db)
    [flag] = flags_of(db, RuleCode.DOC_NO_CONFLICT)
    assert flag.department == "SWJ" and flag.side_b.ref == str(second.record_id)


def test_a_number_used_by_one_department_for_two_kinds_is_no_conflict_and_scoped_runs_agree(ready: Session) -> None:
    db = ready
    one, two, three = (builders.entity(db).uscc for _ in range(3))
    # near miss: one department's licence and inspection under one number (a candidate, not two departments)
    c.record(db, one, "license", DAY - dt.timedelta(days=12), doc_no="共市监〔2026〕31号", department="XZSPJ")
    c.record(db, three, "inspection", DAY - dt.timedelta(days=11), doc_no="共市监〔2026〕31号", department="XZSPJ")
    c.record(db, one, "penalty", DAY - dt.timedelta(days=10), doc_no="共罚〔2026〕9号")
    second = c.record(db, two, "inspection", DAY - dt.timedelta(days=8), doc_no="共罚〔2026〕9号", department="YJGLJ")
    assert len(run(db, [two])) == 1, "the change-driven check of the second entity finds the pair"
    assert run(db) == [], "the full round finds the same pair (already open) and nothing else"
    [flag] = flags_of(db, RuleCode.DOC_NO_CONFLICT)
    assert flag.department == "YJGLJ" and flag.side_b.ref == str(second.record_id) and flag.uscc == two


def test_one_honour_beside_two_serious_sides_raises_a_flag_for_each(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    c.listed(db, uscc)
    c.record(db, uscc, "honour", dt.date(2025, 3, 1), department="SWJ")
    c.record(db, uscc, "penalty", dt.date(2025, 4, 1), severity="严重")
    c.record(db, uscc, "penalty", dt.date(2025, 4, 2), severity="一般")  # near miss: not serious
    other = builders.entity(db).uscc  # near miss: a serious penalty of another entity the same day
    c.record(db, other, "penalty", dt.date(2025, 4, 1), severity="严重")
    run(db)
    flags = flags_of(db, RuleCode.HONOUR_VS_SERIOUS)
    assert sorted(f.side_b.kind for f in flags) == ["list_entry", "record"]
    assert {f.uscc for f in flags} == {uscc} and {f.side_a.ref for f in flags} == {flags[0].side_a.ref}


def test_licence_after_the_business_licence_was_revoked(ready: Session) -> None:
    db = ready
    closed = builders.entity(db, status="吊销").uscc
    c.record(db, closed, "penalty", dt.date(2026, 3, 2), title="吊销营业执照案", severity="一般")
    c.record(db, closed, "license", dt.date(2026, 5, 6), department="XZSPJ")
    earlier = builders.entity(db, status="注销").uscc  # near miss: the licence predates the 注销
    c.record(db, earlier, "registration", dt.date(2026, 3, 2), title="注销登记")
    c.record(db, earlier, "license", dt.date(2026, 1, 6), department="XZSPJ")
    alive = builders.entity(db).uscc  # near miss: still registered (存续)
    c.record(db, alive, "registration", dt.date(2026, 3, 2), title="注销登记")
    c.record(db, alive, "license", dt.date(2026, 5, 6), department="XZSPJ")
    run(db)
    [flag] = flags_of(db, RuleCode.LICENCE_AFTER_CLOSURE)
    assert flag.uscc == closed and flag.side_a.kind == "entity" and flag.side_a.day == "2026-03-02"


def test_flags_are_idempotent_and_a_decided_one_returns_only_when_the_data_changes(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    c.record(db, uscc, "honour", DAY - dt.timedelta(days=60), department="SWJ")
    penalty = c.record(db, uscc, "penalty", DAY - dt.timedelta(days=20), severity="严重")
    assert len(run(db)) == 1
    assert run(db) == [] and run(db, [uscc]) == []
    [flag] = flags_of(db, RuleCode.HONOUR_VS_SERIOUS)
    swj = builders.operator("SWJ")
    service.resolve(db, swj, flag.id, FlagStep.DISMISS, ResolveIn(reason="荣誉认定早于处罚，已按程序复核"))
    assert run(db) == []  # decided, same data: not raised again
    from xinyong.records import service as records
    from xinyong.records.schemas import RecordCorrection

    records.correct_record(
        db, builders.SYSTEM, penalty.record_id, RecordCorrection(title="行政处罚决定书（更正）", reason="文书名称更正")
    )
    [again] = run(db)
    assert again != flag.id
    assert len(flags_of(db, RuleCode.HONOUR_VS_SERIOUS)) == 2


def test_an_open_flag_lapses_when_the_contradiction_is_gone(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    c.listed(db, uscc)
    c.grade(db, uscc, "A")
    [raised] = run(db)
    c.grade(db, uscc, "D")
    _, lapsed = service.run_rules(db, SYSTEM, DAY)
    assert lapsed == [raised]
    [flag] = flags_of(db, RuleCode.GRADE_A_SERIOUS)
    assert flag.status == FlagStatus.LAPSED


def test_a_department_sees_and_resolves_only_its_own_queue(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    c.listed(db, uscc)
    c.grade(db, uscc, "A")
    [flag_id] = run(db)
    scjg, swj = builders.operator("SCJGJ"), builders.operator("SWJ")
    assert service.page_flags(db, swj)[1] == 0 and service.page_flags(db, scjg)[1] == 1
    with pytest.raises(NotFound):
        service.get_flag(db, swj, flag_id)
    with pytest.raises(NotFound):
        service.resolve(db, swj, flag_id, FlagStep.CORRECT, ResolveIn(reason="不是我们的"))
    with pytest.raises(Forbidden):
        service.resolve(db, Actor(role=Role.AUDITOR, id="aud"), flag_id, FlagStep.CORRECT, ResolveIn(reason="审计"))
    with pytest.raises(Conflict):
        service.resolve(db, scjg, flag_id, FlagStep.LAPSE, ResolveIn(reason="系统"))
    done = service.resolve(db, scjg, flag_id, FlagStep.CORRECT, ResolveIn(reason="名单已按程序移出并重新评价"))
    assert done.status == FlagStatus.CORRECTED and done.decided_by == scjg.id and done.open_key is None
    with pytest.raises(Conflict):
        service.resolve(db, scjg, flag_id, FlagStep.DISMISS, ResolveIn(reason="再次处理"))
    steps = db.scalars(select(ContradictionFlagStep).where(ContradictionFlagStep.flag_id == flag_id)).all()
    assert [s.step for s in steps] == ["raise", "correct"]
    assert steps[1].actor_id == scjg.id and steps[1].reason == "名单已按程序移出并重新评价"
    counts = {q.department: q for q in service.queue_counts(db, OFFICE, DAY)}
    assert counts["SCJGJ"].resolved == 1 and counts["SCJGJ"].open == 0


def test_the_office_switches_a_rule_off_and_sets_its_deadline(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    c.listed(db, uscc)
    c.grade(db, uscc, "A")
    with pytest.raises(Forbidden):
        service.update_rule(db, builders.operator(), "grade_a_serious", RuleIn(enabled=False, deadline_days=5))
    with pytest.raises(NotFound):
        service.update_rule(db, OFFICE, "no_such_rule", RuleIn(enabled=False, deadline_days=5))
    with pytest.raises(InvalidInput):
        service.update_rule(db, OFFICE, "honour_vs_serious", RuleIn(enabled=True, deadline_days=5, params={"x": 1}))
    with pytest.raises(InvalidInput):
        service.update_rule(
            db, OFFICE, "honour_vs_serious", RuleIn(enabled=True, deadline_days=5, params={"window_months": 0})
        )
    service.update_rule(db, OFFICE, "grade_a_serious", RuleIn(enabled=False, deadline_days=3))
    assert run(db) == []
    service.update_rule(db, OFFICE, "grade_a_serious", RuleIn(enabled=True, deadline_days=3))
    [flag_id] = run(db)
    flag = service.get_flag(db, OFFICE, flag_id)
    assert flag.deadline == dt.date(2026, 11, 5)  # three working days after Monday 2 November


def test_the_tick_sweep_runs_everything_once_a_day_then_only_changes(ready: Session) -> None:
    db = ready
    uscc = builders.entity(db).uscc
    c.listed(db, uscc)
    first = service.sweep_contradictions(db, SYSTEM, DAY)
    assert first.mode == "full" and first.raised == 0
    c.grade(db, uscc, "A")  # a grade row written directly leaves no history: nothing marks the entity changed
    c.record(db, uscc, "license", DAY - dt.timedelta(days=3), department="XZSPJ")  # a change about ``uscc``
    second = service.sweep_contradictions(db, SYSTEM, DAY)
    assert second.mode == "changes" and second.entities >= 1 and second.raised == 1
    assert service.sweep_contradictions(db, SYSTEM, DAY).raised == 0
    c.grade(db, uscc, "B")  # gone, but only a full round lets an open flag lapse
    assert service.sweep_contradictions(db, SYSTEM, DAY).lapsed == 0
    nextday = service.sweep_contradictions(db, SYSTEM, DAY + dt.timedelta(days=1))
    assert nextday.mode == "full" and nextday.lapsed == 1
    assert [f.status for f in flags_of(db, RuleCode.GRADE_A_SERIOUS)] == [FlagStatus.LAPSED]


def test_bad_filters_are_refused(ready: Session) -> None:
    with pytest.raises(InvalidInput):
        service.page_flags(ready, OFFICE, rule="'; drop table x")
    entities.upsert_entity(ready, builders.SYSTEM, EntityIn(uscc=builders.new_uscc(), name="某公司"))
