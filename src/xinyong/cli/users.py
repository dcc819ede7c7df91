"""``xinyong users`` and ``xinyong api-clients``: accounts and API keys, run by the credit office on the server."""

from __future__ import annotations

import getpass
import os

import typer

from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.db import get_database
from xinyong.core.errors import XinyongError

users_app = typer.Typer(help="Accounts (用户): staff, entities, auditors.", no_args_is_help=True)
clients_app = typer.Typer(help="API clients (接口客户端): department and business systems.", no_args_is_help=True)


def _operator() -> Actor:
    # The server's shell is the credit office's; the OS user is recorded as who acted.
    return Actor(role=Role.CREDIT_OFFICE, id=f"cli:{getpass.getuser()}", name="信用办（命令行）")


def _fail(error: XinyongError) -> None:
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(1)


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="Login name: 3–64 of a-z 0-9 _ . -"),
    role: Role = typer.Option(..., help="entity, department_operator, department_reviewer, credit_office, auditor"),
    name: str = typer.Option(..., "--name", help="Display name, e.g. 张敏."),
    department: str | None = typer.Option(None, help="Department code or USCC (department roles)."),
    entity: str | None = typer.Option(None, help="The entity's USCC (entity role)."),
    password_env: str = typer.Option(
        "XINYONG_NEW_PASSWORD", help="Environment variable holding the password; asked for when it is unset."
    ),
) -> None:
    """Create an account; the password is read from an environment variable or asked for, never from argv."""
    password = os.environ.get(password_env) or getpass.getpass("password: ")
    try:
        with get_database().unit_of_work() as session:
            user = auth.create_user(
                session,
                _operator(),
                username=username,
                display_name=name,
                role=role,
                password=password,
                department=department,
                entity_uscc=entity,
            )
            typer.echo(
                f"created {user.username} ({user.role}{', ' + user.department_code if user.department_code else ''})"
            )
    except XinyongError as error:
        _fail(error)


@users_app.command("list")
def list_users() -> None:
    """List accounts with role, department or entity, and state."""
    with get_database().unit_of_work() as session:
        for user in auth.list_users(session):
            scope = user.department_code or user.entity_uscc or "-"
            state = "active" if user.active else "disabled"
            typer.echo(f"{user.username:<24} {user.role:<20} {scope:<18} {state}  {user.display_name}")


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable an account and end its sessions."""
    try:
        with get_database().unit_of_work() as session:
            auth.set_active(session, _operator(), username, False)
        typer.echo(f"disabled {username}")
    except XinyongError as error:
        _fail(error)


@users_app.command("enable")
def enable(username: str) -> None:
    """Re-enable a disabled account."""
    try:
        with get_database().unit_of_work() as session:
            auth.set_active(session, _operator(), username, True)
        typer.echo(f"enabled {username}")
    except XinyongError as error:
        _fail(error)


@users_app.command("reset-password")
def reset_password(username: str) -> None:
    """Reset a staff account's password: print a temporary one once (hand it over in person); it must be changed at
    the next sign-in, and every session of the account ends. Audited; the password is never stored or logged."""
    try:
        with get_database().unit_of_work() as session:
            temporary = auth.reset_password(session, _operator(), username)
    except XinyongError as error:
        _fail(error)
        return
    typer.echo(f"reset the password of {username.strip().lower()}; temporary password (shown once): {temporary}")
    typer.echo("it must be changed at the next sign-in (登录后须先修改临时密码); its sessions have ended")


@clients_app.command("create")
def create_client(
    name: str = typer.Argument(..., help="e.g. 政府采购系统, 市场监管局数据报送"),
    role: Role = typer.Option(..., help="department_operator (data push) or business_system (check API)."),
    department: str | None = typer.Option(None, help="Department code or USCC the client belongs to."),
) -> None:
    """Issue an API key. It is printed once; only its hash is kept."""
    try:
        with get_database().unit_of_work() as session:
            client, key = auth.create_api_client(session, _operator(), name=name, role=role, department=department)
            typer.echo(f"client {client.id} {client.name}: {key}")
    except XinyongError as error:
        _fail(error)


@clients_app.command("list")
def list_clients() -> None:
    """List API clients (never their keys)."""
    with get_database().unit_of_work() as session:
        for client in auth.list_api_clients(session):
            state = "revoked" if client.revoked_at else "active"
            typer.echo(f"{client.id:<5} {client.role:<20} {client.department_code or '-':<8} {state:<8} {client.name}")


@clients_app.command("revoke")
def revoke(client_id: int) -> None:
    """Revoke an API client's key at once."""
    try:
        with get_database().unit_of_work() as session:
            auth.revoke_api_client(session, _operator(), client_id)
        typer.echo(f"revoked {client_id}")
    except XinyongError as error:
        _fail(error)
