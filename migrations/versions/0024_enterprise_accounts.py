"""Enterprise account applications (企业账号申请): registration proving control of the USCC, decided by the credit
office or activated with a one-time code (only its SM3 hash kept); contact person and mobile SM4-encrypted.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.core.db

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("entity_name", sa.String(length=200), nullable=False),
        sa.Column("contact_name_enc", sa.String(length=300), nullable=False),
        sa.Column("contact_name_masked", sa.String(length=100), nullable=False),
        sa.Column("mobile_enc", sa.String(length=300), nullable=False),
        sa.Column("mobile_masked", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("submitted_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("decided_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("code_issued_by", sa.String(length=128), nullable=True),
        sa.Column("code_failures", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["uscc"], ["entities.uscc"], name=op.f("fk_enterprise_applications_uscc_entities")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_enterprise_applications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_applications")),
        sa.UniqueConstraint("number", name=op.f("uq_enterprise_applications_number")),
    )
    op.create_index("ix_enterprise_applications_uscc", "enterprise_applications", ["uscc", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enterprise_applications_uscc", table_name="enterprise_applications")
    op.drop_table("enterprise_applications")
