"""Tables of cross-level exchange: upstream sources, what each delivery brought (batches), the upstream items with
every version, rejected rows with reasons, the office's review list of conflicts, and how far the outbound scan has
queued the city's own data for the provincial platform (the messages themselves are ``core.outbox`` rows).

An upstream list item's current version is also a row of ``list_entries`` (origin ``upstream``), written through
:mod:`xinyong.lists.upstream`, so the check API matches it like a local entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, JSONType, UTCDateTime


class ExchangeSource(Base):
    """One upstream source (国家级、省级或其他城市), configured by the credit office."""

    __tablename__ = "exchange_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    issuing_body: Mapped[str] = mapped_column(String(128))
    list_types: Mapped[list[str]] = mapped_column(JSONType)  # list type codes it carries
    record_kinds: Mapped[list[str]] = mapped_column(JSONType)  # credit record kinds it carries (kept as items)
    transport: Mapped[str] = mapped_column(String(16))
    drop_dir: Mapped[str | None] = mapped_column(String(500))
    feed_url: Mapped[str | None] = mapped_column(String(500))
    credentials_ref: Mapped[str | None] = mapped_column(String(100))  # an environment variable's name, never a secret
    schedule_minutes: Mapped[int | None] = mapped_column(Integer)  # pull every N minutes in xinyong tick
    department: Mapped[str] = mapped_column(ForeignKey("departments.code"))  # the local department answering for it
    push_url: Mapped[str | None] = mapped_column(String(500))  # where the city's own data is pushed (provincial)
    active: Mapped[bool] = mapped_column(Boolean)
    cursor: Mapped[str | None] = mapped_column(String(200))  # the last applied page's next cursor
    cursor_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_pull_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_pull_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExchangeBatch(Base):
    """One delivery: a feed page or a file, with what it brought and what became of it."""

    __tablename__ = "exchange_batches"
    __table_args__ = (Index("ix_exchange_batches_source", "source_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("exchange_sources.id"))
    channel: Mapped[str] = mapped_column(String(16))  # page / file
    ref: Mapped[str] = mapped_column(String(500))  # the cursor asked for, or the file's name
    sha256: Mapped[str] = mapped_column(String(64))
    cursor_after: Mapped[str | None] = mapped_column(String(200))
    received: Mapped[int] = mapped_column(Integer)
    applied: Mapped[int] = mapped_column(Integer)  # new versions applied
    unchanged: Mapped[int] = mapped_column(Integer)  # versions already held (re-delivered)
    rejected: Mapped[int] = mapped_column(Integer)
    conflicts: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExchangeItem(Base):
    """One upstream item (a list entry as the source identifies it) and where its current version stands."""

    __tablename__ = "exchange_items"
    __table_args__ = (UniqueConstraint("source_id", "upstream_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("exchange_sources.id"))
    upstream_id: Mapped[str] = mapped_column(String(128))
    list_code: Mapped[str] = mapped_column(String(32))
    subject_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    subject_name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)  # the latest version received
    applied_version: Mapped[int | None] = mapped_column(Integer)  # the version the entry shows
    upstream_version: Mapped[int | None] = mapped_column(Integer)  # the source's own version number, if it gives one
    status: Mapped[str] = mapped_column(String(8))  # the latest version's upstream status
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExchangeItemVersion(Base):
    """Every version of an upstream item as received, kept forever (nothing is overwritten)."""

    __tablename__ = "exchange_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("exchange_items.id"))
    version: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the normalised item (ID numbers masked)
    status: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(12))  # applied / held / dismissed
    batch_id: Mapped[int] = mapped_column(ForeignKey("exchange_batches.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExchangeRejection(Base):
    """A row of a delivery that was refused, with the field and the reason."""

    __tablename__ = "exchange_rejections"
    __table_args__ = (Index("ix_exchange_rejections_batch", "batch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("exchange_batches.id"))
    row: Mapped[int] = mapped_column(Integer)
    upstream_id: Mapped[str | None] = mapped_column(String(128))
    field: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)


class ExchangeConflict(Base):
    """An item that disagrees with local data, on the office's review list (never merged silently)."""

    __tablename__ = "exchange_conflicts"
    __table_args__ = (Index("ix_exchange_conflicts_open", "resolution", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("exchange_sources.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("exchange_items.id"))
    version: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("exchange_batches.id"))
    kind: Mapped[str] = mapped_column(
        String(32)
    )  # name_mismatch / registered_differently / person_name_mismatch / term_defaulted
    subject: Mapped[str] = mapped_column(String(200))  # the USCC or the masked ID number
    local_value: Mapped[str] = mapped_column(String(500))
    upstream_value: Mapped[str] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(String(12))  # None while open; accepted / dismissed
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExchangeScanMark(Base):
    """How far the outbound scan has read: per kind, the moment (records) or the step id (list decisions) up to
    which everything was queued. Each scan re-reads a margin before the mark; the idempotency key drops repeats."""

    __tablename__ = "exchange_scan_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
