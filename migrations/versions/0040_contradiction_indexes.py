"""Indexes for the contradiction sweep (可比对) at city scale: a record's document number with its department, so
"the same number from two departments" reads an index in its order instead of grouping every record; and the
current serious penalties by subject (a partial index: about one record in a hundred), so the honour rule reads
the serious side directly instead of scanning every penalty.

Both tables grow with the city: the indexes are built concurrently (outside the migration's transaction), so reads
and writes go on while they build.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERIOUS = sa.text("severity = '严重' AND valid_to IS NULL")


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_credit_records_doc_no",
            "credit_records",
            ["doc_no", "source_department"],
            postgresql_concurrently=True,
        )
        op.create_index(
            "ix_crv_serious_uscc",
            "credit_record_versions",
            ["subject_uscc"],
            postgresql_where=SERIOUS,
            sqlite_where=SERIOUS,
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_crv_serious_uscc", table_name="credit_record_versions", postgresql_concurrently=True)
        op.drop_index("ix_credit_records_doc_no", table_name="credit_records", postgresql_concurrently=True)
