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
    webhook: str | None = typer.Option(
        None, "--webhook", help="http(s) URL where list change notices (名单变动通知) are posted."
    ),
) -> None:
    """Issue a business system's API key for the check API; printed once, only its hash is kept. With --webhook,
    also its change-notice webhook and the webhook's signing secret (printed once)."""
    try:
        with get_database().unit_of_work() as session:
            client, key = auth.create_api_client(
                session, _operator(), name=system, role=Role.BUSINESS_SYSTEM, department=department
            )
            secret = auth.set_webhook(session, _operator(), client.id, webhook)[1] if webhook else None
            typer.echo(f"client {client.id} {client.name} (scope {scope.value}): {key}")
            if secret:
                typer.echo(f"webhook {client.webhook_url} signing secret: {secret}")
    except XinyongError as error:
        _fail(error)


@app.command("webhook")
def webhook(
    client_id: int = typer.Argument(..., min=1, help="The business system's client number."),
    url: str | None = typer.Option(None, "--url", help="http(s) URL for change notices."),
    remove: bool = typer.Option(False, "--remove", help="Stop sending change notices to this system."),
) -> None:
    """Set a business system's webhook for list change notices; a new signing secret is printed once."""
    if (url is None) == (not remove):
        typer.echo("error: give either --url URL or --remove", err=True)
        raise typer.Exit(2)
    try:
        with get_database().unit_of_work() as session:
            client, secret = auth.set_webhook(session, _operator(), client_id, None if remove else url)
            if secret:
                typer.echo(f"client {client.id} webhook {client.webhook_url} signing secret: {secret}")
            else:
                typer.echo(f"client {client.id} webhook removed")
    except XinyongError as error:
        _fail(error)
