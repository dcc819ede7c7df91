"""Withdrawal timeliness: a decision revoked or changed at the source, and the working days until the public copy
changed, against the 3-working-day rule; in the timeliness figures, the API and the console (both databases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import CHINESE, OPERATOR, gb18030_csv, row
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.records import ingestion, timeliness
from xinyong.records.timeliness import source_changed_on

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
HEADERS = [*CHINESE, "当前状态", "数据更新时间戳"]


def _at(day: dt.date) -> None:
    clock.freeze(dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC))  # 10:00 in Beijing


def _send(session: Session, rows: list[list[str]], headers: list[str] = HEADERS) -> ingestion.BatchResult:
    result = ingestion.ingest_file(
        session, OPERATOR, gb18030_csv(rows, headers), "处罚.csv", department="SCJGJ", kind="penalty"
    )
    assert result.rejected == 0, result.errors
    return result


def _seed(db: Session) -> None:
    builders.departments(db)
    _at(dt.date(2024, 3, 8))
    _send(db, [[*row(n), "有效", "2024-03-08 09:00:00"] for n in (81, 82, 83)])
    # 81: revoked at the source on Monday 03-11, the platform's copy withdrawn on Friday 03-15: 4 working days, late
    _at(dt.date(2024, 3, 15))
    _send(db, [[*row(81), "撤销", "2024-03-11 10:00:00"]])
    # 82: changed at the source on 03-11, corrected on 03-12: 1 working day, on time
    _at(dt.date(2024, 3, 12))
    _send(db, [[*row(82, CF_NR="警告并处罚款五千元"), "有效", "2024-03-11 16:00:00"]])
    # 83: revoked, sent without any date of the source's change: not measurable
    _at(dt.date(2024, 3, 13))
    _send(db, [[*row(83), "撤销"]], HEADERS[:-1])
    _at(dt.date(2024, 3, 20))


def test_withdrawals_are_measured_against_three_working_days(db: Session) -> None:
    _seed(db)
    figures = timeliness.department_month(db, OFFICE, "SCJGJ", "2024-03", clock.today())
    assert (figures.withdrawals, figures.withdrawals_on_time, figures.withdrawals_late) == (2, 1, 1)
    assert figures.withdrawals_unmeasured == 1
    assert figures.withdrawal_on_time_rate == 0.5 and figures.withdrawal_days_max == 4
    [late] = figures.withdrawal_late_items
    assert (late["revoked"], late["source_changed_on"], late["public_changed_on"], late["deadline"]) == (
        True,
        "2024-03-11",
        "2024-03-15",
        "2024-03-14",
    )
    # the 7-working-day publication figure beside it counts only decisions still to be public: the two revoked at
    # the source leave it (one query for the dashboard and the timeliness page), the withdrawal figures hold them
    assert figures.decisions == 1
    other = timeliness.department_month(db, OFFICE, "SCJGJ", "2024-04", clock.today())
    assert (other.withdrawals, other.withdrawals_unmeasured) == (0, 0)


def test_api_and_console_show_the_figure(db: Session, as_actor: Callable[[Actor], TestClient]) -> None:
    _seed(db)
    answer = as_actor(OFFICE).get("/api/v1/timeliness", params={"month": "2024-03", "department": "SCJGJ"})
    assert answer.status_code == 200, answer.text
    [body] = answer.json()
    assert (body["withdrawals"], body["withdrawals_late"], body["withdrawal_days_max"]) == (2, 1, 4)
    from tests.support.console_helpers import HTML, console_client, make_user, sign_in

    client = console_client(db)
    make_user(db, "office1", Role.CREDIT_OFFICE)
    sign_in(client, "office1")
    page = client.get("/console/timeliness?month=2024-03&department=SCJGJ", headers=HTML).text
    assert 'id="withdrawal-panel"' in page and "撤回按时率" in page
    assert 'id="tile-withdrawal-rate">50.0%<' in page and 'id="withdrawal-late"' in page
    assert "另有 1 项未报送变更日期" in page


def test_source_date_is_read_from_what_the_department_sent() -> None:
    assert source_changed_on({"source_changed_on": "2024-03-11"}) == dt.date(2024, 3, 11)
    assert source_changed_on({"original": {"SJC": "2019/5/7 10:00:00"}}) == dt.date(2019, 5, 7)
    assert source_changed_on({"original": {"数据更新时间戳": "不详"}}) is None
    assert source_changed_on({"original": {"CF_WSH": "x"}}) is None
    assert source_changed_on(None) is None
