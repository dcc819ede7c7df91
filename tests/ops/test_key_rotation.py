"""Key rotation: after a new SM4 field key is set (the old one kept in XINYONG_FIELD_KEYS_OLD), ``xinyong keys
rotate`` re-encrypts every token — columns and tokens inside JSON — in chunks, resumes where an interrupted run
stopped, leaves the sealed tables (audit chain, issued reports) alone so the chain still verifies, and afterwards
the old key can go. Reports issued under an old report key still verify; webhook signatures name their key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.support import builders
from xinyong.core import audit, keyrotation
from xinyong.core.config import DEV_FIELD_KEY, DEV_REPORT_KEY, get_settings
from xinyong.core.crypto import get_cipher, key_id_for
from xinyong.core.db import Database
from xinyong.core.outbox import sign, signing_key_id, verify_signature
from xinyong.entities import service as entities
from xinyong.entities.models import Person
from xinyong.records import service as records
from xinyong.records.models import CreditRecordVersion
from xinyong.records.service import CONTENT_ID_CONTEXT
from xinyong.reports import service as reports
from xinyong.reports.rules import Verdict

NEW_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
NEW_REPORT_KEY = "rotated-report-key-for-the-test-00000000000000"
CONTEXTS = (entities.ID_CONTEXT, CONTENT_ID_CONTEXT)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    def clear() -> None:
        get_settings.cache_clear()
        get_cipher.cache_clear()

    clear()
    yield monkeypatch
    monkeypatch.undo()
    clear()


def _use(keys: pytest.MonkeyPatch, current: str, old: list[str]) -> None:
    keys.setenv("XINYONG_FIELD_KEY", current)
    keys.setenv("XINYONG_FIELD_KEYS_OLD", "[" + ", ".join(f'"{k}"' for k in old) + "]")
    get_settings.cache_clear()
    get_cipher.cache_clear()


def test_rotation_reencrypts_everything_resumably(committing_db: Database, keys: pytest.MonkeyPatch) -> None:
    numbers = [builders.new_resident_id() for _ in range(5)]
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        made = builders.entity(session)
        for number in numbers:
            entities.upsert_person(session, builders.SYSTEM, "张三", "resident_id", number)
        for _ in range(4):
            records.upsert_record(session, builders.SYSTEM, builders.penalty(made.uscc))
    old_id = key_id_for(DEV_FIELD_KEY)
    _use(keys, NEW_KEY, [DEV_FIELD_KEY])
    cipher = get_cipher()
    with committing_db.unit_of_work() as session:
        before = keyrotation.count_old_tokens(session, cipher)
    assert before["persons"] == 5 and before["credit_record_versions"] >= 4

    def interrupt(table: str, _rows: int) -> None:
        if table == "credit_record_versions":  # an operator's Ctrl-C after the table's first chunk committed
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keyrotation.rotate(committing_db, cipher, CONTEXTS, chunk=2, progress=interrupt)
    with committing_db.unit_of_work() as session:
        halfway = keyrotation.count_old_tokens(session, cipher)
    assert 0 < halfway["credit_record_versions"] < before["credit_record_versions"]
    second = keyrotation.rotate(committing_db, cipher, CONTEXTS, chunk=2)
    assert second.resumed_from is not None and second.resumed_from.startswith("credit_record_versions")
    assert second.unreadable == 0
    with committing_db.unit_of_work() as session:
        left = keyrotation.count_old_tokens(session, cipher)
    assert set(left) <= keyrotation.SEALED_TABLES, left  # only what a hash seals may keep the old key
    assert second.rotated == sum(halfway.values()) - sum(left.values())

    # the old key can go: every rotated token opens with the new key alone, lookups by blind index still work
    _use(keys, NEW_KEY, [])
    cipher = get_cipher()
    with committing_db.unit_of_work() as session:
        people = session.execute(select(Person)).scalars().all()
        assert sorted(cipher.decrypt(p.id_number_enc, context=entities.ID_CONTEXT) for p in people) == sorted(numbers)
        assert all(cipher.token_key_id(p.id_number_enc) != old_id for p in people)
        assert entities.find_person(session, "resident_id", numbers[0]) is not None
        for version in session.execute(select(CreditRecordVersion)).scalars():
            number = cipher.decrypt(version.content["FR_ZJHM_enc"], context=CONTENT_ID_CONTEXT)
            assert len(number) == 18
        assert audit.verify(session).ok  # the chain was not rewritten
    again = keyrotation.rotate(committing_db, cipher, CONTEXTS, chunk=2, restart=True)
    assert again.rotated == 0 and again.rows == 0  # nothing left to do: a rerun is harmless


def test_old_reports_verify_after_the_report_key_rotates(committing_db: Database, keys: pytest.MonkeyPatch) -> None:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        made = builders.entity(session)
        issued = reports.issue_report(session, builders.SYSTEM, made.uscc)
        number, code = issued.number, issued.code
    keys.setenv("XINYONG_REPORT_KEY", NEW_REPORT_KEY)
    keys.setenv("XINYONG_REPORT_KEYS_OLD", f'["{DEV_REPORT_KEY}"]')
    get_settings.cache_clear()
    with committing_db.unit_of_work() as session:
        assert reports.verify_code(session, builders.SYSTEM, number, code).verdict == Verdict.VALID
        fresh = reports.issue_report(session, builders.SYSTEM, made.uscc)
        assert reports.verify_code(session, builders.SYSTEM, fresh.number, fresh.code).verdict == Verdict.VALID
    keys.setenv("XINYONG_REPORT_KEYS_OLD", "[]")  # the old key dropped: its reports no longer verify
    get_settings.cache_clear()
    with committing_db.unit_of_work() as session:
        assert reports.verify_code(session, builders.SYSTEM, number, code).verdict == Verdict.NOT_GENUINE


def test_webhook_signatures_name_their_key() -> None:
    old, new = b"old-secret-0000000000000000000000", b"new-secret-0000000000000000000000"
    assert signing_key_id(old) != signing_key_id(new) and len(signing_key_id(new)) == 8
    assert signing_key_id(new) not in new.hex()
    header = sign(new, "1700000000", b"{}")
    assert verify_signature(new, "1700000000", b"{}", header) and not verify_signature(old, "1700000000", b"{}", header)
