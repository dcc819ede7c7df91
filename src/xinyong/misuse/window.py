"""The sweep's reading of the audit log, set-based: which people (or people and days) a rule could fire on, found by
one grouped query over the watermark window, and the events of only those, for the rule's evaluator to judge.

The window is the events past the watermark (``after < seq <= upto``, the *new* ones) and the context before it that
a rule's window reaches back into (``seq <= after`` and ``at >= since``). For each rule a ``GROUP BY`` in the
database finds the candidates, with a count that can only over-state what the rule counts (distinct persons, events
of a day), so a candidate may come to nothing but nobody the rule would fire on is left out:

- the sliding windows (many persons, repeated exports): per person and fixed bucket of the window's length, the keys
  read (for persons, an upper bound: the commas in the persons list or the subject's ids, plus one); any window of
  that length lies in two neighbouring buckets, so a person is a candidate when two neighbours reach the threshold;
- a day's count (off hours, other departments' subjects): per person and Beijing day, the events that qualify (the
  calendar's non-working days named in the query) or their keys' upper bound.

The evaluators in :mod:`xinyong.misuse.rules` then read the candidates' events in chain order, exactly as they would
read every event (their state is per person, or per person and day), so the alerts are the same as a full read's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from xinyong.core.actor import Role
from xinyong.core.audit import AuditEvent
from xinyong.misuse.rules import WATCHED_ROLES, Code, Evaluator, Event, OffHours, SlidingCount

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
BEIJING_MINUTES = 480  # UTC+8
DAY_MINUTES = 1440
FETCH_GROUPS = 200  # people (or people and days) per query fetching their events
DEPARTMENT_ROLES = (str(Role.DEPT_OPERATOR), str(Role.DEPT_REVIEWER))
T = AuditEvent.__table__.c


@dataclass(frozen=True)
class Span:
    """The events a sweep reads: the new ones past ``after`` up to ``upto``, and context from ``since`` (None: none)."""

    after: int
    upto: int
    since: dt.datetime | None

    def condition(self) -> ColumnElement[bool]:
        new = and_(T.seq > self.after, T.seq <= self.upto)
        if self.since is None:
            return new
        return or_(new, and_(T.seq <= self.after, T.at >= self.since))


def span(session: Session, after: int, upto: int, reach: dt.timedelta) -> Span:
    """The window past ``after``: context back ``reach`` from the first new event and to the start of its Beijing
    day (a day's count sees the whole day)."""
    first = session.execute(select(T.at).where(T.seq > after).order_by(T.seq).limit(1)).scalar_one_or_none()
    if first is None or after == 0:
        return Span(after, upto, None)
    beijing = dt.timezone(dt.timedelta(hours=8))
    day_start = dt.datetime.combine(first.astimezone(beijing).date(), dt.time(), tzinfo=beijing)
    return Span(after, upto, min(first - reach, day_start))


def action_filter(patterns: Iterable[str]) -> ColumnElement[bool]:
    """Audit events whose action matches one of the patterns (``*`` any part), by a watched role."""
    patterns = set(patterns)
    exact = sorted(p for p in patterns if "*" not in p)
    like = sorted(p.replace("_", r"\_").replace("*", "%") for p in patterns if "*" in p)
    clauses: list[ColumnElement[bool]] = []
    if exact:
        clauses.append(T.action.in_(exact))
    clauses.extend(T.action.like(p, escape="\\") for p in like)
    matched = or_(*clauses) if clauses else false()
    return matched & T.actor_role.in_(sorted(str(r) for r in WATCHED_ROLES))


def columns() -> Any:
    """The columns the rules read, the payload's three fields as text (no JSON decoding of a million payloads)."""
    payload = AuditEvent.payload
    return select(
        T.seq,
        T.at,
        T.actor_role,
        T.actor_id,
        T.actor_department,
        T.action,
        T.subject_type,
        T.subject_id,
        payload["persons"].as_string().label("persons"),
        payload["departments"].as_string().label("departments"),
        payload["uscc"].as_string().label("uscc"),
    )


def _int(number: int) -> ColumnElement[int]:
    """A constant written into the statement (a grouping expression must read the same in SELECT and GROUP BY)."""
    return literal_column(str(int(number)), Integer)


def _minutes(dialect: str) -> ColumnElement[int]:
    """Whole minutes since 1970 (UTC) of an event."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", T.at) / _int(60)), BigInteger)
    return cast(func.strftime("%s", T.at), Integer) // _int(60)


def _commas(text: ColumnElement[Any]) -> ColumnElement[int]:
    return func.coalesce(func.length(text) - func.length(func.replace(text, ",", "")), 0)


def _key_bound() -> ColumnElement[int]:
    """At least as many as the persons (or subjects) an event read: the items of its persons list, or of its
    comma-separated subject ids, whichever is more (see :func:`xinyong.misuse.rules.person_keys`)."""
    persons, subjects = _commas(AuditEvent.payload["persons"].as_string()), _commas(T.subject_id)
    return case((persons > subjects, persons), else_=subjects) + _int(1)


def _sliding_people(session: Session, span: Span, rule: SlidingCount, bound: ColumnElement[int]) -> list[str]:
    """The people with two neighbouring buckets of the window's length reaching the threshold."""
    minutes = _minutes(session.get_bind().dialect.name)
    width = max(1, int(rule.window.total_seconds() // 60))
    grouped = (
        select(T.actor_id.label("actor_id"), (minutes // _int(width)).label("b"), func.sum(bound).label("n"))
        .where(span.condition(), action_filter(rule.actions))
        .group_by(T.actor_id, minutes // _int(width))
        .subquery()
    )
    person, bucket = grouped.c.actor_id, grouped.c.b
    lagged = select(
        person,
        grouped.c.n,
        (bucket - func.lag(bucket).over(partition_by=person, order_by=bucket)).label("gap"),
        func.lag(grouped.c.n).over(partition_by=person, order_by=bucket).label("before"),
    ).subquery()
    reach = lagged.c.n + case((lagged.c.gap == 1, lagged.c.before), else_=0)
    found = session.execute(select(lagged.c.actor_id).where(reach >= rule.threshold).distinct()).scalars()
    return sorted(found)


def _off_hours(session: Session, span: Span, day: ColumnElement[int], rule: OffHours) -> ColumnElement[bool]:
    """Events outside office hours or on a day the calendar says is not a working day."""
    days = session.execute(select(day).where(span.condition(), action_filter(rule.actions)).distinct()).scalars()
    resting = sorted(d for d in days if not rule.working_day(EPOCH.date() + dt.timedelta(days=int(d))))
    minute_of_day = (_minutes(session.get_bind().dialect.name) + _int(BEIJING_MINUTES)) % _int(DAY_MINUTES)
    start, end = (t.hour * 60 + t.minute for t in (rule.start, rule.end))
    resting_clause = day.in_(resting) if resting else false()
    return or_(resting_clause, minute_of_day < start, minute_of_day >= end)


def _outside(session: Session) -> ColumnElement[bool]:
    """Department staff reading records none of which their department collected (the payload's departments)."""
    listed = AuditEvent.payload["departments"].as_string()
    quoted = literal('"') + T.actor_department + literal('"')
    postgresql = session.get_bind().dialect.name == "postgresql"
    found = func.strpos(listed, quoted) if postgresql else func.instr(listed, quoted)
    return and_(
        T.actor_role.in_(DEPARTMENT_ROLES),
        T.actor_department.is_not(None),
        T.actor_department != "",
        listed.is_not(None),
        listed.not_in(["", "[]"]),
        found == 0,
    )


def _day_groups(session: Session, span: Span, rule: Evaluator) -> list[tuple[str, int]]:
    """The (person, Beijing day) pairs whose qualifying events (or their keys) reach the rule's threshold."""
    day = (_minutes(session.get_bind().dialect.name) + _int(BEIJING_MINUTES)) // _int(DAY_MINUTES)
    qualifies: ColumnElement[bool]
    weight: ColumnElement[int]
    if isinstance(rule, OffHours):
        qualifies, weight = _off_hours(session, span, day, rule), _int(1)
    else:
        qualifies, weight = _outside(session), _key_bound()
    query = (
        select(T.actor_id, day)
        .where(span.condition(), action_filter(rule.actions), qualifies)
        .group_by(T.actor_id, day)
        .having(func.sum(weight) >= int(rule.params["threshold"]))
    )
    return sorted((actor, int(d)) for actor, d in session.execute(query).all())


def _fetch(session: Session, span: Span, rule: Evaluator, groups: Sequence[tuple[str, int | None]]) -> list[Event]:
    """The rule's events of these people (on these Beijing days, when a day is given), in chain order."""
    events: list[Event] = []
    for start in range(0, len(groups), FETCH_GROUPS):
        chunk = groups[start : start + FETCH_GROUPS]
        whole = sorted({actor for actor, day in chunk if day is None})
        clauses: list[ColumnElement[bool]] = [T.actor_id.in_(whole)] if whole else []
        for actor, day in chunk:
            if day is not None:
                first = EPOCH + dt.timedelta(days=day, minutes=-BEIJING_MINUTES)
                clauses.append(and_(T.actor_id == actor, T.at >= first, T.at < first + dt.timedelta(days=1)))
        query = columns().where(span.condition(), action_filter(rule.actions), or_(*clauses)).order_by(T.seq)
        events.extend(Event(*row) for row in session.connection().execute(query).all())
    events.sort(key=lambda e: e.seq)
    return events


def candidate_events(session: Session, span: Span, rule: Evaluator) -> list[Event]:
    """The events a rule has to judge in the window: those of its candidates only."""
    groups: list[tuple[str, int | None]]
    if isinstance(rule, SlidingCount):
        bound = _key_bound() if rule.code == Code.BULK_PERSONAL else _int(1)
        groups = [(actor, None) for actor in _sliding_people(session, span, rule, bound)]
    else:
        groups = list(_day_groups(session, span, rule))
    return _fetch(session, span, rule, groups) if groups else []


def decisions(session: Session, span: Span, actions: Iterable[str]) -> list[Event]:
    """The new events that decide a repair or an objection, in chain order."""
    query = columns().where(T.seq > span.after, T.seq <= span.upto, action_filter(actions)).order_by(T.seq)
    return [Event(*row) for row in session.connection().execute(query).all()]


def count_new(session: Session, after: int, upto: int, patterns: Iterable[str]) -> int:
    """The new events any enabled rule reads (what a sweep reports as examined)."""
    query = select(func.count()).where(T.seq > after, T.seq <= upto, action_filter(patterns))
    return int(session.execute(query).scalar_one())
