"""Bulk insertion of the demo dataset: rows as tuples in a fixed column order, written in chunks.

Two writers share one interface. :class:`CoreWriter` uses SQLAlchemy Core ``insert()`` with executemany, so every
value goes through the column types exactly as an ORM write would (SQLite stores dates, timestamps and JSON the way
the services read them back). :class:`CopyWriter` streams rows into PostgreSQL with ``COPY … FROM STDIN`` on the
session's own connection, inside the same transaction; it converts the two types COPY cannot infer (JSON and aware
timestamps) the way the column types would.

Primary keys are assigned by the generator (so the rows of one table can refer to another's without a round trip);
:func:`fix_sequences` moves PostgreSQL's sequences past them afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from sqlalchemy import JSON, Connection, Table, func, inspect, select, text

from xinyong.core.db import Database, UTCDateTime
from xinyong.models import Base

#: Tables the demo fills, in insertion (foreign key) order, with the column order of their rows.
COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("id", "name", "id_type", "id_number_enc", "id_blind", "id_masked", "created_at"),
    "entities": (
        "uscc", "name", "name_pinyin", "name_initials", "authority", "org_type", "region_code", "industry_code",
        "industry_name", "legal_form", "registered_address", "registered_capital", "established_on", "status",
        "provisional", "created_at", "updated_at", "former_names",
    ),
    "entity_names": ("id", "uscc", "name", "valid_from", "valid_to"),
    "entity_aliases": ("id", "alias_type", "code", "uscc"),
    "person_roles": (
        "id", "uscc", "person_id", "role", "valid_from", "valid_to", "asserted_by", "source_department",
        "share_percent", "created_at",
    ),
    "credit_records": ("id", "source_department", "kind", "doc_no", "current_version", "created_at"),
    "credit_record_versions": (
        "id", "record_id", "version", "valid_from", "valid_to", "source_department", "kind", "subject_type",
        "subject_uscc", "subject_person_id", "subject_name", "title", "decision_date", "received_date",
        "published_date", "disclosure", "severity", "status", "content", "provenance", "change_kind",
        "change_reason", "actor_role", "actor_id",
    ),
}  # fmt: skip
#: Tables whose integer ``id`` the generator assigns.
ID_TABLES = tuple(name for name, columns in COLUMNS.items() if columns[0] == "id")

Method = Literal["auto", "core", "copy"]
Row = tuple[Any, ...]


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def check_columns() -> None:
    """Fail loudly when a model gained a required column or lost one the demo writes (the demo is then stale)."""
    for name, columns in COLUMNS.items():
        cols = table(name).columns
        unknown = sorted(set(columns) - set(cols.keys()))
        missing = sorted(
            c.name
            for c in cols
            if c.name not in columns and not c.nullable and c.default is None and c.server_default is None
        )
        if unknown or missing:
            raise RuntimeError(
                f"the demo loader is out of date with table {name}: "
                f"unknown columns {unknown or '-'}, required columns not written {missing or '-'}"
            )


class Writer(Protocol):
    def write(self, name: str, rows: Sequence[Row]) -> None: ...


class CoreWriter:
    """SQLAlchemy Core executemany, ``chunk`` rows per statement."""

    def __init__(self, connection: Connection, chunk: int = 10_000) -> None:
        self.connection = connection
        self.chunk = chunk

    def write(self, name: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        target = table(name)
        columns = COLUMNS[name]
        statement = target.insert()
        for start in range(0, len(rows), self.chunk):
            params = [dict(zip(columns, row, strict=True)) for row in rows[start : start + self.chunk]]
            self.connection.execute(statement, params)


class CopyWriter:
    """PostgreSQL ``COPY FROM STDIN`` through psycopg on the session's connection (same transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.driver: Any = connection.connection.driver_connection
        self._converters: dict[str, list[tuple[int, Any]]] = {}

    def _conversions(self, name: str) -> list[tuple[int, Any]]:
        found = self._converters.get(name)
        if found is None:
            found = []
            for index, column in enumerate(COLUMNS[name]):
                type_ = table(name).columns[column].type
                if isinstance(type_, UTCDateTime):
                    found.append((index, _naive_utc))
                elif isinstance(type_, JSON):
                    found.append((index, _json))
            self._converters[name] = found
        return found

    def write(self, name: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        conversions = self._conversions(name)
        columns = ", ".join(f'"{c}"' for c in COLUMNS[name])
        with self.driver.cursor() as cursor, cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
            if not conversions:
                for row in rows:
                    copy.write_row(row)
                return
            for row in rows:
                values = list(row)
                for index, convert in conversions:
                    values[index] = convert(values[index])
                copy.write_row(values)


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_writer(connection: Connection, method: Method = "auto") -> Writer:
    """COPY on PostgreSQL (several times faster than executemany there), Core executemany elsewhere."""
    postgres = connection.dialect.name == "postgresql"
    if method == "copy" and not postgres:
        raise ValueError("COPY needs PostgreSQL")
    if method == "copy" or (method == "auto" and postgres):
        return CopyWriter(connection)
    return CoreWriter(connection)


def first_ids(connection: Connection) -> dict[str, int]:
    """The next free ``id`` of every table whose ids the generator assigns."""
    return {
        name: int(connection.execute(select(func.coalesce(func.max(table(name).c.id), 0))).scalar_one()) + 1
        for name in ID_TABLES
    }


def fix_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the ids written explicitly (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for name in ID_TABLES:
        sequence = connection.execute(select(func.pg_get_serial_sequence(name, "id"))).scalar()
        highest = connection.execute(select(func.max(table(name).c.id))).scalar()
        if sequence is not None and highest is not None:
            connection.execute(select(func.setval(sequence, highest)))


def restart_empty_sequences(connection: Connection) -> None:
    """Start the id sequence of every empty table at 1 (PostgreSQL; SQLite numbers an empty table from 1 anyway).

    The demo loads into an empty platform, but a sequence keeps counting through rolled-back inserts and deleted
    rows, so rows the demo makes through the services (list entries, their decision records) would otherwise be
    numbered by whatever came before: the same seed must give the same rows."""
    if connection.dialect.name != "postgresql":
        return
    existing = set(inspect(connection).get_table_names())
    for model_table in Base.metadata.sorted_tables:
        if model_table.name not in existing or "id" not in model_table.c:
            continue
        sequence = connection.execute(select(func.pg_get_serial_sequence(model_table.name, "id"))).scalar()
        if sequence is None:
            continue
        if connection.execute(select(table(model_table.name).c.id).limit(1)).first() is None:
            connection.execute(select(func.setval(sequence, 1, False)))


def count_entities(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(table("entities"))).scalar_one())


def delete_all_data(database: Database) -> None:
    """Empty every table of the platform (the schema stays), then put back the reference rows every database needs.

    On PostgreSQL one ``TRUNCATE … RESTART IDENTITY``; on SQLite a ``DELETE`` per table, children first.
    """
    from xinyong.schema import seed_reference_rows

    with database.engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())  # the database may be a migration behind the models
        names = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in existing]
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{n}"' for n in names)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                connection.execute(table(name).delete())
    seed_reference_rows(database)
