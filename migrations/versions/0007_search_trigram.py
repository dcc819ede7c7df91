"""Trigram indexes for entity search on PostgreSQL (name, former names, pinyin, initials).

Substring search (``LIKE '%q%'``) cannot use a B-tree; pg_trgm's GIN indexes serve it for queries of three or more
characters. SQLite keeps scanning (fine at city size). These indexes are PostgreSQL-only and named ``trgm_*``;
model comparison and autogenerate skip them (see migrations/env.py).

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("trgm_entities_name", "entities", "name"),
    ("trgm_entities_name_pinyin", "entities", "name_pinyin"),
    ("trgm_entities_name_initials", "entities", "name_initials"),
    ("trgm_entity_names_name", "entity_names", "name"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _, _ in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
