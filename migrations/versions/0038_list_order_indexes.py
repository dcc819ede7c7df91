"""An index for each public list's page order (newest first, then id), so the keyset and from-the-end reads of
``core.pagination.read_page`` seek instead of sorting: published records by kind, list entries, commitment letters
and campaigns (typical cases had theirs).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_crv_kind_order", "credit_record_versions", ["kind", "decision_date", "record_id"]),
    ("ix_list_entries_order", "list_entries", ["decision_date", "id"]),
    ("ix_commitments_signed", "commitments", ["signed_at", "id"]),
    ("ix_campaigns_start", "campaigns", ["start_date", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
