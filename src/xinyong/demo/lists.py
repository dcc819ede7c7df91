"""Demo list entries: the newest serious administrative penalties (情节严重的行政处罚) of the demo records taken by
their departments through the city's listing procedure for the 严重失信主体名单, so the portal's list, the console's
pipeline, the responsible persons' pages and the embedded check have something to show. (The demo's own
``serious_dishonesty`` records stand for lists decided elsewhere; a decision here writes its own record, as the
procedure does.)

Each entry follows the real procedure with the clock set to the day of each step (the same replay the tests use):
proposed by an operator of the penalty's department the day after the penalty was decided, the party notified the
next day, decided by a second person of the department once the statement window (working days) has passed, and
published the same day. A step that would fall after today is not taken, so the newest cases wait in the pipeline
(告知 or 拟列入), as they would in a running office. Deterministic: the same records give the same entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import Department
from xinyong.core.periods import add_months
from xinyong.lists import service as lists
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Kind, Severity, Status

MAX_ENTRIES = 60
LOOKBACK_MONTHS = 30  # records older than this would have left the list (the serious list's term is 3 years)


def _at(day: dt.date) -> None:
    """Noon Beijing time on ``day`` (04:00 UTC), the hour the office would take the step."""
    clock.freeze(dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC))


def seed_list_entries(session: Session, today: dt.date | None = None) -> dict[str, int]:
    """Take the newest valid serious penalties of entities through the listing procedure; returns how many
    entries reached each stage. The clock is set for each step and put back as it was found."""
    day0 = today or clock.today()
    earliest = add_months(day0, -LOOKBACK_MONTHS)
    rows = session.execute(
        select(CreditRecordVersion)
        .where(
            CreditRecordVersion.kind == Kind.PENALTY,
            CreditRecordVersion.severity == Severity.SERIOUS,
            CreditRecordVersion.valid_to.is_(None),
            CreditRecordVersion.status == Status.VALID,
            CreditRecordVersion.subject_uscc.is_not(None),
            CreditRecordVersion.decision_date >= earliest,
            CreditRecordVersion.decision_date < day0,
        )
        .order_by(CreditRecordVersion.decision_date.desc(), CreditRecordVersion.record_id)
        .limit(MAX_ENTRIES)
    ).scalars()
    records = sorted(rows, key=lambda r: (r.decision_date, r.record_id))  # replay in time order
    short = {d.code: d.short_name for d in session.scalars(select(Department))}
    numbers: dict[tuple[str, int], int] = defaultdict(int)
    stages: dict[str, int] = defaultdict(int)
    lists.current_types(session)  # the list types exist before the first proposal
    found = clock.frozen_at()
    try:
        for record in records:
            department = record.source_department
            operator = Actor(
                role=Role.DEPT_OPERATOR, id=f"demo:op-{department}", name="经办人（演示）", department_code=department
            )
            reviewer = Actor(
                role=Role.DEPT_REVIEWER, id=f"demo:rev-{department}", name="审核人（演示）", department_code=department
            )
            content = record.content or {}
            propose_on = record.decision_date + dt.timedelta(days=1)
            if propose_on > day0:
                continue
            _at(propose_on)
            entry = lists.propose_entry(
                session,
                operator,
                list_type="serious",
                facts=f"{content.get('SY') or record.title}情节严重（{content.get('WSH') or record.title}）。",
                basis=f"{content.get('YJ') or '相关法律法规'}；《国务院办公厅关于进一步完善失信约束制度构建诚信建设"
                "长效机制的指导意见》（国办发〔2020〕49号）",
                subject_uscc=record.subject_uscc,
                conduct_date=record.decision_date,
                linked_record_ids=(record.record_id,),
            )
            stages["proposed"] += 1
            notify_on = propose_on + dt.timedelta(days=1)
            if notify_on > day0:
                continue
            _at(notify_on)
            year = notify_on.year
            numbers[(department, year)] += 1
            seq = numbers[(department, year)]
            name = short.get(department, department)
            lists.notify_party(session, operator, entry.id, notice_doc_no=f"共{name}信告〔{year}〕{seq}号")
            stages["notified"] += 1
            assert entry.statement_deadline is not None
            decide_on = entry.statement_deadline + dt.timedelta(days=1)
            if decide_on > day0:
                continue
            _at(decide_on)
            lists.decide_entry(session, reviewer, entry.id, decision_doc_no=f"共{name}信列〔{year}〕{seq}号")
            lists.publish_entry(session, operator, entry.id)
            stages["published"] += 1
    finally:
        clock.freeze(found)
    return dict(stages)
