"""``xinyong departments``: the member departments with their codes and USCCs."""

from __future__ import annotations

import json

import typer

from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.core.departments import list_departments, set_legal_representative_rule


def departments(as_json: bool = typer.Option(False, "--json", help="Print one JSON array instead of a table.")) -> None:
    """List every department: code, USCC, short and full name (use either code or USCC as --department)."""
    with get_database().unit_of_work() as session:
        rows = [
            {
                "code": d.code,
                "uscc": d.uscc,
                "short_name": d.short_name,
                "full_name": d.full_name,
                "require_legal_representative": d.require_legal_representative,
            }
            for d in list_departments(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no departments yet: run `xinyong demo` (or load the department list)")
        return
    for row in rows:
        rule = "  法定代表人必填" if row["require_legal_representative"] else ""
        typer.echo(f"{row['code']:<8} {row['uscc']}  {row['short_name']}  {row['full_name']}{rule}")


def legal_representative_rule(
    department: str = typer.Argument(..., help="Department code or USCC."),
    require: bool = typer.Option(
        ...,
        "--require/--warn",
        help="--require: refuse 法人 rows without 法定代表人; --warn: accept them with a warning (the default).",
    ),
) -> None:
    """Set how a department's 法人 rows without 法定代表人 (and its certificate number) are treated on import."""
    with get_database().unit_of_work() as session:
        found = set_legal_representative_rule(session, Actor.system("cli:departments"), department, require)
        code, name = found.code, found.short_name
    typer.echo(f"{code} {name}: 法人行缺少法定代表人时{'退回' if require else '提示（仍接收）'}")
