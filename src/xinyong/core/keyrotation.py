"""Re-encrypt every SM4 field token under the current key (``xinyong keys rotate``), in chunks, resumably, while
the platform serves.

Tokens carry the id of the key that made them (``sm4gcm:v1:<key_id>:…``, :mod:`xinyong.core.crypto`). After a new
``XINYONG_FIELD_KEY`` is set (the old one moved to ``XINYONG_FIELD_KEYS_OLD``, so everything still decrypts), this
walks every table's text and JSON columns in primary-key order, a chunk of rows per transaction: each token made
with another key is decrypted under its column context and encrypted again with the current key. The chunk's rows
are locked while it is rewritten (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions are exclusive), so a
request changing one of them waits for a few milliseconds instead of losing its change. Where it stopped is kept
in ``ops_state`` after every chunk: an interrupted run resumes there.

Sealed tables (the audit chain and its anchors, issued credit reports, inspection draws) are never rewritten — a
hash covers their bytes — and their tokens are counted as ``sealed``: keep the old key in ``XINYONG_FIELD_KEYS_OLD``
while any remain. A token no known context opens is counted ``unreadable`` and left as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, String, Table, Text, select, update
from sqlalchemy.orm import Session

from xinyong.core import opstate
from xinyong.core.crypto import DecryptionError, FieldCipher, is_token
from xinyong.core.db import Base, Database

STATE = "keys:rotate"
SEALED_TABLES = frozenset({"audit_events", "audit_head", "audit_anchors", "issued_reports", "inspection_draws"})


@dataclass
class RotationReport:
    key_id: str
    rotated: int = 0  # tokens re-encrypted in this run
    rows: int = 0  # rows rewritten in this run
    sealed: Counter[str] = field(default_factory=Counter)  # tokens under another key in sealed tables, by table
    unreadable: int = 0
    resumed_from: str | None = None
    tables: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "rotated": self.rotated,
            "rows": self.rows,
            "sealed": dict(self.sealed),
            "unreadable": self.unreadable,
            "resumed_from": self.resumed_from,
        }


def _token_columns(table: Table) -> list[str]:
    return [
        c.name for c in table.columns if isinstance(c.type, String | Text | JSON) or "JSON" in type(c.type).__name__
    ]


def rotatable_tables() -> list[Table]:
    """Tables with a one-column primary key and text or JSON columns, in name order (the order a run walks)."""
    found = []
    for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and _token_columns(table):
            found.append(table)
    return found


class _Rewriter:
    def __init__(self, cipher: FieldCipher, contexts: Iterable[str], report: RotationReport) -> None:
        self.cipher = cipher
        self.contexts = list(contexts)
        self.report = report
        self.hint: dict[str, str] = {}  # column -> the context that last opened one of its tokens

    def token(self, value: str, column: str) -> str:
        if self.cipher.token_key_id(value) == self.cipher.key_id:
            return value
        hinted = self.hint.get(column)
        for context in ([hinted] if hinted else []) + [c for c in self.contexts if c != hinted]:
            try:
                clear = self.cipher.decrypt(value, context=context)
            except DecryptionError:
                continue
            self.hint[column] = context
            self.report.rotated += 1
            return self.cipher.encrypt(clear, context=context)
        self.report.unreadable += 1
        return value

    def value(self, value: Any, column: str) -> Any:
        if isinstance(value, str):
            return self.token(value, column) if is_token(value) else value
        if isinstance(value, dict):
            return {k: self.value(v, column) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, column) for v in value]
        return value


def _old_tokens(value: Any, current: str, cipher: FieldCipher) -> int:
    if isinstance(value, str):
        if not is_token(value):
            return 0
        try:
            return 0 if cipher.token_key_id(value) == current else 1
        except DecryptionError:
            return 0
    if isinstance(value, dict):
        return sum(_old_tokens(v, current, cipher) for v in value.values())
    if isinstance(value, list):
        return sum(_old_tokens(v, current, cipher) for v in value)
    return 0


def rotate(
    database: Database,
    cipher: FieldCipher,
    contexts: Iterable[str],
    *,
    chunk: int = 500,
    restart: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every token not made with ``cipher``'s current key; ``progress`` hears of every chunk committed
    (an interruption — Ctrl-C, a crash — loses at most the chunk in flight; the next run resumes after it)."""
    report = RotationReport(key_id=cipher.key_id)
    rewriter = _Rewriter(cipher, contexts, report)
    tables = rotatable_tables()
    start_table, after = "", None
    with database.unit_of_work() as session:
        saved = opstate.get(session, STATE)
        if saved is not None and not restart and saved.detail.get("key_id") == cipher.key_id:
            start_table, after = saved.detail.get("table", ""), saved.detail.get("after")
            report.resumed_from = f"{start_table} after {after}"
    for table in tables:
        if table.name < start_table:
            continue
        if table.name != start_table:
            after = None
        report.tables.append(table.name)
        key = next(iter(table.primary_key.columns))
        columns = [table.c[name] for name in _token_columns(table)]
        sealed = table.name in SEALED_TABLES
        while True:
            with database.unit_of_work() as session:
                query = select(key, *columns).order_by(key).limit(chunk)
                if after is not None:
                    query = query.where(key > after)
                if not sealed and database.dialect == "postgresql":
                    query = query.with_for_update()
                rows = session.execute(query).all()
                if not rows:
                    break
                for row in rows:
                    if sealed:
                        report.sealed[table.name] += sum(_old_tokens(v, cipher.key_id, cipher) for v in row[1:])
                        continue
                    changes = {}
                    for column, value in zip(columns, row[1:], strict=True):
                        if value is None:
                            continue
                        rewritten = rewriter.value(value, column.name)
                        if rewritten != value:
                            changes[column.name] = rewritten
                    if changes:
                        session.execute(update(table).where(key == row[0]).values(**changes))
                        report.rows += 1
                after = rows[-1][0]
                opstate.put(session, STATE, {"key_id": cipher.key_id, "table": table.name, "after": after})
            if progress is not None:
                progress(table.name, len(rows))
            if len(rows) < chunk:
                break
    with database.unit_of_work() as session:
        opstate.put(session, STATE, {"key_id": cipher.key_id, "table": "~done", "after": None})
    return report


def count_old_tokens(session: Session, cipher: FieldCipher) -> Counter[str]:
    """Tokens not made with the current key, by table (every table, sealed ones included)."""
    found: Counter[str] = Counter()
    for table in rotatable_tables():
        columns = [table.c[name] for name in _token_columns(table)]
        for row in session.execute(select(*columns)):
            count = sum(_old_tokens(v, cipher.key_id, cipher) for v in row)
            if count:
                found[table.name] += count
    return found


__all__ = ["SEALED_TABLES", "RotationReport", "count_old_tokens", "rotatable_tables", "rotate"]
