"""Tables of rectification tasks (限期整改) and interviews (约谈), req §3.9."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.remedies.rules import TASK_TABLE


class RectificationTask(Base):
    """A task the listing (or recording) department sets a dishonest entity, with a working-day deadline."""

    __tablename__ = "rectification_tasks"
    __table_args__ = (
        Index("ix_rectification_tasks_department", "department", "status"),
        Index("ix_rectification_tasks_uscc", "subject_uscc"),
        Index("ix_rectification_tasks_due", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    status: Mapped[str] = mapped_column(String(8))
    subject_uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    subject_name: Mapped[str] = mapped_column(String(200))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    requirement: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(128))
    working_days: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.date] = mapped_column(Date)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    deadline_rule: Mapped[str] = mapped_column(String(500))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RectificationStep(StepHistory, Base):
    """One step of a task as it happened (issue, report, confirm, reject, escalate) with what it recorded."""

    __tablename__ = "rectification_steps"
    __table_args__ = (Index("ix_rectification_steps_task", "task_id", "id"),)
    owner_key = "task_id"

    task_id: Mapped[int] = mapped_column(ForeignKey("rectification_tasks.id"))


RECTIFICATION = Procedure("限期整改", TASK_TABLE, RectificationStep)


class Interview(Base):
    """A 提示约谈 or 警示约谈 held by the department that made the finding (谁认定、谁约谈)."""

    __tablename__ = "interviews"
    __table_args__ = (
        Index("ix_interviews_department", "department", "held_on"),
        Index("ix_interviews_uscc", "subject_uscc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    kind: Mapped[str] = mapped_column(String(8))
    subject_uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    subject_name: Mapped[str] = mapped_column(String(200))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_tasks.id"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[list[str]] = mapped_column(JSONType)
    content: Mapped[str] = mapped_column(Text)
    credit_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
