"""Tables of the 公共信用综合评价: published model versions (immutable), each entity's current result with its
breakdown, the grade history, and full re-grading runs with their progress (so an interrupted run continues)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class EvaluationModel(Base):
    """One published version of the scoring model. Rows are only ever inserted: a change is a new version."""

    __tablename__ = "evaluation_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical definition
    note: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(128))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EvaluationResult(Base):
    """An entity's current grade: score, grade, the model version that produced it and the breakdown
    (indicator → points → the credit record ids / list entry ids that produced them)."""

    __tablename__ = "evaluation_results"
    __table_args__ = (Index("ix_evaluation_results_grade", "grade"),)

    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), primary_key=True)
    model_version: Mapped[int] = mapped_column(ForeignKey("evaluation_models.version"))
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    forced_by: Mapped[str | None] = mapped_column(String(32))  # the indicator that forced the grade (e.g. D)
    breakdown: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    cause: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class GradeChange(Base):
    """One change of an entity's grade or score (the first grade too), with its cause and date."""

    __tablename__ = "grade_history"
    __table_args__ = (Index("ix_grade_history_uscc", "uscc", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18))
    old_grade: Mapped[str | None] = mapped_column(String(1))
    new_grade: Mapped[str] = mapped_column(String(1))
    old_score: Mapped[int | None] = mapped_column(Integer)
    new_score: Mapped[int] = mapped_column(Integer)
    model_version: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(200))  # record:ID:… / list_entry:ID:… / model:N / run:ID
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RegradeRun(Base):
    """A full re-grading run (``xinyong regrade``): entities in USCC order, chunk by chunk, each chunk committed
    with the run's progress, so a killed run resumes after the last USCC it finished."""

    __tablename__ = "regrade_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_version: Mapped[int] = mapped_column(ForeignKey("evaluation_models.version"))
    status: Mapped[str] = mapped_column(String(16))  # running / done
    cause: Mapped[str] = mapped_column(String(200))
    last_uscc: Mapped[str | None] = mapped_column(String(18))
    done: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
