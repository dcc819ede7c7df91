"""Entity search on PostgreSQL: no GIN pending lists, and an index for one- and two-character Chinese queries.

1. The trigram GIN indexes are switched to ``fastupdate = off``. With fast update on, every new entity goes into an
   unsorted pending list that each search scans in full until VACUUM (or a 4 MB overflow) merges it; with autovacuum
   late or off that added 10–25 ms to every search of a freshly loaded city. Inserts now pay a little more instead.
2. ``entities.trgm_grams``: every character and every pair of adjacent characters of the current and former names
   (``xy_short_grams``), a text array the database computes on each write (a stored generated column) under a GIN
   index. Trigrams cannot serve ``LIKE '%药房%'`` (a two-character query has no trigram), which made such common
   queries scan the whole table. The search asks ``trgm_grams @> ARRAY['药房']`` for queries of one or two
   characters, which is exact on its own. A stored column rather than an expression index: a scan that tests the
   array costs a microsecond a row, recomputing the function would cost sixty.

SQLite keeps scanning (fine at city size). The column, the function and the indexes are PostgreSQL-only and named
``trgm_*`` / ``xy_*`` so the model comparison leaves them alone (see 0007 and migrations/env.py).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEXES = (
    "trgm_entities_name",
    "trgm_entities_name_pinyin",
    "trgm_entities_name_initials",
    "trgm_entities_former_names",
    "trgm_entity_names_name",
)

# Immutable and deterministic, so PostgreSQL can index it; the separator keeps a pair from spanning two names.
SHORT_GRAMS = """
CREATE OR REPLACE FUNCTION xy_short_grams(name text, former text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}')
  FROM (SELECT name || '｜' || former AS s) AS v,
       LATERAL (
         SELECT substr(v.s, i, 1) AS g FROM generate_series(1, length(v.s)) AS i
         UNION ALL
         SELECT substr(v.s, i, 2) FROM generate_series(1, length(v.s) - 1) AS i
       ) AS grams
  WHERE g NOT LIKE '%｜%'
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {name} SET (fastupdate = off)")
        clean = "SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = :name AND c.relkind = 'i'"
        op.execute(sa.text(clean).bindparams(name=name))
    op.execute(SHORT_GRAMS)
    op.execute(
        "ALTER TABLE entities ADD COLUMN trgm_grams text[] "
        "GENERATED ALWAYS AS (xy_short_grams(name, former_names)) STORED"
    )
    op.execute("CREATE INDEX trgm_entities_grams ON entities USING gin (trgm_grams) WITH (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS trgm_entities_grams")
    op.execute("ALTER TABLE entities DROP COLUMN IF EXISTS trgm_grams")
    op.execute("DROP FUNCTION IF EXISTS xy_short_grams(text, text)")
    for name in TRIGRAM_INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {name} RESET (fastupdate)")
