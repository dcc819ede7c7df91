"""Tables of the portal's content: one row per item (its workflow status, the version the public reads and its
schedule), every saved version, the item's files (images and attachments, downloads counted) and its steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.content.rules import TABLE
from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory


class ContentItem(Base):
    """An item of 信用动态, 政策法规, 典型案例, 通知公告 or 办事指南. ``status`` is the newest version's place in the
    review procedure; ``live_version`` is the version the public reads (kept while a revision is edited), visible from
    ``publish_at`` until ``withdraw_at``. ``title`` and ``category`` are the newest version's (the console's lists);
    the public reads the live version's row."""

    __tablename__ = "content_items"
    __table_args__ = (
        Index("ix_content_items_public", "kind", "live_version", "published_on"),
        Index("ix_content_items_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)  # the newest saved version
    live_version: Mapped[int | None] = mapped_column(Integer)
    publish_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdraw_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_on: Mapped[dt.date | None] = mapped_column()  # the date shown (Beijing), set when it goes live
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(16))
    review_comment: Mapped[str | None] = mapped_column(Text)  # the reviewer's comment when it was returned
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContentVersion(Base):
    """One saved version of an item, never changed: title, category, summary, sanitised body and the kind's own
    fields (文号, issuing body, dates, policy status; a guide's steps, materials, contact; a case's links)."""

    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # sanitised HTML
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType)
    search_text: Mapped[str] = mapped_column(Text)  # title, summary, fields and the body's text, for search
    saved_by: Mapped[str] = mapped_column(String(128))
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContentFile(Base):
    """An image or attachment of an item, stored outside the web root under a name the platform chose."""

    __tablename__ = "content_files"
    __table_args__ = (Index("ix_content_files_item", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    image: Mapped[bool] = mapped_column()  # shown in the body (True) or listed as an attachment
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(64))
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[bool] = mapped_column(default=False)
    uploaded_by: Mapped[str] = mapped_column(String(128))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ContentStep(StepHistory, Base):
    __tablename__ = "content_item_steps"
    __table_args__ = (Index("ix_content_item_steps_item", "item_id", "id"),)
    owner_key = "item_id"

    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))


CONTENT = Procedure("网站内容发布", TABLE, ContentStep)
