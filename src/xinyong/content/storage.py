"""The content's images and attachments: checked by their bytes (PDF, Word, PNG, JPEG), size-limited, stored
outside the web root through :mod:`xinyong.core.uploads` under names the platform chooses; served only while their
item is public (or to content staff), attachments' downloads counted."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from xinyong.content import rules
from xinyong.content.models import ContentFile, ContentItem
from xinyong.content.schemas import Attachment
from xinyong.core import audit, clock, uploads
from xinyong.core.actor import Actor
from xinyong.core.errors import InvalidInput, NotFound

AREA = "content"


def add_file(
    session: Session, actor: Actor, item: ContentItem, filename: str, data: bytes, *, image: bool
) -> ContentFile:
    """Check and store one file of ``item`` (the caller checked the actor may edit it)."""
    clean, media_type, _ = rules.check_attachment(filename, data, image=image)
    count = session.scalar(
        select(func.count()).select_from(ContentFile).where(ContentFile.item_id == item.id, ~ContentFile.removed)
    )
    if (count or 0) >= rules.MAX_ATTACHMENTS:
        raise InvalidInput(
            f"at most {rules.MAX_ATTACHMENTS} files per item (每篇最多 {rules.MAX_ATTACHMENTS} 个文件)", field="file"
        )
    stored_as = uploads.store(AREA, data)
    row = ContentFile(
        item_id=item.id,
        image=image,
        filename=clean,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stored_as=stored_as,
        downloads=0,
        removed=False,
        uploaded_by=actor.id,
        uploaded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    details = {"item_id": item.id, "filename": clean, "media_type": media_type, "size": len(data), "sha256": row.sha256}
    audit.record(session, actor, "content:file:uploaded", "content_file", str(row.id), details)
    return row


def remove_file(session: Session, actor: Actor, item: ContentItem, file_id: int) -> ContentFile:
    """Take a file off the item (the stored bytes stay, for the versions that linked it)."""
    row = session.get(ContentFile, file_id)
    if row is None or row.item_id != item.id or row.removed:
        raise NotFound("no such file (文件不存在)", field="file_id")
    row.removed = True
    session.flush()
    audit.record(session, actor, "content:file:removed", "content_file", str(row.id), {"item_id": item.id})
    return row


def files_of(session: Session, item_ids: list[int], *, images: bool | None = None) -> dict[int, list[Attachment]]:
    query = select(ContentFile).where(ContentFile.item_id.in_(item_ids), ~ContentFile.removed).order_by(ContentFile.id)
    if images is not None:
        query = query.where(ContentFile.image.is_(images))
    found: dict[int, list[Attachment]] = {i: [] for i in item_ids}
    for f in session.scalars(query):
        found[f.item_id].append(Attachment(f.id, f.filename, f.media_type, f.size, f.downloads, f.image))
    return found


def file_row(session: Session, file_id: int) -> ContentFile:
    row = session.get(ContentFile, file_id)
    if row is None or row.removed:
        raise NotFound("no such file (文件不存在)", field="file_id")
    return row


def path_of(row: ContentFile) -> Path:
    return uploads.stored_path(AREA, row.stored_as)


def count_download(session: Session, row: ContentFile) -> None:
    """One more download of an attachment (one UPDATE, so concurrent downloads all count)."""
    session.execute(update(ContentFile).where(ContentFile.id == row.id).values(downloads=ContentFile.downloads + 1))
