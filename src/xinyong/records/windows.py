"""Which record versions are published (公示) on a given day, as one SQL condition.

A record is published while it is 公开, in a published status (有效 or 异议中), decided by that day, and, for a
行政处罚, inside the maximum publicity period of its severity under the regime in force on its decision date
(:mod:`xinyong.records.publicity`). The windows become plain date bounds per regime and severity so the condition
runs in SQL and paginates. A penalty without a severity gets 一般's periods. ``records.service.visibility`` uses it
for every public reader, so the API and the portal publish exactly the same records.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, false, or_

from xinyong.records.models import CreditRecordVersion
from xinyong.records.publicity import DEFAULT_POLICY, PublicityPolicy, publication_window
from xinyong.records.rules import PUBLISHED_STATUSES, Disclosure, Kind, Severity

DEFAULT_SEVERITY = Severity.GENERAL


_EARLIEST: dict[tuple[dt.date, dt.date, Severity, dt.date, int], tuple[PublicityPolicy, dt.date]] = {}


def _earliest_shown(start: dt.date, end: dt.date, severity: Severity, on: dt.date, policy: PublicityPolicy) -> dt.date:
    """The first decision date in [start, end] whose window still covers ``on`` (windows grow with the date);
    remembered per day and policy, since every public read of records builds this condition (a bisection over
    Civil Code month arithmetic, a few milliseconds each time)."""
    key = (start, end, severity, on, id(policy))
    found = _EARLIEST.get(key)
    if found is not None and found[0] is policy:
        return found[1]
    if len(_EARLIEST) > 4096:
        _EARLIEST.clear()
    shown = _bisect(start, end, severity, on, policy)
    _EARLIEST[key] = (policy, shown)
    return shown


def _bisect(start: dt.date, end: dt.date, severity: Severity, on: dt.date, policy: PublicityPolicy) -> dt.date:
    low, high = start, end
    while low < high:
        middle = low + (high - low) // 2
        if publication_window(middle, severity, policy).expired_on(on):
            low = middle + dt.timedelta(days=1)
        else:
            high = middle
    return low


def _penalty_window(on: dt.date, policy: PublicityPolicy) -> ColumnElement[bool]:
    """Penalties whose maximum publicity period has not ended on ``on``, as date bounds per regime and severity."""
    v = CreditRecordVersion
    clauses: list[ColumnElement[bool]] = []
    regimes = policy.regimes
    for index, regime in enumerate(regimes):
        start = regime.effective_from
        following = regimes[index + 1].effective_from if index + 1 < len(regimes) else None
        last = min(on, following - dt.timedelta(days=1)) if following else on
        if start > last:
            continue
        for severity in Severity:
            if publication_window(last, severity, policy).expired_on(on):
                continue
            earliest = _earliest_shown(start, last, severity, on, policy)
            graded = v.severity == severity.value
            if severity is DEFAULT_SEVERITY:
                graded = or_(graded, v.severity.is_(None))
            bounds = [v.decision_date >= earliest]
            if following is not None:
                bounds.append(v.decision_date < following)
            clauses.append(and_(graded, *bounds))
    return or_(*clauses) if clauses else false()


def in_force_condition(on: dt.date, policy: PublicityPolicy = DEFAULT_POLICY) -> ColumnElement[bool]:
    """Record versions in force on day ``on`` whatever their disclosure: in a published status (有效, 异议中),
    decided by then, and a 行政处罚 inside its publicity period (what credit evaluation counts)."""
    v = CreditRecordVersion
    return and_(
        v.status.in_([s.value for s in PUBLISHED_STATUSES]),
        v.decision_date <= on,
        or_(v.kind != Kind.PENALTY.value, _penalty_window(on, policy)),
    )


def published_condition(on: dt.date, policy: PublicityPolicy = DEFAULT_POLICY) -> ColumnElement[bool]:
    """Record versions on the portal on day ``on``: public, in a published status, decided, in their window, and
    not held for a desensitisation review."""
    v = CreditRecordVersion
    return and_(v.disclosure == Disclosure.PUBLIC.value, v.privacy_hold.is_(False), in_force_condition(on, policy))
