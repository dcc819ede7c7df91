"""Small operational facts kept in the database so every process and every machine sees them: when the background
tick last finished a round (the tick-lag metric), and where a resumable maintenance run (``xinyong keys rotate``)
stopped. One row per name; written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime

TICK = "tick"


class OpsState(Base):
    __tablename__ = "ops_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


def put(session: Session, name: str, detail: dict[str, Any] | None = None, *, at: dt.datetime | None = None) -> None:
    """Set ``name`` (created on first use) to ``detail``, stamped now."""
    row = session.get(OpsState, name)
    moment = at or dt.datetime.now(dt.UTC)  # the wall clock: operations, not legal time
    if row is None:
        session.add(OpsState(name=name, at=moment, detail=detail or {}))
    else:
        row.at = moment
        row.detail = detail or {}
    session.flush()


def get(session: Session, name: str) -> OpsState | None:
    return session.execute(select(OpsState).where(OpsState.name == name)).scalar_one_or_none()


def forget(session: Session, name: str) -> None:
    row = session.get(OpsState, name)
    if row is not None:
        session.delete(row)
        session.flush()
