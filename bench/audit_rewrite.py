"""Drill: a database administrator rewrites the audit chain; does ``xinyong audit verify`` see it?

For each attack a fresh database gets a chain of ``--events`` events (the key rotated half-way), anchored by the
platform (table, file outside the database, outbox copy to a province target), and a few events more. Then the
attack is done as the administrator would do it: raw SQL on their own connection, with the public algorithm (SM3,
the canonical form is in the source) but without the audit key. Then the platform's verification runs — the same
two functions ``xinyong audit verify`` calls — and the attack counts as detected when it fails.

Attacks:
- ``edit_recompute_plain``: event 200 edited, every later link recomputed as plain SM3 (the issue's attack);
- ``edit_recompute_guessed_key``: the same, links recomputed as HMAC-SM3 under a key of the administrator's own;
- ``edit_recompute_plain_moved_switch``: every link made plain SM3 and the switch point to keyed links moved past
  the end, so the chain alone looks like an old unkeyed one;
- ``delete_tail_rewind_head``: the newest events deleted down to before the last anchor, the head rewound;
- ``delete_unanchored_tail``: only the events recorded after the last anchor deleted, the head rewound (no anchor
  knows them; the head witness outside the database, written after every commit, does);
- ``delete_unanchored_tail_carried_on``: the same, then the platform records new events past the old head (the
  witness sees a commit that does not continue what it saw and keeps the evidence);
- ``truncate``: every event and anchor row deleted, the head reset, the platform carrying on with a new chain;
- ``edit_anchor_table``: after an edit + plain recompute, the anchor row rewritten to the new hash;
- ``edit_anchor_file``: someone with the anchor file but not the key rewrites its last line to the new hash.

Prints one JSON line: ``detected`` per attack and database, ``all_detected``, the load average.

    .venv/bin/python bench/audit_rewrite.py [--events 300] [--postgresql postgresql+psycopg://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, text

from xinyong.core import audit, audit_anchors, audit_keys
from xinyong.core.actor import Actor
from xinyong.core.audit_keys import MemoryKeyring
from xinyong.core.config import get_settings
from xinyong.core.db import Database
from xinyong.schema import create_schema

ACTOR = Actor.system("drill")
PROVINCE = "http://10.0.0.1/province/audit-anchors"  # queued only: the drill delivers nothing


@contextmanager
def fresh_database(kind: str, admin_url: str | None, work: Path) -> Iterator[Database]:
    if kind == "sqlite":
        path = work / f"drill-{secrets.token_hex(4)}.db"
        database = Database(f"sqlite:///{path}")
        try:
            create_schema(database)
            yield database
        finally:
            database.dispose()
            path.unlink(missing_ok=True)
        return
    assert admin_url is not None
    name = f"xinyong_drill_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(admin_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        create_schema(database)
        yield database
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build(database: Database, events: int) -> None:
    """``events`` events (key v1 for the first half, v2 after a rotation), an anchor, then five more events."""
    half = events // 2
    with database.unit_of_work() as session:
        for i in range(half):
            audit.record(session, ACTOR, "drill:thing:made", "thing", str(i), {"i": i, "名称": "共青城"})
    audit_keys.set_keyring(MemoryKeyring({1: _K1, 2: _K2}))
    with database.unit_of_work() as session:
        for i in range(half, events):
            audit.record(session, ACTOR, "drill:thing:made", "thing", str(i), {"i": i, "名称": "共青城"})
    assert audit_anchors.anchor(database, ACTOR, targets=lambda _s: [PROVINCE]) is not None
    with database.unit_of_work() as session:
        for i in range(events, events + 5):
            audit.record(session, ACTOR, "drill:thing:made", "thing", str(i), {"i": i})


_K1 = secrets.token_bytes(32)
_K2 = secrets.token_bytes(32)


# ---------------------------------------------------------------- the administrator's tools: SQL and public SM3


def _rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_events ORDER BY seq"))]


def _payload(row: dict[str, Any]) -> Any:
    value = row["payload"]
    return json.loads(value) if isinstance(value, str) else value


def _relink(conn: Connection, start: int, *, key: bytes | None, keyed_from: int | None = None) -> None:
    """Recompute every link from ``start`` on (plain SM3 when ``key`` is None) and point the head at the new end."""
    rows = _rows(conn)
    prev = rows[start - 2]["hash"] if start > 1 else audit.GENESIS
    forged = MemoryKeyring({1: key, 2: key}) if key is not None else None
    for row in rows[start - 1 :]:
        row["payload"] = _payload(row)
        at = row["at"]
        at = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
        row["at"] = at.replace(tzinfo=dt.UTC)  # stored as UTC without a zone on both databases
        row["prev_hash"] = prev
        if forged is None:
            row["key_version"] = None
        event = type("Event", (), row)
        row["hash"] = prev = audit.compute_hash(event, forged)
        conn.execute(
            text("UPDATE audit_events SET prev_hash = :p, hash = :h, key_version = :v WHERE seq = :s"),
            {"p": row["prev_hash"], "h": row["hash"], "v": row["key_version"], "s": row["seq"]},
        )
    conn.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    if keyed_from is not None:
        conn.execute(text("UPDATE audit_head SET keyed_from = :k"), {"k": keyed_from})


def _edit_200(conn: Connection) -> None:
    row = _rows(conn)[199]
    changed = {**_payload(row), "名称": "已篡改"}
    conn.execute(
        text("UPDATE audit_events SET payload = :p WHERE seq = 200"),
        {"p": json.dumps(changed, ensure_ascii=False)},
    )


def edit_recompute_plain(conn: Connection, _anchor_file: Path) -> None:
    _edit_200(conn)
    _relink(conn, 200, key=None)


def edit_recompute_guessed_key(conn: Connection, _anchor_file: Path) -> None:
    _edit_200(conn)
    _relink(conn, 200, key=secrets.token_bytes(32))


def edit_recompute_plain_moved_switch(conn: Connection, _anchor_file: Path) -> None:
    _edit_200(conn)
    last = conn.execute(text("SELECT last_seq FROM audit_head")).scalar_one()
    _relink(conn, 1, key=None, keyed_from=last + 1)


def delete_tail_rewind_head(conn: Connection, _anchor_file: Path) -> None:
    anchored = conn.execute(text("SELECT max(seq) FROM audit_anchors")).scalar_one()
    keep = anchored - 3
    kept = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": keep}).scalar_one()
    conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep})
    conn.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h"), {"s": keep, "h": kept})


def delete_unanchored_tail(conn: Connection, _anchor_file: Path) -> None:
    anchored = conn.execute(text("SELECT max(seq) FROM audit_anchors")).scalar_one()
    keep = anchored + 1  # the anchoring event itself stays; the five later events go
    kept = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": keep}).scalar_one()
    conn.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep})
    conn.execute(text("UPDATE audit_head SET last_seq = :s, last_hash = :h"), {"s": keep, "h": kept})


def delete_unanchored_tail_carried_on(conn: Connection, anchor_file: Path) -> None:
    delete_unanchored_tail(conn, anchor_file)
    # the platform's next commits come after the attack: see CARRY_ON


CARRY_ON = {"delete_unanchored_tail_carried_on"}  # attacks after which the platform records 8 more events


def truncate(conn: Connection, _anchor_file: Path) -> None:
    conn.execute(text("DELETE FROM audit_events"))
    conn.execute(text("DELETE FROM audit_anchors"))
    conn.execute(text("DELETE FROM outbox_messages WHERE topic = 'audit.anchor'"))
    conn.execute(text("UPDATE audit_head SET last_seq = 0, last_hash = :g"), {"g": audit.GENESIS})


def _consistent_plain_rewrite(conn: Connection) -> tuple[int, str, int]:
    """Event 200 edited and the whole chain re-linked as a plain one (it verifies on its own); returns the last
    anchor's seq, the hash that event now has and the moved switch point, for the anchor to be forged to."""
    _edit_200(conn)
    last = conn.execute(text("SELECT last_seq FROM audit_head")).scalar_one()
    _relink(conn, 1, key=None, keyed_from=last + 1)
    anchored = conn.execute(text("SELECT max(seq) FROM audit_anchors")).scalar_one()
    new_hash = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": anchored}).scalar_one()
    return anchored, new_hash, last + 1


def edit_anchor_table(conn: Connection, _anchor_file: Path) -> None:
    anchored, new_hash, keyed_from = _consistent_plain_rewrite(conn)
    conn.execute(
        text("UPDATE audit_anchors SET hash = :h, keyed_from = :k WHERE seq = :s"),
        {"h": new_hash, "k": keyed_from, "s": anchored},
    )


def edit_anchor_file(conn: Connection, anchor_file: Path) -> None:
    """Both copies forged: the table row (the administrator) and the file (someone who can reach it, not the key)."""
    anchored, new_hash, keyed_from = _consistent_plain_rewrite(conn)
    conn.execute(
        text("UPDATE audit_anchors SET hash = :h, keyed_from = :k WHERE seq = :s"),
        {"h": new_hash, "k": keyed_from, "s": anchored},
    )
    lines = anchor_file.read_text().splitlines()
    last = json.loads(lines[-1])
    lines[-1] = json.dumps({**last, "hash": new_hash, "keyed_from": keyed_from}, sort_keys=True, separators=(",", ":"))
    anchor_file.write_text("\n".join(lines) + "\n")


ATTACKS: dict[str, Callable[[Connection, Path], None]] = {
    "edit_recompute_plain": edit_recompute_plain,
    "edit_recompute_guessed_key": edit_recompute_guessed_key,
    "edit_recompute_plain_moved_switch": edit_recompute_plain_moved_switch,
    "delete_tail_rewind_head": delete_tail_rewind_head,
    "delete_unanchored_tail": delete_unanchored_tail,
    "delete_unanchored_tail_carried_on": delete_unanchored_tail_carried_on,
    "truncate": truncate,
    "edit_anchor_table": edit_anchor_table,
    "edit_anchor_file": edit_anchor_file,
}


def verify(database: Database) -> tuple[bool, list[str]]:
    with database.unit_of_work() as session:
        chain = audit.verify(session)
        anchors = audit_anchors.verify_anchors(session)
    found = ([] if chain.ok else [chain.describe()]) + anchors.problems
    return bool(found), found


def run_one(
    kind: str, admin_url: str | None, work: Path, events: int, attack: Callable[[Connection, Path], None]
) -> dict[str, Any]:
    audit_keys.set_keyring(MemoryKeyring({1: _K1}))
    anchor_file = Path(os.environ["XINYONG_AUDIT_ANCHOR_FILE"])
    anchor_file.unlink(missing_ok=True)
    Path(os.environ["XINYONG_AUDIT_WITNESS_FILE"]).unlink(missing_ok=True)
    with fresh_database(kind, admin_url, work) as database:
        build(database, events)
        flagged, found = verify(database)
        assert not flagged, f"the intact chain must verify: {found}"
        dba = create_engine(database.url)  # the administrator's own connection
        with dba.begin() as conn:
            attack(conn, anchor_file)
        dba.dispose()
        if attack.__name__ in CARRY_ON:
            for commit in range(4):  # one event alone (behind the witnessed head), then pairs past it
                with database.unit_of_work() as session:
                    for i in range(1 if commit == 0 else 2):
                        audit.record(session, ACTOR, "drill:thing:made", "thing", f"after-{commit}-{i}", {})
        started = time.perf_counter()
        detected, found = verify(database)
        return {"detected": detected, "verify_s": round(time.perf_counter() - started, 3), "first": found[:1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--postgresql", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if args.events < 220:
        parser.error("--events must be at least 220 (event 200 is edited)")
    work = Path(tempfile.mkdtemp(prefix="xinyong-drill-"))
    os.environ["XINYONG_AUDIT_ANCHOR_FILE"] = str(work / "anchors.jsonl")
    os.environ["XINYONG_AUDIT_WITNESS_FILE"] = str(work / "audit-head.json")
    get_settings.cache_clear()
    kinds = ["sqlite"] if args.sqlite_only else ["sqlite", "postgresql"]
    result: dict[str, Any] = {"drill": "audit_rewrite", "events": args.events, "key_rotated_at": args.events // 2 + 1}
    for kind in kinds:
        detected: dict[str, bool] = {}
        for name, attack in ATTACKS.items():
            outcome = run_one(kind, args.postgresql, work, args.events, attack)
            detected[name] = outcome["detected"]
            print(f"{kind:<10} {name:<36} detected={outcome['detected']!s:<5} {outcome['first']}", file=sys.stderr)
        result[kind] = {"detected": detected, "all_detected": all(detected.values())}
    result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
