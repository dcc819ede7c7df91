"""The publicity end date in the record API (with its rule and regime), the portal's exports and the credit report,
on both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.records import service
from xinyong.reports import service as reports

Client = Callable[[Actor], TestClient]
NOW = dt.datetime(2024, 6, 3, 2, tzinfo=dt.UTC)


def test_record_api_gives_the_end_with_its_source(as_actor: Client, db: Session) -> None:
    builders.departments(db)
    clock.freeze(NOW)
    made = builders.entity(db)
    serious, _ = service.upsert_record(
        db, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2024, 5, 31), severity="严重")
    )
    licence, _ = service.upsert_record(
        db,
        builders.SYSTEM,
        builders.penalty(made.uscc, kind="license", title="食品经营许可证", severity=None, content={"XKLB": "普通"}),
    )
    public = as_actor(Actor.public())
    body = public.get(f"/api/v1/records/{serious.record_id}").json()
    assert body["publicity_end"] == {
        "date": "2027-05-31",
        "source": "rule",
        "regime": "现行",
        "document": body["publicity_end"]["document"],
        "severity": "严重",
        "rule": "严重失信：最长公示3年，自决定日期次日起算",
    }
    assert "22号" in body["publicity_end"]["document"]
    listed = public.get(f"/api/v1/entities/{made.uscc}/records").json()["items"]
    by_id = {item["id"]: item for item in listed}
    assert by_id[serious.record_id]["publicity_end"]["date"] == "2027-05-31"
    assert by_id[licence.record_id]["publicity_end"] is None


def test_portal_export_and_report_carry_it(as_actor: Client, db: Session) -> None:
    builders.departments(db)
    clock.freeze(NOW)
    made = builders.entity(db, name="共青城长虹副食商行")
    service.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2024, 2, 29)))
    public = as_actor(Actor.public())
    answer = public.get("/publicity/penalties.csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    column = table[0].index("公示截止日期")
    assert [row[column] for row in table[1:]] == ["2025-02-28"]
    row = reports.issue_report(db, Actor.public(), made.uscc)
    items = [item for section in row.content["sections"].values() for item in section]
    assert [item.get("publicity_end") for item in items] == ["2025-02-28"]
