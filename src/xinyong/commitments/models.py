"""Tables of credit commitments: the catalogue (事项清单) and its versioned letter templates, signed letters,
容缺受理 cases, fulfilment checks, refusals, lost options, integrity education sessions, and industry
associations with their members and member events.

A signed letter is immutable: the text, its SM3 hash and the signature never change after the insert (an ORM
guard refuses it, and :func:`xinyong.commitments.service.verify_letter` recomputes the hash from the stored text).
Template versions are never updated either: a change is a new version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.commitments.rules import COMMITMENT_TABLE, TOLERANCE_TABLE
from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory


class CommitmentItem(Base):
    """One item of the commitment catalogue (信用承诺事项清单), kept by a department or the credit office."""

    __tablename__ = "commitment_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    commitment_type: Mapped[str] = mapped_column(String(16))
    conditions: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    tolerance_days: Mapped[int | None] = mapped_column(Integer)  # 容缺: working days to supply what is missing
    consequence: Mapped[dict[str, Any]] = mapped_column(JSONType)  # rules.Consequence.to_dict()
    association_uscc: Mapped[str | None] = mapped_column(String(18))  # 行业自律 items open to one association
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_template: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CommitmentTemplate(Base):
    """One version of an item's standard letter; published on the portal, never changed."""

    __tablename__ = "commitment_templates"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("commitment_items.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    conditions: Mapped[str] = mapped_column(Text)
    undertaking: Mapped[str] = mapped_column(Text)
    verification: Mapped[str] = mapped_column(Text)
    liability: Mapped[str] = mapped_column(Text)
    declaration: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))  # what changed
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))


class Commitment(Base):
    """A signed commitment letter (信用承诺书): the exact text, its SM3 hash and the signature, kept immutably."""

    __tablename__ = "commitments"
    __table_args__ = (
        Index("ix_commitments_uscc", "uscc", "signed_at"),
        Index("ix_commitments_department", "department", "status"),
        Index("ix_commitments_signed", "signed_at", "id"),  # the public list's page order
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("commitment_items.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("commitment_templates.id"))
    department: Mapped[str] = mapped_column(String(16))
    commitment_type: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    entity_name: Mapped[str] = mapped_column(String(200))
    letter_text: Mapped[str] = mapped_column(Text)
    letter_sm3: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    signed_via: Mapped[str] = mapped_column(String(16))  # portal / window / api
    signed_by_role: Mapped[str] = mapped_column(String(32))
    signed_by_id: Mapped[str] = mapped_column(String(128))
    is_public: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(8))
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    record_id: Mapped[int | None] = mapped_column(Integer)  # its credit record (信用承诺及履行)


IMMUTABLE_LETTER_FIELDS = (
    "number",
    "item_id",
    "template_id",
    "uscc",
    "entity_name",
    "letter_text",
    "letter_sm3",
    "signer",
    "signed_at",
    "signed_by_role",
    "signed_by_id",
)


@event.listens_for(Commitment, "before_update")
def _letters_are_immutable(_mapper: Any, _connection: Any, target: Commitment) -> None:
    state = inspect(target)
    changed = [name for name in IMMUTABLE_LETTER_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise ValueError(f"a signed commitment letter cannot change ({', '.join(changed)})")


class ToleranceCase(Base):
    """容缺受理: an application accepted with materials missing, against a commitment to supply them by a date."""

    __tablename__ = "tolerance_cases"
    __table_args__ = (Index("ix_tolerance_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), unique=True)
    department: Mapped[str] = mapped_column(String(16), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    missing_materials: Mapped[list[str]] = mapped_column(JSONType)
    accepted_on: Mapped[dt.date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean)
    due_rule: Mapped[str] = mapped_column(String(200))  # the rule (and calendar) that computed the date
    status: Mapped[str] = mapped_column(String(8))
    supplied_on: Mapped[dt.date | None] = mapped_column(Date)
    supplied_note: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(128))


class CommitmentCheck(Base):
    """A fulfilment check (履约核查), planned or ad hoc, and its result."""

    __tablename__ = "commitment_checks"
    __table_args__ = (Index("ix_commitment_checks_due", "status", "scheduled_for"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    department: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    scheduled_for: Mapped[dt.date | None] = mapped_column(Date)
    checked_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(8))
    finding: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(Integer)  # the check's credit record
    dishonesty_record_id: Mapped[int | None] = mapped_column(Integer)  # the configured 失信记录
    list_proposal: Mapped[str | None] = mapped_column(String(64))  # the lists area's proposal reference
    suspended_until: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    checked_by: Mapped[str | None] = mapped_column(String(128))


class CommitmentRefusal(Base):
    """A refusal of the commitment option, with its reasons (kept, as req §3.4 asks)."""

    __tablename__ = "commitment_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("commitment_items.id"))
    reasons: Mapped[list[str]] = mapped_column(JSONType)
    refused_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))


class CommitmentSuspension(Base):
    """The commitment option lost for a period after a breach."""

    __tablename__ = "commitment_suspensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)  # inclusive
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EducationSession(Base):
    """An integrity education session (诚信教育) at a service window: free, and never a precondition."""

    __tablename__ = "education_sessions"
    __table_args__ = (Index("ix_education_department", "department", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    window: Mapped[str] = mapped_column(String(100))  # 窗口: e.g. 政务服务中心市场监管窗口
    topic: Mapped[str] = mapped_column(String(200))
    delivered_by: Mapped[str] = mapped_column(String(100))
    reached: Mapped[list[dict[str, str]]] = mapped_column(JSONType)  # [{"uscc": ..., "name": ...}]
    reached_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Association(Base):
    """An industry association or chamber (行业协会商会, a 社会团体) authorised to keep member credit records."""

    __tablename__ = "associations"

    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    supervising_department: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    authorised_on: Mapped[dt.date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AssociationMember(Base):
    __tablename__ = "association_members"
    __table_args__ = (Index("ix_association_members", "association_uscc", "member_uscc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    association_uscc: Mapped[str] = mapped_column(ForeignKey("associations.uscc"))
    member_uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), index=True)
    joined_on: Mapped[dt.date] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # exclusive; None = still a member
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AssociationEvent(Base):
    """A member credit event (表彰, 通报批评, 公开谴责, 不予接纳, 劝退) and the credit record it became."""

    __tablename__ = "association_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    association_uscc: Mapped[str] = mapped_column(ForeignKey("associations.uscc"), index=True)
    member_uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), index=True)
    event_type: Mapped[str] = mapped_column(String(8))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int] = mapped_column(Integer)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CommitmentStep(StepHistory, Base):
    """One step of a commitment as it happened: signed, then found kept, broken or false by a check."""

    __tablename__ = "commitment_steps"
    __table_args__ = (Index("ix_commitment_steps_commitment", "commitment_id", "id"),)
    owner_key = "commitment_id"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))


class ToleranceCaseStep(StepHistory, Base):
    """One step of a 容缺 case as it happened: accepted with materials missing, supplied, or overdue."""

    __tablename__ = "tolerance_case_steps"
    __table_args__ = (Index("ix_tolerance_case_steps_case", "case_id", "id"),)
    owner_key = "case_id"

    case_id: Mapped[int] = mapped_column(ForeignKey("tolerance_cases.id"))


COMMITMENT = Procedure("信用承诺及履约核查", COMMITMENT_TABLE, CommitmentStep, stamp="status_changed_at")
TOLERANCE = Procedure("容缺受理材料补齐", TOLERANCE_TABLE, ToleranceCaseStep, stamp=None)
