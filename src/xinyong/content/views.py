"""Reading the portal's content as the public does: what is live now (decided on every read from the clock, so a
scheduled publication or withdrawal bites at its minute even before the tick's sweep), lists with category
filters, search across title and body (every word a substring, Chinese included), one item with its files, the
records and list entries a typical case is about (through those areas' own desensitised views), and the RSS feed.

All public text goes through the privacy gate (``privacy.service.public``); the body's HTML is sanitised again
when read."""

from __future__ import annotations

import datetime as dt
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from email.utils import format_datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from xinyong.content import rules, storage
from xinyong.content.models import ContentItem, ContentVersion
from xinyong.content.rules import KIND_LABELS, KIND_PATHS, Kind
from xinyong.content.schemas import LinkedSubject, ListRow, PublicItem
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.errors import NotFound, XinyongError
from xinyong.core.pagination import PageRequest
from xinyong.lists import service as lists
from xinyong.privacy import service as privacy
from xinyong.records import service as records

MAX_WORDS = 5
FEED_ITEMS = 50
_SUBJECT = privacy.about("", natural=False)  # content names no one in particular: numbers are masked


def live_condition(now: dt.datetime) -> ColumnElement[bool]:
    """An item is public from its publication time until its withdrawal time."""
    return and_(
        ContentItem.live_version.is_not(None),
        or_(ContentItem.publish_at.is_(None), ContentItem.publish_at <= now),
        or_(ContentItem.withdraw_at.is_(None), ContentItem.withdraw_at > now),
    )


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_words(q: str | None) -> list[str]:
    """Up to five words of the query; control characters (NUL included, which PostgreSQL refuses) are dropped."""
    text = "".join(ch for ch in (q or "") if unicodedata.category(ch)[0] != "C" or ch in " \t")
    words = [w for w in text.replace("\u3000", " ").split() if w][:MAX_WORDS]
    return [w[:50] for w in words]


def _published_on(item: ContentItem) -> dt.date | None:
    if item.published_on is not None:
        return item.published_on
    return item.publish_at.astimezone(BEIJING).date() if item.publish_at else None


def _public_fields(fields: dict[str, Any]) -> dict[str, Any]:
    texts = {k: v for k, v in fields.items() if isinstance(v, str | list) and k not in ("links", "contact")}
    shown = privacy.public(_SUBJECT, texts)
    return {**fields, **shown}


def list_public(
    session: Session,
    kind: Kind,
    *,
    category: str | None = None,
    q: str | None = None,
    page: PageRequest | None = None,
) -> tuple[list[ListRow], int]:
    """One page of the live items of ``kind`` (newest first) and how many match."""
    page = page or PageRequest()
    now = clock.now()
    conditions = [ContentItem.kind == str(kind), live_condition(now)]
    if category is not None and category not in rules.CATEGORIES[kind]:
        return [], 0  # no item has a category the column does not know
    if category:
        conditions.append(ContentVersion.category == category)
    for word in search_words(q):
        conditions.append(ContentVersion.search_text.like(f"%{_escape(word)}%", escape="\\"))
    joined = select(ContentItem, ContentVersion).join(
        ContentVersion,
        and_(ContentVersion.item_id == ContentItem.id, ContentVersion.version == ContentItem.live_version),
    )
    total = session.scalar(select(func.count()).select_from(joined.where(*conditions).subquery())) or 0
    found = session.execute(
        joined.where(*conditions)
        .order_by(ContentItem.published_on.desc().nulls_last(), ContentItem.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).all()
    rows = []
    for item, version in found:
        shown = privacy.public(_SUBJECT, {"title": version.title, "summary": version.summary})
        rows.append(
            ListRow(
                id=item.id,
                kind=item.kind,
                path=f"/{KIND_PATHS[item.kind]}/{item.id}",
                title=shown["title"] or "",
                category=version.category,
                summary=shown["summary"],
                published_on=_published_on(item),
                fields=_public_fields(version.fields or {}),
            )
        )
    return rows, total


def _live(session: Session, kind: Kind, item_id: int) -> tuple[ContentItem, ContentVersion]:
    found = session.execute(
        select(ContentItem, ContentVersion)
        .join(
            ContentVersion,
            and_(ContentVersion.item_id == ContentItem.id, ContentVersion.version == ContentItem.live_version),
        )
        .where(ContentItem.id == item_id, ContentItem.kind == str(kind), live_condition(clock.now()))
    ).first()
    if found is None:
        raise NotFound(f"no such {KIND_LABELS[kind]} (未找到该{KIND_LABELS[kind]}，可能已撤回)", field="item_id")
    return found[0], found[1]


def linked_subjects(session: Session, links: Sequence[dict[str, Any]]) -> list[LinkedSubject]:
    """The records and list entries a case names, as the public reads them; one not public now says so."""
    public = Actor.public()
    out: list[LinkedSubject] = []
    for link in links:
        target, number = str(link.get("type")), int(link.get("id", 0))
        try:
            if target == "record":
                record = records.get_record(session, public, number)
                detail = f"{record.kind_label} · {record.doc_no} · {record.decision_date.isoformat()}"
                label = f"{record.subject.name}：{record.title}"
                out.append(LinkedSubject("信用记录", label, detail, f"/record/{record.id}"))
            elif target == "entry":
                entry = lists.get_entry(session, public, number)
                detail = f"{entry.list_name} · {entry.decision_doc_no or '—'}"
                href = f"/entity/{entry.subject.uscc}" if entry.subject.uscc else None
                out.append(LinkedSubject("名单", f"{entry.subject.name}（{entry.list_name}）", detail, href))
        except XinyongError:
            kind = "信用记录" if target == "record" else "名单"
            out.append(LinkedSubject(kind, "该信息已不在公示期内或已撤销", "", None))
    return out


def guide_limits(topic: str | None) -> list[tuple[str, int]]:
    """A guide's time limits in working days, read from the platform's settings (never from the text)."""
    settings = get_settings()
    return [(label, int(getattr(settings, name))) for label, name in rules.GUIDE_LIMITS.get(topic or "", ())]


def public_item(session: Session, kind: Kind, item_id: int) -> PublicItem:
    item, version = _live(session, kind, item_id)
    shown = privacy.public(
        _SUBJECT, {"title": version.title, "summary": version.summary, "body": rules.sanitise(version.body)}
    )
    fields = _public_fields(version.fields or {})
    links = linked_subjects(session, fields.get("links") or []) if kind == Kind.CASE else []
    attachments = storage.files_of(session, [item.id], images=False)[item.id]
    return PublicItem(
        id=item.id,
        kind=item.kind,
        kind_label=KIND_LABELS[item.kind],
        path=f"/{KIND_PATHS[item.kind]}/{item.id}",
        title=shown["title"] or "",
        category=version.category,
        summary=shown["summary"],
        body=rules.sanitise(shown["body"] or ""),
        published_on=_published_on(item),
        fields=fields,
        attachments=attachments,
        links=links,
        limits=guide_limits(version.category) if kind == Kind.GUIDE else [],
    )


def is_live(session: Session, item_id: int) -> bool:
    found = session.scalar(select(ContentItem.id).where(ContentItem.id == item_id, live_condition(clock.now())))
    return found is not None


def feed(session: Session, kind: Kind, base_url: str, category: str | None = None) -> bytes:
    """RSS 2.0 of the newest live items of ``kind`` (title, link, guid, pubDate, description), UTF-8."""
    rows, _ = list_public(session, kind, category=category, page=PageRequest(1, FEED_ITEMS))
    site = get_settings().platform_name
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    title = KIND_LABELS[kind] + (f" · {category}" if category else "")
    ET.SubElement(channel, "title").text = f"{title} - {site}"
    path = f"/{KIND_PATHS[kind]}"
    ET.SubElement(channel, "link").text = base_url.rstrip("/") + path
    ET.SubElement(channel, "description").text = f"{site}{title}栏目的最新内容"
    ET.SubElement(channel, "language").text = "zh-cn"
    ET.SubElement(channel, "lastBuildDate").text = format_datetime(clock.now())
    for row in rows:
        entry = ET.SubElement(channel, "item")
        link = base_url.rstrip("/") + row.path
        ET.SubElement(entry, "title").text = row.title
        ET.SubElement(entry, "link").text = link
        ET.SubElement(entry, "guid", isPermaLink="true").text = link
        if row.category:
            ET.SubElement(entry, "category").text = row.category
        if row.published_on:
            moment = dt.datetime.combine(row.published_on, dt.time(9), BEIJING)
            ET.SubElement(entry, "pubDate").text = format_datetime(moment)
        ET.SubElement(entry, "description").text = row.summary or ""
    body: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
