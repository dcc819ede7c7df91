"""Objections decided by two people: the proposal (拟办) awaiting a second person — its outcome, reasons, corrected
fields, proposer, time and the status it was made from — and the decider's opinion.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import JSONType, UTCDateTime

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS: tuple[tuple[str, Any], ...] = (
    ("proposed_outcome", sa.String(length=8)),
    ("proposed_reason", sa.Text()),
    ("proposed_correction", JSONType),
    ("proposed_by", sa.String(length=128)),
    ("proposed_at", UTCDateTime()),
    ("proposed_from", sa.String(length=8)),
    ("review_opinion", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("objections") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("objections") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
