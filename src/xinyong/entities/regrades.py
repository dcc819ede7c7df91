"""The re-grade queue and the entity master's codes as the credit evaluation reads them (re-exported by the
entities service): queued entities, dequeuing, which codes exist, and the master's codes in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from xinyong.entities.models import Entity, RegradeQueue


def queued_regrades(session: Session, limit: int) -> list[tuple[str, int, str]]:
    """The first ``limit`` queued entities, oldest first, each once: (uscc, its newest queue row id, a cause)."""
    q = RegradeQueue
    rows = session.execute(
        select(q.uscc, func.max(q.id), func.min(q.cause)).group_by(q.uscc).order_by(func.min(q.id)).limit(limit)
    )
    return [(str(uscc), int(last), str(cause)) for uscc, last, cause in rows]


def dequeue_regrade(session: Session, uscc: str, up_to: int | None = None) -> None:
    """Remove the entity's queue rows (those up to the id ``up_to`` when given: later ones are new changes)."""
    stmt = delete(RegradeQueue).where(RegradeQueue.uscc == uscc)
    if up_to is not None:
        stmt = stmt.where(RegradeQueue.id <= up_to)
    session.execute(stmt, execution_options={"synchronize_session": False})


def dequeue_regrades_before(session: Session, when: dt.datetime) -> None:
    """Remove what was queued before ``when`` (a full run that started then graded it)."""
    stmt = delete(RegradeQueue).where(RegradeQueue.queued_at < when)
    session.execute(stmt, execution_options={"synchronize_session": False})


def regrades_waiting(session: Session) -> int:
    """Entities in the re-grade queue."""
    return int(session.scalar(select(func.count(func.distinct(RegradeQueue.uscc)))) or 0)


def existing_usccs(session: Session, usccs: Sequence[str]) -> set[str]:
    """Those of ``usccs`` (valid USCCs) that are in the entity master."""
    return set(session.scalars(select(Entity.uscc).where(Entity.uscc.in_(list(usccs)))))


def count_entities(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Entity)) or 0)


def usccs_after(session: Session, after: str | None, limit: int) -> list[str]:
    """The next ``limit`` USCCs of the entity master in code order after ``after`` (from the first when None)."""
    stmt = select(Entity.uscc).order_by(Entity.uscc).limit(limit)
    if after is not None:
        stmt = stmt.where(Entity.uscc > after)
    return list(session.scalars(stmt))


def usccs_in_scope() -> Select[tuple[str]]:
    """Every entity's USCC (``uscc``), a statement to scope and compose (set-based grading)."""
    return select(Entity.uscc.label("uscc"))
