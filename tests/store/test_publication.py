"""What the portal publishes: 双公示 windows in SQL agree with the pure rule, filters, rights and masking.
On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import PageRequest
from xinyong.records import publication, service
from xinyong.records.publication import RecordFilter
from xinyong.records.rules import Kind, Status
from xinyong.records.schemas import RecordIn, SubjectIn

PENALTIES = RecordFilter(kinds=(Kind.PENALTY,))
LICENSES = RecordFilter(kinds=(Kind.LICENSE,))
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
ALL = PageRequest(1, 100)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def licence(uscc: str, **fields: Any) -> RecordIn:
    data: dict[str, Any] = {
        "source_department": "XZSPJ",
        "kind": "license",
        "doc_no": f"共审批许〔2024〕{builders.new_uscc()[-6:]}号",
        "subject": SubjectIn(type="entity", name="共青城鸿瑞羽绒服饰有限公司", uscc=uscc),
        "title": "食品经营许可证",
        "decision_date": dt.date(2024, 5, 6),
        "content": {"XKLB": "普通", "NR": "预包装食品销售"},
    }
    data.update(fields)
    return RecordIn(**data)


def ids(items: list[Any]) -> set[int]:
    return {item.id for item in items}


def shown(db: Session, flt: RecordFilter, on: dt.date, actor: Actor | None = None) -> set[int]:
    items, total = publication.search_published(db, actor or Actor.public(), flt, ALL, on=on)
    assert total == len(items)
    return ids(items)


def test_penalty_windows_in_sql_match_the_rule(seeded: Session) -> None:
    made = builders.entity(seeded)
    cases = [
        (dt.date(2024, 3, 1), "一般"),
        (dt.date(2024, 3, 1), "严重"),
        (dt.date(2024, 3, 1), "轻微"),
        (dt.date(2024, 3, 1), None),
        (dt.date(2022, 1, 10), "严重"),  # decided under the 2019 rule
        (dt.date(2023, 4, 30), "一般"),
        (dt.date(2023, 5, 1), "严重"),
    ]
    made_ids = {}
    for decided, severity in cases:
        version, _ = service.upsert_record(
            seeded, builders.SYSTEM, builders.penalty(made.uscc, decision_date=decided, severity=severity)
        )
        made_ids[version.record_id] = (decided, severity)
    days = [dt.date(2024, 2, 29), dt.date(2024, 6, 1), dt.date(2024, 6, 2), dt.date(2025, 1, 10)]
    days += [dt.date(2025, 1, 11), dt.date(2025, 3, 1), dt.date(2025, 3, 2), dt.date(2027, 3, 1), dt.date(2027, 3, 2)]
    for day in days:
        expected = set()
        for record in service.records_of_entity(seeded, OFFICE, made.uscc, page=ALL)[0]:
            if publication.is_on_portal(record, day):
                expected.add(record.id)
        assert shown(seeded, PENALTIES, day) == expected, day
    general = next(k for k, v in made_ids.items() if v == (dt.date(2024, 3, 1), "一般"))
    assert general in shown(seeded, PENALTIES, dt.date(2025, 3, 1))
    assert general not in shown(seeded, PENALTIES, dt.date(2025, 3, 2))
    unknown = next(k for k, v in made_ids.items() if v[1] is None)
    assert unknown in shown(seeded, PENALTIES, dt.date(2025, 3, 1))  # no severity: 一般's periods
    assert unknown not in shown(seeded, PENALTIES, dt.date(2025, 3, 2))
    old = next(k for k, v in made_ids.items() if v == (dt.date(2022, 1, 10), "严重"))
    assert old in shown(seeded, PENALTIES, dt.date(2025, 1, 10))
    assert old not in shown(seeded, PENALTIES, dt.date(2025, 1, 11))


def test_licences_have_no_end_but_statuses_and_disclosure_count(seeded: Session) -> None:
    made = builders.entity(seeded)
    kept, _ = service.upsert_record(seeded, builders.SYSTEM, licence(made.uscc))
    service.upsert_record(seeded, builders.SYSTEM, licence(made.uscc, disclosure="不公开"))
    revoked, _ = service.upsert_record(seeded, builders.SYSTEM, licence(made.uscc))
    service.change_status(seeded, builders.SYSTEM, revoked.record_id, Status.REVOKED, "依法撤销")
    for actor in (Actor.public(), OFFICE):
        assert shown(seeded, LICENSES, dt.date(2040, 1, 1), actor) == {kept.record_id}
    assert shown(seeded, LICENSES, dt.date(2024, 5, 5)) == set()  # not before its decision date
    assert publication.count_published(seeded, Actor.public(), Kind.LICENSE, on=dt.date(2024, 6, 1)) >= 1


def test_filters_by_department_dates_and_category(seeded: Session) -> None:
    made = builders.entity(seeded)
    day = dt.date(2024, 6, 1)
    fine, _ = service.upsert_record(
        seeded,
        builders.SYSTEM,
        builders.penalty(made.uscc, decision_date=dt.date(2024, 3, 1), content={"CFLB": ["警告", "罚款"]}),
    )
    warn, _ = service.upsert_record(
        seeded,
        builders.SYSTEM,
        builders.penalty(
            made.uscc, source_department="SWJ", decision_date=dt.date(2024, 4, 1), content={"CFLB": "警告"}
        ),
    )
    lic, _ = service.upsert_record(seeded, builders.SYSTEM, licence(made.uscc, content={"XKLB": "特许"}))
    assert {fine.record_id, warn.record_id} <= shown(seeded, PENALTIES, day)
    by_department = RecordFilter(kinds=(Kind.PENALTY,), department="SWJ")
    assert shown(seeded, by_department, day) == {warn.record_id}
    by_fine = RecordFilter(kinds=(Kind.PENALTY,), category="罚款")
    assert fine.record_id in shown(seeded, by_fine, day) and warn.record_id not in shown(seeded, by_fine, day)
    by_warning = RecordFilter(kinds=(Kind.PENALTY,), category="警告")
    assert {fine.record_id, warn.record_id} <= shown(seeded, by_warning, day)
    march = RecordFilter(kinds=(Kind.PENALTY,), decided_from=dt.date(2024, 3, 1), decided_to=dt.date(2024, 3, 31))
    assert warn.record_id not in shown(seeded, march, day) and fine.record_id in shown(seeded, march, day)
    assert shown(seeded, RecordFilter(kinds=(Kind.LICENSE,), category="特许"), day) == {lic.record_id}
    assert shown(seeded, RecordFilter(kinds=(Kind.LICENSE,), category="普通"), day) == set()


def test_pages_and_limits(seeded: Session) -> None:
    made = builders.entity(seeded)
    for month in range(1, 6):
        service.upsert_record(
            seeded, builders.SYSTEM, builders.penalty(made.uscc, decision_date=dt.date(2024, month, 2))
        )
    flt = RecordFilter(kinds=(Kind.PENALTY,), department="SCJGJ")
    day = dt.date(2024, 6, 1)
    first, total = publication.search_published(seeded, Actor.public(), flt, PageRequest(1, 2), on=day)
    second, _ = publication.search_published(seeded, Actor.public(), flt, PageRequest(2, 2), on=day)
    assert total == 5 and [r.decision_date.month for r in first + second] == [5, 4, 3, 2]
    assert len(publication.all_published(seeded, Actor.public(), flt, limit=3, on=day)) == 3


def test_public_reads_are_masked_and_entity_sees_its_own(seeded: Session) -> None:
    made = builders.entity(seeded)
    person = RecordIn(
        source_department="SCJGJ",
        kind="penalty",
        doc_no="共市监罚〔2024〕900号",
        subject=SubjectIn(type="person", name="张三丰", id_type="resident_id", id_number=builders.new_resident_id()),
        title="行政处罚决定书",
        decision_date=dt.date(2024, 3, 1),
        severity="一般",
        content={"LXDH": "13812345678"},
    )
    service.upsert_record(seeded, builders.SYSTEM, person)
    service.upsert_record(seeded, builders.SYSTEM, builders.penalty(made.uscc, disclosure="不公开"))
    items, _ = publication.search_published(seeded, Actor.public(), PENALTIES, ALL, on=dt.date(2024, 6, 1))
    public = next(i for i in items if i.doc_no == "共市监罚〔2024〕900号")
    assert public.subject.name == "张**" and public.content["LXDH"] == "138****5678"
    entity = Actor(role=Role.ENTITY, id="e", entity_uscc=made.uscc)
    on = dt.date(2024, 6, 1)
    assert len(publication.records_for_profile(seeded, entity, made.uscc, full=True, on=on)) == 1
    assert publication.records_for_profile(seeded, Actor.public(), made.uscc, full=False, on=on) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kinds": ()}, "kind"),
        ({"category": "坐牢"}, "category"),
        ({"category": "特许"}, "category"),  # a licence category on the penalty list
        ({"decided_from": dt.date(2024, 2, 1), "decided_to": dt.date(2024, 1, 1)}, "date_to"),
    ],
)
def test_bad_filters_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RecordFilter(**({"kinds": (Kind.PENALTY,)} | fields))
    assert caught.value.field == field
