"""The portal's content, the service API: what the console, the portal, the tick and the demo call.

Editing: :func:`create_item` and :func:`save_item` write a new version each time (never changing an old one; the
HTML sanitised on save); :func:`submit` sends it for review; a reviewer :func:`publish`\\es it (at once, or at a
time: 待发布) or :func:`return_item`\\s it with a comment; :func:`withdraw` takes it off at once or at a time. Every
step goes through the review procedure (``content_item_steps``, ``core.workflow``), audited. Editing a published
item starts a revision while the public keeps reading the live version until the revision is published.
:func:`sweep_content` (the tick) takes the scheduled steps; the public reads decide liveness from the clock
anyway (:mod:`~xinyong.content.views`). Services flush, never commit.

Stable signatures::

    create_item(session, actor, data: ItemIn) -> ContentItem
    save_item(session, actor, item_id, data: ItemIn) -> ContentItem
    submit(session, actor, item_id) -> ContentItem
    return_item(session, actor, item_id, comment) -> ContentItem
    publish(session, actor, item_id, *, publish_at=None, withdraw_at=None, shown_on=None) -> ContentItem
    withdraw(session, actor, item_id, *, reason, at=None) -> ContentItem
    sweep_content(session, actor, today) -> SweepResult
    list_items(session, actor, *, kind=None, status=None) -> list[ContentItem]
    versions_of(session, actor, item_id) -> list[ContentVersion]
    add_file / remove_file / open_file
    list_public(session, kind, *, category, q, page) -> (rows, total);  public_item(session, kind, item_id)
    feed(session, kind, base_url, category=None) -> bytes (RSS 2.0)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.content import rules, storage
from xinyong.content.models import CONTENT, ContentFile, ContentItem, ContentVersion
from xinyong.content.rules import EDITORS, Kind, Status, Step
from xinyong.content.schemas import Attachment, ItemIn
from xinyong.content.views import feed, guide_limits, is_live, list_public, public_item
from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.transitions import Parties
from xinyong.core.workflow import Procedure

__all__ = [
    "CONTENT",
    "Procedure",
    "SweepResult",
    "add_file",
    "create_item",
    "feed",
    "get_item",
    "guide_limits",
    "list_items",
    "list_public",
    "open_file",
    "public_item",
    "publish",
    "remove_file",
    "return_item",
    "save_item",
    "submit",
    "sweep_content",
    "versions_of",
    "withdraw",
]

_NOBODY = Parties(department=None)
MAX_LIST = 500


def _require_editor(actor: Actor) -> None:
    if actor.role not in EDITORS:
        raise Forbidden("only content editors may write the site's content (仅内容编辑可撰写网站内容)")


def _fields(data: ItemIn) -> dict[str, Any]:
    """The kind's own fields, checked."""
    kind = data.kind
    if kind == Kind.POLICY:
        status = data.policy_status or rules.POLICY_STATUSES[0]
        if status not in rules.POLICY_STATUSES:
            raise InvalidInput("the status is 现行有效 or 已废止 (效力状态须为现行有效或已废止)", field="policy_status")
        return {
            "doc_number": rules.clean_text(data.doc_number, "doc_number", 100),
            "issuer": rules.clean_text(data.issuer, "issuer", 200, required=True),
            "issued_on": data.issued_on.isoformat() if data.issued_on else None,
            "effective_on": data.effective_on.isoformat() if data.effective_on else None,
            "policy_status": status,
        }
    if kind == Kind.GUIDE:
        return {
            "steps": rules.lines_of(data.steps, "steps"),
            "materials": rules.lines_of(data.materials, "materials"),
            "contact": rules.clean_text(data.contact, "contact", 500),
        }
    if kind == Kind.CASE:
        return {"links": [{"type": link.type, "id": link.id} for link in rules.parse_links(data.links)]}
    return {}


def _version(session: Session, actor: Actor, item: ContentItem, data: ItemIn) -> ContentVersion:
    title = rules.clean_text(data.title, "title", rules.MAX_TITLE, required=True) or ""
    category = rules.check_category(data.kind, rules.clean_text(data.category, "category", 16))
    summary = rules.clean_text(data.summary, "summary", rules.MAX_SUMMARY)
    body = rules.check_body(data.body)
    fields = _fields(data)
    words = [title, summary or "", *(str(v) for k, v in fields.items() if isinstance(v, str) and k != "contact")]
    for key in ("steps", "materials"):
        words += fields.get(key) or []
    search_text = " ".join([*words, rules.plain_text(body)])
    item.version += 1
    item.title, item.category, item.updated_at = title, category, clock.now()
    row = ContentVersion(
        item_id=item.id,
        version=item.version,
        title=title,
        category=category,
        summary=summary,
        body=body,
        fields=fields,
        search_text=search_text,
        saved_by=actor.id,
        saved_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "content:item:saved", "content_item", str(item.id), {"version": item.version, "title": title}
    )
    return row


def create_item(session: Session, actor: Actor, data: ItemIn) -> ContentItem:
    """A new item with its first version, as a draft."""
    _require_editor(actor)
    now = clock.now()
    item = ContentItem(
        kind=str(data.kind), status="", version=0, title="", created_by=actor.id, created_at=now, updated_at=now
    )
    session.add(item)
    session.flush()
    _version(session, actor, item, data)
    CONTENT.advance(session, actor, item, Step.CREATE, parties=_NOBODY, context={"kind": item.kind})
    return item


def get_item(session: Session, actor: Actor, item_id: int) -> ContentItem:
    _require_editor(actor)
    item = session.get(ContentItem, item_id)
    if item is None:
        raise NotFound("no such content item (未找到该内容)", field="item_id")
    return item


def save_item(session: Session, actor: Actor, item_id: int, data: ItemIn) -> ContentItem:
    """A new version. A published, scheduled or withdrawn item becomes a revision (草稿) first; an item under review
    cannot be changed (the reviewer returns it)."""
    item = get_item(session, actor, item_id)
    if data.kind != item.kind:
        raise InvalidInput("an item keeps its kind (内容类型不可更改)", field="kind")
    if item.status == Status.IN_REVIEW:
        raise Conflict("the item is under review; it can be changed once returned (审核中，退回后方可修改)")
    if item.status in (Status.PUBLISHED, Status.SCHEDULED, Status.WITHDRAWN):
        CONTENT.advance(session, actor, item, Step.REVISE, parties=_NOBODY, details={"live_version": item.live_version})
    _version(session, actor, item, data)
    return item


def submit(session: Session, actor: Actor, item_id: int) -> ContentItem:
    item = get_item(session, actor, item_id)
    item.review_comment = None
    CONTENT.advance(session, actor, item, Step.SUBMIT, parties=_NOBODY, details={"version": item.version})
    return item


def return_item(session: Session, actor: Actor, item_id: int, comment: str) -> ContentItem:
    """Back to the editor with the reviewer's comment (required)."""
    item = get_item(session, actor, item_id)
    text = rules.clean_text(comment, "comment", 2000)
    if not text:
        raise InvalidInput("a return needs a comment (退回须填写意见)", field="comment")
    CONTENT.table.require(Step.RETURN, CONTENT.table.status_of(item.status), actor, _NOBODY)
    item.review_comment = text
    CONTENT.advance(session, actor, item, Step.RETURN, parties=_NOBODY, reason=text, details={"version": item.version})
    return item


def publish(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    publish_at: dt.datetime | None = None,
    withdraw_at: dt.datetime | None = None,
    shown_on: dt.date | None = None,
) -> ContentItem:
    """Publish the version under review: at once, or at ``publish_at`` (待发布 until then); ``withdraw_at`` takes
    it off at that time. ``shown_on``: the publication date the portal shows when it is not the day of publishing
    (an earlier document posted now; never later than that day)."""
    item = get_item(session, actor, item_id)
    now = clock.now()
    rules.check_schedule(publish_at, withdraw_at)
    if withdraw_at is not None and withdraw_at <= now:
        raise InvalidInput("the withdrawal time has passed (撤回时间已过)", field="withdraw_at")
    later = publish_at is not None and publish_at > now
    CONTENT.table.require(Step.PUBLISH, CONTENT.table.status_of(item.status), actor, _NOBODY)
    item.live_version = item.version
    start = publish_at if publish_at is not None and later else now
    item.publish_at = start
    item.withdraw_at = withdraw_at
    if shown_on is not None and shown_on > _day(start):
        raise InvalidInput(
            "the date shown cannot be after the publication (显示日期不得晚于发布时间)", field="shown_on"
        )
    item.published_on = shown_on or _day(start)
    item.review_comment = None
    outcome = Status.SCHEDULED if later else Status.PUBLISHED
    details = {"version": item.version, "publish_at": item.publish_at, "withdraw_at": withdraw_at}
    CONTENT.advance(session, actor, item, Step.PUBLISH, parties=_NOBODY, outcome=outcome, details=details)
    return item


def _day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.BEIJING).date()


def withdraw(
    session: Session, actor: Actor, item_id: int, *, reason: str, at: dt.datetime | None = None
) -> ContentItem:
    """Take the item off the portal now, or schedule it for ``at`` (the sweep and every read apply it)."""
    item = get_item(session, actor, item_id)
    text = rules.clean_text(reason, "reason", 2000)
    if not text:
        raise InvalidInput("a withdrawal needs a reason (撤回须说明理由)", field="reason")
    CONTENT.table.require(Step.WITHDRAW, CONTENT.table.status_of(item.status), actor, _NOBODY)
    if item.live_version is None:
        raise Conflict("nothing of this item is on the portal (该内容未发布，无需撤回)")
    if at is not None and at > clock.now():
        rules.check_schedule(item.publish_at, at)
        item.withdraw_at = at
        details = {"withdraw_at": at, "reason": text}
        audit.record(session, actor, "content:item:withdraw_scheduled", "content_item", str(item.id), details)
        return item
    _withdraw_now(session, actor, item, text)
    return item


def _withdraw_now(session: Session, actor: Actor, item: ContentItem, reason: str) -> None:
    details = {"live_version": item.live_version}
    item.live_version = None
    item.withdraw_at = None
    CONTENT.advance(session, actor, item, Step.WITHDRAW, parties=_NOBODY, reason=reason, details=details)


@dataclass(frozen=True)
class SweepResult:
    went_live: int
    withdrawn: int


def sweep_content(session: Session, actor: Actor, today: dt.date) -> SweepResult:
    """The tick: scheduled publications whose time has come are marked 已发布, scheduled withdrawals taken."""
    now = clock.now()
    due = session.scalars(
        select(ContentItem).where(ContentItem.status == Status.SCHEDULED, ContentItem.publish_at <= now)
    ).all()
    for item in due:
        CONTENT.advance(session, actor, item, Step.GO_LIVE, parties=_NOBODY, details={"version": item.live_version})
    ending = session.scalars(
        select(ContentItem).where(ContentItem.live_version.is_not(None), ContentItem.withdraw_at <= now)
    ).all()
    for item in ending:
        if CONTENT.table.next_status(CONTENT.table.status_of(item.status), Step.WITHDRAW) is None:
            continue
        _withdraw_now(session, actor, item, "定时撤回")
    return SweepResult(len(due), len(ending))


def list_items(
    session: Session, actor: Actor, *, kind: str | None = None, status: str | None = None
) -> list[ContentItem]:
    """The console's list: newest changes first."""
    _require_editor(actor)
    query = select(ContentItem).order_by(ContentItem.updated_at.desc(), ContentItem.id.desc()).limit(MAX_LIST)
    if kind:
        query = query.where(ContentItem.kind == kind)
    if status:
        query = query.where(ContentItem.status == status)
    return list(session.scalars(query))


def versions_of(session: Session, actor: Actor, item_id: int) -> list[ContentVersion]:
    get_item(session, actor, item_id)
    query = select(ContentVersion).where(ContentVersion.item_id == item_id).order_by(ContentVersion.version.desc())
    return list(session.scalars(query))


def version_of(session: Session, actor: Actor, item_id: int, version: int) -> ContentVersion:
    get_item(session, actor, item_id)
    row = session.scalars(
        select(ContentVersion).where(ContentVersion.item_id == item_id, ContentVersion.version == version)
    ).first()
    if row is None:
        raise NotFound("no such version (未找到该版本)", field="version")
    return row


def add_file(session: Session, actor: Actor, item_id: int, filename: str, data: bytes, *, image: bool) -> ContentFile:
    item = get_item(session, actor, item_id)
    if item.status == Status.IN_REVIEW:
        raise Conflict("the item is under review; it can be changed once returned (审核中，退回后方可修改)")
    return storage.add_file(session, actor, item, filename, data, image=image)


def remove_file(session: Session, actor: Actor, item_id: int, file_id: int) -> ContentFile:
    item = get_item(session, actor, item_id)
    return storage.remove_file(session, actor, item, file_id)


def files_of(session: Session, actor: Actor, item_id: int) -> list[Attachment]:
    get_item(session, actor, item_id)
    return storage.files_of(session, [item_id])[item_id]


def open_file(session: Session, actor: Actor, file_id: int) -> tuple[ContentFile, Path]:
    """A file to send: public while its item is live (an attachment's download counted), else only to content
    staff (their previews are not counted). Missing and not public look the same (404)."""
    row = storage.file_row(session, file_id)
    staff = actor.role in EDITORS
    if not staff and not is_live(session, row.item_id):
        raise NotFound("no such file (文件不存在)", field="file_id")
    path = storage.path_of(row)
    if not staff and not row.image:
        storage.count_download(session, row)
    return row, path
