"""Bring a database to the current schema: Alembic migrations (the only way in production and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.core.db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def create_schema(database: Database) -> None:
    """Create or upgrade the schema of ``database`` to the newest revision."""
    upgrade(database)


def upgrade(database: Database, revision: str = "heads") -> None:
    from alembic import command

    command.upgrade(alembic_config(database), revision)
    seed_reference_rows(database)


def alembic_config(database: Database | None) -> Config:
    """Alembic's configuration for ``database`` (None: only the migration scripts are read, e.g. their heads)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_script_location()))
    cfg.attributes["database"] = database
    return cfg


def _script_location() -> Path:
    # Installed in development mode the migrations sit beside src/; in a wheel they are packaged data.
    if MIGRATIONS.is_dir():
        return MIGRATIONS
    return Path(__file__).resolve().parent / "migrations"


def seed_reference_rows(database: Database) -> None:
    """Rows every database needs (e.g. the audit chain head). Idempotent."""
    from xinyong.core import audit

    with database.unit_of_work() as session:
        audit.ensure_head(session)


def seed_catalogues(database: Database) -> None:
    """The catalogues the areas would otherwise seed on their first read — list types, the joint-punishment measures,
    evaluation model 1, the contradiction rules — seeded once when the server starts, so no request writes on a read
    path and concurrent first requests do not race to seed. Idempotent (each seeds only what is missing)."""
    from xinyong.contradictions import service as contradictions
    from xinyong.evaluation import service as evaluation
    from xinyong.lists.types import current_types
    from xinyong.punishment.catalogue import ensure_seeded

    with database.unit_of_work() as session:
        current_types(session)
        ensure_seeded(session)
        evaluation.ensure_seeded(session)
        contradictions.ensure_rules(session)
