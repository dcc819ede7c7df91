"""Desensitisation (脱敏): the office's rule rows, reviewers' confirmations, re-desensitisation runs, and the hold of
record versions waiting for a review.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import JSONType, UTCDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credit_record_versions") as batch:
        batch.add_column(sa.Column("privacy_hold", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "privacy_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_by", sa.String(length=128), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_rules")),
    )
    op.create_table(
        "privacy_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("reasons", JSONType, nullable=False),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_records.id"], name=op.f("fk_privacy_reviews_record_id_credit_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_reviews")),
        sa.UniqueConstraint("record_id", "version", name=op.f("uq_privacy_reviews_record_id_version")),
    )
    op.create_table(
        "privacy_rescans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("last_version_id", sa.Integer(), nullable=False),
        sa.Column("scanned", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("counts", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_rescans")),
    )


def downgrade() -> None:
    op.drop_table("privacy_rescans")
    op.drop_table("privacy_reviews")
    op.drop_table("privacy_rules")
    with op.batch_alter_table("credit_record_versions") as batch:
        batch.drop_column("privacy_hold")
