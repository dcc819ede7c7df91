"""The keyed, anchored audit chain: what a database administrator can do to the rows, and how each is found.

The administrator can write any row of any table but holds neither the audit key (a file outside the database) nor
the anchor file. Each attack below is done as they would, with SQL: an event edited and every later link recomputed
(with the plain SM3 the old chain used, or with a key of their own), the tail deleted and the head rewound, the
table truncated, an anchor edited — with a key rotation in the middle of the chain.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.core import audit, audit_anchors, audit_keys, clock, outbox
from xinyong.core.actor import Actor
from xinyong.core.audit_keys import MemoryKeyring
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database, set_database

ACTOR = Actor.system("test")
K1 = secrets.token_bytes(32)
K2 = secrets.token_bytes(32)


@pytest.fixture
def keys() -> Iterator[MemoryKeyring]:
    keyring = MemoryKeyring({1: K1})
    audit_keys.set_keyring(keyring)
    yield keyring
    audit_keys.set_keyring(None)


@pytest.fixture
def anchor_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "outside" / "anchors.jsonl"
    monkeypatch.setenv("XINYONG_AUDIT_ANCHOR_FILE", str(path))
    monkeypatch.setenv("XINYONG_AUDIT_WITNESS_FILE", str(path.with_name("audit-head.json")))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _chain(session: Session, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit.record(session, ACTOR, "test:thing:made", "thing", str(i), {"i": i, "名称": "共青城"})


def _rotate() -> MemoryKeyring:
    rotated = MemoryKeyring({1: K1, 2: K2})
    audit_keys.set_keyring(rotated)
    return rotated


def _recompute_from(session: Session, seq: int, *, key: bytes | None, keyed_from: int | None = None) -> None:
    """What an administrator can do: recompute every link from ``seq`` on and point the head at the new end —
    with plain SM3 (``key`` None, the links marked unkeyed) or with a key of their own."""
    events = session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).all()
    prev = events[seq - 2].hash if seq > 1 else audit.GENESIS
    forged = MemoryKeyring({1: key, 2: key}) if key is not None else None
    for event in events[seq - 1 :]:
        event.prev_hash = prev
        if forged is None:
            event.key_version = None
        event.hash = audit.compute_hash(event, forged)
        prev = event.hash
    head = session.get(audit.AuditHead, 1)
    assert head is not None
    head.last_hash = prev
    if keyed_from is not None:
        head.keyed_from = keyed_from
    session.flush()


# ---------------------------------------------------------------- the keyed links


def test_events_are_keyed_and_record_their_key_version(db: Session, keys: MemoryKeyring) -> None:
    _chain(db, 3)
    rows = db.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.seq)).all()
    assert [row.key_version for row in rows] == [1, 1, 1]
    assert audit.verify(db, keys).ok
    plain = audit._sm3_hex(audit._canonical(rows[0]))
    assert rows[0].hash != plain  # not the old unkeyed link
    other = audit.verify(db, MemoryKeyring({1: K2}))
    assert not other.ok and other.broken_seq == 1  # another key does not verify: the key is what links


def test_edit_and_recompute_with_plain_sm3_is_found(db: Session, keys: MemoryKeyring) -> None:
    _chain(db, 8)
    db.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 4).values(payload={"i": 99}))
    _recompute_from(db, 4, key=None)
    result = audit.verify(db, keys)
    assert not result.ok and result.broken_seq == 4
    assert "unkeyed link" in (result.reason or "")


def test_edit_and_recompute_with_a_guessed_key_is_found(db: Session, keys: MemoryKeyring) -> None:
    _chain(db, 8)
    db.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 4).values(actor_id="someone-else"))
    _recompute_from(db, 4, key=secrets.token_bytes(32))
    result = audit.verify(db, keys)
    assert not result.ok and result.broken_seq == 4 and "changed" in (result.reason or "")


def test_a_rotated_key_still_verifies_old_events_and_edits_on_both_sides_are_found(
    db: Session, keys: MemoryKeyring
) -> None:
    _chain(db, 4)
    rotated = _rotate()
    _chain(db, 4, start=4)
    versions = db.scalars(select(audit.AuditEvent.key_version).order_by(audit.AuditEvent.seq)).all()
    assert versions == [1, 1, 1, 1, 2, 2, 2, 2]
    assert audit.verify(db, rotated).ok
    lost_old = audit.verify(db, MemoryKeyring({2: K2}))  # a keyring without v1 cannot vouch for old events
    assert not lost_old.ok and lost_old.broken_seq == 1 and "v1" in (lost_old.reason or "")
    db.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 6).values(payload={"i": -1}))
    _recompute_from(db, 6, key=secrets.token_bytes(32))
    result = audit.verify(db, rotated)
    assert not result.ok and result.broken_seq == 6


def test_a_chain_from_before_the_key_stays_verifiable_and_cannot_be_extended_unkeyed(
    db: Session, keys: MemoryKeyring
) -> None:
    _chain(db, 3)
    # Make it what a migrated chain is: three plain SM3 links, keyed from event 4 on.
    _recompute_from(db, 1, key=None, keyed_from=4)
    assert audit.verify(db, keys).ok
    _chain(db, 3, start=3)
    assert audit.verify(db, keys).ok
    assert db.scalars(select(audit.AuditEvent.key_version).order_by(audit.AuditEvent.seq)).all() == [
        None, None, None, 1, 1, 1,
    ]  # fmt: skip
    db.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 2).values(payload={"i": 7}))
    _recompute_from(db, 2, key=None)  # everything plain again: the links after the switch lost their key
    result = audit.verify(db, keys)
    assert not result.ok and result.broken_seq == 4


# ---------------------------------------------------------------- the migration of an existing chain


def _fresh_database(backend: str, tmp_path: Path) -> tuple[Database, Any]:
    if backend == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'legacy.db'}"), None
    from tests.conftest import PG_ADMIN_URL, _pg_url

    name = f"xinyong_legacy_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return Database(_pg_url(PG_ADMIN_URL, name)), (admin, name)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_keeps_an_old_chain_verifiable_and_records_the_switch(
    backend: str, tmp_path: Path, keys: MemoryKeyring
) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from xinyong.schema import alembic_config

    database, cleanup = _fresh_database(backend, tmp_path)
    try:
        config = alembic_config(database)
        ours = next(
            r for r in ScriptDirectory.from_config(config).walk_revisions() if "key_version" in (r.module.__doc__ or "")
        )
        command.upgrade(config, str(ours.down_revision))
        prev = audit.GENESIS
        with database.engine.begin() as conn:  # three events as the old code wrote them: plain SM3 links
            for seq in (1, 2, 3):
                row: dict[str, Any] = {
                    "seq": seq,
                    "at": audit.clock.now(),
                    "actor_role": "system",
                    "actor_id": "old",
                    "actor_department": None,
                    "action": "test:thing:made",
                    "subject_type": "thing",
                    "subject_id": str(seq),
                    "payload": {"i": seq},
                    "prev_hash": prev,
                    "key_version": None,
                }
                row["hash"] = prev = audit._sm3_hex(audit._canonical(type("E", (), row)))
                del row["key_version"]
                conn.execute(audit.AuditEvent.__table__.insert().values(**row))
            conn.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 3, :h)"), {"h": prev})
        command.upgrade(config, "heads")
        with database.unit_of_work() as session:
            head = session.get(audit.AuditHead, 1)
            assert head is not None and head.keyed_from == 4
            assert audit.verify(session, keys).ok
            _chain(session, 2)
        with database.unit_of_work() as session:
            result = audit.verify(session, keys)
            assert result.ok and result.checked == 5
            assert session.scalars(select(audit.AuditEvent.key_version).order_by(audit.AuditEvent.seq)).all() == [
                None, None, None, 1, 1,
            ]  # fmt: skip
    finally:
        database.dispose()
        if cleanup is not None:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


# ---------------------------------------------------------------- anchors


def _anchored_chain(database: Database, n: int = 6, targets: list[str] | None = None) -> audit_anchors.Anchor:
    with database.unit_of_work() as session:
        _chain(session, n)
    made = audit_anchors.anchor(database, ACTOR, targets=lambda _s: targets or [])
    assert made is not None
    return made


def _check(database: Database) -> tuple[audit.VerifyResult, audit_anchors.AnchorCheck]:
    with database.unit_of_work() as session:
        return audit.verify(session), audit_anchors.verify_anchors(session)


def test_an_anchor_is_kept_in_the_table_the_file_the_chain_and_the_outbox(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    made = _anchored_chain(committing_db, 6, targets=["http://127.0.0.1:9/province/anchors"])
    assert made.seq == 6 and made.key_version == 1 and made.keyed_from == 1
    lines = anchor_file.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == made.as_json()
    with committing_db.unit_of_work() as session:
        assert audit_anchors.Anchor.from_row(session.scalars(select(audit_anchors.AuditAnchor)).one()) == made
        event = session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == audit_anchors.ANCHORED)).one()
        assert event.seq == 8 and event.payload["hash"] == made.hash  # after the outbox's own event (7)
        message = session.scalars(
            select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == "audit.anchor")
        ).one()
        assert message.payload == made.as_json() and message.idempotency_key == "audit-anchor-6"
        _chain(session, 2)
    chain, anchors = _check(committing_db)
    assert chain.ok and anchors.ok, anchors.problems
    assert anchors.outbox_copies == 1 and anchors.last == made
    assert anchors.after == (7, 10)  # the outbox's and the anchoring events, and the two after them
    assert any("events 7–10 came after the last anchor" in line for line in anchors.describe())
    # Once a day: the tick's anchor does nothing more today, a forced one does.
    assert audit_anchors.anchor(committing_db, ACTOR, only_if_due=True) is None
    again = audit_anchors.anchor(committing_db, ACTOR)
    assert again is not None and again.seq == 10
    assert len(anchor_file.read_text().splitlines()) == 2
    assert _check(committing_db)[1].ok


def test_tail_deleted_and_head_rewound_is_found_by_the_anchor(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    _anchored_chain(committing_db, 6)
    with committing_db.unit_of_work() as session:  # the administrator: drop events 5.. and rewind the head to 4
        kept = session.get(audit.AuditEvent, 4)
        assert kept is not None
        session.execute(delete(audit.AuditEvent).where(audit.AuditEvent.seq > 4))
        session.execute(update(audit.AuditHead).values(last_seq=4, last_hash=kept.hash))
    chain, anchors = _check(committing_db)
    assert chain.ok  # the remaining chain is genuine ...
    assert not anchors.ok  # ... but shorter than what was anchored
    assert any("event 6 was anchored but the chain now ends at event 4" in p for p in anchors.problems)


def _rewind(database: Database, to: int) -> None:
    """The administrator: delete every event after ``to`` and point the head at it."""
    with database.unit_of_work() as session:
        kept = session.get(audit.AuditEvent, to)
        assert kept is not None
        session.execute(delete(audit.AuditEvent).where(audit.AuditEvent.seq > to))
        session.execute(update(audit.AuditHead).values(last_seq=to, last_hash=kept.hash))


def test_tail_deleted_after_the_last_anchor_is_found_by_the_head_witness(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    _anchored_chain(committing_db, 6)  # events 1–6, then the anchoring event (7)
    with committing_db.unit_of_work() as session:
        _chain(session, 3, start=6)  # 8–10: no anchor knows them
    witness = audit.read_witness(anchor_file.with_name("audit-head.json"))
    assert witness is not None and [w.seq for w in witness.values()] == [10]
    chain, anchors = _check(committing_db)
    assert chain.ok and anchors.ok and anchors.after == (7, 10)
    _rewind(committing_db, 8)
    chain, anchors = _check(committing_db)
    assert chain.ok  # what is left is genuine, and every anchor still matches ...
    assert not anchors.ok  # ... but the witness outside the database saw events 9 and 10 committed
    assert any("events 9–10 were committed" in p and "now ends at event 8" in p for p in anchors.problems)
    assert any("第 9–10 条事件曾经提交" in p for p in anchors.problems_zh)
    set_database(committing_db)
    try:
        result = CliRunner().invoke(app, ["audit", "verify"])
    finally:
        set_database(None)
    assert result.exit_code == 1
    assert "events 9–10 were committed" in result.output and "events 7–8 came after the last anchor" in result.output


def test_unanchored_tail_deleted_and_carried_on_is_found_by_the_head_witness(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    _anchored_chain(committing_db, 6)
    with committing_db.unit_of_work() as session:
        _chain(session, 3, start=6)  # 8–10
    _rewind(committing_db, 8)
    with committing_db.unit_of_work() as session:
        _chain(session, 1, start=20)  # a new 9: behind what the witness saw, it waits
    with committing_db.unit_of_work() as session:
        _chain(session, 2, start=21)  # new 10–11: they do not continue the 10 the witness saw
    chain, anchors = _check(committing_db)
    assert chain.ok and not anchors.ok
    assert any("did not continue the chain the head witness saw up to event 10" in p for p in anchors.problems)
    assert any("event 10 no longer carries the hash the head witness saw" in p for p in anchors.problems)
    with committing_db.unit_of_work() as session:
        _chain(session, 5, start=30)  # the witness stays frozen at what it saw: carrying on hides nothing
    assert not _check(committing_db)[1].ok


def test_the_head_witness_moves_forward_only_and_tolerates_late_writers(tmp_path: Path) -> None:
    path = tmp_path / "audit-head.json"
    audit.write_witness(path, "c", 0, audit.GENESIS, 3, "h3")
    audit.write_witness(path, "c", 5, "h5", 7, "h7")  # commits 4–5 not written yet: forward
    audit.write_witness(path, "c", 3, "h3", 5, "h5")  # 4–5 written late: nothing moves back, nothing frozen
    assert audit.read_witness(path) == {"c": audit.Witnessed(7, "h7", audit.read_witness(path)["c"].at)}
    audit.write_witness(path, "c", 7, "h7", 7, "h7")  # the same head twice
    audit.write_witness(path, "other", 0, audit.GENESIS, 1, "other")  # a second chain (a test's, a new install)
    heads = audit.read_witness(path)
    assert heads is not None and heads["c"].seq == 7 and heads["c"].conflict is None and heads["other"].seq == 1
    audit.write_witness(path, "c", 7, "forged", 9, "h9")  # starts at 7 but from another 7: frozen
    heads = audit.read_witness(path)
    assert heads is not None and heads["c"].seq == 7 and heads["c"].conflict == 9
    audit.write_witness(path, "c", 9, "h9", 10, "h10")
    assert audit.read_witness(path)["c"].seq == 7  # type: ignore[index]
    path.write_text("not json")
    assert audit.read_witness(path) is None


def test_truncated_chain_is_found_by_the_anchor(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    _anchored_chain(committing_db, 6)
    with committing_db.unit_of_work() as session:
        session.execute(delete(audit.AuditEvent))
        session.execute(delete(audit_anchors.AuditAnchor))
        session.execute(update(audit.AuditHead).values(last_seq=0, last_hash=audit.GENESIS))
    with committing_db.unit_of_work() as session:
        _chain(session, 2)  # the platform carries on with a new chain
    chain, anchors = _check(committing_db)
    assert chain.ok and not anchors.ok
    assert any("missing from the audit_anchors table" in p for p in anchors.problems)
    assert any("event 6 was anchored but the chain now ends at event 2" in p for p in anchors.problems)


def test_edit_recompute_and_moved_switch_point_is_found_by_the_anchor(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    """The cleverest rewrite without the key: make every link plain SM3 and move the switch point past the end, so
    the chain on its own looks like an old unkeyed one. The anchor remembers the hash and the switch point."""
    _anchored_chain(committing_db, 6)
    with committing_db.unit_of_work() as session:
        session.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 3).values(payload={"i": 300}))
        head = session.get(audit.AuditHead, 1)
        assert head is not None
        _recompute_from(session, 1, key=None, keyed_from=head.last_seq + 1)
    chain, anchors = _check(committing_db)
    assert chain.ok  # consistent as a plain chain ...
    assert not anchors.ok  # ... but not the chain that was anchored
    assert any("no longer carries the hash anchored" in p for p in anchors.problems)
    assert any("switch to keyed links moved" in p for p in anchors.problems)


def test_edited_anchors_are_found_in_the_table_the_file_and_the_outbox(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    _anchored_chain(committing_db, 4, targets=["http://127.0.0.1:9/province/anchors"])
    with committing_db.unit_of_work() as session:
        session.execute(update(audit_anchors.AuditAnchor).values(seq=2))
    problems = _check(committing_db)[1].problems
    assert any("audit_anchors table has a wrong signature" in p for p in problems)
    with committing_db.unit_of_work() as session:
        session.execute(update(audit_anchors.AuditAnchor).values(seq=4))
        message = session.scalars(
            select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == "audit.anchor")
        ).one()
        message.payload = {**message.payload, "hash": "0" * 64}
    problems = _check(committing_db)[1].problems
    assert len(problems) == 1 and "outbox copy" in problems[0]
    with committing_db.unit_of_work() as session:
        session.execute(delete(outbox.OutboxMessage))
    assert _check(committing_db)[1].ok
    line = json.loads(anchor_file.read_text())
    anchor_file.write_text(json.dumps({**line, "seq": 2}) + "\n" + "not an anchor\n")
    problems = _check(committing_db)[1].problems
    assert any("anchor file has a wrong signature" in p for p in problems)
    assert any("line 2 of the anchor file" in p for p in problems)
    assert any("is in the audit_anchors table but not in the anchor file" in p for p in problems)
    anchor_file.unlink()
    problems = _check(committing_db)[1].problems
    assert any("anchor file" in p and "is missing" in p for p in problems)


def test_anchors_across_a_key_rotation_verify_and_a_rewrite_after_it_is_found(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    first = _anchored_chain(committing_db, 3)
    rotated = _rotate()
    second = _anchored_chain(committing_db, 3)
    assert (first.key_version, second.key_version) == (1, 2)
    with committing_db.unit_of_work() as session:
        assert audit_anchors.verify_anchors(session, rotated).ok
        assert audit.verify(session, rotated).ok
        session.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 2).values(payload={"x": 1}))
        _recompute_from(session, 2, key=None, keyed_from=99)
    chain, anchors = _check(committing_db)
    assert not chain.ok and not anchors.ok
    assert sum("no longer carries the hash anchored" in p for p in anchors.problems) == 2


def test_the_tick_anchors_once_an_interval(committing_db: Database, keys: MemoryKeyring, anchor_file: Path) -> None:
    from xinyong import ticker

    with committing_db.unit_of_work() as session:
        _chain(session, 2)
    first = dict(ticker.run_round(committing_db))
    assert first["audit chain anchor (审计链锚点)"].startswith("event ")
    second = dict(ticker.run_round(committing_db))
    assert second["audit chain anchor (审计链锚点)"] == "anchored recently already"
    assert len(anchor_file.read_text().splitlines()) == 1
    interval = get_settings().audit_anchor_minutes
    started = clock.now()
    clock.freeze(started + dt.timedelta(minutes=interval - 1))
    assert dict(ticker.run_round(committing_db))["audit chain anchor (审计链锚点)"] == "anchored recently already"
    clock.freeze(started + dt.timedelta(minutes=interval, seconds=5))  # an interval after the first anchor
    assert dict(ticker.run_round(committing_db))["audit chain anchor (审计链锚点)"].startswith("event ")
    assert len(anchor_file.read_text().splitlines()) == 2
    assert _check(committing_db)[1].ok


# ---------------------------------------------------------------- the key file and the CLI


def test_key_file_is_created_0600_rotates_and_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.key"
    assert audit_keys.create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = audit_keys.read_key_file(path, strict=True)
    assert list(first) == [1]
    assert not audit_keys.create_key_file(path)
    assert audit_keys.read_key_file(path, strict=True) == first
    assert audit_keys.rotate_key_file(path) == 2
    both = audit_keys.read_key_file(path, strict=True)
    assert both[1] == first[1] and len(both) == 2
    path.chmod(0o644)
    with pytest.raises(audit_keys.AuditKeyError, match="read by others"):
        audit_keys.read_key_file(path, strict=True)
    path.write_text("v1 nothex\n")
    with pytest.raises(audit_keys.AuditKeyError, match="line 1"):
        audit_keys.read_key_file(path, strict=False)


def test_production_refuses_to_start_without_the_key_file(tmp_path: Path) -> None:
    secrets_set: dict[str, Any] = {
        "env": "production",
        "secret_key": "s" * 40,
        "field_key": "12" * 16,
        "blind_index_key": "34" * 32,
        "report_key": "r" * 40,
        "outbox_secret": "o" * 40,
        "argon2_cost": "standard",  # the suite itself runs with the light cost (tests/conftest.py)
    }
    missing = Settings(**secrets_set, audit_key_file=tmp_path / "none.key")
    with pytest.raises(RuntimeError, match="audit key file"):
        missing.check_production()
    with pytest.raises(audit_keys.AuditKeyError, match="does not exist"):
        audit_keys.file_keyring(missing)
    assert not (tmp_path / "none.key").exists()  # production never makes one up
    audit_keys.create_key_file(tmp_path / "made.key")
    Settings(**secrets_set, audit_key_file=tmp_path / "made.key").check_production()


def test_an_hsm_keyring_can_replace_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_AUDIT_KEYRING", f"{__name__}:_hsm_factory")
    get_settings.cache_clear()
    try:
        keyring = audit_keys.get_keyring()
        assert isinstance(keyring, _FakeHsm) and keyring.current_version == 7
    finally:
        get_settings.cache_clear()
        audit_keys._external.clear()


class _FakeHsm(MemoryKeyring):
    pass


def _hsm_factory(_settings: Settings) -> audit_keys.AuditKeyring:
    return _FakeHsm({7: K2})


def test_cli_keygen_anchor_and_verify(
    committing_db: Database, tmp_path: Path, anchor_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "audit.key"
    monkeypatch.setenv("XINYONG_AUDIT_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    runner = CliRunner()
    set_database(committing_db)
    try:
        made = runner.invoke(app, ["audit", "keygen"])
        assert made.exit_code == 0 and key_file.exists(), made.output
        assert runner.invoke(app, ["audit", "keygen"]).exit_code == 1
        with committing_db.unit_of_work() as session:
            _chain(session, 3)
        anchored = runner.invoke(app, ["audit", "anchor"])
        assert anchored.exit_code == 0, anchored.output
        assert json.loads(anchored.output)["seq"] == 3
        assert runner.invoke(app, ["audit", "keygen", "--rotate"]).exit_code == 0
        with committing_db.unit_of_work() as session:
            _chain(session, 2)
            assert session.scalars(select(audit.AuditEvent.key_version).order_by(audit.AuditEvent.seq)).all() == [
                1, 1, 1, 1, 2, 2,
            ]  # fmt: skip
        ok = runner.invoke(app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "6 events verified" in ok.output and "last anchor: event 3" in ok.output
        assert "events 4–6 came after the last anchor" in ok.output
        with committing_db.unit_of_work() as session:
            kept = session.get(audit.AuditEvent, 2)
            assert kept is not None
            session.execute(delete(audit.AuditEvent).where(audit.AuditEvent.seq > 2))
            session.execute(update(audit.AuditHead).values(last_seq=2, last_hash=kept.hash))
        broken = runner.invoke(app, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "event 3 was anchored but the chain now ends at event 2" in broken.output
    finally:
        set_database(None)
        get_settings.cache_clear()


def test_the_head_witness_sees_only_what_the_outermost_transaction_commits(
    committing_db: Database, keys: MemoryKeyring, anchor_file: Path
) -> None:
    """A SAVEPOINT released inside a transaction that then rolls back, or one rolled back inside a transaction
    that commits, must leave no phantom head in the witness (it would later look like a rewound chain)."""
    witness = anchor_file.with_name("audit-head.json")

    def seen() -> int:
        heads = audit.read_witness(witness)
        assert heads is not None and len(heads) == 1
        return next(iter(heads.values())).seq

    with committing_db.unit_of_work() as session:
        _chain(session, 1)

    def fail_after_savepoint() -> None:
        with committing_db.unit_of_work() as session:
            with session.begin_nested():
                _chain(session, 1, start=1)
            raise RuntimeError("the request fails after its savepoint")

    def refused_step(session: Session, start: int) -> None:
        with session.begin_nested():
            _chain(session, 1, start=start)
            raise RuntimeError("refused step")

    with pytest.raises(RuntimeError):
        fail_after_savepoint()
    assert seen() == 1
    with committing_db.unit_of_work() as session:
        _chain(session, 1, start=1)
        with pytest.raises(RuntimeError):
            refused_step(session, 2)
    assert seen() == 2
    with committing_db.unit_of_work() as session:
        with pytest.raises(RuntimeError):
            refused_step(session, 3)
        _chain(session, 2, start=4)
    assert seen() == 4
    chain, anchors = _check(committing_db)
    assert chain.ok and chain.checked == 4 and anchors.ok, anchors.problems
