"""双随机、一公开 on both databases: mapping versions, frozen pools with their published hash, draws that verify from
the published bundle, rounds with new public values, results as credit records with their deadline, the sweep."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.inspections import rules, service
from xinyong.inspections.models import InspectionAssignment, InspectionPoolRow
from xinyong.inspections.schemas import (
    CaseIn,
    InspectorIn,
    InspectorUpdate,
    ItemIn,
    MappingIn,
    PoolFilter,
    ResultIn,
    TaskIn,
)
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Kind

OP = builders.operator("SCJGJ")
OTHER = builders.operator("SWJ")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office-1")
TODAY = dt.date(2025, 6, 10)


@pytest.fixture
def setup(db: Session) -> dict[str, object]:
    clock.freeze(dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC))
    builders.departments(db)
    usccs = [builders.entity(db, name=f"共青城测试企业{i}号有限公司").uscc for i in range(40)]
    service.save_mapping(db, OP, MappingIn.model_validate({"classes": rules.DEFAULT_CLASSES}))
    classes = {**rules.DEFAULT_CLASSES, rules.UNGRADED: {"ratio": "25", "frequency": 2}}
    mapping = service.save_mapping(db, OP, MappingIn.model_validate({"classes": classes, "note": "提高未评价比例"}))
    item = service.create_item(
        db,
        OP,
        ItemIn(code="SC-01", name="企业年度报告公示信息抽查", basis="《企业信息公示暂行条例》第十条", subject="企业"),
    )
    inspectors = [
        service.create_inspector(db, OP, InspectorIn(name=f"检查员{i}", badge_no=f"36048200{i:02d}")) for i in range(6)
    ]
    return {"usccs": usccs, "mapping": mapping, "item": item, "inspectors": inspectors}


def _task(db: Session, setup: dict[str, object], **fields: object) -> object:
    data = {
        "name": "2025年度企业年报双随机抽查",
        "item_ids": [setup["item"].id],  # type: ignore[attr-defined]
        "inspection_end": TODAY + dt.timedelta(days=20),
        **fields,
    }
    return service.create_task(db, OP, TaskIn.model_validate(data))


def test_mapping_is_versioned_and_audited(db: Session, setup: dict[str, object]) -> None:
    versions = service.list_mappings(db, OP, None)
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].classes[rules.UNGRADED] == {"ratio": "25", "frequency": 2}
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "inspections:mapping:saved")).all()
    assert len(events) == 2
    with pytest.raises(InvalidInput, match="outside 0–100%"):
        service.save_mapping(
            db,
            OP,
            MappingIn.model_validate({"classes": {**rules.DEFAULT_CLASSES, "A": {"ratio": 120, "frequency": 1}}}),
        )
    with pytest.raises(InvalidInput, match="no entry for class"):
        service.save_mapping(db, OP, MappingIn.model_validate({"classes": {"A": {"ratio": 1, "frequency": 1}}}))
    with pytest.raises(Forbidden):
        service.save_mapping(db, OP, MappingIn.model_validate({"department": "SWJ", "classes": rules.DEFAULT_CLASSES}))
    with pytest.raises(InvalidInput, match="name the department"):
        service.save_mapping(db, OFFICE, MappingIn.model_validate({"classes": rules.DEFAULT_CLASSES}))


def test_task_freezes_the_pool_and_publishes_its_hash(db: Session, setup: dict[str, object]) -> None:
    task = _task(db, setup)
    rows = service.pool_rows(db, task.id)  # type: ignore[attr-defined]
    assert len(rows) == 40 == task.pool_size  # type: ignore[attr-defined]
    assert task.pool_hash == rules.pool_hash(rows)  # type: ignore[attr-defined]
    assert {s for _, s in rows} == {rules.UNGRADED}  # nobody graded in this test database
    assert task.ratios[rules.UNGRADED] == "25"  # type: ignore[attr-defined]
    # a later entity does not join a frozen pool
    builders.entity(db, name="后来设立的企业有限公司")
    assert len(service.pool_rows(db, task.id)) == 40  # type: ignore[attr-defined]
    # an empty pool is refused with a clear error
    with pytest.raises(InvalidInput, match="pool is empty"):
        _task(db, setup, pool_filter=PoolFilter(region_code="110101"))
    with pytest.raises(InvalidInput, match="active items"):
        _task(db, setup, item_ids=[999999])


def test_draw_verifies_from_the_published_bundle_and_refuses_a_reused_value(
    db: Session, setup: dict[str, object]
) -> None:
    task = _task(db, setup)
    draw = service.make_draw(db, OP, task.id, " 2025063 05 11 17 23 29 31 + 09 ")  # type: ignore[attr-defined]
    assert draw.public_value == "2025063 05 11 17 23 29 31 + 09"
    assert draw.selected_count == 10  # ceil(40 × 25%)
    bundle = service.bundle_of(db, draw.id)
    assert bundle["pool_hash"] == task.pool_hash  # type: ignore[attr-defined]
    outcome = rules.verify(bundle)
    assert outcome.match, outcome.difference
    tampered = copy.deepcopy(bundle)
    tampered["result"]["selected"][0]["uscc"] = setup["usccs"][0]  # type: ignore[index]
    if tampered["result"]["selected"][0]["uscc"] == bundle["result"]["selected"][0]["uscc"]:
        tampered["result"]["selected"][0]["uscc"] = setup["usccs"][1]  # type: ignore[index]
    assert not rules.verify(tampered).match
    assignments = service.assignments_of_draw(db, draw.id)
    assert len(assignments) == 10 and all(len(a.inspectors) == 2 for a in assignments)
    with pytest.raises(Conflict, match="new public value"):
        service.make_draw(db, OP, task.id, "2025063 05 11 17 23 29 31 + 09")  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match="public value is empty"):
        service.make_draw(db, OP, task.id, "   ")  # type: ignore[attr-defined]
    # round 2: a new value, nobody drawn twice, the same frozen pool, and still verifiable
    second = service.make_draw(db, OP, task.id, "2025064")  # type: ignore[attr-defined]
    first_set = {a.uscc for a in assignments}
    second_set = {a.uscc for a in service.assignments_of_draw(db, second.id)}
    assert first_set.isdisjoint(second_set) and second.round_no == 2
    assert rules.verify(service.bundle_of(db, second.id)).match
    # another department cannot draw on this task, nor see it
    with pytest.raises(NotFound):
        service.make_draw(db, OTHER, task.id, "x")  # type: ignore[attr-defined]


def test_conflicts_and_last_inspectors_are_excluded(db: Session, setup: dict[str, object]) -> None:
    task = _task(db, setup)
    first = service.make_draw(db, OP, task.id, "r1")  # type: ignore[attr-defined]
    drawn = service.assignments_of_draw(db, first.id)
    target = drawn[0]
    inspectors = setup["inspectors"]
    conflicted = next(i for i in inspectors if i.badge_no not in target.inspectors)  # type: ignore[attr-defined]
    service.update_inspector(db, OP, conflicted.id, InspectorUpdate(conflicts=[target.uscc]))
    # a new task over the same entities: the entity's last inspectors and the conflicted one are all barred
    task2 = _task(db, setup, name="第二次抽查")
    second = service.make_draw(db, OP, task2.id, "r1-again")  # type: ignore[attr-defined]
    again = {a.uscc: a for a in service.assignments_of_draw(db, second.id)}
    bundle = service.bundle_of(db, second.id)
    assert rules.verify(bundle).match
    for uscc, assignment in again.items():
        before = next((a for a in drawn if a.uscc == uscc), None)
        if before:
            assert set(assignment.inspectors).isdisjoint(before.inspectors)
            assert bundle["previous_inspectors"][uscc] == sorted(before.inspectors)
        if uscc == target.uscc:
            assert conflicted.badge_no not in assignment.inspectors  # type: ignore[attr-defined]
    # too few inspectors left: a clear refusal, nothing stored
    for inspector in inspectors[1:]:  # type: ignore[index]
        service.update_inspector(db, OP, inspector.id, InspectorUpdate(active=False))
    with pytest.raises(InvalidInput, match="inspectors"):
        service.make_draw(db, OP, task2.id, "r3")  # type: ignore[attr-defined]


def test_results_become_inspection_records_with_a_tracked_deadline(db: Session, setup: dict[str, object]) -> None:
    task = _task(db, setup)
    draw = service.make_draw(db, OP, task.id, "888")  # type: ignore[attr-defined]
    assignments = service.assignments_of_draw(db, draw.id)
    first = assignments[0]
    assert first.deadline > task.inspection_end  # type: ignore[attr-defined]  # 20 working days after the planned end
    row = service.record_result(
        db, OP, first.id, ResultIn(result=rules.Result.ORDERED, result_date=TODAY, note="责令限期改正")
    )
    version = db.scalars(
        select(CreditRecordVersion).where(
            CreditRecordVersion.record_id == row.record_id, CreditRecordVersion.valid_to.is_(None)
        )
    ).one()
    assert version.kind == Kind.INSPECTION and version.subject_uscc == first.uscc
    assert version.published_date == TODAY and version.content["JCJG"] == "发现问题已责令整改"
    assert version.severity == "轻微"
    # corrected later: a new version of the same record
    service.record_result(db, OP, first.id, ResultIn(result=rules.Result.NO_PROBLEM, result_date=TODAY))
    versions = db.scalars(select(CreditRecordVersion).where(CreditRecordVersion.record_id == row.record_id)).all()
    assert len(versions) == 2
    with pytest.raises(InvalidInput, match="future"):
        service.record_result(
            db, OP, first.id, ResultIn(result=rules.Result.PASSED, result_date=TODAY + dt.timedelta(days=1))
        )
    with pytest.raises(NotFound):
        service.record_result(db, OTHER, first.id, ResultIn(result=rules.Result.PASSED, result_date=TODAY))
    # the sweep flags the unpublished ones past their deadline, once
    late_day = assignments[1].deadline + dt.timedelta(days=1)
    flagged = service.sweep_overdue(db, Actor.system("tick"), late_day)
    assert first.id not in flagged and len(flagged) == len(assignments) - 1
    assert service.sweep_overdue(db, Actor.system("tick"), late_day) == []
    open_rows = service.list_assignments(db, OP, department=None, task_id=task.id, open_only=True)  # type: ignore[attr-defined]
    assert len(open_rows) == len(assignments) - 1
    stored = db.get(InspectionAssignment, assignments[1].id)
    assert stored is not None and stored.overdue_at is not None


def test_entities_by_class_and_typical_cases(db: Session, setup: dict[str, object]) -> None:
    from xinyong.core.pagination import PageRequest

    view = service.entities_by_class(db, OP, None, rules.UNGRADED, PageRequest(1, 5))
    counts = {c.stratum: c.count for c in view.counts}
    assert counts[rules.UNGRADED] >= 40 and view.total == counts[rules.UNGRADED]
    assert len(view.entities) == 5 and view.mapping_version == 2
    with pytest.raises(InvalidInput):
        service.entities_by_class(db, OP, None, "Z", PageRequest(1, 5))
    case = service.create_case(
        db,
        OP,
        CaseIn(
            title="信用分级分类监管助力精准执法",
            summary="A 类企业无事不扰",
            body="某羽绒服饰企业信用等级为 A 级……",
            stratum="A",
        ),
    )
    assert [c.id for c in service.public_cases(db)] == [case.id]
    with pytest.raises(Forbidden):
        service.withdraw_case(db, OTHER, case.id)
    service.withdraw_case(db, OP, case.id)
    assert service.public_cases(db) == []
    with pytest.raises(NotFound):
        service.public_case(db, case.id)


def test_the_stratum_is_the_grade_at_freeze(db: Session, setup: dict[str, object]) -> None:
    from xinyong.evaluation import service as evaluation

    graded = setup["usccs"][:3]  # type: ignore[index]
    for uscc in graded:
        evaluation.regrade_entity(db, Actor.system("test"), uscc, "test")
    grades = evaluation.current_grades(db, list(graded))
    assert set(grades) == set(graded)
    task = _task(db, setup)
    strata = dict(service.pool_rows(db, task.id))  # type: ignore[attr-defined]
    for uscc in graded:
        assert strata[uscc] == grades[uscc] and strata[uscc] in rules.GRADES
    assert sum(1 for s in strata.values() if s == rules.UNGRADED) == 37


def test_a_listed_entity_is_under_key_supervision(db: Session) -> None:
    from tests.support.lists import listed

    builders.departments(db)
    watched = builders.entity(db, name="共青城重点关注测试有限公司").uscc
    plain = builders.entity(db, name="共青城普通测试有限公司").uscc
    listed(db, watched)
    clock.freeze(dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC))
    found = service.classify(db, [watched, plain])
    assert found[watched][0] == rules.WATCH and found[plain][0] == rules.UNGRADED


def test_a_frozen_pool_changed_behind_the_platform_refuses_to_draw(db: Session, setup: dict[str, object]) -> None:
    task = _task(db, setup)
    one = service.pool_rows(db, task.id)[0][0]  # type: ignore[attr-defined]
    db.execute(
        InspectionPoolRow.__table__.update()
        .where(InspectionPoolRow.task_id == task.id, InspectionPoolRow.uscc == one)  # type: ignore[attr-defined]
        .values(stratum="A")
    )
    with pytest.raises(Conflict, match="no longer matches its published hash"):
        service.make_draw(db, OP, task.id, "777")  # type: ignore[attr-defined]
