"""The audit chain keyed and anchored: HMAC-SM3 links with key versions, the switch point, signed heads.

1. ``audit_events.key_version``: the version of the audit key an event's link was computed with; NULL for the
   plain SM3 links recorded before this revision (they stay verifiable as they are).
2. ``audit_head.keyed_from``: the first event linked with a key — the chain's head + 1 at migration time, 1 for a
   new chain. Verification refuses a plain link from there on, so an event cannot dodge the key by being
   re-linked as plain SM3; every anchor carries the switch point, so moving it is seen too.
3. ``audit_anchors``: the signed heads (审计链锚点) published on the portal; their copies live in the anchor file
   outside the database and in the outbox to the province.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.core.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keyed_from", sa.BigInteger(), nullable=True))
    op.execute("UPDATE audit_head SET keyed_from = last_seq + 1")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.alter_column("keyed_from", existing_type=sa.BigInteger(), nullable=False)
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("keyed_from", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_anchors_seq")),
    )


def downgrade() -> None:
    op.drop_table("audit_anchors")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("keyed_from")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_version")
