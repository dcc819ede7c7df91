"""Rectification tasks and interviews against both databases (req §3.9): working-day deadlines, the task's table,
overdue escalation once, and "谁认定、谁约谈" with the interview becoming a credit record."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, OPERATOR, OTHER_OPERATOR, REVIEWER, SYSTEM, at, listed, party
from xinyong.core import audit
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.lists import service as lists
from xinyong.records import service as records
from xinyong.remedies import service as remedies
from xinyong.remedies.rules import InterviewKind

PAGE = PageRequest()


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _events(session: Session, task_id: int) -> list[str]:
    return list(
        session.scalars(
            select(audit.AuditEvent.action)
            .where(audit.AuditEvent.subject_type == "rectification_task", audit.AuditEvent.subject_id == str(task_id))
            .order_by(audit.AuditEvent.seq)
        )
    )


def test_task_on_a_list_entry_through_report_rejection_and_confirmation(seeded: Session) -> None:
    entry = listed(seeded)
    uscc = entry.subject_uscc or ""
    at(dt.date(2024, 9, 27))
    task = remedies.issue_task(
        seeded, OPERATOR, requirement="补缴罚款并提交整改报告", working_days=5, list_entry_id=entry.id
    )
    assert task.status == "整改中" and task.department == "SCJGJ" and task.subject_uscc == uscc
    assert task.deadline == dt.date(2024, 10, 10), "5 working days across National Day 2024"
    assert "2024-09-27" in task.deadline_rule and task.deadline_provisional is False

    with pytest.raises(Forbidden):
        remedies.report_completion(seeded, party(builders.new_uscc()), task.id, report="不是我的任务")
    with pytest.raises(Conflict):
        remedies.confirm_task(seeded, OPERATOR, task.id)
    at(dt.date(2024, 10, 9))
    remedies.report_completion(seeded, party(uscc), task.id, report="已缴纳罚款，附缴款凭证")
    assert task.status == "待确认"
    with pytest.raises(Forbidden):
        remedies.reject_task(seeded, OTHER_OPERATOR, task.id, note="x")
    with pytest.raises(InvalidInput) as no_note:
        remedies.reject_task(seeded, OPERATOR, task.id, note=" ")
    assert no_note.value.field == "note"
    remedies.reject_task(seeded, OPERATOR, task.id, note="凭证不全")
    assert task.status == "整改中" and task.deadline == dt.date(2024, 10, 10)
    remedies.report_completion(seeded, party(uscc), task.id, report="补交完整凭证")
    at(dt.date(2024, 10, 11))
    remedies.confirm_task(seeded, REVIEWER, task.id, note="整改到位")
    assert task.status == "已完成" and task.done_on == dt.date(2024, 10, 11)

    shown = remedies.get_task(seeded, party(uscc), task.id)
    assert shown.steps is not None
    assert [s.step for s in shown.steps] == ["issue", "report", "reject", "report", "confirm"]
    assert shown.steps[1].actor_role == "entity" and shown.steps[2].details["note"] == "凭证不全"
    assert _events(seeded, task.id) == [
        "remedies:rectification:issue",
        "remedies:rectification:report",
        "remedies:rectification:reject",
        "remedies:rectification:report",
        "remedies:rectification:confirm",
    ]
    assert remedies.sweep_rectifications(seeded, SYSTEM, dt.date(2024, 12, 1)).escalated == 0, "done tasks rest"


def test_only_the_finding_department_issues(seeded: Session) -> None:
    entry = listed(seeded)
    with pytest.raises(Forbidden, match="谁认定"):
        remedies.issue_task(seeded, OTHER_OPERATOR, requirement="x", working_days=5, list_entry_id=entry.id)
    with pytest.raises(Forbidden):
        remedies.issue_task(seeded, OFFICE, requirement="x", working_days=5, list_entry_id=entry.id)
    proposed = listed(seeded, until="propose")
    with pytest.raises(InvalidInput) as not_listed:
        remedies.issue_task(seeded, OPERATOR, requirement="x", working_days=5, list_entry_id=proposed.id)
    assert not_listed.value.field == "list_entry_id"
    with pytest.raises(InvalidInput) as both:
        remedies.issue_task(seeded, OPERATOR, requirement="x", working_days=5, list_entry_id=entry.id, record_id=1)
    assert both.value.field == "list_entry_id"
    with pytest.raises(InvalidInput) as days:
        remedies.issue_task(seeded, OPERATOR, requirement="x", working_days=0, list_entry_id=entry.id)
    assert days.value.field == "working_days"
    with pytest.raises(NotFound):
        remedies.issue_task(seeded, OPERATOR, requirement="x", working_days=5, list_entry_id=987654)


def test_task_on_a_dishonest_record(seeded: Session) -> None:
    at(dt.date(2024, 9, 27))
    made = builders.entity(seeded)
    penalty, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc))
    license_, _ = records.upsert_record(
        seeded, builders.SYSTEM, builders.penalty(made.uscc, kind="license", title="许可")
    )
    task = remedies.issue_task(seeded, OPERATOR, requirement="整改", working_days=10, record_id=penalty.record_id)
    assert task.record_id == penalty.record_id and task.subject_uscc == made.uscc
    with pytest.raises(InvalidInput) as not_dishonest:
        remedies.issue_task(seeded, OPERATOR, requirement="整改", working_days=10, record_id=license_.record_id)
    assert not_dishonest.value.field == "record_id"
    with pytest.raises(Forbidden):
        remedies.issue_task(seeded, OTHER_OPERATOR, requirement="整改", working_days=10, record_id=penalty.record_id)
    with pytest.raises(NotFound):
        remedies.issue_task(seeded, OPERATOR, requirement="整改", working_days=10, record_id=987654)


def test_overdue_tasks_escalate_once(seeded: Session) -> None:
    entry = listed(seeded)
    at(dt.date(2024, 9, 27))
    late = remedies.issue_task(seeded, OPERATOR, requirement="整改", working_days=5, list_entry_id=entry.id)
    reported = remedies.issue_task(seeded, OPERATOR, requirement="整改", working_days=5, list_entry_id=entry.id)
    remedies.report_completion(seeded, party(entry.subject_uscc or ""), reported.id, report="已整改")
    assert remedies.sweep_rectifications(seeded, SYSTEM, dt.date(2024, 10, 10)).escalated == 0, "deadline day"
    with pytest.raises(Forbidden):
        remedies.sweep_rectifications(seeded, OPERATOR, dt.date(2024, 10, 11))
    result = remedies.sweep_rectifications(seeded, SYSTEM, dt.date(2024, 10, 11))
    assert (result.examined, result.escalated) == (1, 1)
    assert late.escalated and late.escalated_on == dt.date(2024, 10, 11) and late.status == "整改中"
    assert not reported.escalated
    assert remedies.sweep_rectifications(seeded, SYSTEM, dt.date(2024, 10, 12)).escalated == 0, "idempotent"
    assert _events(seeded, late.id)[-1] == "remedies:rectification:escalated"

    at(dt.date(2024, 10, 11))
    overdue, total = remedies.list_tasks(seeded, OPERATOR, page=PAGE, overdue=True)
    assert total == 1 and overdue[0].id == late.id and overdue[0].overdue and overdue[0].escalated
    assert remedies.list_tasks(seeded, OPERATOR, page=PAGE, overdue=False)[1] == 1
    assert remedies.list_tasks(seeded, OTHER_OPERATOR, page=PAGE)[1] == 0
    assert remedies.list_tasks(seeded, party(entry.subject_uscc or ""), page=PAGE)[1] == 2
    assert remedies.list_tasks(seeded, party(builders.new_uscc()), page=PAGE)[1] == 0
    assert remedies.list_tasks(seeded, OFFICE, page=PAGE, status="待确认")[1] == 1
    with pytest.raises(NotFound):
        remedies.get_task(seeded, OTHER_OPERATOR, late.id)


def test_interview_by_the_finding_department_becomes_a_credit_record(seeded: Session) -> None:
    entry = listed(seeded)
    uscc = entry.subject_uscc or ""
    at(dt.date(2024, 9, 27))
    task = remedies.issue_task(seeded, OPERATOR, requirement="整改", working_days=5, list_entry_id=entry.id)
    at(dt.date(2024, 10, 15))
    kwargs = {
        "kind": InterviewKind.WARNING,
        "held_on": dt.date(2024, 10, 14),
        "place": "市市场监管局三楼会议室",
        "attendees": ["王科长", "企业法定代表人"],
        "content": "逾期未整改，警示约谈，要求五个工作日内完成整改",
        "task_id": task.id,
    }
    with pytest.raises(Forbidden, match="谁认定"):
        remedies.record_interview(seeded, OTHER_OPERATOR, **kwargs)
    with pytest.raises(InvalidInput) as future:
        remedies.record_interview(seeded, OPERATOR, **{**kwargs, "held_on": dt.date(2024, 10, 16)})
    assert future.value.field == "held_on"
    with pytest.raises(InvalidInput) as kind:
        remedies.record_interview(seeded, OPERATOR, **{**kwargs, "kind": "闲聊"})
    assert kind.value.field == "kind"
    with pytest.raises(InvalidInput) as nobody:
        remedies.record_interview(seeded, OPERATOR, **{**kwargs, "attendees": [" "]})
    assert nobody.value.field == "attendees"

    interview = remedies.record_interview(seeded, OPERATOR, **kwargs)
    assert interview.department == "SCJGJ" and interview.list_entry_id == entry.id and interview.task_id == task.id
    assert interview.credit_record_id is not None
    own = records.get_record(seeded, party(uscc), interview.credit_record_id)
    assert own.kind == "interview" and own.title == "警示约谈" and own.disclosure == "有条件共享"
    assert own.decision_date == dt.date(2024, 10, 14) and own.source_department == "SCJGJ"
    with pytest.raises(NotFound):
        records.get_record(seeded, Actor.public(), interview.credit_record_id)
    items, total = remedies.list_interviews(seeded, OPERATOR, page=PAGE)
    assert total == 1 and items[0].attendees == ["王科长", "企业法定代表人"]
    assert remedies.list_interviews(seeded, OTHER_OPERATOR, page=PAGE)[1] == 0
    assert remedies.list_interviews(seeded, OFFICE, page=PAGE, uscc=uscc)[1] == 1
    with pytest.raises(Forbidden):
        remedies.list_interviews(seeded, party(uscc), page=PAGE)


def test_interviews_are_for_entities(seeded: Session) -> None:
    at(dt.date(2024, 9, 26))
    person_id = lists.resolve_person(seeded, OPERATOR, "张三", "resident_id", builders.new_resident_id())
    entry = listed(seeded, subject_person_id=person_id)
    with pytest.raises(InvalidInput) as person:
        remedies.record_interview(
            seeded,
            OPERATOR,
            kind=InterviewKind.PROMPT,
            held_on=dt.date(2024, 10, 11),
            place="x",
            attendees=["a"],
            content="c",
            list_entry_id=entry.id,
        )
    assert person.value.field == "list_entry_id"
