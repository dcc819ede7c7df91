"""GET /api/v1/feeds/{kind}: the outbound feed over HTTP, for business systems and the credit office."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.ingestion_files import OPERATOR, gb18030_csv, person_row, row
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.core.ids import make_resident_id
from xinyong.records import feeds, ingestion

PROVINCE = Actor(role=Role.BUSINESS_SYSTEM, id="api:7", name="江西省公共信用信息平台")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
CLEAR_ID = make_resident_id("360482", dt.date(1990, 9, 9), 77)


@pytest.fixture
def loaded(as_actor: Callable[[Actor], TestClient], db: Session) -> Callable[[Actor], TestClient]:
    clock.freeze(dt.datetime(2024, 3, 8, 2, tzinfo=dt.UTC))
    data = gb18030_csv([row(1), row(2, CF_SY='=HYPERLINK("http://x")'), person_row(3, CLEAR_ID)])
    ingestion.ingest_file(db, OPERATOR, data, "处罚.csv", department="SCJGJ", kind="penalty")
    return as_actor


def feed_events(db: Session) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == feeds.AUDIT_ACTION).order_by(AuditEvent.seq)
    return list(db.execute(stmt).scalars())


def test_csv_feed_for_a_business_system(loaded: Callable[[Actor], TestClient], db: Session) -> None:
    answer = loaded(PROVINCE).get("/api/v1/feeds/penalty")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="penalty-full-20240308T100000.csv"'
    assert answer.headers["x-feed-rows"] == "3" and answer.headers["x-feed-as-of"] == "2024-03-08T02:00:00+00:00"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == feeds.columns(feeds.Kind.PENALTY) and len(table) == 4
    text = answer.content.decode("utf-8-sig")
    assert CLEAR_ID not in text and CLEAR_ID[:6] + "********" + CLEAR_ID[-4:] in text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    (event,) = feed_events(db)
    assert (event.actor_role, event.actor_id) == ("business_system", "api:7")
    assert (event.payload["rows"], event.payload["format"], event.payload["since"]) == (3, "csv", None)
    assert event.payload["sha256"] == answer.headers["x-feed-sha256"]


def test_jsonl_changes_since(loaded: Callable[[Actor], TestClient], db: Session) -> None:
    clock.freeze(dt.datetime(2024, 3, 9, 2, tzinfo=dt.UTC))
    data = gb18030_csv([row(1, CF_NR="警告并处罚款一万元"), row(4)])
    ingestion.ingest_file(db, OPERATOR, data, "处罚.csv", department="SCJGJ", kind="penalty")
    answer = loaded(OFFICE).get("/api/v1/feeds/penalty", params={"since": "2024-03-08T12:00:00", "format": "jsonl"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    assert answer.headers["content-disposition"].endswith('filename="penalty-changes-20240309T100000.jsonl"')
    assert answer.headers["x-feed-since"] == "2024-03-08T04:00:00+00:00"
    rows = [json.loads(line) for line in answer.text.splitlines()]
    assert [(r["CF_WSH"], r["BGLX"], r["BBH"]) for r in rows] == [
        ("共市监罚〔2024〕1号", "U", 2),
        ("共市监罚〔2024〕4号", "I", 1),
    ]
    (event,) = feed_events(db)
    assert (event.actor_role, event.payload["mode"], event.payload["rows"]) == ("credit_office", "changes", 2)
    assert event.payload["since"] == "2024-03-08T04:00:00+00:00"


def test_license_feed_is_empty_but_well_formed(loaded: Callable[[Actor], TestClient]) -> None:
    answer = loaded(PROVINCE).get("/api/v1/feeds/license?format=csv")
    assert answer.status_code == 200 and answer.headers["x-feed-rows"] == "0"
    assert answer.content.decode("utf-8-sig").splitlines() == [",".join(feeds.columns(feeds.Kind.LICENSE))]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/feeds/penalty?since=last-tuesday", "since"),
        ("/api/v1/feeds/penalty?since=2024-13-01", "since"),
        ("/api/v1/feeds/penalty?since=2999-01-01", "since"),
        ("/api/v1/feeds/penalty?since=" + "9" * 41, "since"),
        ("/api/v1/feeds/penalty?format=xlsx", "format"),
        ("/api/v1/feeds/penalty?format=" + "j" * 17, "format"),
        ("/api/v1/feeds/judicial", "kind"),
        ("/api/v1/feeds/" + "x" * 40, "kind"),
        ("/api/v1/feeds/penalty?sinse=2024-01-01", "sinse"),
    ],
)
def test_hostile_parameters_are_422_naming_the_field(
    loaded: Callable[[Actor], TestClient], db: Session, path: str, field: str
) -> None:
    answer = loaded(PROVINCE).get(path)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert feed_events(db) == []


def test_rights(loaded: Callable[[Actor], TestClient], db: Session) -> None:
    assert loaded(Actor.public()).get("/api/v1/feeds/penalty").status_code == 401
    assert loaded(OPERATOR).get("/api/v1/feeds/penalty").status_code == 403
    assert loaded(Actor(role=Role.AUDITOR, id="user:audit")).get("/api/v1/feeds/penalty").status_code == 403
    entity = Actor(role=Role.ENTITY, id="user:firm", entity_uscc="91360482MA35G3R202")
    assert loaded(entity).get("/api/v1/feeds/penalty").status_code == 403
    assert feed_events(db) == []
