"""Provenance by reference: ``provenance_archives`` keeps the cells of ingested rows once (JSON lines, gzip, addressed
by the SHA-256 of the text); a version's provenance points into one (``cells``: archive, line, the line's SHA-256)
instead of carrying the row's ``original`` cells.

Existing versions are moved: the ``original`` of every version that has one goes into archives (per batch, in id
order, up to 2,000 lines each) and is replaced by the reference; the row's own update time (1.0 ``SJC``) is kept in
the provenance as ``source_changed_on`` when it has none, as the ingestion now does. The format is written out here
rather than imported, so this migration keeps doing what it did when the code moves on. Downgrade puts the cells
back inline and drops the table.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import xinyong.core.db

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 5000
LINES = 2000
TIME_HEADERS = ("SJC", "CF_SJC", "XK_SJC", "数据更新时间戳", "时间戳")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


VERSIONS = sa.table("credit_record_versions", sa.column("id", sa.Integer()), sa.column("provenance", _json()))
ARCHIVES = sa.table(
    "provenance_archives",
    sa.column("sha256", sa.String()),
    sa.column("lines", sa.Integer()),
    sa.column("size", sa.Integer()),
    sa.column("data", sa.LargeBinary()),
    sa.column("created_at", xinyong.core.db.UTCDateTime()),
)


def _line(row: Any, cells: dict[str, Any]) -> str:
    return json.dumps({"cells": cells, "row": row}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _pages(bind: sa.Connection, *, with_key: str) -> Any:
    """Versions whose provenance has ``with_key``, in id order, a page at a time."""
    if bind.dialect.name == "postgresql":
        has = sa.text(f"provenance ? '{with_key}'")
    else:
        has = sa.text(f"json_extract(provenance, '$.{with_key}') IS NOT NULL")
    last = 0
    while True:
        rows = bind.execute(
            sa.select(VERSIONS.c.id, VERSIONS.c.provenance)
            .where(VERSIONS.c.id > last, has)
            .order_by(VERSIONS.c.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "provenance_archives",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", xinyong.core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_provenance_archives")),
    )
    bind = op.get_bind()
    stored: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    for page in _pages(bind, with_key="original"):
        groups: dict[Any, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for version_id, trail in page:
            groups[trail.get("batch")].append((version_id, dict(trail)))
        for members in groups.values():
            for start in range(0, len(members), LINES):
                chunk = members[start : start + LINES]
                lines = [_line(trail.get("row"), dict(trail["original"] or {})) for _, trail in chunk]
                text = "\n".join(lines).encode("utf-8")
                digest = hashlib.sha256(text).hexdigest()
                if (
                    digest not in stored
                    and bind.execute(sa.select(ARCHIVES.c.sha256).where(ARCHIVES.c.sha256 == digest)).first() is None
                ):
                    bind.execute(
                        ARCHIVES.insert().values(
                            sha256=digest,
                            lines=len(lines),
                            size=len(text),
                            data=gzip.compress(text, compresslevel=6, mtime=0),
                            created_at=now,
                        )
                    )
                stored.add(digest)
                for index, ((version_id, trail), line) in enumerate(zip(chunk, lines, strict=True)):
                    cells = trail.pop("original") or {}
                    if "source_changed_on" not in trail:
                        for header in TIME_HEADERS:
                            value = cells.get(header)
                            if isinstance(value, str) and value.strip():
                                trail["source_changed_on"] = value
                                break
                    trail["cells"] = {
                        "archive": digest,
                        "line": index,
                        "sha256": hashlib.sha256(line.encode("utf-8")).hexdigest(),
                    }
                    bind.execute(VERSIONS.update().where(VERSIONS.c.id == version_id).values(provenance=trail))


def downgrade() -> None:
    bind = op.get_bind()
    archives: dict[str, list[str]] = {}
    for page in _pages(bind, with_key="cells"):
        for version_id, trail in page:
            trail = dict(trail)
            ref = trail.pop("cells")
            digest = str(ref.get("archive"))
            if digest not in archives:
                data = bind.execute(sa.select(ARCHIVES.c.data).where(ARCHIVES.c.sha256 == digest)).scalar_one()
                archives[digest] = gzip.decompress(bytes(data)).decode("utf-8").split("\n")
            trail["original"] = json.loads(archives[digest][int(ref["line"])])["cells"]
            bind.execute(VERSIONS.update().where(VERSIONS.c.id == version_id).values(provenance=trail))
    op.drop_table("provenance_archives")
