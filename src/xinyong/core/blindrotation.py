"""Rebuild every stored blind index under the current key (``xinyong keys rotate``), in chunks, resumably, while
the platform serves.

A blind index (:class:`xinyong.core.crypto.BlindIndex`) is an HMAC of a value that is always stored encrypted beside
it, so it can be recomputed: each area that keeps blind indexes names the table and a ``rebuild`` function that,
given a row, decrypts the value and answers the changes that bring the row's digests under the current key (``{}``
when they already are). The walk runs in primary-key order, a chunk of rows per transaction (locked with ``FOR
UPDATE`` on PostgreSQL), and saves where it stopped in ``ops_state`` after every chunk, like the SM4 rotation in
:mod:`xinyong.core.keyrotation`.

While it runs, lookups accept every key in ``XINYONG_BLIND_INDEX_KEYS_OLD`` (``BlindIndex.digests``), so nothing is
missed; a row whose new digest is already held by another row (two rows of one person made by servers that did not
know each other's key: docs/operations.md says how to switch keys so this cannot happen) is left as it is and
counted as a ``conflict`` for the operator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import opstate
from xinyong.core.db import Database

STATE = "keys:blind-index"

Rebuild = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class BlindIndexedTable:
    """A table that keeps blind indexes: the columns ``rebuild`` reads, and the function itself."""

    table: Table
    columns: tuple[str, ...]
    rebuild: Rebuild


@dataclass
class BlindRebuildReport:
    key_id: str
    rows: int = 0  # rows whose digests were rebuilt in this run
    conflicts: Counter[str] = field(default_factory=Counter)  # rows left as they were: the new digest is taken
    resumed_from: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "blind_index_key_id": self.key_id,
            "rebuilt": self.rows,
            "conflicts": dict(self.conflicts),
            "resumed_from": self.resumed_from,
        }


def _apply(session: Session, table: Table, key: Any, ident: Any, changes: dict[str, Any]) -> bool:
    try:
        with session.begin_nested():
            session.execute(update(table).where(key == ident).values(**changes))
    except IntegrityError:
        return False
    return True


def rebuild(
    database: Database,
    key_id: str,
    tables: Iterable[BlindIndexedTable],
    *,
    chunk: int = 500,
    restart: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> BlindRebuildReport:
    """Bring every stored blind index in ``tables`` under the key ``key_id`` names (the current one)."""
    report = BlindRebuildReport(key_id=key_id)
    ordered = sorted(tables, key=lambda t: t.table.name)
    start_table, after = "", None
    with database.unit_of_work() as session:
        saved = opstate.get(session, STATE)
        if saved is not None and not restart and saved.detail.get("key_id") == key_id:
            start_table, after = saved.detail.get("table", ""), saved.detail.get("after")
            report.resumed_from = f"{start_table} after {after}"
    for spec in ordered:
        table = spec.table
        if table.name < start_table:
            continue
        if table.name != start_table:
            after = None
        key = next(iter(table.primary_key.columns))
        columns = [table.c[name] for name in spec.columns]
        while True:
            with database.unit_of_work() as session:
                query = select(key, *columns).order_by(key).limit(chunk)
                if after is not None:
                    query = query.where(key > after)
                if database.dialect == "postgresql":
                    query = query.with_for_update()
                rows = session.execute(query).all()
                if not rows:
                    break
                for row in rows:
                    changes = spec.rebuild(dict(zip(spec.columns, row[1:], strict=True)))
                    if not changes:
                        continue
                    if _apply(session, table, key, row[0], changes):
                        report.rows += 1
                    else:
                        report.conflicts[table.name] += 1
                after = rows[-1][0]
                opstate.put(session, STATE, {"key_id": key_id, "table": table.name, "after": after})
            if progress is not None:
                progress(table.name, len(rows))
            if len(rows) < chunk:
                break
    with database.unit_of_work() as session:
        opstate.put(session, STATE, {"key_id": key_id, "table": "~done", "after": None})
    return report


def count_stale(session: Session, tables: Iterable[BlindIndexedTable]) -> Counter[str]:
    """Rows whose blind indexes are not (all) under the current key, by table."""
    found: Counter[str] = Counter()
    for spec in tables:
        columns = [spec.table.c[name] for name in spec.columns]
        for row in session.execute(select(*columns)):
            if spec.rebuild(dict(zip(spec.columns, row, strict=True))):
                found[spec.table.name] += 1
    return found


__all__ = ["BlindIndexedTable", "BlindRebuildReport", "count_stale", "rebuild"]
