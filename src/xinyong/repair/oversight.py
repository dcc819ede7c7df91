"""The rows a department's scorecard counts for credit repair (req §3.11, §3.15b): each application's two
working-day limits (受理 within 3, 决定 within 10), read through :mod:`xinyong.repair.service`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from xinyong.core.clock import BEIJING
from xinyong.repair.models import RepairApplication
from xinyong.repair.rules import AppStatus


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(BEIJING).date() if moment else None


def deadline_items(session: Session, first: dt.date, following: dt.date) -> list[dict[str, Any]]:
    """Each stage (受理, 决定) of the applications due in ``[first, following)`` or still open during it."""
    a = RepairApplication
    start = dt.datetime.combine(first, dt.time.min, tzinfo=BEIJING)
    rows = session.execute(
        select(a.id, a.number, a.department, a.status, a.subject_name, a.accept_deadline, a.accepted_on)
        .add_columns(a.decide_deadline, a.decided_at, a.updated_at)
        .where(
            or_(
                and_(a.accept_deadline < following, or_(a.accept_deadline >= first, a.accepted_on.is_(None))),
                and_(a.decide_deadline < following, or_(a.decide_deadline >= first, a.decided_at.is_(None))),
                a.decided_at >= start,
            )
        )
        .order_by(a.id)
    ).all()
    items: list[dict[str, Any]] = []
    for row in rows:
        refused = row.status == AppStatus.REFUSED
        accepted = row.accepted_on or (_day(row.decided_at or row.updated_at) if refused else None)
        base = {"id": row.id, "department": row.department, "status": row.status, "link": "/console/repair"}
        name = row.subject_name  # 受理 / 决定: the stage
        accept = {"deadline": row.accept_deadline, "done_on": accepted, "subject": f"{row.number} 受理 {name}"}
        items.append(base | accept)
        if row.decide_deadline is not None:
            done = _day(row.decided_at)
            decide = {"deadline": row.decide_deadline, "done_on": done, "subject": f"{row.number} 决定 {name}"}
            items.append(base | decide)
    return [item for item in items if item["deadline"] < following]
