"""``xinyong uscc``: check and decode 统一社会信用代码 from the command line (e.g. before a bulk upload)."""

from __future__ import annotations

from typing import Annotated

import typer

from xinyong.core.ids import InvalidUscc, region_name, validate_uscc

app = typer.Typer(help="Check and decode USCCs (统一社会信用代码, GB 32100-2015).", no_args_is_help=True)


@app.command()
def validate(
    codes: Annotated[list[str], typer.Argument(metavar="CODE...", help="One or more codes to check.")],
) -> None:
    """Print `CODE valid` or `CODE invalid: reason` per code; exit 1 if any is invalid."""
    failed = False
    for code in codes:
        try:
            validate_uscc(code)
        except InvalidUscc as exc:
            failed = True
            typer.echo(f"{code} invalid: {exc.message}")
        else:
            typer.echo(f"{code} valid")
    if failed:
        raise typer.Exit(1)


@app.command()
def decode(code: Annotated[str, typer.Argument(help="The code to decode.")]) -> None:
    """Print the fields of a valid code: authority, organisation type, region and organisation code."""
    try:
        info = validate_uscc(code)
    except InvalidUscc as exc:
        typer.echo(f"{code} invalid: {exc.message}")
        raise typer.Exit(1) from None
    typer.echo(f"code: {info.code}")
    typer.echo(f"registration authority (登记管理部门): {info.authority} {info.authority_name}")
    typer.echo(f"organisation type (机构类别): {info.org_type} {info.org_type_name}")
    typer.echo(f"region (行政区划): {info.region_code} {region_name(info.region_code) or ''}".rstrip())
    typer.echo(f"organisation code (组织机构代码): {info.org_code}")
