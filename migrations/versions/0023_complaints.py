"""Complaints and reports (投诉举报): work orders from 12345, 12315, hotline systems and by hand, and their steps.

``complaints`` holds one row per channel + 工单号 (a re-sent work order is a duplicate and changes nothing); the
complainant's personal data has no column. ``complaint_steps`` is the procedure's step history (received, matched).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("ticket_no", sa.String(length=64), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("given_uscc", sa.String(length=18), nullable=True),
        sa.Column("subject_uscc", sa.String(length=18), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("finding", sa.String(length=8), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subject_uscc"], ["entities.uscc"], name=op.f("fk_complaints_subject_uscc_entities")),
        sa.ForeignKeyConstraint(
            ["department"], ["departments.code"], name=op.f("fk_complaints_department_departments")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_complaints_record_id_credit_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("channel", "ticket_no", name="uq_complaints_ticket"),
    )
    op.create_index("ix_complaints_department", "complaints", ["department", "status", "id"])
    op.create_index("ix_complaints_uscc", "complaints", ["subject_uscc", "received_on"])
    op.create_table(
        "complaint_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_department", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("documents", _json(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_steps_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_steps")),
    )
    op.create_index("ix_complaint_steps_complaint", "complaint_steps", ["complaint_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_complaint_steps_complaint", table_name="complaint_steps")
    op.drop_table("complaint_steps")
    op.drop_index("ix_complaints_uscc", table_name="complaints")
    op.drop_index("ix_complaints_department", table_name="complaints")
    op.drop_table("complaints")
