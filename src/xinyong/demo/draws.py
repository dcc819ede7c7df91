"""The demo city's drawing machinery: the window, the deterministic code spaces, persons, and one record's rows.

:class:`Draws` holds the one ``random.Random(seed)`` every draw comes from, the id and document-number counters, the
working-day table and the persons; :meth:`Draws._emit` writes a record's identity row and its version rows (2-3 when
it was corrected), as ``records.service.upsert_record`` would. The record kinds (:mod:`xinyong.demo.record_kinds`) and
the entities (:mod:`xinyong.demo.dataset`) build on it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xinyong.core.actor import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.ids import IdType, make_resident_id
from xinyong.core.masking import mask_id_number
from xinyong.core.workdays import builtin_calendar
from xinyong.demo import loader
from xinyong.demo import names as n
from xinyong.entities import service as entity_service
from xinyong.entities.rules import AssertedBy, EntityStatus
from xinyong.records.rules import ChangeKind, Disclosure, Kind, Status, SubjectType

WINDOW_START = dt.date(2019, 1, 1)
WINDOW_END = dt.date(2026, 10, 31)
MAX_ENTITIES = 1_000_000
ACTOR = Actor.system("demo")
USCC_SINCE = dt.date(2015, 10, 1)  # 三证合一: entities registered before carry old codes as aliases
LONG_TERM = "2099-12-31"  # 有效期至 of a licence without end, as 信用中国 publishes it
# Records per entity come from the sector table; these are the kinds' base weights before a sector's factors.
BASE_KINDS: dict[str, float] = {
    Kind.LICENSE: 28, Kind.INSPECTION: 16, Kind.REGISTRATION: 8, Kind.PENALTY: 12, Kind.COMMITMENT: 8,
    Kind.COMPLAINT: 5, Kind.ABNORMAL_OPERATION: 5, Kind.JUDICIAL: 4, Kind.HONOUR: 3, Kind.CONTRACT: 3,
    Kind.EVALUATION: 6, Kind.SERIOUS_DISHONESTY: 0.8,
}  # fmt: skip
PINYIN_WORKER_FROM = 20_000  # below this, starting a worker process costs more than it saves
PERSON_RECORD_RATE = 0.08  # penalties against natural persons, per entity generated
CORRECTED_RATE = 0.01  # records with 2-3 versions
END_MOMENT = dt.datetime(2026, 10, 31, 15, 59, 59, tzinfo=dt.UTC)  # 23:59:59 Beijing on WINDOW_END
REGISTRAR = "registrar"  # a role link's source department: the entity's registration authority

Progress = Callable[[int, int], None]


class Permutation:
    """A bijection of range(size) (affine map with a seed-derived multiplier): unique codes in shuffled order."""

    def __init__(self, rng: random.Random, size: int, factors: tuple[int, ...]) -> None:
        self.size = size
        while True:
            self.a = rng.randrange(size // 3, size - 1)
            if all(self.a % f for f in factors):
                break
        self.b = rng.randrange(size)

    def __call__(self, index: int) -> int:
        return (self.a * index + self.b) % self.size


@dataclass(slots=True)
class Person:
    id: int
    name: str
    number: str


@dataclass(slots=True)
class Entity:
    uscc: str
    name: str
    sector: n.Sector
    variant_index: int
    region: n.Region
    established: dt.date
    end: dt.date  # last day it can have records: cancellation/revocation day or the window's end
    status: str
    former: tuple[str, dt.date] | None  # (old name, day it changed)
    reps: list[tuple[dt.date, Person]] = field(default_factory=list)  # legal representatives from a day on

    @property
    def variant(self) -> n.Variant:
        return self.sector.variants[self.variant_index]

    def name_on(self, day: dt.date) -> str:
        return self.former[0] if self.former and day < self.former[1] else self.name

    def rep_on(self, day: dt.date) -> str:
        current = self.reps[0][1].name
        for since, person in self.reps:
            if since <= day:
                current = person.name
        return current

    @property
    def subject_class(self) -> str:
        return "个体工商户" if self.sector.authority + self.sector.org_type == "92" else "法人及非法人组织"


class Draws:
    """The one ``random.Random(seed)`` of the city, its counters and code spaces, persons, and a record's rows."""

    def __init__(
        self, seed: int, total: int, departments: dict[str, tuple[str, str]], ids: dict[str, int], now: dt.datetime
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.total = total
        self.departments = departments
        self.next_id = dict(ids)
        self.now = now
        self.provenance = {"source": "demo", "seed": seed}
        self.cipher = get_cipher()
        self.names: set[str] = set()
        self.numbers: set[str] = set()
        self.serials: dict[str, int] = {}
        self.rep_pool: list[Person] = []
        self.fund_reps: list[Person] = []
        self.person_pool: list[Person] = []
        self.counts: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.old_codes = Permutation(self.rng, 30_000_000, (2, 3, 5))
        self.new_codes = Permutation(self.rng, 31**5, (31,))
        self.reg_numbers = Permutation(self.rng, 100_000_000, (2, 5))
        self.old_count = self.new_count = 0
        self.rows: dict[str, list[loader.Row]] = {}
        self.kind_choice: dict[tuple[str, int], n.Weighted[str]] = {}
        for sector in n.SECTORS:
            factors = dict(sector.kind_factors)
            for index, variant in enumerate(sector.variants):
                weights = {k: w * factors.get(k, 1.0) for k, w in BASE_KINDS.items()}
                if not [key for key in variant.licences if key not in ("establish", "social_reg")]:
                    weights[Kind.LICENSE] = 0
                if not variant.penalties:
                    weights[Kind.PENALTY] = 0
                self.kind_choice[sector.key, index] = n.Weighted([(k, w) for k, w in weights.items() if w > 0])
        calendar = builtin_calendar()
        first, last = dt.date(2018, 12, 1).toordinal(), dt.date(2027, 3, 31).toordinal()
        self.workdays = [o for o in range(first, last + 1) if calendar.is_working_day(dt.date.fromordinal(o)).working]
        self.first_ordinal = first
        self.next_workday: list[int] = []  # ordinal - first -> index of the first working day after it
        position = 0
        for ordinal in range(first, last + 1):
            while position < len(self.workdays) and self.workdays[position] <= ordinal:
                position += 1
            self.next_workday.append(position)

    # -- plumbing ---------------------------------------------------------------------------------------------------

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _serial(self, series: str) -> int:
        value = self.serials.get(series, 0) + 1
        self.serials[series] = value
        return value

    def _doc(self, department: str, kind: str, year: int, width: int = 0) -> str:
        series = n.DOC_PREFIX[department] + n.KIND_DOC_WORD[kind]
        return f"{series}〔{year}〕{self._serial(f'{series}{year}'):0{width}d}号"

    def _date(self, low: dt.date, high: dt.date) -> dt.date:
        if high <= low:
            return low
        return dt.date.fromordinal(self.rng.randint(low.toordinal(), high.toordinal()))

    def _add_workdays(self, day: dt.date, count: int) -> dt.date:
        index = self.next_workday[day.toordinal() - self.first_ordinal] + count - 1
        return dt.date.fromordinal(self.workdays[index])

    def _unique(self, make: Callable[[int], str]) -> str:
        """A name nobody has: a few draws with a two-character 字号, then three characters."""
        for attempt in range(40):
            name = make(2 if attempt < 12 else 3)
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("the demo name space is exhausted")  # pragma: no cover - 10^9 combinations per sector

    # -- persons ----------------------------------------------------------------------------------------------------

    def _new_person(self, around: dt.date, male: bool | None = None) -> Person:
        rng = self.rng
        if male is None:
            male = rng.random() < 0.64
        name = n.person_name(rng, male)
        while True:
            birth = dt.date.fromordinal(around.toordinal() - rng.randint(23 * 365, 62 * 365))
            number = make_resident_id(n.PERSON_REGIONS.pick(rng), birth, rng.randrange(500) * 2 + int(male))
            if number not in self.numbers:
                self.numbers.add(number)
                break
        person = Person(self._id("persons"), name, number)
        self.rows["persons"].append((
            person.id, name, IdType.RESIDENT_ID.value,
            self.cipher.encrypt(number, context=entity_service.ID_CONTEXT),
            entity_service.id_blind(IdType.RESIDENT_ID, number), mask_id_number(number), self.now,
        ))  # fmt: skip
        return person

    def _representative(self, entity: Entity, day: dt.date) -> Person:
        rng = self.rng
        funds = entity.sector.key in ("fund_partnership", "fund_manager")
        pool = self.fund_reps if funds else self.rep_pool
        if pool and rng.random() < entity.sector.rep_reuse:
            return rng.choice(pool)
        person = self._new_person(day)
        if funds and len(self.fund_reps) < max(40, self.total // 150):
            self.fund_reps.append(person)
        elif not funds:
            if len(self.rep_pool) < 4000:
                self.rep_pool.append(person)
            else:
                self.rep_pool[rng.randrange(4000)] = person
        return person

    def _link(
        self,
        entity: Entity,
        person: Person,
        role: str,
        since: dt.date,
        until: dt.date | None,
        asserted: str = AssertedBy.REGISTRY,
        department: str | None = REGISTRAR,
        share: str | None = None,
    ) -> None:
        if entity.status == EntityStatus.CANCELLED and until is None:
            until = entity.end
        self.rows["person_roles"].append((
            self._id("person_roles"), entity.uscc, person.id, str(role), since, until, str(asserted),
            entity.sector.registrar if department is REGISTRAR else department, share, self.now,
        ))  # fmt: skip

    def _entity_subject(self, entity: Entity, day: dt.date, *, representative: bool = False) -> dict[str, Any]:
        subject = {"XDR_MC": entity.name_on(day), "XDR_LB": entity.subject_class, "XDR_SHXYM": entity.uscc}
        if representative:
            subject["FRDB"] = entity.rep_on(day)
        return subject

    def _emit(
        self,
        kind: str,
        department: str,
        doc_no: str,
        title: str,
        decision: dt.date,
        content: dict[str, Any],
        *,
        entity: Entity | None = None,
        person: Person | None = None,
        severity: str | None = None,
        status: str = Status.VALID,
        disclosure: str | None = None,
        correction: str | None = None,
    ) -> None:
        """One record: its identity row and one version (or 2-3 when it was corrected), as upsert_record writes."""
        rng = self.rng
        draw = rng.random()
        wait = rng.randint(1, 7) if draw < 0.85 else rng.randint(8, 15) if draw < 0.95 else rng.randint(16, 40)
        received = min(self._add_workdays(decision, wait), WINDOW_END)
        if disclosure is None:
            draw = rng.random()
            disclosure = (
                Disclosure.PUBLIC if draw < 0.95 else Disclosure.CONDITIONAL if draw < 0.99 else Disclosure.RESTRICTED
            )
        published = None
        if disclosure == Disclosure.PUBLIC:
            published = min(received + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2))), WINDOW_END)
        if entity is not None:
            subject: tuple[Any, ...] = (SubjectType.ENTITY.value, entity.uscc, None, entity.name_on(decision))
        else:
            assert person is not None
            subject = (SubjectType.PERSON.value, None, person.id, person.name)
        record_id = self._id("credit_records")
        moment = dt.datetime(received.year, received.month, received.day, tzinfo=dt.UTC) + dt.timedelta(
            seconds=rng.randint(1800, 34200)
        )  # 08:30-17:30 Beijing
        final = (title, decision, content)
        states = [final]
        if correction is not None and rng.random() < CORRECTED_RATE:
            floor = max(entity.established, WINDOW_START) if entity is not None else WINDOW_START
            if correction == "date" and decision - dt.timedelta(days=20) < floor:
                correction = "title"
            steps = range(rng.choice((1, 1, 1, 1, 2)), 0, -1)
            states = [self._mistake(final, correction, step) for step in steps]
            states.append(final)
        base = (department, str(kind), *subject)
        rest = (received, published, str(disclosure), None if severity is None else str(severity), str(status))
        reason = n.CORRECTION_REASONS.get(correction or "")
        for number, (state_title, state_decision, state_content) in enumerate(states, start=1):
            last = number == len(states)
            following = (
                None
                if last
                else moment
                + dt.timedelta(
                    seconds=min(rng.randint(7200, 40 * 86400), int((END_MOMENT - moment).total_seconds()) // 2)
                )
            )
            self.rows["credit_record_versions"].append((
                self._id("credit_record_versions"), record_id, number, moment, following, *base, state_title,
                state_decision, *rest, state_content, self.provenance,
                ChangeKind.CREATED.value if number == 1 else ChangeKind.CORRECTED.value,
                None if number == 1 else reason, ACTOR.role.value, ACTOR.id,
            ))  # fmt: skip
            if following is not None:
                moment = following
        self.rows["credit_records"].append((record_id, department, str(kind), doc_no, len(states), self.now))
        self.kinds[str(kind)] += 1

    @staticmethod
    def _mistake(
        state: tuple[str, dt.date, dict[str, Any]], correction: str, step: int
    ) -> tuple[str, dt.date, dict[str, Any]]:
        """An earlier, wrong version of a record (``step`` apart from the right one): what a correction fixed."""
        title, decision, content = state
        content = dict(content)
        if correction == "amount":
            content["NR_FK"] = f"{float(content['NR_FK']) * (10 * step):g}"
        elif correction == "validity":
            content["YXQZI"] = str(int(content["YXQZI"][:4]) - step) + content["YXQZI"][4:]
        elif correction == "date":
            decision = decision - dt.timedelta(days=10 * step)
            for key in ("JDRQ", "DJRQ", "JCRQ", "LRRQ", "CNRQ"):
                if key in content:
                    content[key] = decision.isoformat()
        else:
            title = title + "（" + "待补正" * step + "）"
        return title, decision, content
