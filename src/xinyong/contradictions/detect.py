"""What the rules compare: one set-based statement per rule over the other areas' facts (``records.service.
record_facts``, ``lists.service.entry_facts``, ``evaluation.service.grade_facts``, ``entities.service.status_facts``),
each optionally scoped to a set of entities (the change-driven check). A statement returns both sides' columns
(``a_*``, ``b_*``: kind, ref, department, day, label, state), the subject and the responsible department; Python
only turns rows into :class:`~xinyong.contradictions.rules.Found` (and, for the honour rule, applies the window in
Civil-Code months). Nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal, or_, select, true, union_all
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from xinyong.contradictions.rules import Found, RuleCode, Side
from xinyong.core.periods import add_months
from xinyong.entities import service as entities
from xinyong.evaluation import service as evaluation
from xinyong.lists import service as lists
from xinyong.records import service as records

Scope = Sequence[str] | None
Detector = Callable[[Session, dt.date, Mapping[str, int], Scope], list[Found]]

IN_FORCE_RECORD = ("有效", "异议中")  # the records' published statuses
BINDING_ENTRY = ("已公示", "已移出")  # published entries, and exited ones (their term may still cover a day)
GONE_UPSTREAM = ("已移出", "已撤销")
CLOSED_REGISTRATION = ("吊销", "注销")
HONOUR_CATEGORIES = ("honour", "red")  # 守信激励 / 红名单 list categories, when the lists area has them
MAX_SHARING = 10  # a "document number" shared by more records than this is a placeholder, not a number
NUMBER_CHUNK = 5_000  # shared document numbers compared per statement (bound parameters stay well under 65,535)
SIDE = ("kind", "ref", "dept", "day", "label", "state")


def _in(column: Any, scope: Scope) -> ColumnElement[bool]:
    return column.in_(list(scope)) if scope is not None else true()


def _text(column: Any) -> Any:
    return func.coalesce(cast(column, String), "")


def record_side(r: Subquery, prefix: str) -> list[Any]:
    return [
        literal("record").label(f"{prefix}kind"),
        cast(r.c.record_id, String).label(f"{prefix}ref"),
        r.c.department.label(f"{prefix}dept"),
        r.c.decision_date.label(f"{prefix}day"),
        (r.c.title + "（" + r.c.doc_no + "）").label(f"{prefix}label"),
        cast(r.c.version_id, String).label(f"{prefix}state"),
    ]


def entry_side(e: Subquery, prefix: str) -> list[Any]:
    return [
        literal("list_entry").label(f"{prefix}kind"),
        cast(e.c.entry_id, String).label(f"{prefix}ref"),
        e.c.department.label(f"{prefix}dept"),
        func.coalesce(e.c.valid_from, e.c.decision_date).label(f"{prefix}day"),
        (e.c.list_name + "（" + func.coalesce(e.c.doc_no, "无文号") + "）").label(f"{prefix}label"),
        (e.c.status + "|" + _text(e.c.valid_to) + "|" + _text(e.c.exit_date) + "|" + _text(e.c.revoked_on)).label(
            f"{prefix}state"
        ),
    ]


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _side(row: RowMapping, prefix: str) -> Side:
    day = _day(row[f"{prefix}day"])
    return Side(
        kind=str(row[f"{prefix}kind"]),
        ref=str(row[f"{prefix}ref"]),
        department=row[f"{prefix}dept"],
        day=day.isoformat() if day else None,
        label=str(row[f"{prefix}label"]),
        state=str(row[f"{prefix}state"]),
    )


def _found(session: Session, stmt: Select[Any], rule: RuleCode, responsible: str, summary: str) -> list[Found]:
    """Rows of ``stmt`` as contradictions: ``responsible`` names the side (``a`` / ``b``) whose department answers."""
    out: list[Found] = []
    for row in session.execute(stmt).mappings():
        a, b = _side(row, "a_"), _side(row, "b_")
        department = str(row[f"{responsible}_dept"])
        out.append(
            Found(
                rule=rule.value,
                uscc=str(row["uscc"] or ""),
                subject_name=str(row["name"] or ""),
                department=department,
                a=a,
                b=b,
                summary=summary.format(a=a.label, b=b.label)[:500],
            )
        )
    return out


# ------------------------------------------------------------------------------------------------ the six rules


def honour_vs_serious(session: Session, on: dt.date, params: Mapping[str, int], scope: Scope) -> list[Found]:
    """An honour (record of kind 诚信荣誉, or an entry of an honour list) and a serious penalty or serious-list entry
    of the same entity, both in force, the honour decided within ``window_months`` of the serious decision.

    Each side is one statement read through its own index (honours by kind, serious penalties by their partial
    index: both a small part of the records); the two are paired by subject here, so the pairing never depends
    on the planner's guess of how many rows each side has (a guess of a dozen made it a nested loop of 5,000 ×
    6,000 rows at 10⁶ records)."""
    r = records.record_facts(on).subquery()
    e = lists.entry_facts(on).subquery()
    honours = union_all(
        select(*record_side(r, ""), r.c.uscc, r.c.name).where(
            r.c.kind == "honour", r.c.in_force == 1, r.c.uscc.is_not(None), _in(r.c.uscc, scope)
        ),
        select(*entry_side(e, ""), e.c.uscc, e.c.name).where(
            e.c.category.in_(HONOUR_CATEGORIES), e.c.in_force == 1, _in(e.c.uscc, scope)
        ),
    )
    serious = union_all(
        select(*record_side(r, ""), r.c.uscc).where(
            r.c.severity == "严重",
            r.c.kind == "penalty",
            r.c.in_force == 1,
            r.c.uscc.is_not(None),
            _in(r.c.uscc, scope),
        ),
        select(*entry_side(e, ""), e.c.uscc).where(e.c.category == "serious", e.c.in_force == 1, _in(e.c.uscc, scope)),
    )
    by_subject: dict[str, list[Side]] = {}
    for row in session.execute(serious).mappings():
        by_subject.setdefault(str(row["uscc"]), []).append(_side(row, ""))
    window = int(params.get("window_months", 12))
    out: list[Found] = []
    for row in session.execute(honours).mappings():
        honour = _side(row, "")
        for grave in by_subject.get(str(row["uscc"]), ()):
            if _within(honour.day, grave.day, window):
                summary = f"诚信荣誉「{honour.label}」与严重失信「{grave.label}」同期有效"
                out.append(
                    Found(
                        rule=RuleCode.HONOUR_VS_SERIOUS.value,
                        uscc=str(row["uscc"]),
                        subject_name=str(row["name"] or ""),
                        department=str(honour.department),
                        a=honour,
                        b=grave,
                        summary=summary[:500],
                    )
                )
    return out


def _within(honour: str | None, serious: str | None, months: int) -> bool:
    if honour is None or serious is None:
        return True
    h, s = dt.date.fromisoformat(honour), dt.date.fromisoformat(serious)
    return add_months(s, -months) <= h <= add_months(s, months)


def licence_after_ban(session: Session, on: dt.date, params: Mapping[str, int], scope: Scope) -> list[Found]:
    """A licence (行政许可, in a published status) decided on a day a market-ban entry of the same entity bound."""
    del params
    ban = lists.entry_facts(on).subquery()
    lic = records.record_facts(on).subquery()
    day = lic.c.decision_date
    stmt = (
        select(*entry_side(ban, "a_"), *record_side(lic, "b_"), lic.c.uscc, lic.c.name)
        .join_from(ban, lic, lic.c.uscc == ban.c.uscc)
        .where(
            ban.c.category == "market_ban",
            ban.c.status.in_(BINDING_ENTRY),
            ban.c.valid_from <= day,
            or_(ban.c.valid_to.is_(None), ban.c.valid_to >= day),
            or_(ban.c.exit_date.is_(None), ban.c.exit_date > day),
            lic.c.kind == "license",
            lic.c.status.in_(IN_FORCE_RECORD),
            _in(lic.c.uscc, scope),
        )
    )
    return _found(session, stmt, RuleCode.LICENCE_AFTER_BAN, "b", "「{a}」生效后仍作出行政许可「{b}」")


def grade_a_serious(session: Session, on: dt.date, params: Mapping[str, int], scope: Scope) -> list[Found]:
    """A grade A entity with a serious-list entry binding today."""
    del params
    g = evaluation.grade_facts().subquery()
    e = lists.entry_facts(on).subquery()
    stmt = (
        select(
            literal("grade").label("a_kind"),
            g.c.uscc.label("a_ref"),
            literal(None, String).label("a_dept"),
            literal(None, String).label("a_day"),
            literal("公共信用综合评价 A级").label("a_label"),
            g.c.grade.label("a_state"),
            *entry_side(e, "b_"),
            e.c.uscc,
            e.c.name,
        )
        .join_from(g, e, e.c.uscc == g.c.uscc)
        .where(g.c.grade == "A", e.c.category == "serious", e.c.in_force == 1, _in(g.c.uscc, scope))
    )
    return _found(session, stmt, RuleCode.GRADE_A_SERIOUS, "b", "「{a}」与仍有效的「{b}」矛盾")


def upstream_exited(session: Session, on: dt.date, params: Mapping[str, int], scope: Scope) -> list[Found]:
    """An upstream (national / provincial) entry exited or revoked there while a local entry of the same category
    about the same entity — with the same decision number when both have one — still binds here."""
    del params
    up = lists.entry_facts(on).subquery()
    local = lists.entry_facts(on).subquery()
    stmt = (
        select(*entry_side(up, "a_"), *entry_side(local, "b_"), local.c.uscc, local.c.name)
        .join_from(up, local, and_(local.c.uscc == up.c.uscc, local.c.category == up.c.category))
        .where(
            up.c.origin == "upstream",
            up.c.status.in_(GONE_UPSTREAM),
            local.c.origin == "local",
            local.c.in_force == 1,
            or_(up.c.doc_no.is_(None), local.c.doc_no.is_(None), up.c.doc_no == local.c.doc_no),
            _in(local.c.uscc, scope),
        )
    )
    return _found(session, stmt, RuleCode.UPSTREAM_EXITED, "b", "上级「{a}」已移出或撤销，本地「{b}」仍有效")


def doc_no_conflict(session: Session, on: dt.date, params: Mapping[str, int], scope: Scope) -> list[Found]:
    """The same document number from two departments about different entities, dates or kinds (not revoked).
    Over everyone, the numbers more than one department used are read first from an index of numbers (a few in
    a city's millions), then compared a chunk of them at a time; scoped, the scoped entities' numbers."""
    del params
    if scope is not None:
        mine = records.record_facts(on).subquery()
        return _doc_no_pairs(session, on, select(mine.c.doc_no).where(mine.c.uscc.in_(list(scope))), scope)
    numbers = list(session.scalars(records.shared_doc_nos()))
    found: list[Found] = []
    for start in range(0, len(numbers), NUMBER_CHUNK):
        found.extend(_doc_no_pairs(session, on, numbers[start : start + NUMBER_CHUNK], None))
    return found


def _doc_no_pairs(session: Session, on: dt.date, numbers: Any, scope: Scope) -> list[Found]:
    """Pairs of records sharing one of ``numbers`` (a list, or a statement selecting them)."""
    base, one, two = (records.record_facts(on).subquery() for _ in range(3))
    shared = (
        select(base.c.doc_no)
        .where(base.c.status != "已撤销", base.c.uscc.is_not(None), base.c.doc_no.in_(numbers))
        .group_by(base.c.doc_no)
        .having(func.min(base.c.department) != func.max(base.c.department), func.count() <= MAX_SHARING)
        .subquery()
    )
    stmt = (
        select(*record_side(one, "a_"), *record_side(two, "b_"), two.c.uscc, two.c.name)
        .join_from(shared, one, one.c.doc_no == shared.c.doc_no)
        .join(two, two.c.doc_no == one.c.doc_no)
        .where(
            one.c.record_id < two.c.record_id,
            one.c.department != two.c.department,
            one.c.uscc.is_not(None),
            two.c.uscc.is_not(None),
            one.c.status != "已撤销",
            two.c.status != "已撤销",
            or_(one.c.uscc != two.c.uscc, one.c.decision_date != two.c.decision_date, one.c.kind != two.c.kind),
            or_(_in(one.c.uscc, scope), _in(two.c.uscc, scope)),
        )
    )
    return _found(session, stmt, RuleCode.DOC_NO_CONFLICT, "b", "同一文书号：「{a}」与「{b}」内容不一致")


def licence_after_closure(session: Session, on: dt.date, params: Mapping[str, int], scope: Scope) -> list[Found]:
    """An entity registered as 吊销 or 注销 with a licence decided after the day that happened (the latest 注销登记
    record, or a penalty revoking the business licence); an entity with no such dated record is not judged. Read
    from the closed entities (few) to their records by subject, never by scanning every record's title."""
    del params
    facts = entities.status_facts().subquery()
    ent = select(facts).where(facts.c.status.in_(CLOSED_REGISTRATION), _in(facts.c.uscc, scope)).subquery()
    r = records.record_facts(on).subquery()
    closing = or_(
        and_(r.c.kind == "registration", r.c.title.like("注销%")),
        and_(r.c.kind == "penalty", r.c.title.like("%吊销营业执照%")),
    )
    closed = (
        select(
            r.c.uscc,
            func.max(r.c.decision_date).label("closed_on"),
            func.max(r.c.record_id).label("record_id"),
        )
        .join_from(ent, r, r.c.uscc == ent.c.uscc)
        .where(closing, r.c.status.in_((*IN_FORCE_RECORD, "已过期")))
        .group_by(r.c.uscc)
        .subquery()
    )
    lic = records.record_facts(on).subquery()
    stmt = (
        select(
            literal("entity").label("a_kind"),
            ent.c.uscc.label("a_ref"),
            literal(None, String).label("a_dept"),
            closed.c.closed_on.label("a_day"),
            ("登记状态：" + ent.c.status).label("a_label"),
            (ent.c.status + "|" + _text(closed.c.closed_on)).label("a_state"),
            *record_side(lic, "b_"),
            ent.c.uscc,
            ent.c.name,
        )
        .join_from(ent, closed, closed.c.uscc == ent.c.uscc)
        .join(lic, lic.c.uscc == ent.c.uscc)
        .where(
            lic.c.kind == "license",
            lic.c.status.in_(IN_FORCE_RECORD),
            lic.c.decision_date > closed.c.closed_on,
        )
    )
    return _found(session, stmt, RuleCode.LICENCE_AFTER_CLOSURE, "b", "「{a}」之后仍作出行政许可「{b}」")


DETECTORS: dict[str, Detector] = {
    RuleCode.HONOUR_VS_SERIOUS.value: honour_vs_serious,
    RuleCode.LICENCE_AFTER_BAN.value: licence_after_ban,
    RuleCode.GRADE_A_SERIOUS.value: grade_a_serious,
    RuleCode.UPSTREAM_EXITED.value: upstream_exited,
    RuleCode.DOC_NO_CONFLICT.value: doc_no_conflict,
    RuleCode.LICENCE_AFTER_CLOSURE.value: licence_after_closure,
}
