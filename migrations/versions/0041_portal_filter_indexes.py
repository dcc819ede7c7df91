"""Indexes for the portal's public lists at 10⁶ records (issue 14), PostgreSQL only, each built concurrently:

- ``xy_crv_published``: the published current versions in each list's page order (kind, decision date, record
  id), with the severity the publicity windows ask for, so the per-day counts behind 共 N 条 and page jumps
  (``records.publication._days``) and a deep offset read the index alone;
- ``trgm_crv_subject_name`` / ``trgm_records_doc_no``: trigram indexes for keywords of three characters or more
  (``LIKE '%共青城汇立%'``) on the subject's name and the decision's document number;
- ``trgm_crv_subject_grams`` / ``trgm_records_doc_grams``: every character and adjacent pair of the same two texts
  (``xy_short_grams`` of 0018), for the one- and two-character keywords (汇立) a trigram cannot serve;
  ``subject_name @> ARRAY['汇立']`` is exact on its own, the LIKE beside it only re-checks.

Expression indexes rather than stored columns (as 0018 chose for entities): adding a stored column would rewrite
the version table; the list query tests the array only on the rows the index returns. Named ``trgm_*``/``xy_*`` so
the model comparison leaves them alone (migrations/env.py). SQLite keeps scanning.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT = "valid_to IS NULL"
INDEXES = (
    (
        "xy_crv_published",
        "credit_record_versions (kind, decision_date, record_id) INCLUDE (severity, id)",
        "WHERE valid_to IS NULL AND disclosure = '公开' AND privacy_hold IS false AND status IN ('有效', '异议中')",
    ),
    (
        "trgm_crv_subject_name",
        "credit_record_versions USING gin (subject_name gin_trgm_ops) WITH (fastupdate = off)",
        f"WHERE {CURRENT}",
    ),
    (
        "trgm_crv_subject_grams",
        "credit_record_versions USING gin (xy_short_grams(subject_name, '')) WITH (fastupdate = off)",
        f"WHERE {CURRENT}",
    ),
    ("trgm_records_doc_no", "credit_records USING gin (doc_no gin_trgm_ops) WITH (fastupdate = off)", ""),
    ("trgm_records_doc_grams", "credit_records USING gin (xy_short_grams(doc_no, '')) WITH (fastupdate = off)", ""),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for name, target, where in INDEXES:
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target} {where}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for name, _, _ in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
