"""Health and metrics for the people who run the platform: /readyz is unready while the schema is behind the code's
migrations; /metrics answers the monitoring network or its token and refuses everyone else (a forged forwarding
header included); latency is labelled by route template, checks by outcome, ingested rows by department and outcome
(only once committed); the request id is passed through and stamped on JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.support import builders
from xinyong.app import create_app
from xinyong.core import logs, metrics, opstate
from xinyong.core.actor import Actor, Role
from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.core.http import current_actor
from xinyong.ops import migration_heads

MONITOR = ("127.0.0.1", 40000)
OUTSIDE = ("203.0.113.9", 40000)
GP = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _client(database: Database, address: tuple[str, int] = MONITOR) -> TestClient:
    return TestClient(create_app(database), client=address, raise_server_exceptions=False)


def test_readyz_is_ready_at_head(database: Database) -> None:
    answer = _client(database).get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "ready" and answer.json()["schema"] == "ok"


def test_readyz_is_unready_while_the_schema_is_behind(committing_db: Database) -> None:
    head = max(migration_heads())  # the chain's newest (0015 is an old side branch, a head of its own)
    previous = f"{int(head) - 1:04d}"
    with committing_db.engine.begin() as conn:
        conn.execute(
            text("UPDATE alembic_version SET version_num = :p WHERE version_num = :v"), {"p": previous, "v": head}
        )
    try:
        answer = _client(committing_db).get("/readyz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "unready" and body["schema"].startswith("behind") and previous in body["schema"]
        assert _client(committing_db).get("/healthz").status_code == 200  # alive, only not ready
    finally:
        with committing_db.engine.begin() as conn:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :v WHERE version_num = :p"), {"p": previous, "v": head}
            )
    assert _client(committing_db).get("/readyz").status_code == 200


def test_readyz_is_unready_when_the_database_is_down() -> None:
    down = Database("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    answer = _client(down).get("/readyz")
    assert answer.status_code == 503 and answer.json()["database"].startswith("unreachable")


def test_metrics_refuse_an_outside_caller(database: Database, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("XINYONG_METRICS_TOKEN", "s3cret-token-for-the-monitoring-system")
    settings_env.setenv("XINYONG_TRUSTED_PROXIES", '["127.0.0.1/32"]')
    outside = _client(database, OUTSIDE)
    refused = outside.get("/metrics")
    assert refused.status_code == 403 and "xinyong_" not in refused.text
    assert outside.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403  # not a proxy
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    # behind the trusted proxy (nginx on the same host), the forwarded client decides, not the proxy's address
    proxied = _client(database, MONITOR).get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403
    token = outside.get("/metrics", headers={"Authorization": "Bearer s3cret-token-for-the-monitoring-system"})
    assert token.status_code == 200 and "xinyong_http_request_duration_seconds" in token.text
    assert "/metrics" not in create_app(database).openapi()["paths"]


def test_metrics_content(committing_db: Database) -> None:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        made = builders.entity(session)
        opstate.put(session, opstate.TICK, {"sweeps": 1})
    app = create_app(committing_db)
    app.dependency_overrides[current_actor] = lambda: GP
    client = TestClient(app, client=MONITOR, raise_server_exceptions=False)
    before = metrics.REGISTRY.get_sample_value("xinyong_checks_total", {"outcome": "clear"}) or 0.0
    body = {"subject": {"uscc": made.uscc}, "scenario": "government_procurement", "purpose": "采购项目资格审查"}
    assert client.post("/api/v1/checks", json=body).json()["outcome"] == "clear"
    assert client.get(f"/api/v1/entities/{made.uscc}").status_code == 200
    assert client.get("/no/such/page/123").status_code == 404
    scraped = client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    page = scraped.text
    assert metrics.REGISTRY.get_sample_value("xinyong_checks_total", {"outcome": "clear"}) == before + 1
    assert 'route="/api/v1/entities/{uscc}"' in page and made.uscc not in page  # the template, never the path
    assert 'route="(unmatched)"' in page and "/no/such/page" not in page
    assert 'xinyong_outbox_messages{status="pending"} 0.0' in page
    assert "xinyong_outbox_oldest_due_age_seconds 0.0" in page
    lag = next(line for line in page.splitlines() if line.startswith("xinyong_tick_lag_seconds "))
    assert 0 <= float(lag.split()[1]) < 60
    assert "xinyong_database_up 1.0" in page


def test_ingested_rows_are_counted_once_committed(committing_db: Database) -> None:
    def value() -> float:
        return (
            metrics.REGISTRY.get_sample_value(
                "xinyong_ingested_rows_total", {"department": "TEST", "outcome": "accepted"}
            )
            or 0.0
        )

    start = value()
    with pytest.raises(RuntimeError), committing_db.unit_of_work() as session:  # noqa: PT012 - fails inside on purpose
        metrics.count_ingested(session, "TEST", accepted=5, rejected=0)
        raise RuntimeError("the upload failed after its rows were read")
    assert value() == start
    with committing_db.unit_of_work() as session:
        metrics.count_ingested(session, "TEST", accepted=3, rejected=1)
    assert value() == start + 3
    rejected = {"department": "TEST", "outcome": "rejected"}
    assert (metrics.REGISTRY.get_sample_value("xinyong_ingested_rows_total", rejected) or 0) >= 1


def test_request_id_is_passed_through_and_logged(database: Database) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    metrics.access_log.addHandler(handler)
    previous = metrics.access_log.level
    metrics.access_log.setLevel(logging.INFO)
    try:
        client = _client(database)
        given = client.get("/healthz", headers={"X-Request-ID": "nginx-5f2c9a"})
        made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith\ncontrol " + "x" * 300})
    finally:
        metrics.access_log.removeHandler(handler)
        metrics.access_log.setLevel(previous)
    assert given.headers["X-Request-ID"] == "nginx-5f2c9a"
    fresh = made.headers["X-Request-ID"]
    assert fresh != "bad id" and len(fresh) == 32
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["nginx-5f2c9a", fresh]
    first = lines[0]
    assert first["route"] == "/healthz" and first["status"] == 200 and first["logger"] == "xinyong.access"
    assert first["time"].endswith("+00:00") and first["duration_ms"] >= 0


def test_json_formatter_outside_a_request_and_with_an_error() -> None:
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "xinyong.tick", logging.ERROR, __file__, 1, "sweep %s failed", ("x",), sys.exc_info()
        )
    entry = json.loads(formatter.format(record))
    assert (
        entry["message"] == "sweep x failed" and "request_id" not in entry and "ValueError: boom" in entry["exception"]
    )
    logs.RequestIdFilter().filter(record)  # outside a request the text format shows "-"; JSON leaves it out
    assert "request_id" not in json.loads(formatter.format(record))
    config = logs.log_config("json")
    assert config["formatters"]["main"]["()"] == "xinyong.core.logs.JsonFormatter"
    made = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["main"])
    assert isinstance(made, logs.JsonFormatter)  # the dictionary Uvicorn is given builds the formatter


def test_an_ingested_batch_counts_its_rows_by_department(committing_db: Database) -> None:
    from xinyong.records import ingestion

    operator = Actor(role=Role.DEPT_OPERATOR, id="user:scjg-metrics", department_code="SCJGJ")
    rejected = {"department": "SCJGJ", "outcome": "rejected"}
    before = metrics.REGISTRY.get_sample_value("xinyong_ingested_rows_total", rejected) or 0.0
    row = {"CF_XDR_MC": "共青城某某有限公司", "CF_WSH": "共市监罚〔2024〕9号", "CF_JDRQ": "2024-13-45"}
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        result = ingestion.ingest_rows(session, operator, [row, row], department="SCJGJ", kind="penalty")
        assert result.rejected == 2
        assert (metrics.REGISTRY.get_sample_value("xinyong_ingested_rows_total", rejected) or 0.0) == before
    assert metrics.REGISTRY.get_sample_value("xinyong_ingested_rows_total", rejected) == before + 2
