"""The portal publishes the audit chain's signed heads (审计链锚点公示): a Chinese page and JSON, public; the
console's chain check shows the check against the anchors, in Chinese."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.core import audit, audit_anchors, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit_keys import MemoryKeyring, get_keyring
from xinyong.core.config import get_settings

KEYS = MemoryKeyring({1: bytes(range(32))})


def _publish(db: Session, seq: int, at: dt.datetime) -> audit_anchors.Anchor:
    signed = audit_anchors.sign(KEYS, seq, f"{seq:064x}", at, 1)
    db.add(
        audit_anchors.AuditAnchor(
            seq=signed.seq,
            hash=signed.hash,
            at=signed.at,
            key_version=signed.key_version,
            keyed_from=signed.keyed_from,
            signature=signed.signature,
        )
    )
    db.flush()
    return signed


def test_anchors_page_and_json_list_the_signed_heads_newest_first(client: TestClient, db: Session) -> None:
    empty = client.get("/audit/anchors")
    assert empty.status_code == 200 and "暂无锚点" in empty.text
    older = _publish(db, 120, dt.datetime(2026, 12, 5, 18, 30, tzinfo=dt.UTC))
    newer = _publish(db, 245, dt.datetime(2026, 12, 6, 18, 30, tzinfo=dt.UTC))
    page = client.get("/audit/anchors")
    assert page.status_code == 200
    assert "审计链锚点公示" in page.text and "北京时间" in page.text
    assert "2026-12-07 02:30:00" in page.text  # Beijing time of the newer anchor
    assert page.text.index(newer.signature) < page.text.index(older.signature)
    data = client.get("/audit/anchors.json").json()
    assert data["total"] == 2 and [item["seq"] for item in data["items"]] == [245, 120]
    item = data["items"][0]
    assert item["at_beijing"] == "2026-12-07 02:30:00"
    # What the portal publishes is exactly the signed anchor: a copy of it checks against the key.
    copy = audit_anchors.Anchor.from_json({k: v for k, v in item.items() if k != "at_beijing"})
    assert copy == newer and audit_anchors.signature_ok(KEYS, copy)
    home = client.get("/")
    assert 'href="/audit/anchors"' in home.text


def test_anchors_pages_refuse_bad_parameters(client: TestClient) -> None:
    assert client.get("/audit/anchors?page=0").status_code == 422
    assert client.get("/audit/anchors.json?page=x").status_code == 422
    assert client.get("/audit/anchors?sort=1").status_code in (400, 422)


def test_console_verify_shows_the_anchor_check_in_chinese(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    anchor_file = tmp_path / "anchors.jsonl"
    monkeypatch.setenv("XINYONG_AUDIT_ANCHOR_FILE", str(anchor_file))
    get_settings.cache_clear()
    try:
        client = console_client(db)
        make_user(db, "shenji", Role.AUDITOR, display_name="审计员")
        sign_in(client, "shenji")
        head = db.get(audit.AuditHead, 1)
        assert head is not None
        signed = audit_anchors.sign(get_keyring(), head.last_seq, head.last_hash, clock.now(), head.keyed_from)
        db.add(
            audit_anchors.AuditAnchor(
                seq=signed.seq,
                hash=signed.hash,
                at=signed.at,
                key_version=signed.key_version,
                keyed_from=signed.keyed_from,
                signature=signed.signature,
            )
        )
        db.flush()
        missing = client.get("/console/audit/verify", headers={**HTML, "HX-Request": "true"})
        assert missing.status_code == 200 and "哈希链完整" in missing.text
        assert "与库外锚点不符" in missing.text and "锚点文件不存在" in missing.text
        audit_anchors.append_to_file(anchor_file, signed)
        audit.record(db, Actor.system("test"), "test:thing:made", "thing", "1")
        kept = client.get("/console/audit/verify", headers={**HTML, "HX-Request": "true"})
        assert "与库外锚点一致" in kept.text and f"最近锚点：第 {signed.seq} 条事件" in kept.text
        assert "尚未锚定" in kept.text
    finally:
        get_settings.cache_clear()
