"""xinyong apikeys create --system NAME --scope check: the key is printed once and opens the check API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.support import builders
from tests.support.apps import app_for
from xinyong.cli import app
from xinyong.core.db import Database, set_database

runner = CliRunner()


@pytest.fixture
def cli_db(committing_db: Database) -> Iterator[Database]:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
    set_database(committing_db)
    yield committing_db
    set_database(None)


def test_a_check_key_opens_the_check_api(cli_db: Database) -> None:
    made = runner.invoke(app, ["apikeys", "create", "--system", "政府采购系统", "--scope", "check"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().rsplit(" ", 1)[-1]
    assert key.startswith("xy_") and "scope check" in made.output
    client = TestClient(app_for(cli_db), raise_server_exceptions=False)
    body = {"subject": {"uscc": builders.new_uscc()}, "scenario": "government_procurement", "purpose": "资格审查"}
    assert client.post("/api/v1/checks", json=body).status_code == 401
    answer = client.post("/api/v1/checks", json=body, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "clear" and not answer.json()["subject_known"]
    assert runner.invoke(app, ["apikeys", "create", "--system", "x", "--scope", "admin"]).exit_code == 2
