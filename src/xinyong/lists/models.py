"""Tables of the lists (名单): list type versions, entries with their procedure, the step log, clause 14 notices.

An entry's row holds its current status and, for each step, the columns that step fills once (who, when, what it
decided, the deadline it computed and the rule that produced it); nothing a step wrote is overwritten later. Every
step is also a row of ``list_entry_steps``, so the whole procedure can be read back in order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory
from xinyong.lists.honour_rules import HONOUR_TABLE
from xinyong.lists.rules import TABLE


class ListType(Base):
    """One version of a list type (名单类型): criteria, legal basis, term and exit rules as data."""

    __tablename__ = "list_types"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    duration_months: Mapped[int | None] = mapped_column(Integer)  # None with permanent = True
    permanent: Mapped[bool] = mapped_column(Boolean)
    term_adjustable: Mapped[bool] = mapped_column(Boolean)
    earliest_exit_months: Mapped[int | None] = mapped_column(Integer)  # None: no early exit
    exit_rules: Mapped[str] = mapped_column(Text)
    statement_window_days: Mapped[int] = mapped_column(Integer)  # working days
    key_fields: Mapped[list[str]] = mapped_column(JSONType)
    binds_responsible_persons: Mapped[bool] = mapped_column(Boolean)
    record_kind: Mapped[str | None] = mapped_column(String(32))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)  # why this version (e.g. the new regulation)
    issuing_body: Mapped[str | None] = mapped_column(String(200))  # 认定（发布）机关 (honour lists name theirs)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ListEntry(Base):
    """One subject's way through the listing procedure, from proposal to exit; kept forever."""

    __tablename__ = "list_entries"
    __table_args__ = (
        Index("ix_list_entries_uscc", "subject_uscc", "status"),
        Index("ix_list_entries_person", "subject_person_id", "status"),
        Index("ix_list_entries_department", "department", "status"),
        Index("ix_list_entries_order", "decision_date", "id"),  # the public lists' page order
        Index("ix_list_entries_status_valid_to", "status", "valid_to"),
        Index("ix_list_entries_upstream_key", "upstream_key", unique=True),
        Index("ix_list_entries_honour_uscc", "honour", "subject_uscc", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_type_id: Mapped[int] = mapped_column(ForeignKey("list_types.id"))
    list_code: Mapped[str] = mapped_column(String(32))  # denormalised from the type version
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    status: Mapped[str] = mapped_column(String(8))
    subject_type: Mapped[str] = mapped_column(String(8))  # entity / person
    subject_uscc: Mapped[str | None] = mapped_column(ForeignKey("entities.uscc"))
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    key_field: Mapped[str | None] = mapped_column(String(16))
    # 拟列入
    facts: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    conduct_date: Mapped[dt.date] = mapped_column(Date)
    linked_record_ids: Mapped[list[int]] = mapped_column(JSONType)
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # 告知
    notice_date: Mapped[dt.date | None] = mapped_column(Date)
    notice_doc_no: Mapped[str | None] = mapped_column(String(128))
    rights: Mapped[str | None] = mapped_column(Text)
    statement_deadline: Mapped[dt.date | None] = mapped_column(Date)
    statement_deadline_provisional: Mapped[bool | None] = mapped_column(Boolean)
    statement_deadline_rule: Mapped[str | None] = mapped_column(String(500))
    notified_by: Mapped[str | None] = mapped_column(String(128))
    # 陈述申辩
    statement: Mapped[str | None] = mapped_column(Text)
    statement_waived: Mapped[bool | None] = mapped_column(Boolean)
    stated_on: Mapped[dt.date | None] = mapped_column(Date)
    stated_by: Mapped[str | None] = mapped_column(String(128))
    # 决定 / 不予列入
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    decision_doc_no: Mapped[str | None] = mapped_column(String(128))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    duration_months: Mapped[int | None] = mapped_column(Integer)
    permanent: Mapped[bool | None] = mapped_column(Boolean)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # last day in force (inclusive); None when permanent
    earliest_exit_on: Mapped[dt.date | None] = mapped_column(Date)
    validity_rule: Mapped[str | None] = mapped_column(String(500))
    # 公示
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    published_by: Mapped[str | None] = mapped_column(String(128))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    # 移出 / 撤销
    exit_date: Mapped[dt.date | None] = mapped_column(Date)
    exit_kind: Mapped[str | None] = mapped_column(String(8))
    exit_reason: Mapped[str | None] = mapped_column(Text)
    exited_by: Mapped[str | None] = mapped_column(String(128))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # 上级来源: ``local`` for the city's own procedure; ``upstream`` for an entry received from a national,
    # provincial or other city's source (only a newer version from that source changes it; see lists.upstream).
    origin: Mapped[str] = mapped_column(String(8), default="local", server_default="local")
    upstream_key: Mapped[str | None] = mapped_column(String(200))  # "<source code>:<the source's own id>"
    upstream: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # source, level, issuing body, id, status
    # 守信激励（红名单）: an honour never binds or restricts; its own procedure (lists.honours, HONOURING) moves it
    honour: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ListEntryStep(StepHistory, Base):
    """One step of the procedure as it happened: from, to, when, who, and what the step recorded."""

    __tablename__ = "list_entry_steps"
    __table_args__ = (Index("ix_list_entry_steps_entry", "entry_id", "id"),)
    owner_key = "entry_id"

    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"))


LISTING = Procedure("严重失信主体名单列入程序", TABLE, ListEntryStep)
HONOURING = Procedure("守信激励对象名单认定程序", HONOUR_TABLE, ListEntryStep)


class PublicSectorSubject(Base):
    """An entity the credit office marks as 机关事业单位 or 国有企业, with its supervising unit (clause 14).

    Units registered by 机构编制 (USCC position 1 = ``1``) count as 机关事业单位 without a row here; a row adds the
    supervising unit's name, and marks state-owned enterprises, which the USCC cannot tell.
    """

    __tablename__ = "public_sector_subjects"

    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), primary_key=True)
    sector: Mapped[str] = mapped_column(String(16))  # 机关事业单位 / 国有企业
    supervising_unit: Mapped[str] = mapped_column(String(200))
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ResponsibilityNotice(Base):
    """A notice (通报) produced by a decision about a 机关事业单位 or 国有企业 (clause 14): to its supervising unit and
    to the audit office."""

    __tablename__ = "responsibility_notices"
    __table_args__ = (Index("ix_responsibility_notices_entry", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("list_entries.id"))
    subject_uscc: Mapped[str] = mapped_column(String(18), index=True)
    sector: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(16))  # 上级主管单位 / 审计部门
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    content: Mapped[str] = mapped_column(Text)
    created_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
