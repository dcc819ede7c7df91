"""The set-based writer's fast path (COPY on PostgreSQL, INSERT elsewhere) stores exactly what the ORM would: ids
matched to their rows, UTC timestamps, JSON content, subjects linked to the right entity or person."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import OPERATOR, firm, gb18030_csv, person_row, row
from xinyong.core import clock
from xinyong.core.ids import make_resident_id
from xinyong.entities.models import Entity, Person
from xinyong.entities.service import id_blind
from xinyong.records import ingestion
from xinyong.records.models import BatchRejection, CreditRecord, CreditRecordVersion

MOMENT = dt.datetime(2024, 3, 8, 2, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(MOMENT)
    return db


def test_rows_ids_and_subjects_line_up(seeded: Session) -> None:
    numbers = [make_resident_id("360482", dt.date(1970 + n, 1 + n, 1 + n), 100 + n) for n in range(4)]
    rows = [person_row(n, numbers[n]) if n < 4 else row(n) for n in range(8)]
    result = ingestion.ingest_file(seeded, OPERATOR, gb18030_csv(rows), "a.csv", department="SCJGJ")
    assert (result.created, result.rejected) == (8, 0)
    stored = seeded.execute(
        select(CreditRecord.doc_no, CreditRecordVersion).join(
            CreditRecordVersion, CreditRecordVersion.record_id == CreditRecord.id
        )
    ).all()
    assert len(stored) == 8
    persons = {p.id: p for p in seeded.execute(select(Person)).scalars()}
    for doc_no, version in stored:
        n = int(doc_no.removeprefix("共市监罚〔2024〕").removesuffix("号"))
        assert version.content["WSH"] == doc_no and version.provenance["row"] == n + 2
        assert version.valid_from == MOMENT and version.valid_to is None and version.version == 1
        assert version.change_kind == "created" and version.actor_role == "department_operator"
        if n < 4:
            assert version.subject_person_id is not None
            person = persons[version.subject_person_id]
            assert person.id_blind == id_blind("resident_id", numbers[n]), f"row {n} linked to the wrong person"
            assert version.content["XDR_ZJHM"] == numbers[n][:6] + "*" * 8 + numbers[n][-4:]
        else:
            assert version.subject_uscc == firm(n) and version.subject_person_id is None
            assert version.content["CFLB"] == ["警告", "罚款"]
    entities = {e.uscc: e for e in seeded.execute(select(Entity)).scalars()}
    assert set(entities) == {firm(n) for n in range(4, 8)}
    made = entities[firm(5)]
    assert made.provisional and made.name == "共青城第5羽绒服饰有限公司" and made.name_initials.startswith("gqc")
    assert made.created_at == MOMENT


def test_corrections_and_rejections_in_one_chunk(seeded: Session) -> None:
    ingestion.ingest_file(seeded, OPERATOR, gb18030_csv([row(1), row(2)]), "a.csv", department="SCJGJ")
    later = MOMENT + dt.timedelta(hours=1)
    clock.freeze(later)
    again = ingestion.ingest_file(
        seeded,
        OPERATOR,
        gb18030_csv([row(1, CF_NR="改"), row(2), row(3), row(4, CF_JDRQ="2099-01-01")]),
        "a.csv",
        department="SCJGJ",
    )
    assert (again.created, again.corrected, again.unchanged, again.rejected) == (1, 1, 1, 1)
    versions = seeded.execute(
        select(CreditRecordVersion.version, CreditRecordVersion.valid_from, CreditRecordVersion.valid_to)
        .join(CreditRecord, CreditRecord.id == CreditRecordVersion.record_id)
        .where(CreditRecord.doc_no == "共市监罚〔2024〕1号")
        .order_by(CreditRecordVersion.version)
    ).all()
    assert [tuple(v) for v in versions] == [(1, MOMENT, later), (2, later, None)]
    record = seeded.execute(select(CreditRecord).where(CreditRecord.doc_no == "共市监罚〔2024〕1号")).scalar_one()
    assert record.current_version == 2
    assert [r.row_number for r in seeded.execute(select(BatchRejection)).scalars()] == [5]
