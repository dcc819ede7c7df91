"""The ``xinyong`` command. Each group lives in its own module here and is registered below."""

from __future__ import annotations

import typer

from xinyong.cli import (
    apikeys,
    audit,
    clock,
    db,
    demo,
    departments,
    feed,
    ingest,
    inspections,
    outbox,
    privacy,
    regrade,
    reports,
    serve,
    sync,
    tick,
    uscc,
    users,
    workdays,
)
from xinyong.core import clock_store
from xinyong.core.config import get_settings
from xinyong.core.db import get_database

app = typer.Typer(
    name="xinyong",
    help="xinyong 公共信用信息平台: run the platform, load data, and check its integrity.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)
app.command("departments")(departments.departments)
app.command("legal-representative-rule")(departments.legal_representative_rule)
app.command("demo")(demo.demo)
app.command("import")(ingest.import_file)
app.command("feed")(feed.feed)
app.command("tick")(tick.tick)
app.command("regrade")(regrade.regrade)
app.command("report")(reports.report)
app.add_typer(audit.app, name="audit")
app.add_typer(reports.app, name="reports")
app.add_typer(inspections.app, name="inspections")
app.add_typer(uscc.app, name="uscc")
app.add_typer(workdays.app, name="workdays")
app.add_typer(users.users_app, name="users")
app.add_typer(users.clients_app, name="api-clients")
app.add_typer(apikeys.app, name="apikeys")
app.add_typer(outbox.app, name="outbox")
app.add_typer(sync.app, name="sync")
app.add_typer(privacy.app, name="privacy")
app.add_typer(clock.app, name="clock")


@app.callback()
def _configure_clock() -> None:
    """Apply XINYONG_CLOCK (a training or test copy's clock; refused in production) before any command runs."""
    settings = get_settings()
    if settings.clock:
        try:
            clock_store.configure(settings, get_database())
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


def main() -> None:
    app()
