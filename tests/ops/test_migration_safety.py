"""Zero-downtime migrations: every migration is checked against the rules (tests/migration_rules.py); a migration
that rewrites a big table or takes a lock that stops it for a scan fails here unless it says so (``DISRUPTS``)."""

from __future__ import annotations

from pathlib import Path

from tests.support.migration_rules import check_file, check_source

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
# Written before the rule existed (each built an index on a table that was small then); new migrations get no pass.
GRANDFATHERED = frozenset({"0008", "0015", "0018"})


def test_every_migration_keeps_big_tables_available() -> None:
    files = sorted(VERSIONS.glob("0*.py"))
    assert len(files) > 20
    broken = {
        path.name: [f"{f.table}: {f.what} (line {f.line})" for f in findings]
        for path in files
        if path.name[:4] not in GRANDFATHERED and (findings := check_file(path))
    }
    assert broken == {}, "migrations that disrupt a big table without DISRUPTS = {table: why} (docs/operations.md)"


def _migration(body: str, header: str = "") -> str:
    return f"import sqlalchemy as sa\nfrom alembic import op\n{header}\n\ndef upgrade() -> None:\n{body}\n"


def test_the_rules_catch_what_blocks_a_big_table() -> None:
    bad = {
        "type change": '    op.alter_column("credit_record_versions", "title", type_=sa.Text())',
        "set not null": '    op.alter_column("entities", "name", nullable=False)',
        "not null column": '    op.add_column("persons", sa.Column("x", sa.Integer(), nullable=False))',
        "plain index": '    op.create_index("ix_x", "punishment_checks", ["at"])',
        "foreign key": '    op.create_foreign_key("fk_x", "credit_records", "entities", ["uscc"], ["uscc"])',
        "batch type change": (
            '    with op.batch_alter_table("audit_events") as batch:\n'
            '        batch.alter_column("detail", type_=sa.Text())'
        ),
        "raw lock": '    op.execute("LOCK TABLE entities IN ACCESS EXCLUSIVE MODE")',
        "raw full update": '    op.execute("UPDATE credit_record_versions SET privacy_hold = false")',
        "raw index": '    op.execute("CREATE INDEX ix_y ON credit_records (kind)")',
        "raw constraint": '    op.execute("ALTER TABLE entities ADD CONSTRAINT ck_x CHECK (length(name) > 0)")',
    }
    for name, body in bad.items():
        assert check_source(_migration(body)), f"{name} was not caught"


def test_what_is_safe_or_said_passes() -> None:
    safe = [
        '    op.create_index("ix_x", "punishment_checks", ["at"], postgresql_concurrently=True)',
        '    op.add_column("persons", sa.Column("x", sa.Integer(), nullable=True))',
        '    op.add_column("persons", sa.Column("y", sa.Boolean(), server_default=sa.false(), nullable=False))',
        '    op.create_table("new_things", sa.Column("id", sa.Integer()))\n'
        '    op.create_index("ix_n", "new_things", ["id"])',
        '    op.execute("ALTER TABLE entities ADD CONSTRAINT ck_x CHECK (length(name) > 0) NOT VALID")',
        "    op.execute(\"UPDATE credit_records SET kind = 'penalty' WHERE id < 1000\")",
        '    op.alter_column("small_catalogue", "name", type_=sa.Text())',
    ]
    for body in safe:
        assert check_source(_migration(body)) == [], body
    said = _migration(
        '    op.alter_column("credit_record_versions", "title", type_=sa.Text())',
        header='DISRUPTS = {"credit_record_versions": "rewrites the table: run in the announced maintenance window"}',
    )
    assert check_source(said) == []
    empty_excuse = _migration(
        '    op.create_index("ix_x", "entities", ["name"])', header='DISRUPTS = {"entities": " "}'
    )
    assert check_source(empty_excuse)
