"""One head again: 0015 (cross-level exchange) was renumbered onto 0018 when it landed, after 0019 had already been
written on 0018, so the chain had two heads (0015 and the newest) and ``upgrade heads`` ran both. This merge point
joins them without changing the schema; databases that ran both branches keep working and ``alembic heads`` names
one revision.

Revision ID: 0033
Revises: 0015, 0032
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0033"
down_revision: str | Sequence[str] | None = ("0015", "0032")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: both branches' tables are already there."""


def downgrade() -> None:
    """Nothing to undo."""
