"""Alembic environment: migrate the Database handed in by xinyong.core.schema, or the one from settings."""

from __future__ import annotations

from alembic import context

from xinyong.core.db import Database, get_database
from xinyong.models import Base

config = context.config
database: Database = config.attributes.get("database") or get_database()


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Hand-written PostgreSQL-only indexes and columns (``trgm_*``, ``xy_*``: 0007, 0018, 0041) are not in the
    models."""
    return not (type_ in ("index", "column") and (name or "").startswith(("trgm_", "xy_")))


def run_migrations() -> None:
    with database.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=database.dialect == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
