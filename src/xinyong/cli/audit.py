"""``xinyong audit``: the keyed, anchored audit chain — keys, anchors, verification."""

from __future__ import annotations

import getpass
import json

import typer

from xinyong.core import audit as audit_log
from xinyong.core import audit_anchors, audit_keys
from xinyong.core.actor import Actor
from xinyong.core.config import get_settings
from xinyong.core.db import get_database
from xinyong.exchange.service import push_targets
from xinyong.punishment.service import verify_check_seals

app = typer.Typer(help="The tamper-evident audit log (审计日志).", no_args_is_help=True)


@app.command("keygen")
def keygen(
    rotate: bool = typer.Option(
        False, "--rotate", help="Add a new key version to the existing file (old versions stay, old events verify)."
    ),
) -> None:
    """Create the audit chain's key file (XINYONG_AUDIT_KEY_FILE, mode 0600) with key version 1; never overwrites.

    With --rotate, add the next version: new events are keyed with it (running servers within a second)."""
    path = get_settings().audit_key_file
    try:
        if rotate:
            version = audit_keys.rotate_key_file(path)
            typer.echo(f"added audit key v{version} to {path}; new events are keyed with it")
            return
        if not audit_keys.create_key_file(path):
            typer.echo(f"{path} exists already; it is never overwritten (use --rotate for a new version)", err=True)
            raise typer.Exit(1)
    except audit_keys.AuditKeyError as error:
        typer.echo(f"{error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {path} (mode 0600) with audit key v1; back it up apart from the database")


@app.command("anchor")
def anchor() -> None:
    """Sign the chain's head now and keep it in the anchors table, the anchor file and the outbox to the province."""
    actor = Actor.system(f"cli:{getpass.getuser()}")
    made = audit_anchors.anchor(get_database(), actor, targets=push_targets)
    if made is None:
        typer.echo("nothing to anchor: the chain is empty")
        return
    typer.echo(json.dumps(made.as_json(), ensure_ascii=False))


@app.command("verify")
def verify() -> None:
    """Recompute the whole keyed chain with the audit keys, check it against every anchor (the file outside the
    database, the table, the outbox copies), say which events came after the last anchor, and recompute the seals
    of the check log; exit 1 naming the first break."""
    try:
        keyring = audit_keys.get_keyring()
    except audit_keys.AuditKeyError as error:
        typer.echo(f"cannot verify: {error}", err=True)
        raise typer.Exit(1) from None
    with get_database().unit_of_work() as session:
        result = audit_log.verify(session, keyring)
        anchors = audit_anchors.verify_anchors(session, keyring)
        seals = verify_check_seals(session) if result.ok else None
    failed = not result.ok or not anchors.ok
    typer.echo(result.describe())
    for line in anchors.describe():
        typer.echo(line)
    if seals is not None:
        typer.echo(seals.describe())
        failed = failed or not seals.ok
    if failed:
        raise typer.Exit(1)
