"""Insider-misuse rules (谋私预警) on hand-made audit events: each rule fires on its case and not on normal work; the
sweep examines each event once; alerts are for auditors only and never for the person they are about; closing needs
a reason. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.misuse import (
    AUDITOR,
    AUDITOR_2,
    OFFICE,
    OPERATOR,
    REVIEWER,
    UPPER_USCC,
    alerts,
    at,
    checks,
    event,
    export,
    read_entity,
    read_persons,
    sweep,
)
from xinyong.core.audit import AuditEvent
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.misuse import service as misuse
from xinyong.misuse.models import MISUSE_ALERT
from xinyong.misuse.rules import AlertStatus, Code

FRIDAY = dt.date(2024, 9, 27)  # a working day
MAKEUP_SUNDAY = dt.date(2024, 9, 29)  # 调休上班 before the National Day holiday
NATIONAL_DAY = dt.date(2024, 10, 1)
ENTITY = "91360482MA35ABCD1X"


def test_many_persons_in_an_hour_raise_one_alert(db: Session) -> None:
    seqs = [
        read_persons(db, OPERATOR, at(FRIDAY, 10, minute), [100 + 3 * minute + k for k in range(3)])
        for minute in range(10)
    ]
    report = sweep(db, FRIDAY)
    found = alerts(db, Code.BULK_PERSONAL)
    assert report.raised == 1 and len(found) == 1
    alert = found[0]
    assert alert.actor_id == OPERATOR.id and alert.count == 30 and alert.status == AlertStatus.OPEN
    assert alert.evidence == seqs
    assert "30 名自然人" in alert.summary


def test_normal_reading_of_persons_raises_nothing(db: Session) -> None:
    for minute in range(29):  # 29 persons in an hour: below the threshold
        read_persons(db, OPERATOR, at(FRIDAY, 10, minute), [500 + minute])
    for hour in range(9, 17):  # 40 persons over the day, 5 an hour: ordinary casework
        read_persons(db, REVIEWER, at(FRIDAY, hour, 5), [700 + 5 * hour + k for k in range(5)])
    read_persons(db, OPERATOR, at(FRIDAY, 10, 40), [500] * 1)  # the same person again is not a new one
    sweep(db, FRIDAY)
    assert alerts(db, Code.BULK_PERSONAL) == []


def test_off_hours_reading_fires_at_night_and_on_holidays_not_on_a_makeup_working_day(db: Session) -> None:
    for minute in (0, 10, 20):
        read_persons(db, OPERATOR, at(FRIDAY, 22, minute), [1])  # Friday night
        read_entity(db, REVIEWER, at(NATIONAL_DAY, 10, minute), ENTITY)  # a holiday morning
        read_persons(db, AUDITOR, at(MAKEUP_SUNDAY, 10, minute), [2])  # 调休上班: a working Sunday
        read_persons(db, OFFICE, at(FRIDAY, 10, minute), [3])  # office hours
    read_persons(db, OFFICE, at(FRIDAY, 19), [3])  # once after hours: below the daily threshold
    sweep(db, NATIONAL_DAY)
    found = {(a.actor_id, a.bucket) for a in alerts(db, Code.OFF_HOURS)}
    assert found == {(OPERATOR.id, "2024-09-27"), (REVIEWER.id, "2024-10-01")}


def test_reading_subjects_of_other_departments_fires_for_department_staff_only(db: Session) -> None:
    for k in range(5):
        read_entity(db, OPERATOR, at(FRIDAY, 9, k), f"91360482MA35OT{k:02d}1X", departments=["SWJ"])
    for k in range(8):
        read_entity(db, REVIEWER, at(FRIDAY, 9, k), f"91360482MA35OW{k:02d}1X", departments=["SCJGJ", "SWJ"])
        read_entity(db, OFFICE, at(FRIDAY, 9, k), f"91360482MA35OF{k:02d}1X", departments=["SWJ"])
    for k in range(4):  # four of another department's subjects: below the threshold
        read_entity(db, REVIEWER, at(FRIDAY, 10, k), f"91360482MA35OX{k:02d}1X", departments=["SWJ"])
    sweep(db, FRIDAY)
    found = alerts(db, Code.OUTSIDE_DEPARTMENT)
    assert [(a.actor_id, a.count) for a in found] == [(OPERATOR.id, 5)]


def test_repeated_exports_fire_within_a_day_not_when_spread_out(db: Session) -> None:
    for hour in (9, 10, 11, 14, 15):
        export(db, OPERATOR, at(FRIDAY, hour))
    for day in range(5):
        export(db, REVIEWER, at(dt.date(2024, 9, 9) + dt.timedelta(days=day), 10))
    for hour in (9, 10, 11, 14):
        export(db, OFFICE, at(FRIDAY, hour))
    sweep(db, FRIDAY)
    assert [(a.actor_id, a.count) for a in alerts(db, Code.REPEATED_EXPORTS)] == [(OPERATOR.id, 5)]


def test_reading_an_entity_before_its_repair_then_deciding_it_fires(db: Session) -> None:
    early = read_entity(db, REVIEWER, at(dt.date(2024, 9, 10), 10), ENTITY)
    read_entity(db, REVIEWER, at(dt.date(2024, 9, 10), 11), "91360482MA35OTHR1X")  # another entity: not counted
    event(db, OPERATOR, at(dt.date(2024, 9, 12), 10), "records:entity:read", "entity", ENTITY, ENTITY)
    event(db, OPERATOR, at(dt.date(2024, 9, 20), 9), "repair:application:submit", "repair_application", "7", ENTITY)
    decided = event(db, REVIEWER, at(FRIDAY, 15), "repair:application:approve", "repair_application", "7", ENTITY)
    # an objection handled by someone who only read the entity while handling it: normal work
    event(db, OPERATOR, at(dt.date(2024, 9, 20), 9), "objections:objection:filed", "objection", "3", UPPER_USCC)
    read_entity(db, OPERATOR, at(dt.date(2024, 9, 23), 10), UPPER_USCC)
    event(db, OPERATOR, at(FRIDAY, 11), "objections:objection:proposed", "objection", "3", UPPER_USCC)
    sweep(db, FRIDAY)
    found = alerts(db, Code.READ_BEFORE_DECISION)
    assert [(a.actor_id, a.bucket, a.evidence) for a in found] == [
        (REVIEWER.id, "repair_application:7", [early, decided])
    ]


def test_an_api_client_far_beyond_its_own_pattern_fires_once_per_day(db: Session) -> None:
    day = dt.date(2024, 9, 26)
    for back in range(1, 15):
        checks(db, "api:7", day - dt.timedelta(days=back), 20)
        checks(db, "api:8", day - dt.timedelta(days=back), 200)
    checks(db, "api:7", day, 400)  # twenty times its own daily mean
    checks(db, "api:8", day, 240)  # a busy day for a busy client: within its pattern
    sweep(db, FRIDAY)  # the completed day examined is the 26th
    sweep(db, FRIDAY)
    found = alerts(db, Code.API_SURGE)
    assert [(a.actor_id, a.count, a.bucket) for a in found] == [("api:7", 400, "2024-09-26")]
    assert len(found[0].checks) == 400
    assert "日均 10.0 次" in found[0].summary  # 14 days of 20 over a 28-day baseline


def test_each_event_is_examined_once_and_a_continuing_episode_extends_its_alert(db: Session) -> None:
    for minute in range(30):
        read_persons(db, OPERATOR, at(FRIDAY, 10, minute), [minute])
    first = sweep(db, FRIDAY)
    head = db.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert first.raised == 1 and first.examined > 0
    again = sweep(db, FRIDAY)
    assert first.watermark == head - 1  # every event examined; the alert's own audit event came after
    assert (again.examined, again.raised, again.extended) == (0, 0, 0)
    assert len(alerts(db, Code.BULK_PERSONAL)) == 1
    for minute in range(30, 60):  # thirty more within the same hour: the same episode
        read_persons(db, OPERATOR, at(FRIDAY, 10, minute), [100 + minute])
    later = sweep(db, FRIDAY)
    (alert,) = alerts(db, Code.BULK_PERSONAL)
    assert later.raised == 0 and later.extended == 1
    assert alert.count == 60 and len(alert.evidence) == 60
    assert sweep(db, FRIDAY).raised == 0 and len(alerts(db)) == 1


def test_an_alert_is_invisible_to_its_subject_even_an_auditor(db: Session) -> None:
    for minute in range(30):
        read_persons(db, AUDITOR, at(FRIDAY, 10, minute), [minute])
    sweep(db, FRIDAY)
    (alert,) = alerts(db, Code.BULK_PERSONAL)
    assert alert.actor_id == AUDITOR.id
    assert misuse.page_alerts(db, AUDITOR)[1] == 0
    with pytest.raises(NotFound):
        misuse.get_alert(db, AUDITOR, alert.id)
    with pytest.raises(NotFound):
        misuse.close_alert(db, AUDITOR, alert.id, "本人自查无问题")
    assert misuse.page_alerts(db, AUDITOR_2)[1] == 1
    for other in (OFFICE, OPERATOR, REVIEWER):  # alerts go to auditors, not to the office or a department
        assert misuse.page_alerts(db, other)[1] == 0
        with pytest.raises(NotFound):
            misuse.get_alert(db, other, alert.id)
    raised = db.scalars(select(AuditEvent).where(AuditEvent.action == "misuse:alert:raised")).one()
    assert AUDITOR.id not in str(raised.payload)  # the audit log (which the office reads) does not name the person


def test_closing_requires_a_reason_and_is_a_step(db: Session) -> None:
    for hour in (9, 10, 11, 14, 15):
        export(db, OPERATOR, at(FRIDAY, hour))
    sweep(db, FRIDAY)
    (alert,) = alerts(db)
    for empty in ("", "   "):
        with pytest.raises(InvalidInput):
            misuse.close_alert(db, AUDITOR, alert.id, empty)
    with pytest.raises(InvalidInput):
        misuse.close_alert(db, AUDITOR, alert.id, "长" * 2001)
    closed = misuse.close_alert(db, AUDITOR, alert.id, "经核实为月末报表工作需要")
    assert closed.status == AlertStatus.CLOSED and closed.closed_by == AUDITOR.id
    steps = MISUSE_ALERT.steps_of(db, alert.id)
    assert [(s.step, s.reason) for s in steps] == [("raise", "频繁导出数据"), ("close", "经核实为月末报表工作需要")]
    audited = db.scalars(select(AuditEvent).where(AuditEvent.action == "misuse:alert:closed")).one()
    assert "月末" not in str(audited.payload)
    with pytest.raises(Conflict):
        misuse.close_alert(db, AUDITOR_2, alert.id, "再次关闭")


def test_rules_are_versioned_data_the_office_changes(db: Session) -> None:
    with pytest.raises(Forbidden):
        misuse.change_rule(db, AUDITOR, "repeated_exports", enabled=True, params={}, reason="调整")
    with pytest.raises(NotFound):
        misuse.change_rule(db, OFFICE, "nope", enabled=True, params={}, reason="调整")
    for bad in (
        {"threshold": 1},
        {"threshold": "5"},
        {"threshold": 2.5},
        {"bogus": 1},
        {"actions": ["DROP TABLE"]},
        {"actions": []},
        {"window_minutes": 10**9},
        [],
    ):
        with pytest.raises(InvalidInput):
            misuse.change_rule(db, OFFICE, "repeated_exports", enabled=True, params=bad, reason="调整")
    with pytest.raises(InvalidInput):
        misuse.change_rule(
            db, OFFICE, "off_hours", enabled=True, params={"day_start": "18:00", "day_end": "08:00"}, reason="x"
        )
    with pytest.raises(InvalidInput):
        misuse.change_rule(db, OFFICE, "repeated_exports", enabled=True, params={}, reason=" ")
    changed = misuse.change_rule(db, OFFICE, "repeated_exports", enabled=True, params={"threshold": 3}, reason="从严")
    assert (changed.version, changed.params["threshold"], changed.params["window_minutes"]) == (1, 3, 1440)
    off = misuse.change_rule(db, OFFICE, "bulk_personal", enabled=False, params={}, reason="试运行期间暂停")
    assert off.version == 1 and not off.enabled
    assert [v.version for v in misuse.rule_versions(db, "repeated_exports")] == [1]
    for hour in (9, 10, 11):
        export(db, OPERATOR, at(FRIDAY, hour))
    for minute in range(40):
        read_persons(db, OPERATOR, at(FRIDAY, 13, minute), [minute])
    sweep(db, FRIDAY)
    assert [(a.rule_code, a.rule_version) for a in alerts(db)] == [("repeated_exports", 1)]
    audited = db.scalars(select(AuditEvent).where(AuditEvent.action == "misuse:rule:changed")).all()
    assert len(audited) == 2


def test_the_first_sweep_starts_at_the_last_thirty_days_not_at_the_start_of_the_log(db: Session) -> None:
    old = dt.date(2024, 6, 14)  # a working day long before: an installation's history the rules never saw
    for minute in range(40):
        read_persons(db, OPERATOR, at(old, 10, minute), [minute])
    recent = [read_persons(db, REVIEWER, at(FRIDAY, 22, minute), [900 + minute]) for minute in (0, 10, 20)]
    report = sweep(db, FRIDAY)
    assert report.examined == 3
    assert [(a.rule_code, a.actor_id, a.evidence) for a in alerts(db)] == [(Code.OFF_HOURS, REVIEWER.id, recent)]
