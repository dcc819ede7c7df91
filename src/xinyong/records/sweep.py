"""Scheduled, idempotent sweeps over credit records (run by ``xinyong tick`` from cron or a systemd timer).

- Publicity expiry: a 行政处罚 decision whose maximum publicity period (req §3.3, by severity and the regime in
  force at its decision date) has ended stops being published automatically: its status becomes 已过期 in a new
  version, with the rule that decided it in the reason. Running the sweep twice changes nothing the second time.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.actor import Actor
from xinyong.records.models import CreditRecordVersion
from xinyong.records.publicity import DEFAULT_POLICY, PublicityPolicy, publication_window
from xinyong.records.rules import Kind, Severity, Status
from xinyong.records.service import change_status

CHUNK = 1000


@dataclass(frozen=True)
class SweepResult:
    examined: int
    expired: int


def expire_publicity(
    session: Session, actor: Actor, today: dt.date, policy: PublicityPolicy = DEFAULT_POLICY
) -> SweepResult:
    """Move penalties past their maximum publicity period to 已过期 (one audited status change each)."""
    # No regime publishes a penalty for less than its shortest maximum, so younger decisions need no look.
    shortest = min(r.maximum for regime in policy.regimes for r in regime.periods.values())
    horizon = _end_of_month_before(today, shortest)
    examined = expired = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(
                CreditRecordVersion.id,
                CreditRecordVersion.record_id,
                CreditRecordVersion.decision_date,
                CreditRecordVersion.severity,
            )
            .where(
                CreditRecordVersion.valid_to.is_(None),
                CreditRecordVersion.kind == Kind.PENALTY,
                CreditRecordVersion.status == Status.VALID,
                CreditRecordVersion.decision_date <= horizon,
                CreditRecordVersion.id > last_id,
            )
            .order_by(CreditRecordVersion.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return SweepResult(examined, expired)
        last_id = rows[-1].id
        for row in rows:
            examined += 1
            severity = Severity(row.severity) if row.severity else Severity.GENERAL
            window = publication_window(row.decision_date, severity, policy)
            if window.expired_on(today):
                change_status(
                    session,
                    actor,
                    row.record_id,
                    Status.EXPIRED,
                    f"公示期满自动下线：{severity}，{window.regime}，公示至 {window.max_end.isoformat()}",
                )
                expired += 1


def _end_of_month_before(day: dt.date, months: int) -> dt.date:
    """The last day of the month ``months`` before ``day``'s month: a decision after it cannot have a maximum
    period of ``months`` that ended by ``day`` (its end falls on or after the first of the next month)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])
