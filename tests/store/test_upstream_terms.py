"""Upstream list entries and local procedures (both databases): an entry received without an end date takes its list
type's default term under the Civil Code and goes on the office's review list instead of becoming permanent; a
rectification task (or interview) on an upstream entry is refused like every other local step."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.exchange_support import item
from tests.support.lists import OPERATOR
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden
from xinyong.exchange import service
from xinyong.exchange.schemas import ResolveIn, SourceIn
from xinyong.lists.models import ListEntry
from xinyong.punishment import service as punishment
from xinyong.punishment.schemas import CheckIn
from xinyong.remedies import service as remedies

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
CHECKER = Actor(role=Role.BUSINESS_SYSTEM, id="client-gp", name="政府采购系统")
COURT = Actor(role=Role.DEPT_OPERATOR, id="op-fy", department_code="FY")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC))
    data = {
        "code": "prov",
        "name": "江西省公共信用信息平台",
        "level": "provincial",
        "issuing_body": "江西省发展改革委",
        "list_types": ["court_dishonest", "tax_major"],
        "transport": "upload",
        "department": "FY",
    }
    service.create_source(db, OFFICE, SourceIn.model_validate(data))
    return db


def _receive(session: Session, *rows: dict[str, object]) -> None:
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    service.ingest_file(session, OFFICE, "prov", lines, "entries.jsonl")


def _restricted_on(session: Session, uscc: str, day: dt.date) -> bool:
    clock.freeze(dt.datetime.combine(day, dt.time(4), tzinfo=dt.UTC))
    body = {"subject": {"uscc": uscc}, "scenario": "government_procurement", "purpose": "资格审查"}
    return punishment.run_check(session, CHECKER, CheckIn.model_validate(body)).outcome == "restricted"


def test_an_entry_without_an_end_date_takes_the_default_term_and_is_flagged(seeded: Session) -> None:
    uscc = builders.new_uscc()
    # The court's list type runs 24 months: from 2024-02-29 the term ends on 2026-02-28 (Civil Code art. 202).
    _receive(seeded, item("N1", uscc, "九江恒通建材有限公司", JDRQ="2024-02-29", YXQZ="2024-02-29", YXQZI=None))
    entry = seeded.scalars(select(ListEntry).where(ListEntry.upstream_key == "prov:N1")).one()
    assert not entry.permanent and entry.valid_to == dt.date(2026, 2, 28)
    assert entry.upstream is not None and entry.upstream["term_defaulted"] is True
    assert entry.validity_rule is not None and "未提供有效期" in entry.validity_rule and "待核实" in entry.validity_rule
    (flag,) = service.list_conflicts(seeded)
    assert flag.kind == "term_defaulted" and flag.kind_label == "未提供有效期（已按默认期限）"
    assert flag.local_value == "2026-02-28" and flag.subject == uscc
    assert _restricted_on(seeded, uscc, dt.date(2026, 2, 28))
    assert not _restricted_on(seeded, uscc, dt.date(2026, 3, 1))  # not permanent
    clock.freeze(dt.datetime(2025, 3, 3, 4, 0, tzinfo=dt.UTC))
    service.resolve_conflict(seeded, OFFICE, flag.id, ResolveIn(resolution="accepted", note="已与来源方核实"))
    assert service.list_conflicts(seeded) == []
    seeded.refresh(entry)
    assert entry.valid_to == dt.date(2026, 2, 28) and entry.status == "已公示"  # the decision changes no term


def test_an_entry_with_an_end_date_keeps_it_and_is_not_flagged(seeded: Session) -> None:
    uscc = builders.new_uscc()
    _receive(seeded, item("E1", uscc, "九江恒通建材有限公司", YXQZI="2027-05-31"))
    entry = seeded.scalars(select(ListEntry).where(ListEntry.upstream_key == "prov:E1")).one()
    assert entry.valid_to == dt.date(2027, 5, 31) and not entry.permanent
    assert entry.upstream is not None and entry.upstream["term_defaulted"] is False
    assert service.list_conflicts(seeded) == []


def test_rectification_on_an_upstream_entry_is_refused_like_every_local_step(seeded: Session) -> None:
    uscc = builders.new_uscc()
    _receive(seeded, item("R1", uscc, "九江恒通建材有限公司"))
    entry = seeded.scalars(select(ListEntry).where(ListEntry.upstream_key == "prov:R1")).one()
    for actor in (COURT, OPERATOR):
        with pytest.raises(Forbidden) as refused:
            remedies.issue_task(seeded, actor, requirement="限期履行", working_days=10, list_entry_id=entry.id)
        assert "上级来源" in refused.value.message and "江西省公共信用信息平台" in refused.value.message


def test_an_entry_the_source_calls_long_term_stays_open_ended_and_is_not_flagged(seeded: Session) -> None:
    uscc = builders.new_uscc()
    _receive(seeded, item("L1", uscc, "九江恒通建材有限公司", YXQZI="长期"))
    entry = seeded.scalars(select(ListEntry).where(ListEntry.upstream_key == "prov:L1")).one()
    assert entry.permanent and entry.valid_to is None
    assert service.list_conflicts(seeded) == []
    assert _restricted_on(seeded, uscc, dt.date(2030, 1, 1))
