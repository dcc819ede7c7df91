"""Credit-service agencies (信用服务机构): agencies and their steps, their API clients, the entities" grants and
their steps, the agencies" call log, subscriptions, change notices and the step-log rows already handled; and
``api_clients.suspended_at`` (a suspended agency"s keys are refused).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import JSONType, UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency_change_sources",
        sa.Column("log", sa.String(length=8), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("handled_at", UTCDateTime(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("log", "step_id", name=op.f("pk_agency_change_sources")),
    )
    op.create_table(
        "credit_agencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("filing_body", sa.String(length=8), nullable=False),
        sa.Column("filing_no", sa.String(length=40), nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("contact_phone_enc", sa.String(length=200), nullable=False),
        sa.Column("contact_phone_masked", sa.String(length=30), nullable=False),
        sa.Column("purposes", JSONType, nullable=False),
        sa.Column("ip_allow", JSONType, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret", sa.String(length=200), nullable=True),
        sa.Column("subscribe_all", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_agencies")),
        sa.UniqueConstraint("uscc", name=op.f("uq_credit_agencies_uscc")),
    )
    op.create_table(
        "agency_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("subject_uscc", sa.String(length=18), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["credit_agencies.id"], name=op.f("fk_agency_grants_agency_id_credit_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_grants")),
    )
    with op.batch_alter_table("agency_grants", schema=None) as batch_op:
        batch_op.create_index("ix_agency_grants_agency_subject", ["agency_id", "subject_uscc"], unique=False)
        batch_op.create_index(batch_op.f("ix_agency_grants_subject_uscc"), ["subject_uscc"], unique=False)

    op.create_table(
        "agency_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("notice_key", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("subject_uscc", sa.String(length=18), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=128), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["credit_agencies.id"], name=op.f("fk_agency_notices_agency_id_credit_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_agency_notices_outbox_message_id_outbox_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_notices")),
        sa.UniqueConstraint("agency_id", "notice_key", name=op.f("uq_agency_notices_agency_id_notice_key")),
    )
    with op.batch_alter_table("agency_notices", schema=None) as batch_op:
        batch_op.create_index("ix_agency_notices_open", ["agency_id", "acknowledged_at", "due_on"], unique=False)
        batch_op.create_index("ix_agency_notices_subject", ["subject_uscc", "id"], unique=False)

    op.create_table(
        "agency_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("subject_uscc", sa.String(length=18), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["credit_agencies.id"], name=op.f("fk_agency_subscriptions_agency_id_credit_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_subscriptions")),
        sa.UniqueConstraint("agency_id", "subject_uscc", name=op.f("uq_agency_subscriptions_agency_id_subject_uscc")),
    )
    with op.batch_alter_table("agency_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_subscriptions_subject_uscc"), ["subject_uscc"], unique=False)

    op.create_table(
        "credit_agency_steps",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_department", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("documents", JSONType, nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column("details", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["credit_agencies.id"], name=op.f("fk_credit_agency_steps_agency_id_credit_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_agency_steps")),
    )
    with op.batch_alter_table("credit_agency_steps", schema=None) as batch_op:
        batch_op.create_index("ix_credit_agency_steps_agency", ["agency_id", "id"], unique=False)

    op.create_table(
        "agency_grant_steps",
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=8), nullable=True),
        sa.Column("to_status", sa.String(length=8), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_department", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("documents", JSONType, nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("deadline_provisional", sa.Boolean(), nullable=True),
        sa.Column("details", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["agency_grants.id"], name=op.f("fk_agency_grant_steps_grant_id_agency_grants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_grant_steps")),
    )
    with op.batch_alter_table("agency_grant_steps", schema=None) as batch_op:
        batch_op.create_index("ix_agency_grant_steps_grant", ["grant_id", "id"], unique=False)

    op.create_table(
        "agency_queries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=True),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("subject_uscc", sa.String(length=18), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("report_number", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["credit_agencies.id"], name=op.f("fk_agency_queries_agency_id_credit_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["api_client_id"], ["api_clients.id"], name=op.f("fk_agency_queries_api_client_id_api_clients")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["agency_grants.id"], name=op.f("fk_agency_queries_grant_id_agency_grants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_queries")),
    )
    with op.batch_alter_table("agency_queries", schema=None) as batch_op:
        batch_op.create_index("ix_agency_queries_agency", ["agency_id", "id"], unique=False)
        batch_op.create_index("ix_agency_queries_subject", ["subject_uscc", "id"], unique=False)

    op.create_table(
        "credit_agency_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("api_client_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["credit_agencies.id"], name=op.f("fk_credit_agency_clients_agency_id_credit_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["api_client_id"], ["api_clients.id"], name=op.f("fk_credit_agency_clients_api_client_id_api_clients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_agency_clients")),
        sa.UniqueConstraint("api_client_id", name=op.f("uq_credit_agency_clients_api_client_id")),
    )
    with op.batch_alter_table("credit_agency_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_agency_clients_agency_id"), ["agency_id"], unique=False)

    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("suspended_at")

    with op.batch_alter_table("credit_agency_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_agency_clients_agency_id"))

    op.drop_table("credit_agency_clients")
    with op.batch_alter_table("agency_queries", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_queries_subject")
        batch_op.drop_index("ix_agency_queries_agency")

    op.drop_table("agency_queries")
    with op.batch_alter_table("agency_grant_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_grant_steps_grant")

    op.drop_table("agency_grant_steps")
    with op.batch_alter_table("credit_agency_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_agency_steps_agency")

    op.drop_table("credit_agency_steps")
    with op.batch_alter_table("agency_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_subscriptions_subject_uscc"))

    op.drop_table("agency_subscriptions")
    with op.batch_alter_table("agency_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_notices_subject")
        batch_op.drop_index("ix_agency_notices_open")

    op.drop_table("agency_notices")
    with op.batch_alter_table("agency_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_grants_subject_uscc"))
        batch_op.drop_index("ix_agency_grants_agency_subject")

    op.drop_table("agency_grants")
    op.drop_table("credit_agencies")
    op.drop_table("agency_change_sources")
