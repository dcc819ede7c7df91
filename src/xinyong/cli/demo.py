"""``xinyong demo``: load the demo city (共青城市) into the database named by XINYONG_DATABASE_URL."""

from __future__ import annotations

import os

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import inspect

from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError
from xinyong.demo import MAX_ENTITIES, DemoDataPresent, load_demo
from xinyong.demo.accounts import DEFAULT_PASSWORD, create_demo_accounts
from xinyong.demo.loader import count_entities

console = Console()


def demo(
    entities: int | None = typer.Option(
        None, "--entities", min=1, max=MAX_ENTITIES, help="Entities to generate (default XINYONG_DEMO_ENTITIES)."
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed (default XINYONG_DEMO_SEED); same seed, same data."
    ),
    reset: bool = typer.Option(False, "--reset", help="Delete all data rows first (the schema stays)."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing (exit 0) when entities already exist."),
) -> None:
    """Load a realistic, deterministic demo dataset: entities, persons and credit records of 共青城市."""
    settings = get_settings()
    database = get_database()
    with database.engine.connect() as connection:
        if not inspect(connection).has_table("entities"):
            console.print("[red]the database has no schema yet: run `xinyong db upgrade` first[/red]")
            raise typer.Exit(1)
        present = count_entities(connection)
    if if_empty and present and not reset:
        console.print(f"demo data already present ({present} entities): nothing loaded")
        _accounts()
        return
    total = entities or settings.demo_entities
    with Progress(
        TextColumn("[bold]demo[/bold] entities"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("entities", total=total)
        try:
            summary = load_demo(
                database,
                entities=total,
                seed=settings.demo_seed if seed is None else seed,
                reset=reset,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        except DemoDataPresent as exc:
            bar.stop()
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from None
    console.print(summary.describe())
    _accounts()


def _accounts() -> None:
    """Make sure one account per role exists, and say how to sign in."""
    try:
        with get_database().unit_of_work() as session:
            made = create_demo_accounts(session)
    except XinyongError as error:
        console.print(f"[yellow]demo accounts not created: {error.message}[/yellow]")
        return
    shown = "the password in XINYONG_DEMO_PASSWORD" if os.environ.get("XINYONG_DEMO_PASSWORD") else DEFAULT_PASSWORD
    names = ", ".join(f"{username} ({role}, {scope})" for username, role, scope in made)
    console.print(f"console accounts at /console/login, password {shown}: {names}")
    console.print("the enterprise account qiye signs in at the portal, /login; other enterprises register at /register")
