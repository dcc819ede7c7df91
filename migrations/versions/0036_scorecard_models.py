"""Department scorecards (部门信用工作考核): ``scorecard_models`` holds the versions of the weights and parameters the
credit office edits, each with the month it takes effect from (insert-only; a month is scored with the newest
version in effect then, so past months keep theirs).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0036"
down_revision: str | Sequence[str] | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "scorecard_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_month", sa.String(length=7), nullable=False),
        sa.Column("weights", json_type, nullable=False),
        sa.Column("params", json_type, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_models")),
    )
    op.create_index("ix_scorecard_models_effective", "scorecard_models", ["effective_month", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_scorecard_models_effective", table_name="scorecard_models")
    op.drop_table("scorecard_models")
