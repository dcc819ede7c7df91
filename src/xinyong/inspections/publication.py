"""The public list of typical cases (分级分类监管典型案例) as the portal and its CSV/XLSX/JSON twins read it:
cases not withdrawn, filtered by keyword (every word in the title or summary), department, class (档次) and
publication dates, newest first, paged through the one keyset mechanism (:func:`xinyong.core.pagination.read_page`).

A case's texts are public only through the desensitiser (``privacy.service.public``), which may mask a name it
holds: a keyword must match what the public reads, or a search by a full name would confirm a masked one. So a
keyword query takes its candidates from SQL (at most :data:`KEYWORD_CANDIDATES`, an editorial list is far smaller)
and keeps those whose public texts hold every word."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import Cursor, PageRequest, check_dates, count_of, keyword_words, like_pattern, read_page
from xinyong.inspections.cases import _public_case, case_out
from xinyong.inspections.classes import department_names
from xinyong.inspections.models import TypicalCase
from xinyong.inspections.rules import CLASSES
from xinyong.inspections.schemas import CaseOut

KEYWORD_CANDIDATES = 2_000


@dataclass(frozen=True, slots=True)
class CaseFilter:
    keyword: str | None = None
    department: str | None = None
    stratum: str | None = None
    published_from: dt.date | None = None
    published_to: dt.date | None = None

    def __post_init__(self) -> None:
        keyword_words(self.keyword)
        check_dates(self.published_from, self.published_to)
        if self.stratum is not None and self.stratum not in CLASSES:
            raise InvalidInput("unknown class (未知监管档次)", field="category")


def _public(flt: CaseFilter) -> Select[TypicalCase]:
    t = TypicalCase
    stmt = select(t).where(t.withdrawn_at.is_(None))
    for word in keyword_words(flt.keyword):
        pattern = like_pattern(word)
        stmt = stmt.where(or_(t.title.like(pattern, escape="\\"), t.summary.like(pattern, escape="\\")))
    if flt.department:
        stmt = stmt.where(t.department == flt.department)
    if flt.stratum:
        stmt = stmt.where(t.stratum == flt.stratum)
    if flt.published_from:
        stmt = stmt.where(t.published_on >= flt.published_from)
    if flt.published_to:
        stmt = stmt.where(t.published_on <= flt.published_to)
    return stmt


def _shown(session: Session, rows: list[TypicalCase]) -> list[CaseOut]:
    names = department_names(session)
    return [_public_case(case_out(r, names)) for r in rows]


def _matching(session: Session, flt: CaseFilter) -> list[CaseOut]:
    """Every case whose public title or summary holds every word of the keyword, in page order."""
    t = TypicalCase
    order = (t.published_on.desc(), t.id.desc())
    rows = list(session.scalars(_public(flt).order_by(*order).limit(KEYWORD_CANDIDATES)))
    words = keyword_words(flt.keyword)
    return [c for c in _shown(session, rows) if all(w in c.title or w in c.summary for w in words)]


def search_cases(
    session: Session, flt: CaseFilter, page: PageRequest, *, cursor: Cursor | None = None
) -> tuple[list[CaseOut], int]:
    """One page of public typical cases, newest first, and how many match."""
    if flt.keyword:
        found = _matching(session, flt)
        if cursor is not None:
            mark = (cursor.decision_date, cursor.record_id)
            if cursor.forward:
                after = [c for c in found if (c.published_on, c.id) < mark]
                return after[: page.page_size], len(found)
            before = [c for c in found if (c.published_on, c.id) > mark]
            return before[-page.page_size :], len(found)
        return found[page.offset : page.offset + page.page_size], len(found)
    stmt = _public(flt)
    total = count_of(session, stmt)
    t = TypicalCase
    rows = read_page(session, stmt, sort=(t.published_on, t.id), pk=t.id, page=page, total=total, cursor=cursor)
    return _shown(session, rows), total


def all_cases(session: Session, flt: CaseFilter, *, limit: int) -> list[CaseOut]:
    """Up to ``limit`` public cases in page order (exports ask for one more to know they were cut)."""
    if flt.keyword:
        return _matching(session, flt)[:limit]
    t = TypicalCase
    return _shown(
        session, list(session.scalars(_public(flt).order_by(t.published_on.desc(), t.id.desc()).limit(limit)))
    )
