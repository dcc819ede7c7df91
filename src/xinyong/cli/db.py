"""``xinyong db``: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from xinyong.core.db import get_database
from xinyong.schema import upgrade as upgrade_schema

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("heads", help="Target revision (default: every newest revision).")) -> None:
    """Bring the database named by XINYONG_DATABASE_URL to the newest schema."""
    database = get_database()
    upgrade_schema(database, revision)
    console.print(f"database upgraded to {revision} ({database.dialect})")
