"""Honour lists (守信激励对象名单, 红名单): ``list_types.issuing_body`` (认定/发布机关) and ``list_entries.honour``
(an honour entry never binds; its own procedure moves it). Existing entries are not honours.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The honour index is built in the migration's transaction, blocking writes to list_entries for the seconds it takes
# (the table holds list entries, thousands, not records). A concurrent build here made the read-replica test's
# stopped-standby case read a 404 from a standby that had replayed the row (cause not found yet; see the git log).
DISRUPTS = {
    "list_entries": "blocks writes to list entries while its index builds (seconds): run in the announced window"
}


def upgrade() -> None:
    with op.batch_alter_table("list_types") as batch:
        batch.add_column(sa.Column("issuing_body", sa.String(200), nullable=True))
    with op.batch_alter_table("list_entries") as batch:
        batch.add_column(sa.Column("honour", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_list_entries_honour_uscc", "list_entries", ["honour", "subject_uscc", "status"])


def downgrade() -> None:
    op.drop_index("ix_list_entries_honour_uscc", table_name="list_entries")
    with op.batch_alter_table("list_entries") as batch:
        batch.drop_column("honour")
    with op.batch_alter_table("list_types") as batch:
        batch.drop_column("issuing_body")
