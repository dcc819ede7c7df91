"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from xinyong.core.db import Database
from xinyong.models import Base
from xinyong.schema import alembic_config


def _not_trigram(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """The hand-written PostgreSQL-only indexes and columns migrations/env.py leaves out of the comparison too."""
    return not (type_ in ("index", "column") and (name or "").startswith(("trgm_", "xy_")))


def test_trigram_indexes_exist_on_postgresql(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL-only")
    with database.engine.connect() as conn:
        names = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'trgm_%'")).scalars())
    assert {
        "trgm_entities_name",
        "trgm_entities_name_pinyin",
        "trgm_entities_name_initials",
        "trgm_entities_grams",
    } <= names


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _not_trigram})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_the_chain_has_one_head() -> None:
    # two workers landing migrations on the same parent leave two heads; ``upgrade heads`` hides it, this does not
    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    assert len(heads) == 1, f"migration heads {heads}: renumber the newest onto the other, or add a merge point"
