"""A 500 is a bug: it is answered in JSON without internals and logged with its traceback."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from xinyong.app import create_app


def test_unhandled_error_is_a_logged_500_without_internals(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with caplog.at_level(logging.ERROR, logger="xinyong.http"):
        answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    assert answer.json()["error"] == "internal"
    assert "secret internal detail" not in answer.text
    assert "secret internal detail" in caplog.text
