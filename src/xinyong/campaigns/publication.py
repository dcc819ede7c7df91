"""The public list of special campaigns (专项治理) as the portal and its CSV/XLSX/JSON twins read it: filtered by
keyword (every word in the campaign's name), lead department, status (筹备/进行中/已结束 as of today, from its
dates) and start dates, newest start first, paged through the one keyset mechanism
(:func:`xinyong.core.pagination.read_page`). The service turns the rows into summaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from xinyong.campaigns.models import Campaign
from xinyong.campaigns.rules import CampaignStatus
from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import Cursor, PageRequest, check_dates, count_of, keyword_words, like_pattern, read_page


@dataclass(frozen=True, slots=True)
class CampaignFilter:
    keyword: str | None = None
    department: str | None = None
    status: str | None = None
    started_from: dt.date | None = None
    started_to: dt.date | None = None

    def __post_init__(self) -> None:
        keyword_words(self.keyword)
        check_dates(self.started_from, self.started_to)
        if self.status is not None and self.status not in {s.value for s in CampaignStatus}:
            raise InvalidInput("unknown campaign status (未知治理状态)", field="category")


def _status(status: CampaignStatus, today: dt.date) -> ColumnElement[bool]:
    """The rule of ``rules.status_on`` as SQL: 筹备 before the period, 进行中 within it, 已结束 after it."""
    c = Campaign
    if status == CampaignStatus.PLANNED:
        return c.start_date > today
    if status == CampaignStatus.CLOSED:
        return c.end_date < today
    return and_(c.start_date <= today, c.end_date >= today)


def _public(flt: CampaignFilter, today: dt.date) -> Select[Campaign]:
    c = Campaign
    stmt = select(c)
    for word in keyword_words(flt.keyword):
        stmt = stmt.where(c.name.like(like_pattern(word), escape="\\"))
    if flt.department:
        stmt = stmt.where(c.lead_department == flt.department)
    if flt.status:
        stmt = stmt.where(_status(CampaignStatus(flt.status), today))
    if flt.started_from:
        stmt = stmt.where(c.start_date >= flt.started_from)
    if flt.started_to:
        stmt = stmt.where(c.start_date <= flt.started_to)
    return stmt


def search_campaigns(
    session: Session, flt: CampaignFilter, page: PageRequest, today: dt.date, *, cursor: Cursor | None = None
) -> tuple[list[Campaign], int]:
    stmt = _public(flt, today)
    total = count_of(session, stmt)
    c = Campaign
    rows = read_page(session, stmt, sort=(c.start_date, c.id), pk=c.id, page=page, total=total, cursor=cursor)
    return rows, total


def all_campaigns(session: Session, flt: CampaignFilter, today: dt.date, *, limit: int) -> list[Campaign]:
    c = Campaign
    return list(session.scalars(_public(flt, today).order_by(c.start_date.desc(), c.id.desc()).limit(limit)))
