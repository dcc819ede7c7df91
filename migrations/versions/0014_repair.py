"""Credit repair (信用修复): applications, their steps and materials.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "repair_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("list_entry_id", sa.Integer(), nullable=True),
        sa.Column("open_key", sa.String(length=40), nullable=True),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("subject_uscc", sa.String(length=18), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "methods", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("commitment_number", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("applicant_id", sa.String(length=128), nullable=False),
        sa.Column("submitted_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("accept_deadline", sa.Date(), nullable=False),
        sa.Column("accept_deadline_provisional", sa.Boolean(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("handled_by", sa.String(length=128), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("decide_deadline", sa.Date(), nullable=True),
        sa.Column("decide_deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column("proposal", sa.String(length=8), nullable=True),
        sa.Column("proposal_opinion", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(length=128), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("decision_opinion", sa.Text(), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.Column("escalated_stage", sa.String(length=8), nullable=True),
        sa.Column("escalated_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department"], ["departments.code"], name=op.f("fk_repair_applications_department_departments")
        ),
        sa.ForeignKeyConstraint(
            ["list_entry_id"], ["list_entries.id"], name=op.f("fk_repair_applications_list_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_repair_applications_record_id_credit_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_repair_applications_number")),
        sa.UniqueConstraint("open_key", name=op.f("uq_repair_applications_open_key")),
    )
    with op.batch_alter_table("repair_applications", schema=None) as batch_op:
        batch_op.create_index("ix_repair_applications_department", ["department", "status"], unique=False)
        batch_op.create_index("ix_repair_applications_entry", ["list_entry_id"], unique=False)
        batch_op.create_index("ix_repair_applications_record", ["record_id"], unique=False)
        batch_op.create_index("ix_repair_applications_subject", ["subject_uscc"], unique=False)

    op.create_table(
        "repair_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sm3", sa.String(length=64), nullable=False),
        sa.Column("stored_as", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_applications.id"],
            name=op.f("fk_repair_materials_application_id_repair_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_materials")),
    )
    with op.batch_alter_table("repair_materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_materials_application_id"), ["application_id"], unique=False)

    op.create_table(
        "repair_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["repair_applications.id"],
            name=op.f("fk_repair_steps_application_id_repair_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_steps")),
    )
    with op.batch_alter_table("repair_steps", schema=None) as batch_op:
        batch_op.create_index("ix_repair_steps_application", ["application_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repair_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_steps_application")

    op.drop_table("repair_steps")
    with op.batch_alter_table("repair_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_materials_application_id"))

    op.drop_table("repair_materials")
    with op.batch_alter_table("repair_applications", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_applications_subject")
        batch_op.drop_index("ix_repair_applications_record")
        batch_op.drop_index("ix_repair_applications_entry")
        batch_op.drop_index("ix_repair_applications_department")

    op.drop_table("repair_applications")
