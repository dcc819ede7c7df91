"""Aggregation with the worker process (issue 21): a large file's rows are validated and prepared in a spawned worker
while this process writes; the batch is the same as prepared in-process (accepted, rejected with every reason,
duplicates, persons, the privacy hold, provenance answering which cell of which file), a resent file changes nothing,
and a worker that cannot work (other keys) leaves the file to this process with the same outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.ingestion_files import HEADERS, OPERATOR, gb18030_csv, person_row, row
from xinyong.core.ids import make_resident_id
from xinyong.entities.models import Entity
from xinyong.records import ingestion, prepare, provenance
from xinyong.records.models import BatchRejection, CreditRecordVersion


def _file() -> bytes:
    rows = [row(n) for n in range(1, 26)]
    rows[3] = row(4, CF_JDRQ="2099-01-01")  # a future decision: rejected
    rows[7] = row(8, CF_XDR_SHXYM="91360482MA00000000")  # a bad check digit: rejected
    rows[11] = row(3)  # document number 3 again: rejected as a duplicate
    rows[15] = person_row(16, make_resident_id("360482", dt.date(1985, 2, 3), 41))
    rows[16] = row(17, CF_SY="当事人张三住共青城市茶山街道某路12号，电话13800000001，发布虚假广告")
    return gb18030_csv(rows, HEADERS)


def _stored(db: Session) -> list[tuple[Any, ...]]:
    out = []
    for v in db.scalars(select(CreditRecordVersion).order_by(CreditRecordVersion.id)):
        content = {k: val for k, val in v.content.items() if not k.endswith("_enc")}  # tokens differ every time
        cells = provenance.original_cells(db, v.provenance)
        trail = {k: val for k, val in v.provenance.items() if k not in ("batch", provenance.REF)}
        out.append((v.subject_type, v.subject_uscc, v.subject_name, v.title, content, trail, cells, v.privacy_hold))
    return out


def _entities(db: Session) -> list[tuple[Any, ...]]:
    found = db.scalars(select(Entity).where(Entity.provisional.is_(True)).order_by(Entity.uscc))
    return [(e.uscc, e.name, e.name_pinyin, e.name_initials) for e in found]


def _rejections(db: Session) -> list[tuple[Any, ...]]:
    found = db.scalars(select(BatchRejection).order_by(BatchRejection.row_number))
    return [(r.row_number, r.doc_no, r.errors, {k: v for k, v in r.values.items() if k != "__enc__"}) for r in found]


def _ingest(db: Session, data: bytes) -> ingestion.BatchResult:
    return ingestion.ingest_file(db, OPERATOR, data, "大批.csv", department="SCJGJ")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingestion, "CHUNK", 4)


def test_the_worker_prepares_what_this_process_would(
    db: Session, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.departments(db)
    data = _file()
    here = _ingest(db, data)
    expected_versions, expected_rejections, expected_entities = _stored(db), _rejections(db), _entities(db)
    db.rollback()
    builders.departments(db)
    monkeypatch.setattr(prepare, "WORKER_FROM_BYTES", 0)
    calls: list[int] = []
    real = prepare._start_pool
    monkeypatch.setattr(prepare, "_start_pool", lambda context: calls.append(1) or real(context))
    there = _ingest(db, data)
    assert calls == [1]  # the worker ran
    assert {**there.to_dict(), "batch_id": 0} == {**here.to_dict(), "batch_id": 0}
    assert (there.created, there.rejected) == (22, 3)
    assert _stored(db) == expected_versions
    assert _rejections(db) == expected_rejections
    assert _entities(db) == expected_entities  # search keys of new firms computed in the worker
    assert len(expected_entities) == 21
    again = _ingest(db, data)
    assert (again.created, again.corrected, again.unchanged, again.rejected) == (0, 0, 22, 3)


def test_a_worker_with_other_keys_leaves_the_file_to_this_process(
    db: Session, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.departments(db)
    monkeypatch.setattr(prepare, "WORKER_FROM_BYTES", 0)
    monkeypatch.setenv("XINYONG_FIELD_KEY", "00" * 16)  # what a spawned worker would read: not this process's key
    result = _ingest(db, _file())
    assert (result.created, result.rejected) == (22, 3)
    version = db.scalars(select(CreditRecordVersion).where(CreditRecordVersion.subject_type == "person")).one()
    assert version.content["XDR_ZJHM"].startswith("360482")  # masked, and its token readable with this process's key
    assert ingestion.row_source(db, OPERATOR, version.record_id, 1)["cells"]["CF_XDR_MC"] == "张三"


def test_each_firm_is_keyed_by_one_worker_on_the_first_row_naming_it() -> None:
    from xinyong.records.ingest import UnreadableRow, detect_layout
    from xinyong.records.rules import Kind

    layout = detect_layout(HEADERS, Kind.PENALTY)
    same = row(1)[HEADERS.index("CF_XDR_SHXYM")]
    seen: set[str] = set()
    first_chunk = [(2, row(1)), (3, row(2)), (4, UnreadableRow("too long")), (5, row(1))]
    second_chunk = [(6, row(2, CF_XDR_SHXYM=same.lower())), (7, row(3)), (8, row(7, CF_XDR_SHXYM=""))]
    assert prepare.first_rows(layout, first_chunk, seen) == {2, 3}
    assert prepare.first_rows(layout, second_chunk, seen) == {7}  # the same code in lower case is not new
    assert prepare.first_rows(layout, second_chunk, seen) == frozenset()
