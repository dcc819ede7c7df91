"""``xinyong inspections verify``: re-run a published 双随机 draw from its bundle and say whether it matches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from xinyong.inspections import rules

app = typer.Typer(help="双随机、一公开 random inspections: verify a published draw.", no_args_is_help=True)


@app.command("verify")
def verify(
    bundle: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A task bundle (JSON) downloaded from the portal.")
    ],
) -> None:
    """Re-run a published draw from its bundle (pool, hash, public value, seed, rules, inspectors): prints 一致 match
    (exit 0) or 不一致 mismatch with the first difference (exit 1); an unreadable file exits 2. Needs no database."""
    try:
        data = json.loads(bundle.read_bytes())
    except (ValueError, UnicodeDecodeError) as error:
        typer.echo(f"error: {bundle} is not JSON ({error})", err=True)
        raise typer.Exit(2) from None
    outcome = rules.verify(data)
    typer.echo(outcome.verdict)
    if outcome.result is not None:
        typer.echo(f"  pool_hash {outcome.result.pool_hash}")
        typer.echo(f"  seed      {outcome.result.seed}")
        for stratum in outcome.result.strata:
            typer.echo(f"  {stratum.stratum}: {stratum.count} of {stratum.size} at {stratum.ratio}%")
    if outcome.difference:
        typer.echo(f"  first difference: {outcome.difference}")
    raise typer.Exit(0 if outcome.match else 1)
