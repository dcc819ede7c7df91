"""What the portal publishes (公示): 双公示 decisions and list entries across entities, filtered, always through
:func:`xinyong.records.service.visible_versions` so rights stay decided in one place.

Publication is narrower than visibility: a record is on the portal only while it is 公开, 有效 or 异议中, decided
by today, and, for a 行政处罚, inside the maximum publicity period of its severity under the regime in force on
its decision date (:mod:`xinyong.records.publicity`). The windows are turned into plain date bounds per regime and
severity, so the filter runs in SQL and paginates. A penalty sent without a severity gets 一般's periods: the
ordinary grade, and the one the 2019 rule gave to everything below 严重.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    SQLColumnExpression,
    String,
    Text,
    and_,
    any_,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import InvalidInput
from xinyong.core.pagination import MAX_KEYWORD, Cursor, PageRequest, count_of, like_pattern, read_page
from xinyong.privacy import service as privacy_rules
from xinyong.records import counters
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.publicity import DEFAULT_POLICY, PublicityPolicy, is_published_on
from xinyong.records.rules import PUBLISHED_STATUSES, Disclosure, Kind, Status, SubjectType
from xinyong.records.schemas import RecordOut
from xinyong.records.service import audit_personal_read, to_view, visible_versions
from xinyong.records.windows import DEFAULT_SEVERITY, published_condition

DOUBLE_PUBLICITY = (Kind.LICENSE, Kind.PENALTY)
EXPORT_BATCH = 2_000  # rows an export reads at a time (one keyset query, masked before the next)
RECENT_DAYS = 30  # the home page's "new in the last 30 days"
KEYWORD_COUNT_CAP = 1_000  # a keyword's list counts at most this many matches (超过 1,000 条) and pages within them
KEYWORD_SPANS = (7, 56, 448)  # days of matches a capped keyword's page is read from, widened until they hold it
LIST_KINDS = (Kind.SERIOUS_DISHONESTY, Kind.ABNORMAL_OPERATION)
# 许可类别 (XKLB) and 处罚类别 (CFLB, 行政处罚法 2021 art. 9; a decision may carry several).
LICENSE_CATEGORIES = ("普通", "特许", "认可", "核准", "登记", "其他")
PENALTY_CATEGORIES = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
CATEGORY_FIELD = {Kind.LICENSE: "XKLB", Kind.PENALTY: "CFLB"}
CATEGORIES = {Kind.LICENSE: LICENSE_CATEGORIES, Kind.PENALTY: PENALTY_CATEGORIES}


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """One query over published records: kinds, source department, decision-date range, category and a keyword
    (the subject's name, its 统一社会信用代码 or the decision's document number)."""

    kinds: tuple[Kind, ...]
    department: str | None = None
    decided_from: dt.date | None = None
    decided_to: dt.date | None = None
    category: str | None = None
    keyword: str | None = None

    def __post_init__(self) -> None:
        if not self.kinds:
            raise InvalidInput("choose at least one record kind (记录类别)", field="kind")
        if self.keyword is not None and (len(self.keyword) > MAX_KEYWORD or "\x00" in self.keyword):
            raise InvalidInput(f"keyword is longer than {MAX_KEYWORD} characters (关键词过长)", field="keyword")
        if self.decided_from and self.decided_to and self.decided_from > self.decided_to:
            raise InvalidInput("date_to is before date_from (截止日期早于起始日期)", field="date_to")
        if self.category is not None:
            allowed = {c for kind in self.kinds for c in CATEGORIES.get(kind, ())}
            if self.category not in allowed:
                raise InvalidInput(f"unknown category {self.category[:20]!r} (类别不存在)", field="category")


def is_on_portal(record: RecordOut, on: dt.date, policy: PublicityPolicy = DEFAULT_POLICY) -> bool:
    """The same rule as :func:`published_condition`, for one record already read."""
    if record.disclosure != Disclosure.PUBLIC or Status(record.status) not in PUBLISHED_STATUSES:
        return False
    if record.kind not in DOUBLE_PUBLICITY:
        return record.decision_date <= on
    severity = (record.severity or DEFAULT_SEVERITY) if record.kind == Kind.PENALTY else None
    return is_published_on(
        record.decision_date, severity, on, policy=policy, status=Status(record.status), kind=Kind(record.kind)
    )


def _category_condition(session: Session, kind: Kind, category: str) -> ColumnElement[bool]:
    """Content field XKLB / CFLB equals ``category`` or, as a list, contains it; on both databases."""
    v = CreditRecordVersion
    key = CATEGORY_FIELD[kind]
    if session.get_bind().dialect.name == "postgresql":
        # jsonb: an array contains a primitive it holds, and a primitive contains itself.
        return v.content[key].op("@>")(func.to_jsonb(cast(category, String)))
    values = func.json_each(v.content, f"$.{key}").table_valued("value")
    return select(values.c.value).where(values.c.value == category).exists()


def _name_index(column: SQLColumnExpression[str], word: str, postgresql: bool) -> ColumnElement[bool]:
    """What an index answers for "``column`` holds ``word``": on PostgreSQL a word of one or two characters is asked
    of the column's characters and pairs (``xy_short_grams`` under a GIN index, migration 0041; exact on its own),
    a longer one by ``LIKE`` under a trigram index; elsewhere ``LIKE``."""
    if postgresql and len(word) <= 2:
        return func.xy_short_grams(column, "", type_=ARRAY(Text)).op("@>")(cast([word], ARRAY(Text)))
    return column.like(like_pattern(word), escape="\\")


def _keyword_condition(session: Session, actor: Actor, keyword: str) -> ColumnElement[bool]:
    """Every word of the keyword matches the name, the code or the document number (``汇立 处罚`` finds a 汇立
    decision). A natural person is found by name only by those who see records in full: the public sees a masked
    name, and a search by the full name must not confirm it.

    On PostgreSQL each of the three is one index (the documents' ids collected first), and the condition is written
    as ``(name ∨ code ∨ document) ∧ (rest of the name test ∨ code ∨ document)``: the first part is exactly what the
    indexes answer, so the database drops it from the per-row check, which never recomputes a name's grams."""
    v = CreditRecordVersion
    postgresql = session.get_bind().dialect.name == "postgresql"
    clauses: list[ColumnElement[bool]] = []
    for word in keyword.split():
        by_name = _name_index(v.subject_name, word, postgresql)
        rest: list[ColumnElement[bool]] = [v.subject_name.like(like_pattern(word), escape="\\")]
        if not (actor.sees_everything or actor.is_department):
            rest.append(v.subject_type == SubjectType.ENTITY.value)
        r = CreditRecord
        documents = select(r.id).where(
            _name_index(r.doc_no, word, postgresql), r.doc_no.like(like_pattern(word), escape="\\")
        )
        by_doc = (
            v.record_id == any_(func.array(documents.scalar_subquery())) if postgresql else v.record_id.in_(documents)
        )
        by_code = v.subject_uscc == word.upper()
        clauses.append(or_(by_name, by_code, by_doc))
        clauses.append(or_(and_(*rest), by_code, by_doc))
    return and_(*clauses) if clauses else true()


def _filtered(session: Session, actor: Actor, flt: RecordFilter, on: dt.date) -> Select[CreditRecordVersion]:
    v = CreditRecordVersion
    stmt = visible_versions(actor, on=on).where(v.kind.in_([k.value for k in flt.kinds]), published_condition(on))
    if flt.keyword:
        stmt = stmt.where(_keyword_condition(session, actor, flt.keyword))
    if flt.department:
        stmt = stmt.where(v.source_department == flt.department)
    if flt.decided_from:
        stmt = stmt.where(v.decision_date >= flt.decided_from)
    if flt.decided_to:
        stmt = stmt.where(v.decision_date <= flt.decided_to)
    if flt.category:
        stmt = stmt.where(
            or_(*[_category_condition(session, kind, flt.category) for kind in flt.kinds if kind in CATEGORY_FIELD])
        )
    return stmt


def _views(session: Session, actor: Actor, rows: list[CreditRecordVersion]) -> list[RecordOut]:
    ids = [r.record_id for r in rows]
    docs: dict[int, str] = {}
    if ids:
        found = session.execute(select(CreditRecord.id, CreditRecord.doc_no).where(CreditRecord.id.in_(ids)))
        docs = {row.id: row.doc_no for row in found}
    audit_personal_read(session, actor, rows)
    rules = privacy_rules.ruleset(session)
    return [to_view(r, actor, docs[r.record_id], rules) for r in rows]


def search_published(
    session: Session,
    actor: Actor,
    flt: RecordFilter,
    page: PageRequest,
    *,
    cursor: Cursor | None = None,
    on: dt.date | None = None,
) -> tuple[list[RecordOut], int]:
    """One page of published records, newest decision first, masked for the actor.

    Deep pages cost what the first page costs: with a ``cursor`` (the 上一页/下一页 links) the page is read by keyset
    from that position; a page number in the second half of the list (尾页, a jump) is read from the end in reverse
    order, so the last page is a first page read backwards. Only a jump into the middle pays an offset, at most half
    the list."""
    day = on or clock.today()
    stmt = _filtered(session, actor, flt, day)
    days = _days(session, actor, flt, day)
    total = count_of(session, stmt) if days is None else sum(n for _, n in days)
    v = CreditRecordVersion
    sort = (v.decision_date, v.record_id)
    found = read_page(session, stmt, sort=sort, pk=v.id, page=page, total=total, cursor=cursor, days=days)
    return _views(session, actor, found), total


@dataclass(frozen=True, slots=True)
class PublishedPage:
    """One page of a published list: its rows, the list's count and whether the count stopped at a cap (then there
    are more than ``total`` matches and only the first ``total`` are paged)."""

    items: list[RecordOut]
    total: int
    capped: bool = False


def published_page(
    session: Session,
    actor: Actor,
    flt: RecordFilter,
    page: PageRequest,
    *,
    on: dt.date | None = None,
    cursor: Cursor | None = None,
) -> PublishedPage:
    """:func:`search_published` for the public list pages: a keyword's list (counted live, not from the per-day
    counts) is counted up to :data:`KEYWORD_COUNT_CAP` only, and when it has more matches only its first
    ``KEYWORD_COUNT_CAP`` rows are paged, read from the start (a page past them is refused, 422, in Chinese). A
    two-character word can match a twelfth of a 10⁶-record list: counting every match and applying the publication
    rules to each read ≈ 41,000 table pages (1 s warm, 9 s cold); the capped count and a page read in list order
    read about as many rows as the page asks for. Fewer matches than the cap: the exact count and every page."""
    day = on or clock.today()
    if not flt.keyword:
        items, total = search_published(session, actor, flt, page, cursor=cursor, on=day)
        return PublishedPage(items, total)
    stmt = _filtered(session, actor, flt, day)
    found = count_of(session, stmt.limit(KEYWORD_COUNT_CAP + 1))
    capped = found > KEYWORD_COUNT_CAP
    if capped and page.offset >= KEYWORD_COUNT_CAP:
        raise InvalidInput(
            f"only the first {KEYWORD_COUNT_CAP:,} matches of a keyword are paged "
            f"(符合条件的记录超过 {KEYWORD_COUNT_CAP:,} 条，仅可翻阅前 {KEYWORD_COUNT_CAP:,} 条；"
            "请增加或细化关键词，或选择部门、日期缩小范围)",
            field="page",
        )
    v = CreditRecordVersion
    total = min(found, KEYWORD_COUNT_CAP)
    rows = _walk(session, actor, stmt, day, page, cursor) if capped else None
    if rows is None:
        sort = (v.decision_date, v.record_id)
        rows = read_page(session, stmt, sort=sort, pk=v.id, page=page, total=total, cursor=cursor, from_end=not capped)
    return PublishedPage(_views(session, actor, rows), total, capped)


def _walk(
    session: Session,
    actor: Actor,
    stmt: Select[CreditRecordVersion],
    day: dt.date,
    page: PageRequest,
    cursor: Cursor | None,
) -> list[CreditRecordVersion] | None:
    """The page of a keyword with many matches, read from the matches of the newest days only (from the cursor's
    day for 上一页/下一页): the keyword's index and the list's date index together (a ``BitmapAnd`` on PostgreSQL)
    give the matches of those days, which are sorted; the span widens (:data:`KEYWORD_SPANS`) until it holds the
    page. None when even the widest span does not: the caller reads every match. A page of a word in a twelfth of
    10⁶ records reads a few thousand table pages instead of 41,000."""
    v = CreditRecordVersion
    newest, oldest = (v.decision_date.desc(), v.record_id.desc()), (v.decision_date.asc(), v.record_id.asc())
    order, offset, size, start = newest, page.offset, min(page.page_size, KEYWORD_COUNT_CAP - page.offset), day
    if cursor is not None:
        position, mark = tuple_(v.decision_date, v.record_id), tuple_(literal(cursor.decision_date), cursor.record_id)
        stmt = stmt.where(position < mark if cursor.forward else position > mark)
        order, offset, size = (newest if cursor.forward else oldest), 0, page.page_size
        start = cursor.decision_date
    for span in KEYWORD_SPANS:
        if order is newest:
            near = stmt.where(v.decision_date >= start - dt.timedelta(days=span))
        else:
            near = stmt.where(v.decision_date <= start + dt.timedelta(days=span))
        found = list(session.execute(near.order_by(*order).offset(offset).limit(size)).scalars())
        if len(found) == size:
            return found if order is newest else found[::-1]
    return None


def all_published(
    session: Session, actor: Actor, flt: RecordFilter, *, limit: int, on: dt.date | None = None
) -> list[RecordOut]:
    """Up to ``limit`` published records in page order (exports ask for one more to know they were cut)."""
    v = CreditRecordVersion
    stmt = _filtered(session, actor, flt, on or clock.today())
    rows = session.execute(stmt.order_by(v.decision_date.desc(), v.record_id.desc()).limit(limit)).scalars()
    return _views(session, actor, list(rows))


def published_batches(
    session: Session, actor: Actor, flt: RecordFilter, *, batch: int | None = None, on: dt.date | None = None
) -> Iterator[list[RecordOut]]:
    """Every published record of the query in page order, ``batch`` at a time, each batch masked for the actor (and
    a personal read audited) as a page is: the streamed exports' reader. Read by keyset on (decision date, record),
    so every batch costs what the first page costs, on both databases; nothing is held between batches but the
    position."""
    v = CreditRecordVersion
    size = batch or EXPORT_BATCH
    base = _filtered(session, actor, flt, on or clock.today())
    order = (v.decision_date.desc(), v.record_id.desc())
    position = tuple_(v.decision_date, v.record_id)
    stmt = base
    while True:
        found = list(session.execute(stmt.order_by(*order).limit(size)).scalars())
        if not found:
            return
        yield _views(session, actor, found)
        if len(found) < size:
            return
        last = found[-1]
        stmt = base.where(position < tuple_(literal(last.decision_date, v.decision_date.type), last.record_id))


def count_published(
    session: Session, actor: Actor, kind: Kind, *, since: dt.date | None = None, on: dt.date | None = None
) -> int:
    """How many records of ``kind`` are published (decided since ``since``): the home page's figures, from the
    same cached query as the unfiltered list's 共 N 条 (:mod:`xinyong.records.counters`)."""
    day = on or clock.today()
    flt = RecordFilter(kinds=(kind,), decided_from=since)
    days = _days(session, actor, flt, day)
    return count_of(session, _filtered(session, actor, flt, day)) if days is None else sum(n for _, n in days)


def _cacheable(actor: Actor, flt: RecordFilter) -> bool:
    """The public's lists filtered by nothing but the kinds, decision dates and a category (a few dozen lists; the
    home page's recent window too). A keyword or a department is counted live."""
    return actor.role == Role.PUBLIC and flt.department is None and flt.keyword is None


def _days(session: Session, actor: Actor, flt: RecordFilter, on: dt.date) -> list[tuple[dt.date, int]] | None:
    """How many records of the list ``flt`` asks for are published per decision date, newest first, for the public's
    lists of :func:`_cacheable`: one cached count per day of the whole list or category (``records.counters``),
    cut to the filter's dates. Its sum is the list's 共 N 条 (and the home page's figures); ``read_page`` skips
    whole days with it, so a page in the middle costs what the first does. None for lists counted live."""
    if not _cacheable(actor, flt):
        return None
    whole = RecordFilter(kinds=flt.kinds, category=flt.category)
    v = CreditRecordVersion

    def count() -> list[tuple[dt.date, int]]:
        stmt = _filtered(session, actor, whole, on).with_only_columns(v.decision_date, func.count())
        rows = session.execute(stmt.group_by(v.decision_date).order_by(v.decision_date.desc()))
        return [(day, n) for day, n in rows]

    key = ("published-days", tuple(sorted(k.value for k in flt.kinds)), flt.category)
    days = counters.cached(session, key, on, count)
    return [
        (day, n)
        for day, n in days
        if (flt.decided_from is None or day >= flt.decided_from) and (flt.decided_to is None or day <= flt.decided_to)
    ]


def refresh_counts(session: Session, _actor: Actor | None = None, today: dt.date | None = None) -> int:
    """The tick's sweep: count the home page's figures (and so the unfiltered lists' totals) for the public now,
    so that no visitor pays for the count after a day change or an ingestion. Returns the number of figures."""
    public = Actor.public()
    day = today or clock.today()
    figures = 0
    for kind in (*DOUBLE_PUBLICITY, *LIST_KINDS):
        count_published(session, public, kind, on=day)
        figures += 1
    for kind in DOUBLE_PUBLICITY:
        count_published(session, public, kind, since=day - dt.timedelta(days=RECENT_DAYS), on=day)
        figures += 1
    return figures


def records_for_profile(
    session: Session, actor: Actor, uscc: str, *, full: bool, limit: int = 500, on: dt.date | None = None
) -> list[RecordOut]:
    """An entity's records for its credit profile: what the actor may see, and for a public reader only what is
    published today (an expired penalty leaves the profile when it leaves the 双公示 list)."""
    v = CreditRecordVersion
    shown = true() if full else published_condition(on or clock.today())
    stmt = visible_versions(actor, on=on).where(v.subject_uscc == uscc, shown)
    rows = session.execute(stmt.order_by(v.decision_date.desc(), v.record_id.desc()).limit(limit)).scalars()
    return _views(session, actor, list(rows))
