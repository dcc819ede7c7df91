"""The home page's figures are kept, not counted per visit, and are the same figure as the list they summarise:
the unfiltered list's 共 N 条 comes from the same cached query, a new record, a correction in place and the tick's
refresh all show at once on both, and a filtered list or a signed-in reader still counts live."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor
from xinyong.records import counters, publication
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion

Client = Callable[[Actor], TestClient]
HTML = {"accept": "text/html"}


def _home_penalties(client: TestClient) -> int:
    page = client.get("/", headers=HTML).text
    found = re.search(r'行政处罚公示</span>\s*<strong class="stat-value">(\d+)</strong>', page)
    assert found, "the home page shows the published penalties"
    return int(found.group(1))


def _list_total(client: TestClient, **params: str) -> int:
    return int(client.get("/publicity/penalties.json", params=params).json()["total"])


def test_the_home_figure_is_the_lists_figure_and_follows_every_change(as_actor: Client, db: Session) -> None:
    counters.forget()
    firm = builders.entity(db)
    for _ in range(3):
        records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc))
    public = as_actor(Actor.public())
    assert _home_penalties(public) == _list_total(public) == 3
    records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc))  # ingestion: a new version
    assert _home_penalties(public) == _list_total(public) == 4
    version = db.query(CreditRecordVersion).filter(CreditRecordVersion.valid_to.is_(None)).first()
    assert version is not None
    version.privacy_hold = True  # a change in place (the privacy rescan): the figure follows
    db.flush()
    assert _home_penalties(public) == _list_total(public) == 3
    assert publication.refresh_counts(db) >= 4  # the tick's sweep counts them ahead of the next visitor
    assert _home_penalties(public) == 3


def test_filtered_lists_and_staff_count_live(as_actor: Client, db: Session) -> None:
    counters.forget()
    firm = builders.entity(db)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc, source_department="SWJ"))
    records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc))
    public = as_actor(Actor.public())
    assert _list_total(public) == 2 and _list_total(public, department="SWJ") == 1
    assert _list_total(as_actor(builders.operator("SCJGJ"))) >= 2
