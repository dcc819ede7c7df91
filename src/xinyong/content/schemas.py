"""Shapes of the portal's content: what an editor sends, and what the public reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from xinyong.content.rules import MAX_BODY, MAX_SUMMARY, MAX_TITLE, Kind


class ItemIn(BaseModel):
    """One save of an item (a new version). Fields a kind does not use are ignored."""

    kind: Kind
    title: str = Field(max_length=MAX_TITLE)
    category: str | None = Field(default=None, max_length=16)
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY)
    body: str = Field(default="", max_length=MAX_BODY)
    # 政策法规
    doc_number: str | None = Field(default=None, max_length=100)  # 文号
    issuer: str | None = Field(default=None, max_length=200)  # 发布机关
    issued_on: dt.date | None = None  # 发布日期
    effective_on: dt.date | None = None  # 施行日期
    policy_status: str | None = Field(default=None, max_length=8)  # 现行有效 / 已废止
    # 办事指南
    steps: str | None = Field(default=None, max_length=20_000)  # one a line
    materials: str | None = Field(default=None, max_length=20_000)  # one a line
    contact: str | None = Field(default=None, max_length=500)
    # 典型案例
    links: str | None = Field(default=None, max_length=2_000)  # record:12 entry:3


@dataclass(frozen=True)
class Attachment:
    id: int
    filename: str
    media_type: str
    size: int
    downloads: int
    image: bool

    @property
    def size_text(self) -> str:
        return f"{self.size / 1024:,.0f} KB" if self.size < 1024 * 1024 else f"{self.size / 2**20:,.1f} MB"


@dataclass(frozen=True)
class LinkedSubject:
    """What a typical case is about, as the public reads it (through the records' and lists' own desensitised
    views): a label, a line of detail, and the portal page to read it on (``None``: not public now)."""

    kind: str  # 信用记录 / 名单
    label: str
    detail: str
    href: str | None


@dataclass(frozen=True)
class PublicItem:
    """An item as the portal shows it: the live version, desensitised, with its files."""

    id: int
    kind: str
    kind_label: str
    path: str  # /news/12
    title: str
    category: str | None
    summary: str | None
    body: str  # sanitised HTML
    published_on: dt.date | None
    fields: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    links: list[LinkedSubject] = field(default_factory=list)
    limits: list[tuple[str, int]] = field(default_factory=list)  # a guide's working-day limits, from the settings


@dataclass(frozen=True)
class ListRow:
    id: int
    kind: str
    path: str
    title: str
    category: str | None
    summary: str | None
    published_on: dt.date | None
    fields: dict[str, Any]
