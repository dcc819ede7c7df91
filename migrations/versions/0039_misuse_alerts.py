"""Insider-misuse alerts (谋私预警): ``misuse_rule_versions`` (every setting a rule had; none yet means the built-in
defaults), ``misuse_alerts`` with their evidence, their step table ``misuse_alert_steps``, the sweep's watermark
``misuse_watermark``, and an index on the audit log by actor and time (the reads of one person before a decision).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _steps() -> list[sa.Column[Any]]:
    return [
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
        sa.Column("documents", _json(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column("details", _json(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "misuse_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("changed_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version", name="uq_misuse_rule_versions"),
    )
    op.create_table(
        "misuse_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_code", sa.String(length=32), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_department", sa.String(length=64), nullable=True),
        sa.Column("bucket", sa.String(length=64), nullable=True),
        sa.Column("window_start", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("window_end", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("checks", _json(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_misuse_alerts_status", "misuse_alerts", ["status", "id"])
    op.create_index("ix_misuse_alerts_episode", "misuse_alerts", ["rule_code", "actor_id", "id"])
    op.create_table(
        "misuse_alert_steps",
        *_steps(),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["misuse_alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_misuse_alert_steps_alert", "misuse_alert_steps", ["alert_id", "id"])
    op.create_table(
        "misuse_watermark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("api_day", sa.Date(), nullable=True),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # the audit log grows with the city: its index is built without blocking writes (outside the transaction)
    with op.get_context().autocommit_block():
        op.create_index("ix_audit_events_actor_at", "audit_events", ["actor_id", "at"], postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_audit_events_actor_at", table_name="audit_events", postgresql_concurrently=True)
    op.drop_table("misuse_watermark")
    op.drop_index("ix_misuse_alert_steps_alert", table_name="misuse_alert_steps")
    op.drop_table("misuse_alert_steps")
    op.drop_index("ix_misuse_alerts_episode", table_name="misuse_alerts")
    op.drop_index("ix_misuse_alerts_status", table_name="misuse_alerts")
    op.drop_table("misuse_alerts")
    op.drop_table("misuse_rule_versions")
