"""``xinyong apikeys``: the issue's name for issuing a business system's check API key (an alias of
``xinyong api-clients create NAME --role business_system``)."""

from __future__ import annotations

from enum import StrEnum

import typer

from xinyong.cli.users import _fail, _operator
from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError

app = typer.Typer(help="API keys (接口密钥) of business systems for the check API.", no_args_is_help=True)


class Scope(StrEnum):
    CHECK = "check"  # 联合惩戒嵌入式核查 and its feedback


@app.command("create")
def create(
    system: str = typer.Option(..., "--system", help="The business system's name, e.g. 政府采购系统."),
    scope: Scope = typer.Option(Scope.CHECK, "--scope", help="check: POST /api/v1/checks and its feedback."),
    department: str | None = typer.Option(None, help="Department code or USCC operating the system."),
) -> None:
    """Issue a business system's API key for the check API; printed once, only its hash is kept."""
    try:
        with get_database().unit_of_work() as session:
            client, key = auth.create_api_client(
                session, _operator(), name=system, role=Role.BUSINESS_SYSTEM, department=department
            )
            typer.echo(f"client {client.id} {client.name} (scope {scope.value}): {key}")
    except XinyongError as error:
        _fail(error)
