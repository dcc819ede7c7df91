"""The ``xinyong`` command. Each group lives in its own module here and is registered below."""

from __future__ import annotations

import typer

from xinyong.cli import (
    apikeys,
    audit,
    db,
    demo,
    departments,
    feed,
    ingest,
    inspections,
    outbox,
    regrade,
    reports,
    serve,
    sync,
    tick,
    uscc,
    users,
    workdays,
)

app = typer.Typer(
    name="xinyong",
    help="xinyong 公共信用信息平台: run the platform, load data, and check its integrity.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)
app.command("departments")(departments.departments)
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


def main() -> None:
    app()
