"""法定代表人 of 法人 rows: the department's setting and the batch's row warnings; a training copy's clock (issue 22)

``departments.require_legal_representative`` (false: a 法人 row without its 法定代表人 is accepted with a warning;
true: it is refused) and ``batches.warnings`` (the accepted rows' findings, shown with the batch like its rejected
rows' errors); ``platform_clock``: a training copy's offset from the wall clock in whole days
(``XINYONG_CLOCK=training``, moved by ``xinyong clock set`` / ``advance``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import JSONType, UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "departments",
        sa.Column("require_legal_representative", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("batches", sa.Column("warnings", JSONType, nullable=False, server_default="[]"))
    op.create_table(
        "platform_clock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=128), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_clock")),
    )


def downgrade() -> None:
    op.drop_table("platform_clock")
    with op.batch_alter_table("batches") as batch_op:
        batch_op.drop_column("warnings")
    with op.batch_alter_table("departments") as batch_op:
        batch_op.drop_column("require_legal_representative")
