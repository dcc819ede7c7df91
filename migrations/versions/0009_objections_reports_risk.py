"""Objections (异议), issued credit reports (信用报告) and risk alerts (风险预警).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("source_department", sa.String(length=16), nullable=False),
        sa.Column("subject_uscc", sa.String(length=18), nullable=True),
        sa.Column("objector_role", sa.String(length=32), nullable=False),
        sa.Column("objector_id", sa.String(length=128), nullable=False),
        sa.Column("objector_name", sa.String(length=200), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("filed_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=False),
        sa.Column("deadline_rule", sa.String(length=64), nullable=False),
        sa.Column("escalated_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.Column("resolved_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("resolver_id", sa.String(length=128), nullable=True),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["credit_records.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_objections_department", "objections", ["source_department", "status"])
    op.create_index("ix_objections_open", "objections", ["status", "deadline"])
    op.create_index("ix_objections_record", "objections", ["record_id"])
    op.create_index("ix_objections_subject", "objections", ["subject_uscc"])
    op.create_table(
        "issued_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("as_of", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("issued_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("content", _json(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("record_versions", _json(), nullable=False),
        sa.ForeignKeyConstraint(["uscc"], ["entities.uscc"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_issued_reports_uscc", "issued_reports", ["uscc", "issued_at"])
    op.create_table(
        "risk_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("rule_label", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("handled_by", sa.String(length=128), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_alerts_department", "risk_alerts", ["department", "status"])
    op.create_index("ix_risk_alerts_key", "risk_alerts", ["rule_code", "uscc", "department"])


def downgrade() -> None:
    op.drop_index("ix_risk_alerts_key", table_name="risk_alerts")
    op.drop_index("ix_risk_alerts_department", table_name="risk_alerts")
    op.drop_table("risk_alerts")
    op.drop_index("ix_issued_reports_uscc", table_name="issued_reports")
    op.drop_table("issued_reports")
    op.drop_index("ix_objections_subject", table_name="objections")
    op.drop_index("ix_objections_record", table_name="objections")
    op.drop_index("ix_objections_open", table_name="objections")
    op.drop_index("ix_objections_department", table_name="objections")
    op.drop_table("objections")
