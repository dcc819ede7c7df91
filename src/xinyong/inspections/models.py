"""Tables of graded supervision and 双随机、一公开: mapping versions, item lists, inspectors, tasks with their frozen
pools, draws (rounds), drawn entities with their results, and typical cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.inspections.rules import RESULT_TABLE


class SupervisionMapping(Base):
    """One version of a department's 分级分类监管 mapping: class → inspection ratio (%) and frequency (次/年).
    Versions are never changed: a new mapping is a new version."""

    __tablename__ = "supervision_mappings"
    __table_args__ = (UniqueConstraint("department", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    version: Mapped[int] = mapped_column(Integer)
    classes: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {stratum: {"ratio": "5", "frequency": 1}}
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InspectionItem(Base):
    """One entry of a department's 随机抽查事项清单."""

    __tablename__ = "inspection_items"
    __table_args__ = (UniqueConstraint("department", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text)  # 检查依据
    subject: Mapped[str] = mapped_column(String(200))  # 检查对象
    method: Mapped[str] = mapped_column(String(64))  # 检查方式
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Inspector(Base):
    """One 执法检查人员 of a department's pool, with the entities they declared a conflict of interest with."""

    __tablename__ = "inspectors"
    __table_args__ = (Index("ix_inspectors_department", "department", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    name: Mapped[str] = mapped_column(String(100))
    badge_no: Mapped[str] = mapped_column(String(32), unique=True)  # 执法证号: the id used in draws
    conflicts: Mapped[list[str]] = mapped_column(JSONType)  # USCCs (回避)
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InspectionTask(Base):
    """A 抽查任务: its items, the entity filter and the pool frozen from it (hash published), the ratios in force."""

    __tablename__ = "inspection_tasks"
    __table_args__ = (Index("ix_inspection_tasks_department", "department", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    name: Mapped[str] = mapped_column(String(200))
    item_ids: Mapped[list[int]] = mapped_column(JSONType)
    pool_filter: Mapped[dict[str, Any]] = mapped_column(JSONType)
    mapping_id: Mapped[int] = mapped_column(ForeignKey("supervision_mappings.id"))
    ratios: Mapped[dict[str, str]] = mapped_column(JSONType)  # copied from the mapping at freeze
    inspectors_per_entity: Mapped[int] = mapped_column(Integer)
    inspection_end: Mapped[dt.date] = mapped_column(Date)  # 计划完成检查日期
    pool_size: Mapped[int] = mapped_column(Integer)
    pool_hash: Mapped[str] = mapped_column(String(64))
    strata_sizes: Mapped[dict[str, int]] = mapped_column(JSONType)
    frozen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    frozen_by: Mapped[str] = mapped_column(String(128))


class InspectionPoolRow(Base):
    """One row of a task's frozen pool: the entity and its class (stratum) at freeze."""

    __tablename__ = "inspection_pool_rows"

    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_tasks.id"), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    stratum: Mapped[str] = mapped_column(String(32))


class InspectionDraw(Base):
    """One round of a task's draw: the public value entered, the seed, and what the bundle holds besides the pool."""

    __tablename__ = "inspection_draws"
    __table_args__ = (UniqueConstraint("task_id", "round_no"), UniqueConstraint("task_id", "public_value"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_tasks.id"))
    department: Mapped[str] = mapped_column(String(16))
    round_no: Mapped[int] = mapped_column(Integer)
    public_value: Mapped[str] = mapped_column(String(200))
    seed: Mapped[str] = mapped_column(String(64))
    selected_count: Mapped[int] = mapped_column(Integer)
    bundle: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the published bundle without its pool
    drawn_on: Mapped[dt.date] = mapped_column(Date)
    drawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    drawn_by: Mapped[str] = mapped_column(String(128))


class InspectionAssignment(Base):
    """One drawn entity of a round: its inspectors, its result and the credit record the result became."""

    __tablename__ = "inspection_assignments"
    __table_args__ = (
        UniqueConstraint("draw_id", "uscc"),
        Index("ix_inspection_assignments_uscc", "uscc", "id"),
        Index("ix_inspection_assignments_open", "department", "result", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("inspection_draws.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("inspection_tasks.id"))
    department: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str] = mapped_column(String(18))
    stratum: Mapped[str] = mapped_column(String(32))
    ticket: Mapped[str] = mapped_column(String(64))
    inspectors: Mapped[list[str]] = mapped_column(JSONType)  # badge numbers
    deadline: Mapped[dt.date] = mapped_column(Date)  # 结果公示期限 (working days)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean)
    deadline_rule: Mapped[str] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(String(32))
    result_date: Mapped[dt.date | None] = mapped_column(Date)  # 检查完成日期
    result_note: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # the result procedure's status: empty until a result is recorded, then 已公示 (inspections.rules.RESULT_TABLE)
    status: Mapped[str] = mapped_column(String(8), default="", server_default="")


class InspectionResultStep(StepHistory, Base):
    """One step of a drawn entity's result as it happened: recorded (and published), or flagged overdue."""

    __tablename__ = "inspection_result_steps"
    __table_args__ = (Index("ix_inspection_result_steps_assignment", "assignment_id", "id"),)
    owner_key = "assignment_id"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("inspection_assignments.id"))


INSPECTION_RESULT = Procedure("双随机抽查结果公示", RESULT_TABLE, InspectionResultStep, stamp=None)


class TypicalCase(Base):
    """典型案例 of graded supervision, published on the portal until withdrawn."""

    __tablename__ = "supervision_cases"
    __table_args__ = (Index("ix_supervision_cases_published", "published_on", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    stratum: Mapped[str | None] = mapped_column(String(32))
    published_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
