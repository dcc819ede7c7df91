"""xinyong outbox list/deliver/retry and xinyong apikeys webhook, against a real receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.support import builders
from tests.support.receiver import receiver
from xinyong.cli import app
from xinyong.core import clock, outbox
from xinyong.core.actor import Actor
from xinyong.core.auth.models import ApiClient
from xinyong.core.db import Database, set_database

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def test_deliver_list_and_retry(cli_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_OUTBOX_MAX_ATTEMPTS", "1")
    from xinyong.core.config import get_settings

    get_settings.cache_clear()
    try:
        with receiver([500]) as hook:
            with cli_db.unit_of_work() as session:
                message = outbox.enqueue(
                    session, Actor.system("t"), topic="test.ping", destination=hook.url, payload={}, idempotency_key="a"
                )
            ran = runner.invoke(app, ["outbox", "deliver"])
            assert ran.exit_code == 0 and "dead 1" in ran.output, ran.output
            listed = runner.invoke(app, ["outbox", "list", "--status", "dead"])
            assert listed.exit_code == 0 and hook.url in listed.output and "HTTP 500" in listed.output
            assert runner.invoke(app, ["outbox", "retry", str(message.id)]).exit_code == 0
            # the tick stands the platform's clock on the day it is given: today, when the retry was made due
            ticked = runner.invoke(app, ["tick", "--today", clock.today().isoformat()])
            assert ticked.exit_code == 0 and "(发件箱投递): delivered 1" in ticked.output, ticked.output
            assert len(hook.accepted) == 1
            assert runner.invoke(app, ["outbox", "retry", str(message.id)]).exit_code == 1  # delivered already
            assert runner.invoke(app, ["outbox", "retry", "999999"]).exit_code == 1
            assert runner.invoke(app, ["outbox", "list", "--status", "lost"]).exit_code == 2
    finally:
        get_settings.cache_clear()


def test_apikeys_webhook_sets_validates_and_removes(cli_db: Database) -> None:
    made = runner.invoke(
        app, ["apikeys", "create", "--system", "政府采购系统", "--webhook", "https://gp.example.cn/xinyong"]
    )
    assert made.exit_code == 0 and "signing secret: whsec_" in made.output, made.output
    with cli_db.unit_of_work() as session:
        client = session.query(ApiClient).one()
        assert client.webhook_url == "https://gp.example.cn/xinyong"
        assert client.webhook_secret and "whsec_" not in client.webhook_secret  # kept encrypted
        secret = outbox.resolve_secret(session, f"api_client:{client.id}")
        assert secret is not None and secret.startswith(b"whsec_")
    assert made.output.split("signing secret: ")[1].strip().encode() == secret
    bad = runner.invoke(app, ["apikeys", "webhook", str(client.id), "--url", "ftp://gp.example.cn/x"])
    assert bad.exit_code == 1 and "http" in bad.output
    assert runner.invoke(app, ["apikeys", "webhook", str(client.id)]).exit_code == 2
    removed = runner.invoke(app, ["apikeys", "webhook", str(client.id), "--remove"])
    assert removed.exit_code == 0 and "removed" in removed.output
    with cli_db.unit_of_work() as session:
        assert session.get(ApiClient, client.id).webhook_url is None  # type: ignore[union-attr]
