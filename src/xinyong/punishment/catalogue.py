"""The measures catalogue and the memoranda: seeding the defaults, reading, and the office's additions.

Services flush, never commit. The catalogue is seeded on first use (idempotent, safe against a concurrent seeder).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.lists import service as lists
from xinyong.punishment.models import Measure, Memorandum, MemorandumMeasure
from xinyong.punishment.rules import (
    DEFAULT_MEASURES,
    DEFAULT_MEMORANDA,
    MeasureCategory,
    MeasureSpec,
    MemorandumLevel,
    MemorandumSpec,
    Scenario,
)
from xinyong.punishment.schemas import (
    CheckMeasureOut,
    MeasureIn,
    MeasureOut,
    MemorandumIn,
    MemorandumLinkOut,
    MemorandumOut,
)

_SEED_ACTOR = Actor.system("punishment:seed")
_WRITERS = frozenset({Role.CREDIT_OFFICE, Role.SYSTEM})


def _require_office(actor: Actor) -> None:
    if actor.role not in _WRITERS:
        raise Forbidden("only the credit office maintains the measures and memoranda (仅信用办可维护)")


def measure_row(spec: MeasureSpec, actor: Actor, now: dt.datetime) -> Measure:
    """A new, active catalogue row for a measure the platform ships (惩戒 or 激励)."""
    return Measure(
        code=spec.code,
        name=spec.name,
        category=spec.category,
        legal_basis=spec.legal_basis,
        list_types=list(spec.list_types),
        department=spec.department,
        scenarios=[s.value for s in spec.scenarios],
        active=True,
        created_by=actor.id,
        created_at=now,
    )


def seed_catalogue(session: Session, actor: Actor = _SEED_ACTOR) -> int:
    """Create the default measures and memoranda if the catalogue is empty; return how many measures were added."""
    if session.scalar(select(func.count()).select_from(Measure)) != 0:
        return 0
    now = clock.now()
    try:
        with session.begin_nested():
            by_code: dict[str, Measure] = {}
            for spec in DEFAULT_MEASURES:
                by_code[spec.code] = measure_row(spec, actor, now)
            session.add_all(by_code.values())
            session.flush()
            for memo in DEFAULT_MEMORANDA:
                row = Memorandum(
                    number=memo.number,
                    name=memo.name,
                    level=memo.level,
                    signing_bodies=list(memo.signing_bodies),
                    created_by=actor.id,
                    created_at=now,
                )
                session.add(row)
                session.flush()
                for list_code, codes in memo.links:
                    for code in codes:
                        session.add(
                            MemorandumMeasure(memorandum_id=row.id, list_code=list_code, measure_id=by_code[code].id)
                        )
            session.flush()
    except IntegrityError:  # another transaction seeded first
        return 0
    audit.record(session, actor, "punishment:catalogue:seeded", "measure", "*", {"measures": len(DEFAULT_MEASURES)})
    return len(DEFAULT_MEASURES)


def ensure_seeded(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(Measure)) == 0:
        seed_catalogue(session)


def measure_out(row: Measure) -> MeasureOut:
    category = MeasureCategory(row.category)
    return MeasureOut(
        code=row.code,
        name=row.name,
        category=category,
        category_label=category.label,
        legal_basis=row.legal_basis,
        list_types=list(row.list_types),
        department=row.department,
        scenarios=[Scenario(s) for s in row.scenarios],
        active=row.active,
    )


def list_measures(
    session: Session, *, scenario: Scenario | None = None, list_type: str | None = None
) -> list[MeasureOut]:
    ensure_seeded(session)
    rows = session.scalars(select(Measure).order_by(Measure.code))
    return [
        measure_out(m)
        for m in rows
        if (scenario is None or str(scenario) in m.scenarios) and (list_type is None or list_type in m.list_types)
    ]


def get_measure(session: Session, code: str) -> Measure:
    ensure_seeded(session)
    row = session.scalars(select(Measure).where(Measure.code == code)).first()
    if row is None:
        raise NotFound(f"no catalogued measure {code} (未找到该惩戒措施)", field="measure_code")
    return row


def _known_list_codes(session: Session) -> set[str]:
    return {t.code for t in lists.current_types(session)}


def create_measure(session: Session, actor: Actor, data: MeasureIn) -> Measure:
    _require_office(actor)
    ensure_seeded(session)
    unknown = sorted(set(data.list_types) - _known_list_codes(session))
    if unknown:
        raise InvalidInput(f"unknown list types (名单类型): {', '.join(unknown)}", field="list_types")
    honour_codes = {t.code for t in lists.honour_types(session)}
    if (data.category == MeasureCategory.INCENTIVE) != (set(data.list_types) <= honour_codes):
        raise InvalidInput(
            "incentives apply to honour lists only, restrictions never (激励措施仅适用于守信激励名单，惩戒措施不适用)",
            field="list_types",
        )
    if session.scalars(select(Measure.id).where(Measure.code == data.code)).first() is not None:
        raise Conflict(f"measure {data.code} exists already (措施编码已存在)", field="code")
    row = Measure(
        code=data.code,
        name=data.name,
        category=data.category,
        legal_basis=data.legal_basis,
        list_types=sorted(set(data.list_types)),
        department=data.department,
        scenarios=sorted({s.value for s in data.scenarios}),
        active=True,
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "punishment:measure:created", "measure", row.code, {"name": row.name})
    return row


def _memoranda_out(session: Session, rows: list[Memorandum]) -> list[MemorandumOut]:
    ids = [m.id for m in rows]
    links: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    if ids:
        found = session.execute(
            select(MemorandumMeasure.memorandum_id, MemorandumMeasure.list_code, Measure.code)
            .join(Measure, Measure.id == MemorandumMeasure.measure_id)
            .where(MemorandumMeasure.memorandum_id.in_(ids))
            .order_by(MemorandumMeasure.list_code, Measure.code)
        )
        for memo_id, list_code, code in found:
            links[memo_id][list_code].append(code)
    return [
        MemorandumOut(
            id=m.id,
            number=m.number,
            name=m.name,
            level=MemorandumLevel(m.level),
            signing_bodies=list(m.signing_bodies),
            links=[MemorandumLinkOut(list_type=k, measure_codes=v) for k, v in links[m.id].items()],
        )
        for m in rows
    ]


def list_memoranda(session: Session) -> list[MemorandumOut]:
    ensure_seeded(session)
    return _memoranda_out(session, list(session.scalars(select(Memorandum).order_by(Memorandum.id))))


def create_memorandum(session: Session, actor: Actor, data: MemorandumIn) -> MemorandumOut:
    """A new memorandum; every link names a known list type and catalogued measures that apply to that type."""
    _require_office(actor)
    ensure_seeded(session)
    if session.scalars(select(Memorandum.id).where(Memorandum.number == data.number)).first() is not None:
        raise Conflict(f"memorandum {data.number} exists already (备忘录文号已存在)", field="number")
    known_types = _known_list_codes(session)
    measures = {m.code: m for m in session.scalars(select(Measure))}
    pairs: set[tuple[str, int]] = set()
    for index, link in enumerate(data.links):
        if link.list_type not in known_types:
            raise InvalidInput(f"unknown list type {link.list_type} (名单类型)", field=f"links.{index}.list_type")
        for code in link.measure_codes:
            measure = measures.get(code)
            if measure is None:
                raise InvalidInput(
                    f"{code} is not in the measures catalogue (仅可关联清单内的惩戒措施)",
                    field=f"links.{index}.measure_codes",
                )
            if link.list_type not in measure.list_types:
                raise InvalidInput(
                    f"measure {code} does not apply to list type {link.list_type} (该措施不适用于此名单类型)",
                    field=f"links.{index}.measure_codes",
                )
            pairs.add((link.list_type, measure.id))
    row = Memorandum(
        number=data.number,
        name=data.name,
        level=data.level,
        signing_bodies=list(data.signing_bodies),
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    for list_code, measure_id in sorted(pairs):
        session.add(MemorandumMeasure(memorandum_id=row.id, list_code=list_code, measure_id=measure_id))
    session.flush()
    audit.record(session, actor, "punishment:memorandum:created", "memorandum", str(row.id), {"number": row.number})
    return _memoranda_out(session, [row])[0]


@dataclass(frozen=True, slots=True)
class LinkedMeasure:
    """What a check needs of a catalogued measure a memorandum links to a list type."""

    id: int
    code: str
    name: str
    category: str
    legal_basis: str
    department: str
    list_types: tuple[str, ...]
    scenarios: tuple[str, ...]
    memorandum: str  # the memorandum's number (文号)


@cache
def _linked_statement() -> Executable:
    """Built once, with an expanding parameter for the list codes, so every check reuses its compiled form (Core
    columns: the check needs no ORM objects)."""
    link, measure, memo = MemorandumMeasure.__table__.c, Measure.__table__.c, Memorandum.__table__.c
    return (
        select(
            link.list_code,
            measure.id,
            measure.code,
            measure.name,
            measure.category,
            measure.legal_basis,
            measure.department,
            measure.list_types,
            measure.scenarios,
            memo.number,
        )
        .select_from(MemorandumMeasure.__table__)
        .join(Measure.__table__, measure.id == link.measure_id)
        .join(Memorandum.__table__, memo.id == link.memorandum_id)
        .where(link.list_code.in_(bindparam("codes", expanding=True)), measure.active.is_(True))
        .order_by(measure.code, memo.id)
    )


def measures_out(found: Iterable[tuple[LinkedMeasure, list[int], list[str]]]) -> list[CheckMeasureOut]:
    """A check's measures as answered: each with the list entries and the memoranda (文号) behind it."""
    return [
        CheckMeasureOut(
            code=m.code,
            name=m.name,
            category=MeasureCategory(m.category),
            legal_basis=m.legal_basis,
            department=m.department,
            entry_ids=ids,
            memoranda=memos,
        )
        for m, ids, memos in found
    ]


def linked_measures(session: Session, list_codes: set[str]) -> dict[str, list[LinkedMeasure]]:
    """For each list type, the active measures memoranda link to it, each with the memorandum's number.

    One statement; the catalogue is seeded first only when nothing is linked (a fresh database), so a check on a
    listed subject costs no extra round trip once the catalogue exists."""
    found: dict[str, list[LinkedMeasure]] = defaultdict(list)
    if not list_codes:
        return found
    rows = session.execute(_linked_statement(), {"codes": sorted(list_codes)}).all()
    if not rows and session.scalar(select(func.count()).select_from(Measure)) == 0:
        seed_catalogue(session)
        rows = session.execute(_linked_statement(), {"codes": sorted(list_codes)}).all()
    for list_code, mid, code, name, category, basis, department, list_types, scenarios, number in rows:
        found[list_code].append(
            LinkedMeasure(mid, code, name, category, basis, department, tuple(list_types), tuple(scenarios), number)
        )
    return found


def extend_catalogue(
    session: Session,
    actor: Actor,
    *,
    scopes: dict[str, tuple[str, ...]],
    memoranda: tuple[MemorandumSpec, ...],
) -> dict[str, int]:
    """Widen measures to more list types and add memoranda (or links of existing memoranda), idempotently.

    ``scopes`` maps a catalogued measure code to list type codes it also applies to; each memorandum is found by
    its number (created when missing) and gets the links it lacks. Used to seed the memoranda that cover upstream
    list types (national memoranda: the courts', the tax authority's, market regulation's...). Returns the counts
    added; audit event ``punishment:catalogue:extended`` when anything was added."""
    _require_office(actor)
    ensure_seeded(session)
    known_types = _known_list_codes(session)
    measures = {m.code: m for m in session.scalars(select(Measure))}
    widened = memos_added = links_added = 0
    for code, list_codes in scopes.items():
        measure = measures.get(code)
        if measure is None:
            raise InvalidInput(f"{code} is not in the measures catalogue (仅可扩展清单内的惩戒措施)", field="scopes")
        unknown = sorted(set(list_codes) - known_types)
        if unknown:
            raise InvalidInput(f"unknown list types (名单类型): {', '.join(unknown)}", field="scopes")
        missing = [c for c in list_codes if c not in measure.list_types]
        if missing:
            measure.list_types = sorted({*measure.list_types, *missing})
            widened += 1
    session.flush()
    now = clock.now()
    for spec in memoranda:
        row = session.scalars(select(Memorandum).where(Memorandum.number == spec.number)).first()
        if row is None:
            row = Memorandum(
                number=spec.number,
                name=spec.name,
                level=spec.level,
                signing_bodies=list(spec.signing_bodies),
                created_by=actor.id,
                created_at=now,
            )
            session.add(row)
            session.flush()
            memos_added += 1
        have: set[tuple[str, int]] = {
            (list_code, measure_id)
            for list_code, measure_id in session.execute(
                select(MemorandumMeasure.list_code, MemorandumMeasure.measure_id).where(
                    MemorandumMeasure.memorandum_id == row.id
                )
            )
        }
        for list_code, codes in spec.links:
            for code in codes:
                measure = measures.get(code)
                if measure is None or list_code not in measure.list_types:
                    raise InvalidInput(
                        f"measure {code} does not apply to list type {list_code} (该措施不适用于此名单类型)",
                        field="memoranda",
                    )
                if (list_code, measure.id) not in have:
                    session.add(MemorandumMeasure(memorandum_id=row.id, list_code=list_code, measure_id=measure.id))
                    have.add((list_code, measure.id))
                    links_added += 1
    session.flush()
    counts = {"measures_widened": widened, "memoranda_added": memos_added, "links_added": links_added}
    if any(counts.values()):
        audit.record(session, actor, "punishment:catalogue:extended", "memorandum", "*", counts)
    return counts
