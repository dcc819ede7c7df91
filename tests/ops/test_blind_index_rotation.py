"""Blind index key rotation: with a new XINYONG_BLIND_INDEX_KEY set and the old one kept in
XINYONG_BLIND_INDEX_KEYS_OLD, lookups and re-sends behave as before while ``xinyong keys rotate`` rebuilds every stored
blind index (persons' ID numbers; ID numbers, free text and titles inside record versions) in chunks, resuming where an
interrupted run stopped; afterwards the old key can go and nothing changes. A row whose new digest another row already
holds is left alone and reported, never overwritten."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support import builders
from xinyong.cli import app
from xinyong.cli.keys import blind_indexed_tables
from xinyong.core import blindrotation
from xinyong.core.config import DEV_BLIND_INDEX_KEY, get_settings
from xinyong.core.crypto import BlindIndex, get_blind_index, get_cipher
from xinyong.core.db import Database, set_database
from xinyong.entities import service as entities
from xinyong.entities.models import Person
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.schemas import RecordIn

NEW_BLIND_KEY = "5a" * 32
PHONE_TEXT = "当事人联系电话13800138000，虚假宣传"


@pytest.fixture
def blind_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    def clear() -> None:
        get_settings.cache_clear()
        get_blind_index.cache_clear()
        get_cipher.cache_clear()

    clear()
    yield monkeypatch
    monkeypatch.undo()
    clear()


def _use(keys: pytest.MonkeyPatch, current: str, old: list[str]) -> None:
    keys.setenv("XINYONG_BLIND_INDEX_KEY", current)
    keys.setenv("XINYONG_BLIND_INDEX_KEYS_OLD", json.dumps(old))
    get_settings.cache_clear()
    get_blind_index.cache_clear()


def _record(uscc: str, doc_no: str, number: str) -> RecordIn:
    return builders.penalty(
        uscc,
        doc_no=doc_no,
        title=f"行政处罚决定书（法定代表人身份证号{number}）",
        decision_date=dt.date(2026, 11, 2),
        content={"WFXW": PHONE_TEXT, "CFLB": ["罚款"], "NR_FK": 1.5, "FR_ZJHM": number},
    )


def _stale(database: Database) -> dict[str, int]:
    with database.unit_of_work() as session:
        return dict(blindrotation.count_stale(session, blind_indexed_tables()))


def _versions(database: Database) -> int:
    with database.unit_of_work() as session:
        return session.execute(select(func.count()).select_from(CreditRecordVersion)).scalar_one()


def test_blind_indexes_rebuild_resumably_while_lookups_and_resends_hold(
    committing_db: Database, blind_keys: pytest.MonkeyPatch
) -> None:
    numbers = [builders.new_resident_id() for _ in range(5)]
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        made = builders.entity(session)
        for number in numbers:
            entities.upsert_person(session, builders.SYSTEM, "张三", "resident_id", number)
        sent = [_record(made.uscc, f"共市监罚〔2026〕{500 + i}号", number) for i, number in enumerate(numbers[:4])]
        for data in sent:
            records.upsert_record(session, builders.SYSTEM, data)
    stored_versions = _versions(committing_db)
    with committing_db.unit_of_work() as session:
        content = session.execute(select(CreditRecordVersion.content)).scalars().first()
    assert content is not None and {"FR_ZJHM_bi", "WFXW_bi", "TITLE_bi"} <= set(content)

    _use(blind_keys, NEW_BLIND_KEY, [DEV_BLIND_INDEX_KEY])
    assert get_blind_index().key_id != BlindIndex(DEV_BLIND_INDEX_KEY).key_id
    assert _stale(committing_db) == {"persons": 5, "credit_record_versions": stored_versions}
    with committing_db.unit_of_work() as session:  # before any rebuild: found, no second person, no new version
        assert entities.find_person(session, "resident_id", numbers[0]) is not None
        entities.upsert_person(session, builders.SYSTEM, "张三", "resident_id", numbers[1])
        assert session.execute(select(func.count()).select_from(Person)).scalar_one() == 5
        outcomes = {records.upsert_record(session, builders.SYSTEM, data)[1] for data in sent}
    assert outcomes == {"unchanged"} and _versions(committing_db) == stored_versions

    key_id = get_blind_index().key_id

    def interrupt(table: str, _rows: int) -> None:
        if table == "credit_record_versions":  # Ctrl-C after the table's first chunk committed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        blindrotation.rebuild(committing_db, key_id, blind_indexed_tables(), chunk=2, progress=interrupt)
    halfway = _stale(committing_db)
    assert 0 < halfway["credit_record_versions"] < stored_versions
    second = blindrotation.rebuild(committing_db, key_id, blind_indexed_tables(), chunk=2)
    assert second.resumed_from is not None and second.resumed_from.startswith("credit_record_versions")
    assert second.rows == sum(halfway.values()) and not second.conflicts
    assert _stale(committing_db) == {}

    _use(blind_keys, NEW_BLIND_KEY, [])  # the old key gone: everything is found and re-sends still change nothing
    with committing_db.unit_of_work() as session:
        assert all(entities.find_person(session, "resident_id", n) is not None for n in numbers)
        outcomes = {records.upsert_record(session, builders.SYSTEM, data)[1] for data in sent}
    assert outcomes == {"unchanged"} and _versions(committing_db) == stored_versions
    again = blindrotation.rebuild(committing_db, key_id, blind_indexed_tables(), chunk=2, restart=True)
    assert again.rows == 0 and not again.conflicts


def test_a_taken_digest_is_a_conflict_not_an_overwrite(committing_db: Database, blind_keys: pytest.MonkeyPatch) -> None:
    number = builders.new_resident_id()
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        entities.upsert_person(session, builders.SYSTEM, "李四", "resident_id", number)
    # a server that knew only the new key made a second row for the same person (the switch done wrong)
    _use(blind_keys, NEW_BLIND_KEY, [])
    with committing_db.unit_of_work() as session:
        entities.upsert_person(session, builders.SYSTEM, "李四", "resident_id", number)
    _use(blind_keys, NEW_BLIND_KEY, [DEV_BLIND_INDEX_KEY])
    report = blindrotation.rebuild(committing_db, get_blind_index().key_id, blind_indexed_tables())
    assert report.conflicts == {"persons": 1} and report.rows == 0
    with committing_db.unit_of_work() as session:
        blinds = session.execute(select(Person.id_blind).order_by(Person.id)).scalars().all()
    assert len(blinds) == 2 and len(set(blinds)) == 2  # both rows kept as they were, for the operator to merge


def test_cli_rotate_and_status_report_blind_indexes(committing_db: Database, blind_keys: pytest.MonkeyPatch) -> None:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        entities.upsert_person(session, builders.SYSTEM, "王五", "resident_id", builders.new_resident_id())
    _use(blind_keys, NEW_BLIND_KEY, [DEV_BLIND_INDEX_KEY])
    runner = CliRunner()
    set_database(committing_db)
    try:
        before = json.loads(runner.invoke(app, ["keys", "status"]).output.strip().splitlines()[-1])
        rotated = runner.invoke(app, ["keys", "rotate", "--quiet"])
        after = json.loads(runner.invoke(app, ["keys", "status"]).output.strip().splitlines()[-1])
    finally:
        set_database(None)
    assert before["stale_blind_indexes"] == {"persons": 1}
    assert before["blind_index_accepted_key_ids"][0] == before["blind_index_key_id"]
    assert rotated.exit_code == 0, rotated.output
    line = json.loads(rotated.output.strip().splitlines()[-1])
    assert line["blind_index"]["rebuilt"] == 1 and line["blind_index"]["conflicts"] == {}
    assert after["stale_blind_indexes_total"] == 0


def test_old_blind_keys_must_be_long_enough(blind_keys: pytest.MonkeyPatch) -> None:
    blind_keys.setenv("XINYONG_BLIND_INDEX_KEYS_OLD", json.dumps(["ab" * 8]))
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="XINYONG_BLIND_INDEX_KEYS_OLD"):
        get_settings()
