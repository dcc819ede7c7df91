"""The public list of commitment letters (信用承诺公示) as the portal and its CSV/XLSX/JSON twins read it: public
letters only, whoever asks, filtered by keyword (the entity's name, its 统一社会信用代码 or the letter's number;
every word must match), accepting department, commitment type and signing dates (Beijing days), newest first and
paged through the one keyset mechanism (:func:`xinyong.core.pagination.read_page`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from xinyong.commitments.models import Commitment
from xinyong.commitments.rules import CommitmentType
from xinyong.commitments.service import visibility
from xinyong.core.actor import Actor
from xinyong.core.clock import BEIJING
from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import Cursor, PageRequest, check_dates, count_of, keyword_words, like_pattern, read_page


@dataclass(frozen=True, slots=True)
class CommitmentFilter:
    keyword: str | None = None
    department: str | None = None
    commitment_type: str | None = None
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None

    def __post_init__(self) -> None:
        keyword_words(self.keyword)
        check_dates(self.signed_from, self.signed_to)
        if self.commitment_type is not None and self.commitment_type not in {t.value for t in CommitmentType}:
            raise InvalidInput("unknown commitment type (未知承诺类型)", field="commitment_type")


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BEIJING)


def _keyword(word: str) -> ColumnElement[bool]:
    c = Commitment
    pattern = like_pattern(word)
    return or_(c.entity_name.like(pattern, escape="\\"), c.uscc == word.upper(), c.number.like(pattern, escape="\\"))


def _public(flt: CommitmentFilter) -> Select[Commitment]:
    c = Commitment
    stmt = select(c).where(visibility(Actor.public()))  # the public list: public letters, whoever reads it
    words = keyword_words(flt.keyword)
    if words:
        stmt = stmt.where(and_(*[_keyword(word) for word in words]))
    if flt.department:
        stmt = stmt.where(c.department == flt.department)
    if flt.commitment_type:
        stmt = stmt.where(c.commitment_type == flt.commitment_type)
    if flt.signed_from:
        stmt = stmt.where(c.signed_at >= _beijing_midnight(flt.signed_from))
    if flt.signed_to:
        stmt = stmt.where(c.signed_at < _beijing_midnight(flt.signed_to + dt.timedelta(days=1)))
    return stmt


def search_public(
    session: Session, flt: CommitmentFilter, page: PageRequest, *, cursor: Cursor | None = None
) -> tuple[list[Commitment], int]:
    """One page of public letters, newest signature first, and how many match."""
    stmt = _public(flt)
    total = count_of(session, stmt)
    c = Commitment
    rows = read_page(session, stmt, sort=(c.signed_at, c.id), pk=c.id, page=page, total=total, cursor=cursor)
    return rows, total


def all_public(session: Session, flt: CommitmentFilter, *, limit: int) -> list[Commitment]:
    """Up to ``limit`` public letters in page order (exports ask for one more to know they were cut)."""
    c = Commitment
    return list(session.scalars(_public(flt).order_by(c.signed_at.desc(), c.id.desc()).limit(limit)))
