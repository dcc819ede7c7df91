"""Aggregation end to end on SQLite and PostgreSQL: files and JSON in, records and rejections out, nothing lost,
nothing doubled, nothing half-written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import HEADERS, OPERATOR, firm, gb18030_csv, person_row, row, xlsx
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.ids import make_resident_id
from xinyong.entities.models import Entity, Person
from xinyong.records import ingestion
from xinyong.records.models import BatchRejection, CreditRecord, CreditRecordVersion


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    clock.freeze(dt.datetime(2024, 3, 8, 2, tzinfo=dt.UTC))
    return db


def count(session: Session, model: Any) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_gb18030_csv_with_chinese_headers(seeded: Session) -> None:
    result = ingestion.ingest_file(seeded, OPERATOR, gb18030_csv([row(1), row(2)]), "处罚.csv", department="SCJGJ")
    assert (result.created, result.rejected, result.layout) == (2, 0, "national-2.0")
    assert result.encoding and result.encoding.lower().replace("-", "") == "gb18030"
    version = seeded.execute(select(CreditRecordVersion).order_by(CreditRecordVersion.id)).scalars().first()
    assert version is not None and version.kind == "penalty" and version.content["CFLB"] == ["警告", "罚款"]
    assert version.provenance["batch"] == result.batch_id
    assert version.published_date == dt.date(2024, 3, 8), "a public decision goes online the day it arrives"
    assert count(seeded, Entity) == 2, "unknown valid subjects become provisional entities"


def test_xlsx_round_trip(seeded: Session) -> None:
    result = ingestion.ingest_file(seeded, OPERATOR, xlsx([row(1), row(2), row(3)]), "处罚.xlsx", department="SCJGJ")
    assert result.created == 3 and result.rejected == 0


def test_resubmitting_the_same_file_changes_nothing(seeded: Session) -> None:
    data = gb18030_csv([row(n) for n in range(1, 6)])
    first = ingestion.ingest_file(seeded, OPERATOR, data, "a.csv", department="SCJGJ")
    snapshot = count(seeded, CreditRecord), count(seeded, CreditRecordVersion), count(seeded, Entity)
    second = ingestion.ingest_file(seeded, OPERATOR, data, "a.csv", department="SCJGJ")
    assert first.created == 5 and (second.created, second.unchanged, second.corrected) == (0, 5, 0)
    assert (count(seeded, CreditRecord), count(seeded, CreditRecordVersion), count(seeded, Entity)) == snapshot


def test_a_changed_row_becomes_a_new_version(seeded: Session) -> None:
    ingestion.ingest_file(seeded, OPERATOR, gb18030_csv([row(1), row(2)]), "a.csv", department="SCJGJ")
    again = ingestion.ingest_file(
        seeded, OPERATOR, gb18030_csv([row(1, CF_NR_FK="0.8"), row(2)]), "a.csv", department="SCJGJ"
    )
    assert (again.corrected, again.unchanged) == (1, 1)
    versions = seeded.execute(select(CreditRecordVersion.version, CreditRecordVersion.valid_to)).all()
    assert sorted(v for v, _ in versions) == [1, 1, 2]
    assert sum(1 for _, valid_to in versions if valid_to is None) == 2


def test_rejected_rows_are_kept_with_reasons_and_ids_encrypted(seeded: Session) -> None:
    number = make_resident_id("360482", dt.date(1990, 1, 1), 7)
    bad_code = firm(9)[:-1] + ("0" if firm(9)[-1] != "0" else "1")
    rows = [
        row(1),
        row(2, CF_XDR_SHXYM=bad_code),
        person_row(3, number[:-1] + "0" if number[-1] != "0" else number[:-1] + "1"),
        row(4, CF_JDRQ="2024-02-30"),
    ]
    result = ingestion.ingest_file(seeded, OPERATOR, gb18030_csv(rows), "a.csv", department="SCJGJ")
    assert (result.created, result.rejected) == (1, 3)
    by_row = {e["row"]: e for e in result.errors}
    assert (by_row[3]["field"], by_row[3]["column"]) == ("CF_XDR_SHXYM", "统一社会信用代码")
    assert "校验" in by_row[3]["reason"], by_row[3]
    assert by_row[4]["field"] == "CF_XDR_ZJHM"
    assert by_row[5]["field"] == "CF_JDRQ"
    assert {e["row"] for e in result.errors} == {3, 4, 5}
    stored = seeded.execute(select(BatchRejection).order_by(BatchRejection.row_number)).scalars().all()
    assert [r.row_number for r in stored] == [3, 4, 5]
    person_rejection = stored[1]
    assert number[:-1] not in str(person_rejection.values), "no clear ID number in the stored row"
    cells = ingestion.rejection_cells(person_rejection, reveal=True)
    assert any(value.startswith(number[:-1]) for value in cells.values())


def test_resubmission_resolves_rejections(seeded: Session) -> None:
    first = ingestion.ingest_file(
        seeded, OPERATOR, gb18030_csv([row(1, CF_JDRQ="2024-02-30")]), "a.csv", department="SCJGJ"
    )
    assert first.rejected == 1
    fixed = ingestion.ingest_file(seeded, OPERATOR, gb18030_csv([row(1)]), "a.csv", department="SCJGJ")
    assert fixed.created == 1
    stored = seeded.execute(select(BatchRejection)).scalar_one()
    assert stored.status == ingestion.RESUBMITTED and stored.resolved_by_batch == fixed.batch_id
    assert ingestion.rejections(seeded, OPERATOR, "SCJGJ") == []


def test_person_subject_is_encrypted_and_deduplicated(seeded: Session) -> None:
    number = make_resident_id("360482", dt.date(1988, 5, 4), 12)
    result = ingestion.ingest_file(
        seeded, OPERATOR, gb18030_csv([person_row(1, number), person_row(2, number)]), "p.csv", department="SCJGJ"
    )
    assert result.created == 2
    assert count(seeded, Person) == 1
    assert number not in str(seeded.execute(select(Person.id_number_enc)).scalar_one())


def test_duplicate_document_number_in_one_batch_is_rejected(seeded: Session) -> None:
    result = ingestion.ingest_file(seeded, OPERATOR, gb18030_csv([row(1), row(1)]), "a.csv", department="SCJGJ")
    assert (result.created, result.rejected) == (1, 1)
    assert "重复" in result.errors[0]["reason"]


def test_only_the_department_itself_sends_its_data(seeded: Session) -> None:
    data = gb18030_csv([row(1)])
    for actor in (
        Actor(role=Role.DEPT_OPERATOR, id="x", department_code="SWJ"),
        Actor.public(),
        Actor(role=Role.CREDIT_OFFICE, id="o"),
    ):
        with pytest.raises(Forbidden):
            ingestion.ingest_file(seeded, actor, data, "a.csv", department="SCJGJ")


def test_json_rows(seeded: Session) -> None:
    rows = [dict(zip(HEADERS, row(n), strict=True)) for n in (1, 2)]
    rows[1]["CF_NR_FK"] = 0.5  # JSON numbers are fine
    result = ingestion.ingest_rows(seeded, OPERATOR, rows, department="SCJGJ", kind="penalty")
    assert result.created == 2
    with pytest.raises(InvalidInput):
        ingestion.ingest_rows(seeded, OPERATOR, [], department="SCJGJ", kind="penalty")
    with pytest.raises(InvalidInput):
        ingestion.ingest_rows(seeded, OPERATOR, rows, department="SCJGJ", kind="honour")


def test_empty_headers_only_binary_and_formula_files(seeded: Session) -> None:
    with pytest.raises(InvalidInput):
        ingestion.ingest_file(seeded, OPERATOR, b"", "a.csv", department="SCJGJ")
    headers_only = ingestion.ingest_file(seeded, OPERATOR, gb18030_csv([]), "a.csv", department="SCJGJ")
    assert headers_only.rows == 0 and headers_only.created == 0
    with pytest.raises(InvalidInput):
        ingestion.ingest_file(
            seeded, OPERATOR, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "a.csv", department="SCJGJ"
        )
    formula = ingestion.ingest_file(
        seeded, OPERATOR, gb18030_csv([row(1, CF_SY="=cmd|' /C calc'!A0")]), "a.csv", department="SCJGJ"
    )
    assert formula.created == 1
    stored = seeded.execute(select(CreditRecordVersion.content)).scalar_one()
    assert stored["SY"] == "=cmd|' /C calc'!A0", "kept as data; exports neutralise it"


def test_a_killed_import_leaves_nothing_and_a_rerun_completes(database: Any) -> None:
    """The batch runs in one transaction: dying half way leaves no trace; running again equals one clean run."""
    with database.unit_of_work() as session:
        builders.departments(session)
    data = gb18030_csv([row(n) for n in range(1, 9)])
    calls = 0

    def die_half_way(_: int) -> None:
        nonlocal calls
        calls += 1
        raise KeyboardInterrupt("killed")

    original_chunk = ingestion.CHUNK
    ingestion.CHUNK = 4
    try:
        with pytest.raises(KeyboardInterrupt), database.unit_of_work() as session:
            ingestion.ingest_file(session, OPERATOR, data, "a.csv", department="SCJGJ", progress=die_half_way)
        with database.unit_of_work() as session:
            assert count(session, CreditRecord) == 0 and count(session, Entity) == 0
        with database.unit_of_work() as session:
            result = ingestion.ingest_file(session, OPERATOR, data, "a.csv", department="SCJGJ")
        assert result.created == 8
    finally:
        ingestion.CHUNK = original_chunk
        from tests.conftest import _empty_all_tables

        _empty_all_tables(database)
