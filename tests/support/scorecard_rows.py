"""A hand-made month for the department scorecards (September 2026, seen on 2026-10-20): a few rows of every kind a
card counts, for 市场监管局 (SCJGJ) and 税务局 (SWJ), with the right answers in :data:`EXPECTED`.

The rows are written straight into the tables (the areas' procedures are tested elsewhere): what matters here is
the arithmetic over their dates, deadlines and counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.clock import BEIJING
from xinyong.lists.models import ListEntry
from xinyong.lists.types import current_types
from xinyong.objections.models import Objection
from xinyong.punishment.catalogue import ensure_seeded
from xinyong.punishment.models import Check, CheckMeasure, Measure
from xinyong.records import service as records
from xinyong.records.models import Batch, BatchRejection
from xinyong.remedies.models import RectificationTask
from xinyong.repair.models import RepairApplication

TODAY = dt.datetime(2026, 10, 20, 2, tzinfo=dt.UTC)  # 2026-10-20 10:00 Beijing
MONTH = "2026-09"
D = dt.date

# SCJGJ, with the default weights (20, 10 × 8): the figures and the total written out by hand
EXPECTED: dict[str, tuple[int, int, float | None]] = {
    # 国庆 2026: 10-01..10-07 off, 09-20 (Sun) and 10-10 (Sat) worked. A 09-28 decision is due 10-13, a 09-29 one
    # 10-14, a 09-30 one 10-15. On time: 09-28 → 10-13, 09-30 → 10-10 (the make-up Saturday); late: 09-28 → 10-14;
    # overdue: 09-29, never published.
    "publicity_on_time": (2, 4, 0.5),
    "data_quality": (8, 10, 0.8),  # two batches: 5 + 3 accepted, 2 refused
    "data_volume": (4, 8, 0.5),  # 4 received in September; 48 in August over 6 months → mean 8
    "check_feedback": (3, 4, 0.75),  # 3 checks returned 4 measures, 3 with feedback
    "objections_on_time": (1, 3, 1 / 3),  # due 09-10 done 09-09; due 09-15 done 09-16; due 09-25 open
    "repairs_on_time": (1, 2, 0.5),  # 受理 due 09-07 done 09-07; 决定 due 09-21 done 09-22
    "rectification_on_time": (1, 2, 0.5),  # due 09-18 done 09-18; due 09-29 open
    "lists_on_time": (2, 2, 1.0),  # 陈述 deadline 09-01 → decide by 09-21 (decided 09-10), publish by 09-20 (09-15)
    "overdue_open": (3, 3, 3.0),  # the open objection, the open task, the unpublished decision → score 0.7
}
# 20·0.5 + 10·0.8 + 10·0.5 + 10·0.75 + 10·(1/3) + 10·0.5 + 10·0.5 + 10·1 + 10·0.7 = 60.833…
EXPECTED_SCORE = 60.8


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


def _decision(session: Session, uscc: str, decided: dt.date, published: dt.date | None, dept: str = "SCJGJ") -> int:
    extra: dict[str, Any] = {} if published else {"disclosure": "公开"}
    record = builders.penalty(
        uscc, decision_date=decided, received_date=decided, published_date=published, source_department=dept, **extra
    )
    return records.upsert_record(session, builders.SYSTEM, record)[0].record_id


def _batch(session: Session, dept: str, accepted: int, rejected: int, day: dt.date) -> None:
    batch = Batch(
        department=dept,
        kind="penalty",
        channel="api",
        layout="national",
        rows_total=accepted + rejected,
        accepted=accepted,
        created=accepted,
        corrected=0,
        unchanged=0,
        rejected=rejected,
        unknown_columns=[],
        warnings=[],
        actor_role="dept_operator",
        actor_id="op",
        created_at=_at(day),
        finished_at=_at(day),
    )
    session.add(batch)
    session.flush()
    for number in range(rejected):  # the refused rows, as the ingestion keeps them
        error = {"row": number + 2, "field": "XDR_MC", "column": "CF_XDR_MC", "reason": "required (必填项为空)"}
        session.add(
            BatchRejection(
                batch_id=batch.id,
                department=dept,
                kind="penalty",
                row_number=number + 2,
                doc_no=None,
                errors=[error],
                values={},
                status="待更正",
            )
        )


def _checks(session: Session, dept: str) -> None:
    ensure_seeded(session)
    measures = list(session.scalars(select(Measure).order_by(Measure.id).limit(2)))
    feedback = [[True, True], [True], [None]]  # 4 measures, 3 answered
    for n, answers in enumerate(feedback):
        check = Check(
            at=_at(D(2026, 9, 10 + n)),
            requester_id="client:1",
            requester_role="business_system",
            requester_department=dept,
            purpose="政府采购资格审查",
            scenario="procurement",
            subject_kind="entity",
            subject_key="x",
            subject_display="x",
            subject_known=True,
            outcome="restricted",
            entry_ids=[],
            answer={},
        )
        session.add(check)
        session.flush()
        for measure, applied in zip(measures, answers, strict=False):
            session.add(
                CheckMeasure(
                    check_id=check.id,
                    measure_id=measure.id,
                    measure_code=measure.code,
                    department=measure.department,
                    applied=applied,
                    feedback_at=_at(D(2026, 9, 20)) if applied is not None else None,
                )
            )


def _objection(session: Session, record_id: int, deadline: dt.date, resolved: dt.date | None) -> None:
    now = _at(D(2026, 9, 1))
    session.add(
        Objection(
            record_id=record_id,
            record_version=1,
            source_department="SCJGJ",
            objector_role="entity",
            objector_id="e",
            objector_name="某公司",
            reasons="与事实不符",
            status="已办结" if resolved else "已转办",
            stage="department",
            filed_at=now,
            filed_on=now.date(),
            deadline=deadline,
            deadline_provisional=False,
            deadline_rule="department:7wd",
            resolved_at=_at(resolved) if resolved else None,
            updated_at=now,
        )
    )


def _repair(session: Session, uscc: str, record_id: int) -> None:
    session.add(
        RepairApplication(
            number="XF-2026-0001",
            target_kind="record",
            record_id=record_id,
            department="SCJGJ",
            subject_uscc=uscc,
            subject_name="共青城鸿瑞羽绒服饰有限公司",
            title="行政处罚决定书",
            methods=["信用承诺"],
            statement="已整改",
            status="已修复",
            applicant_id="e",
            submitted_at=_at(D(2026, 9, 2)),
            submitted_on=D(2026, 9, 2),
            accept_deadline=D(2026, 9, 7),
            accept_deadline_provisional=False,
            accepted_on=D(2026, 9, 7),
            decide_deadline=D(2026, 9, 21),
            decide_deadline_provisional=False,
            decided_at=_at(D(2026, 9, 22)),
            updated_at=_at(D(2026, 9, 22)),
        )
    )


def _task(session: Session, uscc: str, deadline: dt.date, done: dt.date | None) -> None:
    session.add(
        RectificationTask(
            department="SCJGJ",
            status="已完成" if done else "整改中",
            subject_uscc=uscc,
            subject_name="共青城鸿瑞羽绒服饰有限公司",
            requirement="限期整改",
            issued_on=D(2026, 9, 1),
            issued_by="op",
            working_days=10,
            deadline=deadline,
            deadline_provisional=False,
            deadline_rule="10 个工作日",
            done_on=done,
            updated_at=_at(D(2026, 9, 1)),
        )
    )


def _entry(session: Session, uscc: str) -> None:
    kind = current_types(session)[0]
    session.add(
        ListEntry(
            list_type_id=kind.id,
            list_code=kind.code,
            department="SCJGJ",
            status="已公示",
            subject_type="entity",
            subject_uscc=uscc,
            subject_name="共青城鸿瑞羽绒服饰有限公司",
            facts="严重违法",
            basis="依据",
            conduct_date=D(2026, 8, 1),
            linked_record_ids=[],
            proposed_by="op",
            proposed_at=_at(D(2026, 8, 10)),
            notice_date=D(2026, 8, 20),
            statement_deadline=D(2026, 9, 1),
            decision_date=D(2026, 9, 10),
            published_on=D(2026, 9, 15),
            updated_at=_at(D(2026, 9, 15)),
        )
    )


def build_month(session: Session) -> dict[str, Any]:
    """Departments, entities and September 2026's rows; the clock frozen on 2026-10-20."""
    builders.departments(session)
    clock.freeze(TODAY)
    made = builders.entity(session)
    first = _decision(session, made.uscc, D(2026, 9, 28), D(2026, 10, 13))
    _decision(session, made.uscc, D(2026, 9, 28), D(2026, 10, 14))
    _decision(session, made.uscc, D(2026, 9, 30), D(2026, 10, 10))
    _decision(session, made.uscc, D(2026, 9, 29), None)
    for n in range(48):  # August: the history the volume is measured against
        _decision(session, made.uscc, D(2026, 8, 1 + n % 28), D(2026, 8, 1 + n % 28))
    _decision(session, made.uscc, D(2026, 9, 14), D(2026, 9, 15), dept="SWJ")
    _batch(session, "SCJGJ", 5, 1, D(2026, 9, 3))
    _batch(session, "SCJGJ", 3, 1, D(2026, 9, 17))
    _checks(session, "SCJGJ")
    _objection(session, first, D(2026, 9, 10), D(2026, 9, 9))
    _objection(session, first, D(2026, 9, 15), D(2026, 9, 16))
    _objection(session, first, D(2026, 9, 25), None)
    _objection(session, first, D(2026, 10, 15), None)  # due in October: not September's
    _repair(session, made.uscc, first)
    _task(session, made.uscc, D(2026, 9, 18), D(2026, 9, 18))
    _task(session, made.uscc, D(2026, 9, 29), None)
    _entry(session, made.uscc)
    session.flush()
    return {"uscc": made.uscc, "record_id": first}
