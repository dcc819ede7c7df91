"""entity search keys: every plausible reading of a name (issue 22)

The pinyin keys now hold up to eight readings separated by a space: a phrase dictionary for place names, banking and
commercial words (支行, 商行, 单县, 都昌…), surnames read as surnames at the start of a person's name, and every
reading of the characters still polyphonic (晟 sheng/cheng…). This revision recomputes the keys of the entities that
exist, in chunks (``xinyong db rekey-names`` does the same on demand). No column changes: the keys stay within
400 characters, so the trigram indexes (0007, 0018) serve them as before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy.orm import Session

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from xinyong.entities.service import rekey_names

    session = Session(bind=op.get_bind())
    last: str | None = ""
    while last is not None:
        _count, last = rekey_names(session, last)
        session.flush()


def downgrade() -> None:
    """The older keys (one reading) are a subset of what search finds now; nothing to undo."""
