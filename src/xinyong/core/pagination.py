"""Pagination shared by every list: one validated request shape and one response envelope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

from xinyong.core.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    @classmethod
    def checked(cls, page: int, page_size: int, *, max_size: int = 100) -> PageRequest:
        if page < 1:
            raise InvalidInput("page must be ≥ 1 (页码从 1 开始)", field="page")
        if page > 1_000_000:
            raise InvalidInput("page is too large (页码过大)", field="page")
        if not 1 <= page_size <= max_size:
            raise InvalidInput(f"page_size must be between 1 and {max_size} (每页条数)", field="page_size")
        return cls(page, page_size)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
    total_capped: bool = False  # the count stopped at a cap: there are at least ``total`` matches

    @property
    def pages(self) -> int:
        return (self.total + self.page_size - 1) // self.page_size if self.total else 0


# ---------------------------------------------------------------- keyset positions and deep pages (every public list)

MAX_KEYWORD = 100  # characters of a list's keyword box
POSITION_MAX = 64  # characters of an ``after``/``before`` link value


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE with ``\\`` escaping, so ``%`` and ``_`` typed by a reader match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def keyword_words(keyword: str | None, *, field: str = "q") -> list[str]:
    """The words of a list's keyword box (each must match), refused when too long or holding a NUL."""
    if keyword is None:
        return []
    if len(keyword) > MAX_KEYWORD or "\x00" in keyword:
        raise InvalidInput(f"keyword is longer than {MAX_KEYWORD} characters (关键词过长或含非法字符)", field=field)
    return keyword.split()


def check_dates(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("date_to is before date_from (截止日期早于起始日期)", field="date_to")


@dataclass(frozen=True, slots=True)
class Cursor:
    """A keyset position in a list's page order (its sort value descending — a date or a moment — then the row's id
    descending): the rows strictly after (``forward``) or before this one. Written in links as ``2026-11-30.1234``
    (a moment in ISO form before the last dot)."""

    decision_date: dt.date
    record_id: int
    forward: bool = True

    def text(self) -> str:
        return key_text(self.decision_date, self.record_id)

    @classmethod
    def parse(cls, value: str, *, forward: bool, field: str) -> Cursor:
        when, _, number = value.rpartition(".")
        try:
            moment: dt.date = dt.date.fromisoformat(when) if len(when) == 10 else dt.datetime.fromisoformat(when)
            parsed = cls(moment, int(number), forward)
        except ValueError:
            raise InvalidInput(f"{field} is not a list position (翻页位置无效)", field=field) from None
        if isinstance(moment, dt.datetime) and moment.tzinfo is None:
            raise InvalidInput(f"{field} is not a list position (翻页位置无效)", field=field)
        if not 1 <= parsed.record_id <= 2**62 or not 1949 <= parsed.decision_date.year <= 2200:
            raise InvalidInput(f"{field} is not a list position (翻页位置无效)", field=field)
        return parsed


def key_text(value: dt.date, row_id: int) -> str:
    """A row's list position as its links write it (see :class:`Cursor`)."""
    return f"{value.isoformat()}.{row_id}"


def cursor_of(after: str | None, before: str | None) -> Cursor | None:
    """The keyset position of a 上一页/下一页 link (``after`` or ``before``, never both; empty means absent)."""
    after, before = (after or "").strip() or None, (before or "").strip() or None
    if after is not None and before is not None:
        raise InvalidInput("after and before cannot be combined (翻页位置冲突)", field="before")
    if after is not None:
        return Cursor.parse(after, forward=True, field="after")
    if before is not None:
        return Cursor.parse(before, forward=False, field="before")
    return None


def count_of(session: Session, stmt: Select[Any]) -> int:
    return session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def read_page(
    session: Session,
    stmt: Select[Any],
    *,
    sort: tuple[Any, Any],
    pk: Any,
    page: PageRequest,
    total: int,
    cursor: Cursor | None = None,
    days: Sequence[tuple[Any, int]] | None = None,
    from_end: bool = True,
) -> list[Any]:
    """One page of ``stmt`` (one selected entity) in the order ``sort`` descending — a value, then a unique tie-break
    — such that deep pages cost what the first page costs: with a ``cursor`` (the 上一页/下一页 links) the page is
    read by keyset from that position; a page number in the second half of the list (尾页, a jump) is read from the
    end in reverse order, so the last page is a first page read backwards. Only a jump into the middle pays an
    offset, at most half the list, walked over ``pk`` alone, unless the caller knows how many rows each sort value
    has (``days``, newest first: a cached count per decision date): then whole values are skipped and the page is
    read from the value it starts in, so a jump costs what the first page does. ``from_end=False`` when ``total``
    is a capped count (the list goes on past it): every page is read from the start. Every public list pages through
    this one function."""
    value, tie = sort
    newest_first = (value.desc(), tie.desc())
    oldest_first = (value.asc(), tie.asc())
    if cursor is not None:
        # a row-value comparison, which an index on (value, tie) serves as one range (an OR of two would not)
        position, mark = tuple_(value, tie), tuple_(literal(cursor.decision_date, value.type), cursor.record_id)
        if cursor.forward:
            seek = position < mark
            return list(session.execute(stmt.where(seek).order_by(*newest_first).limit(page.page_size)).scalars())
        seek = position > mark
        found = list(session.execute(stmt.where(seek).order_by(*oldest_first).limit(page.page_size)).scalars())
        found.reverse()
        return found
    if page.offset >= total:
        return []
    if page.offset * 2 <= total or not from_end:
        start, offset = _skip(days or (), page.offset)
        narrowed = stmt if start is None else stmt.where(value <= start)
        return _by_offset(session, narrowed, newest_first, pk, offset, page.page_size)
    size = min(page.page_size, total - page.offset)
    start, offset = _skip(list(reversed(days or ())), total - page.offset - size)
    narrowed = stmt if start is None else stmt.where(value >= start)
    found = _by_offset(session, narrowed, oldest_first, pk, offset, size)
    found.reverse()
    return found


def _skip(days: Sequence[tuple[Any, int]], offset: int) -> tuple[Any, int]:
    """The sort value of the row at ``offset`` (in the order of ``days``) and that row's offset among the rows of
    its value; (None, offset) when there are no counts to skip by."""
    rest = offset
    for day, rows in days:
        if rest < rows:
            return day, rest
        rest -= rows
    return None, offset


def _by_offset(
    session: Session, stmt: Select[Any], order: tuple[Any, ...], pk: Any, offset: int, size: int
) -> list[Any]:
    """Rows ``offset`` … ``offset + size`` in ``order``: the offset is walked over the primary keys alone (a narrow
    sort), then only the page's rows are read whole."""
    if offset == 0:
        return list(session.execute(stmt.order_by(*order).limit(size)).scalars())
    ids = list(session.execute(stmt.with_only_columns(pk).order_by(*order).offset(offset).limit(size)).scalars())
    entity = stmt.column_descriptions[0]["entity"]
    rows = {getattr(row, pk.key): row for row in session.execute(select(entity).where(pk.in_(ids))).scalars()}
    return [rows[i] for i in ids]
