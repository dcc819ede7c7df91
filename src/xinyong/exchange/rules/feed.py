"""Cross-level exchange rules: the changes-since feed's pages and cursors, and the keys of outbound pushes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from xinyong.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[Any]
    next_cursor: str | None
    has_more: bool


MAX_CURSOR: Final = 200

_CURSOR: Final = re.compile(r"[A-Za-z0-9:._+\-TZ]{1,200}")


def cursor_key(cursor: str) -> tuple[int, int, str]:
    """The order of cursors: all-digit cursors by number, others (ISO timestamps, opaque tokens) as text."""
    if cursor.isdigit():
        return (0, len(cursor.lstrip("0")), cursor.lstrip("0"))
    return (1, 0, cursor)


def parse_page(body: object, *, current: str | None, max_items: int) -> FeedPage:
    """Check a feed page's shape: ``{"items": [...], "next_cursor": "...", "has_more": bool}``. Refuses (with the
    reason) a page that is not an object, has too many items, a malformed cursor, or a cursor going backwards or
    standing still while more is promised (a feed that would loop for ever)."""
    if not isinstance(body, dict):
        raise InvalidInput("feed page is not a JSON object (接口返回格式错误)", field="page")
    unknown = sorted(set(body) - {"items", "next_cursor", "has_more"})
    if unknown:
        raise InvalidInput(f"feed page has unknown keys: {', '.join(k[:30] for k in unknown[:5])}", field="page")
    items = body.get("items")
    if not isinstance(items, list):
        raise InvalidInput("feed page has no items list (缺少 items)", field="page.items")
    if len(items) > max_items:
        raise InvalidInput(
            f"feed page has {len(items)} items, more than {max_items} (单页条目过多)", field="page.items"
        )
    has_more = body.get("has_more", False)
    if not isinstance(has_more, bool):
        raise InvalidInput("has_more must be true or false", field="page.has_more")
    cursor = body.get("next_cursor")
    if cursor is not None and (not isinstance(cursor, str) or not _CURSOR.fullmatch(cursor)):
        raise InvalidInput("next_cursor must be 1–200 characters of A-Z a-z 0-9 : . _ + -", field="page.next_cursor")
    if has_more and cursor is None:
        raise InvalidInput("has_more without next_cursor (游标缺失)", field="page.next_cursor")
    if cursor is not None and current is not None:
        if cursor_key(cursor) < cursor_key(current):
            raise InvalidInput(
                f"cursor went backwards ({cursor[:40]} < {current[:40]}) (游标倒退，拒绝本页)", field="page.next_cursor"
            )
        if cursor == current and has_more:
            raise InvalidInput("cursor did not advance although has_more (游标未前进)", field="page.next_cursor")
    return FeedPage(items=items, next_cursor=cursor, has_more=has_more)


def push_key(kind: str, local_id: int, version: int) -> str:
    """The idempotency key of one pushed item version: a re-send of the same version carries the same key."""
    return f"gongqingcheng:{kind}:{local_id}:v{version}"
