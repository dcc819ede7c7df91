"""Provenance by reference (issue 21): an ingested version points to its row's cells in a compressed,
content-addressed archive instead of carrying them; "which cell of which file said this" is still answered for every
version (also those migrated from inline cells), a damaged archive is detected, and a resent file changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database, JSONType
from xinyong.core.ids import make_resident_id, make_uscc
from xinyong.records import ingestion, provenance
from xinyong.records.models import CreditRecordVersion, ProvenanceArchive
from xinyong.schema import alembic_config

OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="user:scjg", department_code="SCJGJ")
OFFICE_USCC = make_uscc("1", "1", "360482", "01234567")
HEADERS = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ",
    "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "备注",
]  # fmt: skip


def _row(n: int, **changes: str) -> list[str]:
    values = {
        "CF_XDR_MC": f"共青城第{n}溯源商贸有限公司", "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": make_uscc("9", "1", "360482", f"{61000000 + n * 17:08d}"), "CF_XDR_ZJLX": "",
        "CF_XDR_ZJHM": "", "CF_WSH": f"共市监罚〔2024〕溯{n}号", "CF_WFXW": "虚假宣传", "CF_SY": "发布虚假广告",
        "CF_YJ": "《中华人民共和国广告法》第五十五条", "CF_CFLB": "警告", "CF_NR": "警告", "CF_NR_FK": "",
        "CF_JDRQ": "2024-03-01", "CF_YXQ": "2025-03-01", "CF_CFJG": "共青城市市场监督管理局",
        "CF_CFJGDM": OFFICE_USCC, "CF_SJLY": "共青城市市场监督管理局", "CF_SJLYDM": OFFICE_USCC,
        "备注": f"第{n}行的备注",
    }  # fmt: skip
    values.update(changes)
    return [values[h] for h in HEADERS]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _versions(session: Session) -> list[CreditRecordVersion]:
    return list(session.scalars(select(CreditRecordVersion).order_by(CreditRecordVersion.id)))


def test_versions_point_to_their_row_and_the_cells_are_answered(db: Session) -> None:
    builders.departments(db)
    person = make_resident_id("360482", dt.date(1980, 5, 6), 123)
    rows = [_row(n) for n in range(1, 6)]
    rows.append(
        _row(6, CF_XDR_MC="张三", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=person)
    )
    result = ingestion.ingest_file(db, OPERATOR, _csv(rows), "溯源.csv", department="SCJGJ")
    assert (result.created, result.rejected) == (6, 0)
    versions = _versions(db)
    assert len(versions) == 6
    for version in versions:
        trail = version.provenance
        assert "original" not in trail  # no copy of the cells in the version
        assert trail["batch"] == result.batch_id
        assert set(trail[provenance.REF]) == {"archive", "line", "sha256"}
        cells = provenance.original_cells(db, trail)
        assert cells is not None
        n = int(trail["row"]) - 1  # the file's row 2 is the first data row
        assert cells["CF_WSH"] == f"共市监罚〔2024〕溯{n}号" == version.content["WSH"]
        assert cells["备注"] == f"第{n}行的备注"  # an unknown column: the file's words, kept
    person_cells = provenance.original_cells(db, versions[-1].provenance)
    assert person_cells is not None
    assert person_cells["CF_XDR_ZJHM"] == "360482********" + person[-4:]  # masked, as the provenance always held it
    assert person not in str(db.scalars(select(ProvenanceArchive.data)).all())
    assert db.scalar(select(func.count()).select_from(ProvenanceArchive)) == 1  # one chunk, stored once


def test_a_resent_file_changes_nothing(db: Session) -> None:
    builders.departments(db)
    data = _csv([_row(n) for n in range(1, 4)])
    ingestion.ingest_file(db, OPERATOR, data, "a.csv", department="SCJGJ")
    before = [(v.id, v.provenance) for v in _versions(db)]
    archives = db.scalar(select(func.count()).select_from(ProvenanceArchive))
    again = ingestion.ingest_file(db, OPERATOR, data, "a.csv", department="SCJGJ")
    assert (again.created, again.corrected, again.unchanged) == (0, 0, 3)
    assert [(v.id, v.provenance) for v in _versions(db)] == before
    assert db.scalar(select(func.count()).select_from(ProvenanceArchive)) == archives


def test_a_corrected_row_points_to_its_new_file(db: Session) -> None:
    builders.departments(db)
    ingestion.ingest_file(db, OPERATOR, _csv([_row(1), _row(2)]), "a.csv", department="SCJGJ")
    again = ingestion.ingest_file(db, OPERATOR, _csv([_row(2, CF_NR="警告并通报")]), "b.csv", department="SCJGJ")
    assert again.corrected == 1
    old, new = [v for v in _versions(db) if v.content["WSH"].endswith("溯2号")]
    old_cells, new_cells = provenance.original_cells(db, old.provenance), provenance.original_cells(db, new.provenance)
    assert old_cells is not None and new_cells is not None
    assert (old_cells["CF_NR"], new_cells["CF_NR"]) == ("警告", "警告并通报")
    assert (old.provenance["row"], new.provenance["row"]) == (3, 2)


def test_a_damaged_archive_is_detected(db: Session) -> None:
    builders.departments(db)
    ingestion.ingest_file(db, OPERATOR, _csv([_row(1), _row(2)]), "a.csv", department="SCJGJ")
    version = _versions(db)[0]
    trail = dict(version.provenance)
    trail[provenance.REF] = {**trail[provenance.REF], "sha256": "0" * 64}
    with pytest.raises(provenance.ArchiveDamaged):
        provenance.original_cells(db, trail)
    trail[provenance.REF] = {**version.provenance[provenance.REF], "archive": "f" * 64}
    with pytest.raises(provenance.ArchiveDamaged):
        provenance.original_cells(db, trail)
    assert provenance.original_cells(db, {"source": "lists", "entry_id": 3}) is None  # not from a file


# ---------------------------------------------------------------- the migration of inline cells


@pytest.fixture
def fresh(fresh_database: Database) -> Database:
    return fresh_database


AT = dt.datetime(2024, 3, 4, 2, 0, tzinfo=dt.UTC)
VERSIONS = sa.table(
    "credit_record_versions",
    *(sa.column(name) for name in ("id", "record_id", "version", "valid_from", "source_department", "kind")),
    *(sa.column(name) for name in ("subject_type", "subject_uscc", "subject_name", "title", "decision_date")),
    *(sa.column(name) for name in ("received_date", "disclosure", "status", "change_kind", "actor_role")),
    sa.column("actor_id"),
    sa.column("privacy_hold"),
    sa.column("content", JSONType),
    sa.column("provenance", JSONType),
)


def test_inline_cells_of_old_versions_are_moved_to_archives(fresh: Database) -> None:
    config = alembic_config(fresh)
    command.upgrade(config, "0031")
    inline = [
        {"layout": "national-2.0", "row": 2, "batch": 1, "original": {"CF_WSH": "旧1号", "SJC": "2019/5/7 10:00:00"}},
        {"layout": "national-2.0", "row": 3, "batch": 1, "original": {"CF_WSH": "旧2号", "CF_XDR_ZJHM": "3604**"}},
        {"source": "lists", "entry_id": 9},  # not from a file: left as it is
    ]
    with fresh.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO departments (code, short_name, full_name, uscc, active, created_at) VALUES "
                "('SCJGJ', '市场监管局', '共青城市市场监督管理局', '11360482MB0000000X', true, :at)"
            ),
            {"at": AT},
        )
        for n, trail in enumerate(inline, start=1):
            conn.execute(
                text(
                    "INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at) "
                    "VALUES (:id, 'SCJGJ', 'penalty', :doc, 1, :at)"
                ),
                {"id": n, "doc": f"旧{n}号", "at": AT},
            )
            conn.execute(
                VERSIONS.insert().values(
                    id=n,
                    record_id=n,
                    version=1,
                    valid_from=AT,
                    source_department="SCJGJ",
                    kind="penalty",
                    subject_type="entity",
                    subject_uscc=None,
                    subject_name="旧商贸",
                    title="警告",
                    decision_date=dt.date(2024, 3, 1),
                    received_date=dt.date(2024, 3, 1),
                    disclosure="公开",
                    status="有效",
                    change_kind="created",
                    actor_role="system",
                    actor_id="old",
                    privacy_hold=False,
                    content={"WSH": f"旧{n}号"},
                    provenance=trail,
                )
            )
    command.upgrade(config, "0032")
    with fresh.unit_of_work() as session:
        moved = {v.id: v.provenance for v in _versions(session)}
        assert "original" not in moved[1] and "original" not in moved[2]
        assert provenance.original_cells(session, moved[1]) == inline[0]["original"]
        assert provenance.original_cells(session, moved[2]) == inline[1]["original"]
        assert moved[1]["source_changed_on"] == "2019/5/7 10:00:00"  # the timeliness figures still read it
        assert moved[3] == inline[2]
        assert session.scalar(select(func.count()).select_from(ProvenanceArchive)) == 1
    command.downgrade(config, "0031")
    with fresh.engine.connect() as conn:
        back = dict(conn.execute(select(VERSIONS.c.id, VERSIONS.c.provenance)).all())
    assert back[1]["original"] == inline[0]["original"] and back[2]["original"] == inline[1]["original"]
