"""Former names as a searchable column of ``entities`` (joined by "｜"), with its trigram index on PostgreSQL.

Searching former names through a subquery on ``entity_names`` stopped PostgreSQL from combining index scans; one
column per way of matching lets it. Existing former names are copied in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEPARATOR = "｜"


def upgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("former_names", sa.String(length=1000), nullable=False, server_default=""))
    conn = op.get_bind()
    names = sa.table("entity_names", sa.column("uscc"), sa.column("name"), sa.column("valid_to"))
    entities = sa.table("entities", sa.column("uscc"), sa.column("former_names"))
    collected: dict[str, list[str]] = {}
    for uscc, name in conn.execute(sa.select(names.c.uscc, names.c.name).order_by(names.c.uscc, names.c.valid_to)):
        collected.setdefault(uscc, []).append(name)
    for uscc, former in collected.items():
        joined = SEPARATOR.join(dict.fromkeys(former))[-1000:]
        conn.execute(entities.update().where(entities.c.uscc == uscc).values(former_names=joined))
    if conn.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX IF NOT EXISTS trgm_entities_former_names ON entities USING gin (former_names gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS trgm_entities_former_names")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_column("former_names")
