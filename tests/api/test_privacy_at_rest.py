"""Issue 15 at rest, on both databases: a natural person's document title (决定文书名称) is stored with the person's
name and any number masked, the original encrypted for staff with the right; a rejected row's cells hold no
identifier or phone in clear; ``xinyong privacy rescan`` brings rows stored before either rule up to it; the
migration does the same for an existing database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.db import Database
from xinyong.core.ids import make_uscc
from xinyong.records import ingestion, privacy_rescan
from xinyong.records import service as records
from xinyong.records.models import BatchRejection, CreditRecordVersion
from xinyong.records.schemas import RecordCorrection, RecordIn, SubjectIn
from xinyong.schema import alembic_config

NAME = "胡旭龙"
TITLE = "胡旭龙无烟草专卖品准运证运输烟草案（联系电话13812345678）"
MASKED_TITLE = "胡**无烟草专卖品准运证运输烟草案（联系电话138****5678）"
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
OPERATOR = builders.operator("SCJGJ")
OFFICE_USCC = make_uscc("1", "1", "360482", "01234567")


def _person_penalty(title: str = TITLE, doc_no: str = "共烟罚〔2026〕15号", number: str | None = None) -> RecordIn:
    return RecordIn(
        source_department="SCJGJ",
        kind="penalty",
        doc_no=doc_no,
        subject=SubjectIn(
            type="person", name=NAME, id_type="resident_id", id_number=number or builders.new_resident_id()
        ),
        title=title,
        decision_date=builders.recent_day(),
        severity="一般",
        content={"XDR_MC": NAME, "XDR_LB": "自然人", "WFXW": "无证运输烟草", "CFLB": ["罚款"]},
    )


def _stored_titles(db: Session) -> list[str]:
    return list(db.execute(select(CreditRecordVersion.title).order_by(CreditRecordVersion.id)).scalars())


def test_a_natural_persons_title_is_stored_masked(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    number = builders.new_resident_id()
    version, outcome = records.upsert_record(db, builders.SYSTEM, _person_penalty(number=number))
    assert outcome == "created"
    assert _stored_titles(db) == [MASKED_TITLE]
    assert "13812345678" not in repr(db.execute(select(CreditRecordVersion.content)).scalars().all())
    assert records.get_record(db, OFFICE, version.record_id).title == TITLE  # staff with the right: the original
    source = as_actor(OPERATOR).get(f"/api/v1/records/{version.record_id}")
    assert source.status_code == 200 and source.json()["title"] == TITLE
    other = records.get_record(db, builders.operator("SWJ"), version.record_id)
    assert other.title == MASKED_TITLE  # other departments read the stored form
    public = as_actor(Actor.public()).get(f"/api/v1/records/{version.record_id}")
    assert public.status_code == 200 and NAME not in public.text and "胡**" in public.json()["title"]
    # the same title sent again is unchanged; another one is a change; a correction sending back what it read keeps it
    assert records.upsert_record(db, builders.SYSTEM, _person_penalty(number=number))[1] == "unchanged"
    corrected = records.correct_record(
        db, OPERATOR, version.record_id, RecordCorrection(title=MASKED_TITLE, severity="严重", reason="更正")
    )
    assert corrected.title == MASKED_TITLE and records.get_record(db, OFFICE, version.record_id).title == TITLE
    changed = records.upsert_record(db, builders.SYSTEM, _person_penalty("胡旭龙无证运输烟草案", number=number))
    assert changed[1] == "corrected" and changed[0].title == "胡**无证运输烟草案"
    firm = builders.entity(db)
    made, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(firm.uscc, title="某公司虚假宣传案（王五）"))
    assert made.title == "某公司虚假宣传案（王五）"  # a firm's title has no person's data to protect


def _rejected_row() -> dict[str, str]:
    return {
        "CF_XDR_MC": "共青城第1羽绒服饰有限公司", "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": make_uscc("9", "1", "360482", "50000013"), "CF_WSH": "共市监罚〔2024〕1号",
        "CF_WFXW": "虚假宣传", "CF_SY": "经查，当事人张三（手机139 1234 1234，身份证360482199003071234）发布虚假广告",
        "CF_YJ": "《中华人民共和国广告法》第五十五条", "CF_CFLB": "警告", "CF_NR": "警告", "CF_JDRQ": "2024-13-45",
        "CF_CFJG": "共青城市市场监督管理局", "CF_CFJGDM": OFFICE_USCC, "CF_SJLY": "共青城市市场监督管理局",
        "CF_SJLYDM": OFFICE_USCC,
    }  # fmt: skip


def test_rejected_rows_hold_no_number_in_clear(db: Session) -> None:
    builders.departments(db)
    result = ingestion.ingest_rows(db, OPERATOR, [_rejected_row()], department="SCJGJ", kind="penalty")
    assert result.rejected == 1
    dump = repr(db.execute(select(BatchRejection.values)).scalars().all())
    assert "13912341234" not in dump.replace(" ", "") and "360482199003071234" not in dump
    (rejection,) = ingestion.rejections(db, OPERATOR, "SCJGJ")
    shown = ingestion.rejection_cells(rejection, reveal=False)
    assert "139****1234" in next(v for v in shown.values() if "当事人张三" in v)
    revealed = ingestion.rejection_cells(rejection, reveal=True)
    assert _rejected_row()["CF_SY"] in revealed.values()  # the department corrects what it sent


def test_rescan_protects_titles_and_rejections_stored_before(committing_db: Database) -> None:
    with committing_db.unit_of_work() as db:
        builders.departments(db)
        version, _ = records.upsert_record(db, builders.SYSTEM, _person_penalty())
        record_id = version.record_id
        ingestion.ingest_rows(db, OPERATOR, [_rejected_row()], department="SCJGJ", kind="penalty")
    with committing_db.unit_of_work() as db:  # as an older release stored them: the title and the cells in clear
        db.execute(update(CreditRecordVersion).values(title=TITLE, content={"XDR_MC": NAME, "WFXW": "无证运输烟草"}))
        db.execute(update(BatchRejection).values(values=_rejected_row()))
    run = privacy_rescan.rescan(committing_db, Actor.system("test"))
    assert run.counts.get("title") == 1 and run.counts.get("rejections") == 1
    with committing_db.unit_of_work() as db:
        assert _stored_titles(db) == [MASKED_TITLE]
        assert records.get_record(db, OFFICE, record_id).title == TITLE
        dump = repr(db.execute(select(BatchRejection.values)).scalars().all())
        assert "360482199003071234" not in dump
    again = privacy_rescan.rescan(committing_db, Actor.system("test"), restart=True)
    assert again.changed == 0  # idempotent


# ---------------------------------------------------------------- the migration on an existing database


@pytest.fixture
def fresh(fresh_database: Database) -> Database:
    return fresh_database


def test_the_migration_protects_existing_rows(fresh: Database) -> None:
    config = alembic_config(fresh)
    command.upgrade(config, "0030")
    at = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    with fresh.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO departments (code, short_name, full_name, uscc, active, created_at) VALUES "
                "('SCJGJ', '市场监管局', '共青城市市场监督管理局', '11360482MB0000000X', true, :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                "INSERT INTO credit_records (id, source_department, kind, doc_no, current_version, created_at) "
                "VALUES (1, 'SCJGJ', 'penalty', 'D1', 1, :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                "INSERT INTO credit_record_versions (id, record_id, version, valid_from, source_department, kind, "
                "subject_type, subject_name, title, decision_date, received_date, disclosure, status, content, "
                "provenance, change_kind, actor_role, actor_id) VALUES (1, 1, 1, :at, 'SCJGJ', 'penalty', 'person', "
                ":name, :title, '2026-11-30', '2026-11-30', '公开', '有效', :content, '{}', 'created', 'system', 's')"
            ),
            {"at": at, "name": NAME, "title": TITLE, "content": '{"XDR_MC": "胡旭龙"}'},
        )
        conn.execute(
            text(
                "INSERT INTO batches (id, department, kind, channel, layout, rows_total, accepted, created, "
                "corrected, unchanged, rejected, unknown_columns, warnings, actor_role, actor_id, created_at, "
                "finished_at) VALUES (1, 'SCJGJ', 'penalty', 'api', 'json', 1, 0, 0, 0, 0, 1, '[]', '[]', 'system', "
                "'s', :at, :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text(
                'INSERT INTO batch_rejections (id, batch_id, department, kind, row_number, errors, "values", status) '
                "VALUES (1, 1, 'SCJGJ', 'penalty', 1, '[]', :values, '待更正')"
            ),
            {"values": '{"违法事实": "当事人手机13912341234"}'},
        )
    command.upgrade(config, "0031")
    with fresh.engine.connect() as conn:
        title, content = conn.execute(text("SELECT title, content FROM credit_record_versions")).one()
        values = conn.execute(text('SELECT "values" FROM batch_rejections')).scalar_one()
    assert title == MASKED_TITLE and "TITLE_enc" in str(content)
    assert "13912341234" not in str(values) and "139****1234" in str(values)
