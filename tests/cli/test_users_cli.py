"""xinyong users / api-clients against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.support import builders
from xinyong.cli import app
from xinyong.core.auth import service as auth
from xinyong.core.db import Database, set_database

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def test_create_list_disable(cli_db: Database) -> None:
    env = {"XINYONG_NEW_PASSWORD": "Gongqing-2020!"}
    made = runner.invoke(
        app,
        ["users", "create", "liuyang", "--role", "department_operator", "--name", "刘洋", "--department", "SCJGJ"],
        env=env,
    )
    assert made.exit_code == 0, made.output
    assert "created liuyang (department_operator, SCJGJ)" in made.output
    listed = runner.invoke(app, ["users", "list"])
    assert "liuyang" in listed.output and "active" in listed.output
    assert runner.invoke(app, ["users", "disable", "liuyang"]).exit_code == 0
    with cli_db.unit_of_work() as session:
        assert not auth.get_user(session, "liuyang").active


def test_refusals_are_clear_and_exit_1(cli_db: Database) -> None:
    env = {"XINYONG_NEW_PASSWORD": "weak"}
    weak = runner.invoke(app, ["users", "create", "hu", "--role", "auditor", "--name", "胡"], env=env)
    assert weak.exit_code == 1
    bad_role = runner.invoke(app, ["users", "create", "huming", "--role", "king", "--name", "胡明"], env=env)
    assert bad_role.exit_code == 2
    missing = runner.invoke(app, ["users", "disable", "nobody"])
    assert missing.exit_code == 1 and "no user" in missing.output


def test_api_client_key_printed_once_and_revocable(cli_db: Database) -> None:
    made = runner.invoke(app, ["api-clients", "create", "政府采购系统", "--role", "business_system"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().rsplit(" ", 1)[-1]
    assert key.startswith("xy_")
    listed = runner.invoke(app, ["api-clients", "list"]).output
    assert key not in listed and "政府采购系统" in listed
    client_id = int(made.output.split()[1])
    assert runner.invoke(app, ["api-clients", "revoke", str(client_id)]).exit_code == 0
    with cli_db.unit_of_work() as session:
        assert auth.resolve_api_key(session, key) is None
