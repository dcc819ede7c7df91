"""The audit chain: intact chains verify; any changed, deleted or inserted row is found and named."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.core import audit
from xinyong.core.actor import Actor
from xinyong.core.db import Database, set_database


def _chain(session: Session, n: int = 5) -> None:
    actor = Actor.system("test")
    for i in range(n):
        audit.record(session, actor, "test:thing:made", "thing", str(i), {"i": i, "名称": "共青城"})


def test_intact_chain_verifies(db: Session) -> None:
    _chain(db)
    result = audit.verify(db)
    assert result.ok, result.describe()
    assert result.checked == 5


def test_changed_payload_is_named(db: Session) -> None:
    _chain(db)
    db.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 3).values(payload={"i": 99}))
    result = audit.verify(db)
    assert not result.ok
    assert result.broken_seq == 3
    assert "changed" in (result.reason or "")


def test_deleted_middle_row_is_named(db: Session) -> None:
    _chain(db)
    db.execute(delete(audit.AuditEvent).where(audit.AuditEvent.seq == 2))
    result = audit.verify(db)
    assert not result.ok
    assert result.broken_seq == 2


def test_deleted_last_row_is_named(db: Session) -> None:
    _chain(db)
    db.execute(delete(audit.AuditEvent).where(audit.AuditEvent.seq == 5))
    result = audit.verify(db)
    assert not result.ok
    assert result.broken_seq == 5


def test_changed_actor_is_found(db: Session) -> None:
    _chain(db)
    db.execute(text("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 1"))
    result = audit.verify(db)
    assert result.broken_seq == 1


def test_cli_verify_exit_codes(committing_db: Database) -> None:
    # this test's chain starts empty: anchors other tests of this process wrote to the shared anchor file are stale
    Path(os.environ["XINYONG_AUDIT_ANCHOR_FILE"]).unlink(missing_ok=True)
    set_database(committing_db)
    try:
        with committing_db.unit_of_work() as session:
            _chain(session, 3)
        runner = CliRunner()
        ok = runner.invoke(app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "3 events" in ok.output
        with committing_db.unit_of_work() as session:
            session.execute(update(audit.AuditEvent).where(audit.AuditEvent.seq == 2).values(action="x:y:z"))
        broken = runner.invoke(app, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "event 2" in broken.output
    finally:
        set_database(None)
