"""Contradiction flags (可比对): the rule catalogue ``contradiction_rules`` (seeded by the platform from the rules'
defaults in code, edited by the credit office), ``contradiction_flags`` (both sides, the rule, the responsible
department, the working-day deadline; ``open_key`` unique while open) and their step history.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contradiction_rules",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=False),
        sa.Column(
            "params", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_contradiction_rules")),
    )
    op.create_table(
        "contradiction_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("pair_key", sa.String(length=200), nullable=False),
        sa.Column("open_key", sa.String(length=200), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column(
            "side_a", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "side_b", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department"], ["departments.code"], name=op.f("fk_contradiction_flags_department_departments")
        ),
        sa.ForeignKeyConstraint(
            ["rule_code"],
            ["contradiction_rules.code"],
            name=op.f("fk_contradiction_flags_rule_code_contradiction_rules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contradiction_flags")),
    )
    with op.batch_alter_table("contradiction_flags", schema=None) as batch_op:
        batch_op.create_index("ix_contradiction_flags_pair", ["pair_key", "id"], unique=False)
        batch_op.create_index("ix_contradiction_flags_queue", ["department", "status", "deadline"], unique=False)
        batch_op.create_index("ix_contradiction_flags_uscc", ["uscc"], unique=False)
        batch_op.create_index("ux_contradiction_flags_open", ["open_key"], unique=True)

    op.create_table(
        "contradiction_flag_steps",
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_department", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "documents", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"],
            ["contradiction_flags.id"],
            name=op.f("fk_contradiction_flag_steps_flag_id_contradiction_flags"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contradiction_flag_steps")),
    )
    with op.batch_alter_table("contradiction_flag_steps", schema=None) as batch_op:
        batch_op.create_index("ix_contradiction_flag_steps_flag", ["flag_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contradiction_flag_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_contradiction_flag_steps_flag")

    op.drop_table("contradiction_flag_steps")
    with op.batch_alter_table("contradiction_flags", schema=None) as batch_op:
        batch_op.drop_index("ux_contradiction_flags_open")
        batch_op.drop_index("ix_contradiction_flags_uscc")
        batch_op.drop_index("ix_contradiction_flags_queue")
        batch_op.drop_index("ix_contradiction_flags_pair")

    op.drop_table("contradiction_flags")
    op.drop_table("contradiction_rules")
