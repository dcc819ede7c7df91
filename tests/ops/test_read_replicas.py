"""Read replicas, on a real streaming standby: the test makes its own primary (initdb on a spare port) and a hot
standby from a base backup of it (pg_basebackup -R), so the machine's PostgreSQL is not touched.

With the standby's replay paused, a row committed on the primary is missing from every answer read from the standby:
that is how the test proves where each read went. Portal pages, the public API and the check's reads come from the
standby (the check's log row is written to the primary); a staff member's change is read back from the primary
(read-your-writes, by process memory for an API key and by cookie for a browser); a standby lagging past the limit
is skipped; a stopped standby is skipped without an error to anyone."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.support import builders, pg_cluster
from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.core.http import current_actor
from xinyong.core.replicas import RW_COOKIE, replica_eligible
from xinyong.schema import create_schema

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office-replica-test")
GP = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")
MEASURE = {
    "code": "HS09", "name": "限制申请保障性住房", "category": "rights_reducing",
    "legal_basis": "《公共租赁住房管理办法》", "list_types": ["serious"], "department": "市住建局",
    "scenarios": ["fiscal_funds"],
}  # fmt: skip


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[pg_cluster.Cluster, pg_cluster.Cluster]]:
    if pg_cluster.binaries() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed")
    primary = pg_cluster.primary()
    standby = None
    try:
        create_schema(Database(primary.url))
        standby = pg_cluster.standby_of(primary)
        yield primary, standby
    finally:
        pg_cluster.remove(*[c for c in (standby, primary) if c is not None])


@pytest.fixture
def database(clusters: tuple[pg_cluster.Cluster, pg_cluster.Cluster]) -> Iterator[Database]:
    primary, standby = clusters
    made = Database(
        primary.url,
        read_urls=[standby.url],
        replica_max_lag_seconds=3600,  # the paused standby stays "fresh enough" unless a test lowers it
        replica_check_seconds=0,
        read_your_writes_seconds=30,
    )
    yield made
    made.dispose()


def _client(database: Database, actor: Actor | None = None) -> TestClient:
    app = create_app(database)
    if actor is not None:

        def signed_in(request: Request) -> Actor:
            request.state.signed_in = True  # as current_actor does for a verified key or session
            return actor

        app.dependency_overrides[current_actor] = signed_in
    return TestClient(app, client=("127.0.0.1", 50000), raise_server_exceptions=False)


def test_reads_follow_the_standby_writes_the_primary(
    clusters: tuple[pg_cluster.Cluster, pg_cluster.Cluster], database: Database
) -> None:
    primary, standby = clusters
    with database.unit_of_work() as session:
        builders.departments(session)
        old = builders.entity(session, name="共青城老字号商贸有限公司")
    pg_cluster.wait_replayed(primary, standby)
    standby.sql("SELECT pg_wal_replay_pause()")
    try:
        with database.unit_of_work() as session:
            new = builders.entity(session, name="共青城新设科技有限公司")
        public = _client(database)
        # the portal page and the public API read the (paused) standby: the new entity is not there yet
        assert public.get(f"/api/v1/entities/{old.uscc}").status_code == 200
        assert public.get(f"/api/v1/entities/{new.uscc}").status_code == 404
        assert public.get(f"/entity/{old.uscc}").status_code == 200
        assert public.get(f"/entity/{new.uscc}").status_code == 404
        # the check reads the standby too (the subject is unknown there) and logs itself on the primary
        checks_before = primary.sql("SELECT count(*) FROM punishment_checks")
        body = {"subject": {"uscc": new.uscc}, "scenario": "government_procurement", "purpose": "采购项目资格审查"}
        answer = _client(database, GP).post("/api/v1/checks", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["subject_known"] is False
        assert primary.sql("SELECT count(*) FROM punishment_checks") == checks_before + 1
        # a staff member's change is read back at once (from the primary); the public still reads the standby
        office = _client(database, OFFICE)
        made = office.post("/api/v1/punishment/measures", json=MEASURE)
        assert made.status_code == 201, made.text
        assert RW_COOKIE in made.headers.get("set-cookie", "")
        assert office.get("/api/v1/punishment/measures/HS09").status_code == 200
        assert public.get("/api/v1/punishment/measures/HS09").status_code == 404
        # another server process knows nothing of the write but the browser's cookie tells it
        assert database.replicas is not None
        database.replicas._writers.clear()
        assert office.get("/api/v1/punishment/measures/HS09").status_code == 200  # the client kept the cookie
        office.cookies.clear()
        assert office.get("/api/v1/punishment/measures/HS09").status_code == 404  # past the window: the standby
        # a standby lagging past the limit is skipped: reads go to the primary
        database.replicas.max_lag_seconds = 0.5
        time.sleep(1.2)
        assert public.get(f"/api/v1/entities/{new.uscc}").status_code == 200
        ready = public.get("/readyz").json()
        assert ready["status"] == "ready" and ready["replicas"][0]["in_use"] is False
        assert ready["replicas"][0]["lag_seconds"] > 0.5
    finally:
        standby.sql("SELECT pg_wal_replay_resume()")
    database.replicas.max_lag_seconds = 3600
    pg_cluster.wait_replayed(primary, standby)
    assert public.get(f"/api/v1/entities/{new.uscc}").status_code == 200


def test_a_stopped_standby_is_skipped(
    clusters: tuple[pg_cluster.Cluster, pg_cluster.Cluster], database: Database
) -> None:
    primary, standby = clusters
    with database.unit_of_work() as session:
        builders.departments(session)
        made = builders.entity(session, name="共青城备用线路有限公司")
    public = _client(database)
    pg_cluster.wait_replayed(primary, standby)
    assert public.get(f"/api/v1/entities/{made.uscc}").status_code == 200  # a connection to the standby is pooled
    standby.stop("immediate")
    try:
        for _ in range(3):  # the pooled connection is dead, then the standby refuses: never an error to the caller
            assert public.get(f"/api/v1/entities/{made.uscc}").status_code == 200
            assert public.get(f"/entity/{made.uscc}").status_code == 200
        body = {"subject": {"uscc": made.uscc}, "scenario": "government_procurement", "purpose": "采购项目资格审查"}
        assert _client(database, GP).post("/api/v1/checks", json=body).json()["subject_known"] is True
        ready = public.get("/readyz")
        assert ready.status_code == 200 and ready.json()["replicas"][0]["reachable"] is False
        scraped = public.get("/metrics").text
        assert f'xinyong_replica_lag_seconds{{replica="127.0.0.1:{standby.port}"}} -1.0' in scraped
    finally:
        standby.start()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is False


def test_which_requests_may_read_a_replica() -> None:
    assert replica_eligible("GET", "/entity/91360482MA35XXXX0X")
    assert replica_eligible("GET", "/api/v1/entities")
    assert replica_eligible("POST", "/api/v1/checks")
    assert replica_eligible("GET", "/console/checks/statistics.xlsx")
    assert not replica_eligible("GET", "/console/records")
    assert not replica_eligible("GET", "/my/commitments")
    assert not replica_eligible("POST", "/api/v1/batches")
    assert not replica_eligible("GET", "/login")
    assert not replica_eligible("DELETE", "/api/v1/entities/x")


def test_sqlite_refuses_replicas(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        Database("sqlite:///:memory:", read_urls=["postgresql://x@127.0.0.1:1/x"])
