"""The rows a department's scorecard counts for the listing procedure (req §3.8, §3.15b): the city's own entries
whose statement window (陈述申辩期限) has run, with the dates the department decided and published them. The limits
after the window are the scorecard model's (data the office edits), so they are applied by the reader."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.lists.models import ListEntry


def procedure_items(session: Session, since: dt.date, following: dt.date) -> list[dict[str, Any]]:
    """Local entries whose statement deadline fell in ``[since, following)``, or earlier and still undecided or
    unpublished."""
    e = ListEntry
    rows = session.execute(
        select(e.id, e.department, e.status, e.subject_name, e.statement_deadline, e.decision_date, e.published_on)
        .where(
            e.origin == "local",
            e.statement_deadline.is_not(None),
            e.statement_deadline < following,
            or_(e.statement_deadline >= since, e.decision_date.is_(None), e.published_on.is_(None)),
        )
        .order_by(e.statement_deadline, e.id)
    ).all()
    return [
        {
            "id": row.id,
            "department": row.department,
            "status": row.status,
            "subject": row.subject_name,
            "statement_deadline": row.statement_deadline,
            "decision_date": row.decision_date,
            "published_on": row.published_on,
            "link": f"/console/lists/{row.id}",
        }
        for row in rows
    ]
