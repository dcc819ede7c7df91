"""``xinyong db``: schema migrations and derived search keys."""

from __future__ import annotations

import typer
from rich.console import Console

from xinyong.core.db import get_database
from xinyong.entities.service import rekey_all
from xinyong.schema import upgrade as upgrade_schema

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("heads", help="Target revision (default: every newest revision).")) -> None:
    """Bring the database named by XINYONG_DATABASE_URL to the newest schema."""
    database = get_database()
    upgrade_schema(database, revision)
    console.print(f"database upgraded to {revision} ({database.dialect})")


@app.command("rekey-names")
def rekey_names(
    after: str = typer.Option("", "--after", help="Resume after this USCC (the chunks before it are done)."),
) -> None:
    """Recompute every entity's pinyin search keys (every plausible reading of its name) after the reading rules
    changed; each chunk of 2,000 entities is its own transaction, so an interrupted run resumes with --after."""
    database = get_database()
    changed = rekey_all(database.unit_of_work, after)
    console.print(f"search keys recomputed: {changed} entities changed")
