"""entity name pinyin search keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 16:49:54.603097
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_pinyin", sa.String(length=400), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("name_initials", sa.String(length=400), nullable=False, server_default=""))
    _backfill()


def _backfill() -> None:
    """Compute the keys of entities that existed before this revision, a chunk at a time."""
    from xinyong.entities.rules import pinyin_keys

    conn = op.get_bind()
    entities = sa.table(
        "entities", sa.column("uscc"), sa.column("name"), sa.column("name_pinyin"), sa.column("name_initials")
    )
    last = ""
    while True:
        rows = conn.execute(
            sa.select(entities.c.uscc, entities.c.name)
            .where(entities.c.uscc > last)
            .order_by(entities.c.uscc)
            .limit(5000)
        ).all()
        if not rows:
            return
        for uscc, name in rows:
            pinyin, initials = pinyin_keys(name)
            conn.execute(
                entities.update().where(entities.c.uscc == uscc).values(name_pinyin=pinyin, name_initials=initials)
            )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_column("name_initials")
        batch_op.drop_column("name_pinyin")
