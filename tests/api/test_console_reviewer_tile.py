"""The dashboard's 待我决定 tile counts what waits for the signed-in reviewer's decision with the queue pages' own
queries: the tile and each queue page show the same number, another department's reviewer sees none, and a decision
takes the item off both."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from tests.support.lists import REVIEWER, at, listed
from xinyong.core.actor import Role
from xinyong.lists import service as lists


def _tile(page: str) -> int:
    found = re.search(r'id="tile-waiting-total">(\d+)<', page)
    assert found, "the reviewer tile is on the dashboard"
    return int(found.group(1))


def _mine(page: str) -> int:
    found = re.search(r'id="queue-mine">待您决定：<strong>(\d+)</strong>', page)
    assert found, "the queue page shows the same count"
    return int(found.group(1))


def test_the_tile_and_the_queue_count_the_same_entries(db: Session) -> None:
    builders.departments(db)
    notice_on = dt.date(2024, 9, 27)
    waiting = [listed(db, list_type="watch", key_field="养老", until="notify", notice_on=notice_on) for _ in range(2)]
    listed(db, list_type="watch", key_field="养老", until="propose", notice_on=notice_on)  # not the reviewer's yet
    deadline = waiting[0].statement_deadline
    assert deadline is not None
    at(deadline + dt.timedelta(days=1))
    client = console_client(db)
    make_user(db, "shenhe", Role.DEPT_REVIEWER, "SCJGJ")
    sign_in(client, "shenhe")
    dashboard = client.get("/console", headers=HTML).text
    assert _tile(dashboard) == 2 and "列入决定 <b>2</b>" in dashboard
    assert 'href="/console/lists/queue"' in dashboard
    assert _mine(client.get("/console/lists/queue", headers=HTML).text) == 2
    assert _mine(client.get("/console/objections", headers=HTML).text) == 0
    assert _mine(client.get("/console/repair", headers=HTML).text) == 0

    lists.decide_entry(db, REVIEWER, waiting[0].id, decision_doc_no="共市监列〔2024〕99号")
    dashboard = client.get("/console", headers=HTML).text
    assert _tile(dashboard) == 1
    assert _mine(client.get("/console/lists/queue", headers=HTML).text) == 1


def test_another_departments_reviewer_and_an_auditor_see_nothing_to_decide(db: Session) -> None:
    builders.departments(db)
    entry = listed(db, list_type="watch", key_field="养老", until="notify")
    assert entry.statement_deadline is not None
    at(entry.statement_deadline + dt.timedelta(days=1))
    client = console_client(db)
    make_user(db, "swj-shenhe", Role.DEPT_REVIEWER, "SWJ")
    sign_in(client, "swj-shenhe")
    assert _tile(client.get("/console", headers=HTML).text) == 0
    auditor = console_client(db)
    make_user(db, "shenji", Role.AUDITOR, None)
    sign_in(auditor, "shenji")
    assert 'id="tile-waiting"' not in auditor.get("/console", headers=HTML).text
