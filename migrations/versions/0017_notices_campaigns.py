"""Change notices to business systems (punishment_notice_sources, punishment_change_notices) and special
campaigns (campaigns, campaign_targets, campaign_tasks, campaign_results).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("lead_department", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("results_published", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_department"], ["departments.code"], name=op.f("fk_campaigns_lead_department_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    op.create_table(
        "campaign_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "added_via", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("removed_at", xinyong.core.db.UTCDateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_targets_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["uscc"], ["entities.uscc"], name=op.f("fk_campaign_targets_uscc_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_targets")),
        sa.UniqueConstraint("campaign_id", "uscc", name=op.f("uq_campaign_targets_campaign_id_uscc")),
    )
    with op.batch_alter_table("campaign_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_targets_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_targets_uscc"), ["uscc"], unique=False)

    op.create_table(
        "campaign_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=False),
        sa.Column("deadline_rule", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_by", sa.String(length=128), nullable=True),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_tasks_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["department"], ["departments.code"], name=op.f("fk_campaign_tasks_department_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_tasks")),
    )
    with op.batch_alter_table("campaign_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_tasks_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_campaign_tasks_department", ["department", "status"], unique=False)

    op.create_table(
        "campaign_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=True),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_results_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["department"], ["departments.code"], name=op.f("fk_campaign_results_department_departments")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["campaign_targets.id"], name=op.f("fk_campaign_results_target_id_campaign_targets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_results")),
    )
    with op.batch_alter_table("campaign_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_results_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_campaign_results_target", ["target_id", "id"], unique=False)

    op.create_table(
        "punishment_change_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_key", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject_display", sa.String(length=200), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"], ["punishment_checks.id"], name=op.f("fk_punishment_change_notices_check_id_punishment_checks")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["api_clients.id"], name=op.f("fk_punishment_change_notices_client_id_api_clients")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["list_entries.id"], name=op.f("fk_punishment_change_notices_entry_id_list_entries")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_punishment_change_notices_outbox_message_id_outbox_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_punishment_change_notices")),
        sa.UniqueConstraint("client_id", "notice_key", name=op.f("uq_punishment_change_notices_client_id_notice_key")),
    )
    with op.batch_alter_table("punishment_change_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_punishment_change_notices_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_punishment_change_notices_created", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_punishment_change_notices_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "punishment_notice_sources",
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("handled_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"], ["list_entry_steps.id"], name=op.f("fk_punishment_notice_sources_step_id_list_entry_steps")
        ),
        sa.PrimaryKeyConstraint("step_id", name=op.f("pk_punishment_notice_sources")),
    )


def downgrade() -> None:
    op.drop_table("punishment_notice_sources")
    with op.batch_alter_table("punishment_change_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_punishment_change_notices_entry_id"))
        batch_op.drop_index("ix_punishment_change_notices_created")
        batch_op.drop_index(batch_op.f("ix_punishment_change_notices_client_id"))

    op.drop_table("punishment_change_notices")
    with op.batch_alter_table("campaign_results", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_results_target")
        batch_op.drop_index(batch_op.f("ix_campaign_results_campaign_id"))

    op.drop_table("campaign_results")
    with op.batch_alter_table("campaign_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_tasks_department")
        batch_op.drop_index(batch_op.f("ix_campaign_tasks_campaign_id"))

    op.drop_table("campaign_tasks")
    with op.batch_alter_table("campaign_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_targets_uscc"))
        batch_op.drop_index(batch_op.f("ix_campaign_targets_campaign_id"))

    op.drop_table("campaign_targets")
    op.drop_table("campaigns")
