"""What a month's scorecards are computed from, read through each area's service (never its tables): grouped
counts for the large tables (records, batches, checks), the deadline-bearing items for the procedures."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from xinyong.core.calendar import load_calendar
from xinyong.core.errors import InvalidInput
from xinyong.core.periods import add_months
from xinyong.lists import service as lists
from xinyong.lists.rules import EntryStatus
from xinyong.objections import service as objections
from xinyong.punishment import service as punishment
from xinyong.records import service as records
from xinyong.records.publicity import TimelinessStatus
from xinyong.remedies import service as remedies
from xinyong.repair import service as repair
from xinyong.scorecards.rules import Indicator, month_text

HISTORY_LIMIT = 24  # months: the most ``history_months`` a model version may ask for (rules.PARAM_RANGES)
NOT_DECIDED = {EntryStatus.PROPOSED, EntryStatus.NOTIFIED, EntryStatus.STATED}
NOT_PUBLISHED = {EntryStatus.DECLINED, EntryStatus.REVOKED}


@dataclass
class Inputs:
    """Everything one month needs, per department code."""

    statuses: dict[str | None, Counter[TimelinessStatus]]
    batches: dict[str, tuple[int, int]]
    received: dict[tuple[str, str], int]
    checks: dict[str, tuple[int, int, int]]
    items: dict[Indicator, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)


def _by_department(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item["department"]].append(item)
    return grouped


def list_stage_items(
    session: Session, first: dt.date, following: dt.date, decide_days: int, publish_days: int
) -> list[dict[str, Any]]:
    """The listing procedure's two steps the department answers for, with deadlines from the scorecard model: the
    decision within ``decide_days`` working days after the statement deadline, publication within ``publish_days``
    working days after a decision to list."""
    work_calendar = load_calendar(session)
    known: dict[tuple[dt.date, int], dt.date | None] = {}  # entries share days: each deadline computed once

    def after(day: dt.date, days: int) -> dt.date | None:
        if (day, days) not in known:
            try:
                known[day, days] = work_calendar.add_working_days(day, days).date
            except InvalidInput:
                known[day, days] = None
        return known[day, days]

    items: list[dict[str, Any]] = []
    for entry in lists.procedure_items(session, add_months(first, -3), following):
        base = {"id": entry["id"], "department": entry["department"], "status": entry["status"], "link": entry["link"]}
        decide_by = after(entry["statement_deadline"], decide_days)
        if decide_by is None:
            continue
        decided = entry["decision_date"] if entry["status"] not in NOT_DECIDED else None
        items.append(base | {"deadline": decide_by, "done_on": decided, "subject": f"作出决定：{entry['subject']}"})
        if decided is None or entry["status"] in NOT_PUBLISHED:
            continue
        publish_by = after(decided, publish_days)
        if publish_by is None:
            continue
        published = {"deadline": publish_by, "done_on": entry["published_on"], "subject": f"公示：{entry['subject']}"}
        items.append(base | published)
    return [item for item in items if item["deadline"] < following]


@dataclass
class Span:
    """The two reads over the largest table done once for several months (a trend): decisions' statuses per
    department and month, records received per department and month (with two years of history before)."""

    statuses: dict[tuple[str | None, str | None], Counter[TimelinessStatus]]
    received: dict[tuple[str, str], int]


def span(session: Session, first: dt.date, following: dt.date, today: dt.date) -> Span:
    statuses = records.status_counts_by(session, [], first, following, today, by_department=True, by_month=True)
    return Span(statuses, records.received_by_month(session, add_months(first, -HISTORY_LIMIT), following))


def gather(
    session: Session,
    first: dt.date,
    following: dt.date,
    today: dt.date,
    params: dict[str, int],
    shared: Span | None = None,
) -> Inputs:
    """One month's inputs: grouped queries over the large tables (or their share of a :class:`Span`), the
    procedures' items by department."""
    month = month_text(first)
    if shared is None:
        statuses = records.status_counts_by(session, [], first, following, today, by_department=True)
        received = records.received_by_month(session, add_months(first, -params["history_months"]), following)
    else:
        statuses = {key: counts for key, counts in shared.statuses.items() if key[1] == month}
        received = shared.received
    inputs = Inputs(
        statuses={department: counts for (department, _), counts in statuses.items()},
        batches=records.batch_rows_by_department(session, first, following),
        received=received,
        checks=punishment.feedback_by_department(session, month),
    )
    decide, publish = params["list_decide_working_days"], params["list_publish_working_days"]
    inputs.items = {
        Indicator.OBJECTIONS_ON_TIME: _by_department(objections.deadline_items(session, first, following)),
        Indicator.REPAIRS_ON_TIME: _by_department(repair.deadline_items(session, first, following)),
        Indicator.RECTIFICATION_ON_TIME: _by_department(remedies.deadline_items(session, first, following)),
        Indicator.LISTS_ON_TIME: _by_department(list_stage_items(session, first, following, decide, publish)),
    }
    return inputs
