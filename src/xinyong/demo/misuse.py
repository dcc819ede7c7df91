"""Demo: audit events the insider-misuse rules (谋私预警) find, made by the platform's own reads, then swept.

On a recent working day (two or more days before the load) the tax bureau's operator (``swj``) opened, one after
another between 21:40 and 22:25, the penalty records of 36 natural persons decided by other departments — unmasked
reads, each written to the audit log by the records service as ``records:personal:read``. That afternoon the market
regulator's operator (``scjg``) read a few of their own department's records in office hours: ordinary casework. The
sweep the tick runs then reads the log and raises the alerts an auditor finds in the console's 谋私预警 queue (many
persons in an hour, reading at night, other departments' subjects), none for the afternoon's work. Nothing here
writes an alert itself.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.calendar import load_calendar
from xinyong.demo.draws import ACTOR
from xinyong.misuse import service as misuse
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Disclosure, Status, SubjectType

BEIJING = dt.timezone(dt.timedelta(hours=8))
NIGHT_READER = Actor(Role.DEPT_OPERATOR, id="user:swj", name="税务局经办人", department_code="SWJ")
DAY_READER = Actor(Role.DEPT_OPERATOR, id="user:scjg", name="市场监管局经办人", department_code="SCJGJ")
NIGHT_READS = 36
DAY_READS = 6


def _person_records(session: Session, *, of: str | None, besides: str | None, count: int) -> list[int]:
    """Current records of distinct natural persons, of one department or shared by any other."""
    v = CreditRecordVersion
    query = select(v.record_id, v.subject_person_id).where(
        v.valid_to.is_(None), v.subject_type == SubjectType.PERSON, v.subject_person_id.is_not(None)
    )
    if of is not None:
        query = query.where(v.source_department == of)
    if besides is not None:  # another department's records: those shared with departments (rights.visibility)
        shared = v.disclosure.in_([Disclosure.PUBLIC, Disclosure.CONDITIONAL]) & (v.status != Status.REPAIRED)
        query = query.where(v.source_department != besides, shared)
    chosen: dict[int, int] = {}
    for record_id, person in session.execute(query.order_by(v.record_id).limit(count * 10)):
        if person is not None:
            chosen.setdefault(person, record_id)
        if len(chosen) == count:
            break
    return list(chosen.values())


def seed_misuse(session: Session, today: dt.date) -> int:
    """The reads above, at their moments, then one sweep; returns the alerts raised."""
    calendar = load_calendar(session)
    day = today - dt.timedelta(days=2)
    while not calendar.is_working_day(day).working:  # the afternoon's reads are office-hours work
        day -= dt.timedelta(days=1)
    night = dt.datetime.combine(day, dt.time(21, 40), tzinfo=BEIJING)
    afternoon = dt.datetime.combine(day, dt.time(15, 10), tzinfo=BEIJING)
    pinned = clock.frozen_at()
    try:
        own = _person_records(session, of=DAY_READER.department_code, besides=None, count=DAY_READS)
        for k, record_id in enumerate(own):
            clock.freeze(afternoon + dt.timedelta(minutes=4 * k))
            records.get_record(session, DAY_READER, record_id)
        others = _person_records(session, of=None, besides=NIGHT_READER.department_code, count=NIGHT_READS)
        for k, record_id in enumerate(others):
            clock.freeze(night + dt.timedelta(seconds=75 * k))
            records.get_record(session, NIGHT_READER, record_id)
    finally:
        clock.freeze(pinned)
    return misuse.sweep_misuse(session, ACTOR, today).raised
