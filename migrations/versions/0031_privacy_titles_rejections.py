"""Personal data out of the clear in titles and rejected rows (issue 15): the title of every record version
(决定文书名称…) is stored with identifiers, contact numbers and, for a natural person or a 个体工商户, the names of the
persons the record names masked, its original SM4-encrypted in ``content["TITLE_enc"]`` (blind index ``TITLE_bi``);
every cell of ``batch_rejections.values`` holding an identifier or a contact number is masked, its original
encrypted under ``__enc__`` like the ID columns. Existing rows are rewritten here, in chunks, with the same functions
the application uses (``records.privacy.protect_fields``, ``protect_rejected``); ``xinyong privacy rescan`` does
the same on demand. No column changes.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import JSONType

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500
versions = sa.table(
    "credit_record_versions",
    sa.column("id", sa.Integer()),
    sa.column("subject_type", sa.String()),
    sa.column("subject_uscc", sa.String()),
    sa.column("subject_name", sa.String()),
    sa.column("title", sa.String()),
    sa.column("content", JSONType),
)
rejections = sa.table("batch_rejections", sa.column("id", sa.Integer()), sa.column("values", JSONType))


def upgrade() -> None:
    from xinyong.records.privacy import protect_fields, protect_rejected

    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(versions).where(versions.c.id > last).order_by(versions.c.id).limit(CHUNK)).all()
        if not rows:
            break
        for row in rows:
            fields = protect_fields(
                {
                    "subject_type": row.subject_type,
                    "subject_uscc": row.subject_uscc,
                    "subject_name": row.subject_name,
                    "title": row.title,
                    "content": row.content,
                }
            )
            if fields["title"] != row.title:
                bind.execute(
                    versions.update()
                    .where(versions.c.id == row.id)
                    .values(title=fields["title"], content=fields["content"])
                )
        last = rows[-1].id
    last = 0
    while True:
        found = bind.execute(
            sa.select(rejections).where(rejections.c.id > last).order_by(rejections.c.id).limit(CHUNK)
        ).all()
        if not found:
            break
        for rejection in found:
            stored = protect_rejected(dict(rejection.values))
            if stored != rejection.values:
                bind.execute(rejections.update().where(rejections.c.id == rejection.id).values(values=stored))
        last = found[-1].id


def downgrade() -> None:
    """The originals stay encrypted beside the masked text; the older code reads the masked title as the title."""
