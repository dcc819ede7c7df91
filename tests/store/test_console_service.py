"""The console's figures and audit queries on SQLite and PostgreSQL: a department sees only its own numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.console import service
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.pagination import PageRequest
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Status

TODAY = dt.date(2026, 3, 20)  # a Friday; 2026 is in chinesecalendar's table
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
AUDITOR = Actor(role=Role.AUDITOR, id="user:auditor")


def _freeze(day: dt.date = TODAY) -> None:
    clock.freeze(dt.datetime.combine(day, dt.time(10, 0), tzinfo=clock.BEIJING).astimezone(dt.UTC))


@pytest.fixture
def seeded(db: Session) -> Session:
    """Records of two departments: 市场监管局 (SCJGJ) has three, 税务局 (SWJ) has two, one of them public."""
    builders.departments(db)
    _freeze()
    made = builders.entity(db)
    other = builders.entity(db, name="共青城云帆跨境电子商务有限公司")
    for data in (
        # published on time: decided Mon 03-02, online Thu 03-05 (deadline is 03-11)
        builders.penalty(made.uscc, decision_date=dt.date(2026, 3, 2), published_date=dt.date(2026, 3, 5)),
        # never published, deadline 03-11 passed: overdue
        builders.penalty(made.uscc, decision_date=dt.date(2026, 3, 2), received_date=dt.date(2026, 3, 2)),
        # received last month, licence kind, not public
        builders.penalty(
            other.uscc,
            kind="license",
            decision_date=dt.date(2026, 2, 2),
            received_date=dt.date(2026, 2, 3),
            disclosure="不公开",
        ),
    ):
        records.upsert_record(db, builders.SYSTEM, data)
    records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc, source_department="SWJ"))
    records.upsert_record(
        db, builders.SYSTEM, builders.penalty(other.uscc, source_department="SWJ", disclosure="不公开")
    )
    return db


def test_department_counts_only_its_own_records(seeded: Session) -> None:
    figures = service.record_figures(seeded, builders.operator("SCJGJ"))
    assert figures.scope == "本部门"
    assert figures.total == 3
    assert {k.kind: k.count for k in figures.by_kind} == {"license": 1, "penalty": 2}
    assert figures.by_status[Status.VALID] == 3
    assert figures.received_this_month == 2  # the licence was received in February
    assert figures.by_department == []  # a department never sees the others' figures
    assert figures.chart() == {"labels": ["行政许可", "行政处罚"], "values": [1, 2]}

    tax = service.record_figures(seeded, builders.operator("SWJ"))
    assert tax.total == 2  # its own, including the one not public; not the 市场监管局's public records


def test_publicity_timeliness_of_this_years_public_decisions(seeded: Session) -> None:
    publicity = service.record_figures(seeded, builders.operator("SCJGJ")).publicity
    assert publicity.year == 2026
    assert (publicity.rate.on_time, publicity.rate.due) == (1, 2)
    assert publicity.overdue == 1 and publicity.due_soon == 0


def test_office_and_auditor_see_every_department(seeded: Session) -> None:
    for actor in (OFFICE, AUDITOR):
        figures = service.record_figures(seeded, actor)
        assert figures.scope == "全市" and figures.total == 5
        rows = {row.code: (row.total, row.this_month) for row in figures.by_department}
        assert rows == {"SCJGJ": (3, 2), "SWJ": (2, 2)}


def test_entity_sees_its_own_and_public_callers_nothing(seeded: Session) -> None:
    other_uscc = records.visible_versions(OFFICE).where(CreditRecordVersion.kind == "license")
    uscc = seeded.execute(other_uscc).scalars().one().subject_uscc
    entity = Actor(role=Role.ENTITY, id="user:yunfan", entity_uscc=uscc)
    mine = service.record_figures(seeded, entity)
    assert mine.scope == "本主体" and mine.total == 2  # both of its records, the non-public ones included
    for caller in (Actor.public(), Actor(role=Role.BUSINESS_SYSTEM, id="api:1")):
        assert service.record_figures(seeded, caller).total == 0


def test_status_changes_move_the_counts(seeded: Session) -> None:
    version = seeded.execute(records.visible_versions(OFFICE).where(CreditRecordVersion.kind == "license"))
    record_id = version.scalars().one().record_id
    records.change_status(seeded, builders.operator("SCJGJ"), record_id, Status.REVOKED, "撤销原决定")
    figures = service.record_figures(seeded, builders.operator("SCJGJ"))
    assert figures.total == 3 and figures.by_status[Status.REVOKED] == 1 and figures.by_status[Status.VALID] == 2


# ---------------------------------------------------------------- audit log


def _events(db: Session) -> None:
    builders.departments(db)
    _freeze(dt.date(2026, 3, 1))
    audit.record(db, OFFICE, "auth:user:created", "user", '=HYPERLINK("http://x")')
    _freeze(dt.date(2026, 3, 2))
    audit.record(db, builders.operator(), "records:record:created", "credit_record", "1", {"note": "+1"})
    _freeze(dt.date(2026, 3, 3))
    audit.record(db, OFFICE, "auth:user:disabled", "user", "@lisi")


def test_audit_filters_newest_first(db: Session) -> None:
    _events(db)
    everything, total = service.search_audit(db, AUDITOR, service.AuditFilter(), PageRequest(1, 100))
    assert total >= 3 and [e.seq for e in everything] == sorted((e.seq for e in everything), reverse=True)

    by_action, total = service.search_audit(db, AUDITOR, service.AuditFilter(action="auth:user:"), PageRequest(1, 1))
    assert total == 2 and [e.action for e in by_action] == ["auth:user:disabled"]  # one page of one, newest

    by_actor, total = service.search_audit(db, AUDITOR, service.AuditFilter(actor="office"), PageRequest(1, 10))
    assert total == 2 and {e.actor_id for e in by_actor} == {"user:office"}

    day = service.AuditFilter.parse(None, None, "2026-03-02", "2026-03-02")
    on_day, total = service.search_audit(db, AUDITOR, day, PageRequest(1, 10))
    assert total == 1 and on_day[0].action == "records:record:created"

    wildcard, total = service.search_audit(db, AUDITOR, service.AuditFilter(action="%"), PageRequest(1, 10))
    assert total == 0 and wildcard == []  # LIKE wildcards are taken literally


def test_audit_is_for_auditors_and_the_office(db: Session) -> None:
    _events(db)
    with pytest.raises(Forbidden):
        service.search_audit(db, builders.operator(), service.AuditFilter(), PageRequest(1, 10))
    with pytest.raises(Forbidden):
        service.export_audit(db, Actor(role=Role.ENTITY, id="user:e"), service.AuditFilter())
    assert service.verify_audit(db, AUDITOR).ok


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", "", "2026-13-01", ""), "date_from"),
        (("", "", "", "yesterday"), "date_to"),
        (("", "", "2026-03-05", "2026-03-01"), "date_from"),
        (("x" * 200, "", "", ""), "action"),
    ],
)
def test_bad_audit_filters_name_the_field(args: tuple[str, str, str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.AuditFilter.parse(*args)
    assert refused.value.field == field


def test_csv_export_neutralises_formulas_and_is_audited(db: Session) -> None:
    _events(db)
    text = service.export_audit(
        db, AUDITOR, service.AuditFilter(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 3))
    )
    assert text.startswith("\ufeff序号,")
    assert "'=HYPERLINK" in text and "'@lisi" in text
    assert ",=" not in text and ",@" not in text
    exported, _ = service.search_audit(db, AUDITOR, service.AuditFilter(action="console:audit:"), PageRequest(1, 5))
    assert exported[0].actor_id == "user:auditor" and exported[0].payload["rows"] == 3
    assert service.verify_audit(db, AUDITOR).ok


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+2", "'=1+2"), ("+86", "'+86"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("安全", "安全")],
)
def test_neutralise_cell(value: str, cell: str) -> None:
    assert service.neutralise_cell(value) == cell
    assert service.neutralise_cell(None) == ""


def test_dashboard_and_timeliness_page_count_the_same_decisions(seeded: Session) -> None:
    """已逾期未公示 on the dashboard is the sum of the timeliness page's months (one query, the same decisions): a
    decision not for the public (不公开) or revoked is overdue on neither."""
    from xinyong.records import timeliness

    made = builders.entity(seeded, name="共青城鄱湖物流有限公司")
    for number, disclosure in enumerate(("不公开", "有条件共享"), start=1):
        data = builders.penalty(
            made.uscc, doc_no=f"共市监罚〔2026〕9{number}号", decision_date=dt.date(2026, 1, 5), disclosure=disclosure
        )
        records.upsert_record(seeded, builders.SYSTEM, data)
    for actor in (OFFICE, builders.operator("SCJGJ")):
        tile = service.record_figures(seeded, actor).publicity
        months = [timeliness.overview(seeded, actor, f"2026-{m:02d}", TODAY) for m in (1, 2, 3)]
        assert tile.overdue == sum(f.overdue for month in months for f in month)
        assert tile.due_soon == sum(f.due_soon for month in months for f in month)
        assert tile.rate.on_time == sum(f.on_time for month in months for f in month)
    january = timeliness.department_month(seeded, OFFICE, "SCJGJ", "2026-01", TODAY)
    assert january.overdue == 0 and january.decisions == 0, "decisions not for the public are not 双公示 decisions"


def test_timeliness_month_buttons_open_the_months_around_the_one_shown() -> None:
    from xinyong.console.timeliness import month_label, month_text, next_month, previous_month

    first = dt.date(2026, 10, 1)
    assert month_text(previous_month(first)) == "2026-09" and month_text(next_month(first)) == "2026-11"
    assert month_text(previous_month(dt.date(2026, 1, 1))) == "2025-12"
    assert month_text(next_month(dt.date(2026, 12, 1))) == "2027-01" and month_label("2026-09") == "2026年9月"
