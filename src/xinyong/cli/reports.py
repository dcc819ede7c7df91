"""``xinyong report`` and ``xinyong reports verify``: issue a credit report as PDF (with its JSON twin) and verify
a report file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from xinyong.core.actor import Actor
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError
from xinyong.core.http import parse_as_of
from xinyong.reports import service
from xinyong.reports.rules import Verdict

app = typer.Typer(help="Credit reports (信用报告): verify a report file.", no_args_is_help=True)


def report(
    uscc: Annotated[str, typer.Argument(help="The entity's USCC (or an old code that resolves to it).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF; the JSON twin goes beside it.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As of this date (end of day, Beijing) or ISO datetime.")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="The entity's full version instead of the public one.")] = False,
) -> None:
    """Issue a credit report (公共信用信息报告) as PDF with a JSON twin; prints its number and code."""
    actor = Actor.system("cli:report")
    try:
        with get_database().unit_of_work() as session:
            row, pdf = service.issue_report_pdf(session, actor, uscc, full=full, as_of=parse_as_of(as_of))
            twin = {
                "number": row.number,
                "code": row.code,
                "verify_url": service.verify_url(row),
                "content": row.content,
            }
    except XinyongError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    out.write_bytes(pdf)
    out.with_suffix(".json").write_text(json.dumps(twin, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"{row.number} {row.code} {out}")


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A report PDF or its JSON twin.")],
) -> None:
    """Verify a report file: 有效 (exit 0), 已被更新 (exit 1, says which record changed) or 非真实报告 (exit 3)."""
    data = file.read_bytes()
    actor = Actor.system("cli:reports-verify")
    with get_database().unit_of_work() as session:
        if data.lstrip().startswith(b"{"):
            try:
                twin = json.loads(data)
            except ValueError:
                twin = {}
            content = twin.get("content") if isinstance(twin, dict) else None
            code = str(twin.get("code", "")) if isinstance(twin, dict) else ""
            result = service.verify_json(session, actor, content if isinstance(content, dict) else {}, code)
        else:
            result = service.verify_pdf(session, actor, data)
    typer.echo(f"{result.verdict}" + (f" {result.number}" if result.number else ""))
    for reason in result.reasons:
        typer.echo(f"  {reason}")
    raise typer.Exit({Verdict.VALID: 0, Verdict.SUPERSEDED: 1, Verdict.NOT_GENUINE: 3}[result.verdict])
