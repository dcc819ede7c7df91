"""``xinyong departments``: the member departments with their codes and USCCs."""

from __future__ import annotations

import json

import typer

from xinyong.core.db import get_database
from xinyong.core.departments import list_departments


def departments(as_json: bool = typer.Option(False, "--json", help="Print one JSON array instead of a table.")) -> None:
    """List every department: code, USCC, short and full name (use either code or USCC as --department)."""
    with get_database().unit_of_work() as session:
        rows = [
            {"code": d.code, "uscc": d.uscc, "short_name": d.short_name, "full_name": d.full_name}
            for d in list_departments(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no departments yet: run `xinyong demo` (or load the department list)")
        return
    for row in rows:
        typer.echo(f"{row['code']:<8} {row['uscc']}  {row['short_name']}  {row['full_name']}")
