"""The demo city: a realistic, deterministic dataset of 共青城市 (req §4) for the portal, the console and benchmarks.

``load_demo(database, entities=20000, seed=20201)`` writes the notice's departments, entities with valid USCCs (fund
partnerships of the 基金小镇, down apparel, cross-border e-commerce, human-resource services, shops, cooperatives,
village collectives…), their legal representatives, shareholders and controllers (fictitious persons whose ID numbers
are encrypted and blind-indexed as ``entities.service.upsert_person`` stores them) and about five credit records per
entity across the record kinds, decided over a fixed window (2019-01-01 – 2026-10-31), with a few corrected records
whose earlier versions stay readable "as of" a past moment.

The same seed and size give the same rows: every draw comes from one ``random.Random(seed)``; only ``created_at``
timestamps, the audit event and the ciphertexts (random nonces) differ between loads. The rows are written in bulk
(:mod:`xinyong.demo.loader`) in one transaction with one audit event, ``demo:dataset:loaded``.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from sqlalchemy import select

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.core.departments import Department, seed_notice_departments
from xinyong.core.errors import Conflict, InvalidInput
from xinyong.core.ids import USCC_ALPHABET, IdType, make_resident_id, make_uscc, org_code_check_char
from xinyong.core.masking import mask_id_number
from xinyong.core.periods import add_months, end_of_period
from xinyong.core.workdays import builtin_calendar
from xinyong.demo import loader
from xinyong.demo import names as n
from xinyong.demo.checks import seed_checks
from xinyong.demo.commitments import seed_commitment_catalogue
from xinyong.demo.lists import seed_list_entries
from xinyong.entities import service as entity_service
from xinyong.entities.rules import AliasType, AssertedBy, EntityStatus, PersonRole, pinyin_keys
from xinyong.evaluation import service as evaluation
from xinyong.inspections.demo import seed_supervision
from xinyong.records import privacy_rescan
from xinyong.records import service as record_service
from xinyong.records.publicity import publication_window
from xinyong.records.rules import ChangeKind, Disclosure, Kind, Severity, Status, SubjectType

__all__ = ["MAX_ENTITIES", "WINDOW_END", "WINDOW_START", "DemoDataPresent", "DemoSummary", "load_demo"]

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
_END_MOMENT = dt.datetime(2026, 10, 31, 15, 59, 59, tzinfo=dt.UTC)  # 23:59:59 Beijing on WINDOW_END
REGISTRAR = "registrar"  # a role link's source department: the entity's registration authority

Progress = Callable[[int, int], None]


class DemoDataPresent(Conflict):
    """The database already holds entities: the demo refuses to mix with them unless asked to reset."""


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    entities: int
    persons: int
    person_roles: int
    former_names: int
    aliases: int
    records: int
    versions: int
    records_by_kind: dict[str, int]
    departments_added: int
    seconds: float
    backend: str
    grades: dict[str, int] = field(default_factory=dict)  # entities per 公共信用综合评价 grade after loading
    list_entries: dict[str, int] = field(default_factory=dict)  # entries per procedure stage reached
    checks: dict[str, int] = field(default_factory=dict)  # joint-punishment checks, answers and feedback

    def counts(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "entities": self.entities, "persons": self.persons, "person_roles": self.person_roles,
            "former_names": self.former_names, "aliases": self.aliases, "records": self.records,
            "versions": self.versions, "records_by_kind": self.records_by_kind, "grades": self.grades,
            "list_entries": self.list_entries, "checks": self.checks,
        }  # fmt: skip

    def describe(self) -> str:
        return (
            f"demo data loaded (seed {self.seed}, {self.backend}): {self.entities} entities, {self.persons} persons, "
            f"{self.person_roles} roles, {self.records} credit records ({self.versions} versions), graded "
            f"{' '.join(f'{g} {n}' for g, n in self.grades.items())}, "
            f"{self.list_entries.get('published', 0)} 严重失信 entries published "
            f"({self.list_entries.get('proposed', 0)} proposed), {self.checks.get('checks', 0)} checks by business "
            f"systems in {self.seconds:.1f} s"
        )


def load_demo(
    database: Database,
    *,
    entities: int = 20_000,
    seed: int = 20201,
    progress: Progress | None = None,
    reset: bool = False,
    method: loader.Method = "auto",
    pinyin_worker: bool | None = None,
) -> DemoSummary:
    """Load the demo city into ``database`` (its schema must exist).

    Refuses (:class:`DemoDataPresent`) when entities exist, unless ``reset``: then every data row of the platform is
    deleted first (the schema stays). ``method`` picks the writer (``auto``: COPY on PostgreSQL, executemany else);
    ``pinyin_worker`` computes the entities' pinyin keys in a second process (default: from 20,000 entities on).
    """
    if not 1 <= entities <= MAX_ENTITIES:
        raise InvalidInput(f"entities must be between 1 and {MAX_ENTITIES}", field="entities")
    loader.check_columns()
    started = time.perf_counter()
    if reset:
        loader.delete_all_data(database)
    with database.unit_of_work() as session:
        connection = session.connection()
        present = loader.count_entities(connection)
        if present:
            raise DemoDataPresent(
                f"the database already holds {present} entities; demo data is only loaded into an empty platform "
                "(use reset to delete all data first) 数据库已有主体数据，如需重新生成请使用 --reset"
            )
        loader.restart_empty_sequences(connection)
        added = seed_notice_departments(session, ACTOR)
        departments = {d.code: (d.full_name, d.uscc) for d in session.execute(select(Department)).scalars()}
        dataset = _Dataset(seed, entities, departments, loader.first_ids(connection), clock.now())
        writer = loader.make_writer(connection, method)
        step = min(5_000, max(500, entities // 20))
        if pinyin_worker is None:
            pinyin_worker = entities >= PINYIN_WORKER_FROM
        # Pinyin search keys are the costliest pure function per entity: a worker process computes them for chunk k
        # while this process draws chunk k+1 and writes chunk k-1 (so writes run one chunk behind).
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) if pinyin_worker else None
        try:
            behind: _Chunk | None = None
            for start in range(0, entities, step):
                stop = min(entities, start + step)
                rows = dataset.generate(start, stop)
                names = [row[1] for row in rows["entities"]]
                # map() submits at once; the worker imports only entities.rules (the pickled function's module)
                keys = (
                    pool.map(pinyin_keys, names, chunksize=len(names)) if pool is not None else map(pinyin_keys, names)
                )
                if behind is not None:
                    behind.write(writer, progress, entities)
                behind = _Chunk(rows, keys, stop)
            if behind is not None:
                behind.write(writer, progress, entities)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        loader.fix_sequences(connection)
        # the departments' serious-dishonesty decisions through the listing procedure, replayed up to the end of the
        # data window (deterministic), before grading: the serious list forces grade D
        staged = seed_list_entries(session, today=WINDOW_END)
        # every entity graded set-based (公共信用综合评价), so the portal and the console show grades at once
        evaluation.grade_everyone(session, ACTOR)
        grades = evaluation.distribution(session)[1]
        # 双随机、一公开: the market regulator's mapping, items, inspectors, a task with its first round drawn
        seed_supervision(session, ACTOR)
        # the office's usual 信用承诺 items and the 信用修复承诺, so commitments can be signed and repair applied for
        seed_commitment_catalogue(session)
        # a month of joint-punishment checks from two business systems with their feedback (statistics, chart,
        # change notices)
        checks = seed_checks(session, today=clock.today(), seed=seed)
        if checks.get("listed_after_check"):  # a pending entry decided and published after its subject's check
            staged["published"] = staged.get("published", 0) + checks["listed_after_check"]
        summary = DemoSummary(
            seed=seed, entities=entities, persons=dataset.counts["persons"],
            person_roles=dataset.counts["person_roles"], former_names=dataset.counts["entity_names"],
            aliases=dataset.counts["entity_aliases"], records=dataset.counts["credit_records"],
            versions=dataset.counts["credit_record_versions"], records_by_kind=dict(sorted(dataset.kinds.items())),
            departments_added=added, seconds=0.0, backend=database.dialect, grades=grades, list_entries=staged,
            checks=checks,
        )  # fmt: skip
        audit.record(session, ACTOR, "demo:dataset:loaded", "dataset", str(seed), summary.counts())
    # every stored text through the desensitiser, as `xinyong privacy rescan` does: a fresh start is clean
    privacy_rescan.rescan(database, ACTOR)
    return replace(summary, seconds=time.perf_counter() - started)


@dataclass(slots=True)
class _Chunk:
    """Rows of a chunk of entities, waiting for their pinyin keys before they are written."""

    rows: dict[str, list[loader.Row]]
    keys: Iterator[tuple[str, str]]  # the entities' pinyin search keys, as entities.service derives them
    done: int  # entities generated up to and including this chunk

    def write(self, writer: loader.Writer, progress: Progress | None, total: int) -> None:
        entities = self.rows["entities"]
        self.rows["entities"] = [(*row[:2], *key, *row[4:]) for row, key in zip(entities, self.keys, strict=True)]
        for name in loader.COLUMNS:  # parents before children
            writer.write(name, self.rows[name])
        if progress is not None:
            progress(self.done, total)


# ---------------------------------------------------------------- generation


class _Permutation:
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
class _Person:
    id: int
    name: str
    number: str


@dataclass(slots=True)
class _Entity:
    uscc: str
    name: str
    sector: n.Sector
    variant_index: int
    region: n.Region
    established: dt.date
    end: dt.date  # last day it can have records: cancellation/revocation day or the window's end
    status: str
    former: tuple[str, dt.date] | None  # (old name, day it changed)
    reps: list[tuple[dt.date, _Person]] = field(default_factory=list)  # legal representatives from a day on

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


class _Dataset:
    """Draws the whole city from one ``random.Random(seed)``, a chunk of entities at a time, as table rows."""

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
        self.rep_pool: list[_Person] = []
        self.fund_reps: list[_Person] = []
        self.person_pool: list[_Person] = []
        self.counts: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.old_codes = _Permutation(self.rng, 30_000_000, (2, 3, 5))
        self.new_codes = _Permutation(self.rng, 31**5, (31,))
        self.reg_numbers = _Permutation(self.rng, 100_000_000, (2, 5))
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

    def generate(self, start: int, stop: int) -> dict[str, list[loader.Row]]:
        self.rows = {name: [] for name in loader.COLUMNS}
        for _ in range(start, stop):
            entity = self._entity()
            self._records(entity)
            if self.rng.random() < PERSON_RECORD_RATE:
                self._person_penalty()
        for name, rows in self.rows.items():
            self.counts[name] += len(rows)
        return self.rows

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

    def _new_person(self, around: dt.date, male: bool | None = None) -> _Person:
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
        person = _Person(self._id("persons"), name, number)
        self.rows["persons"].append((
            person.id, name, IdType.RESIDENT_ID.value,
            self.cipher.encrypt(number, context=entity_service.ID_CONTEXT),
            entity_service.id_blind(IdType.RESIDENT_ID, number), mask_id_number(number), self.now,
        ))  # fmt: skip
        return person

    def _representative(self, entity: _Entity, day: dt.date) -> _Person:
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
        entity: _Entity,
        person: _Person,
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

    # -- entities ---------------------------------------------------------------------------------------------------

    def _entity(self) -> _Entity:
        rng = self.rng
        sector = n.SECTOR_CHOICE.pick(rng)
        variant_index = rng.randrange(len(sector.variants))
        variant = sector.variants[variant_index]
        region = n.REGIONS[sector.regions.pick(rng)]
        low, high = sector.founded
        year = min(high, low + int((high - low + 1) * rng.random() ** 0.55))
        established = self._date(dt.date(year, 1, 1), min(dt.date(year, 12, 31), WINDOW_END - dt.timedelta(days=45)))
        status, end = EntityStatus.ACTIVE, WINDOW_END
        first_possible = max(established, WINDOW_START) + dt.timedelta(days=60)
        if first_possible < WINDOW_END - dt.timedelta(days=20):
            draw = rng.random()
            if draw < sector.cancelled:
                status, end = EntityStatus.CANCELLED, self._date(first_possible, WINDOW_END - dt.timedelta(days=10))
            elif draw < sector.cancelled + sector.revoked:
                status, end = EntityStatus.REVOKED, self._date(first_possible, WINDOW_END - dt.timedelta(days=10))
        old = established < USCC_SINCE
        if old:
            org8 = f"{50_000_000 + self.old_codes(self.old_count):08d}"
            self.old_count += 1
        else:
            value, chars = self.new_codes(self.new_count), []
            for _ in range(5):
                value, digit = divmod(value, 31)
                chars.append(USCC_ALPHABET[digit])
            org8 = "MA3" + "".join(chars)
            self.new_count += 1
        uscc = make_uscc(sector.authority, sector.org_type, region.code, org8)
        town = rng.choice(region.areas)
        name = self._unique(lambda size: n.company_name(rng, rng.choice(variant.patterns), region, town, size))
        former = None
        if sector.authority == "9" and sector.org_type == "1" and rng.random() < 0.06:
            renamed = self._date(established + dt.timedelta(days=180), end - dt.timedelta(days=30))
            if established + dt.timedelta(days=180) < renamed:
                other = rng.choice(sector.variants)
                former = (
                    self._unique(lambda size: n.company_name(rng, rng.choice(other.patterns), region, town, size)),
                    renamed,
                )
                self.rows["entity_names"].append((self._id("entity_names"), uscc, former[0], established, renamed))
        entity = _Entity(uscc, name, sector, variant_index, region, established, end, status, former)
        capital = None
        if sector.capital is not None:
            amount = rng.randint(*sector.capital)
            amount = round(amount, -len(str(amount)) + 2) if amount >= 100 else amount
            capital = f"{amount}万元人民币"
        self.rows["entities"].append((
            uscc, name, "", "", sector.authority, sector.org_type, region.code, variant.industry,
            n.INDUSTRIES[variant.industry], rng.choice(sector.legal_forms), n.address(rng, sector, region, town),
            capital, established, status, False, self.now, self.now, former[0] if former else "",
        ))  # fmt: skip
        if old:
            self._aliases(entity, org8)
        self._persons(entity)
        return entity

    def _aliases(self, entity: _Entity, org8: str) -> None:
        kind = entity.sector.authority + entity.sector.org_type
        if entity.sector.authority == "9":
            body = entity.region.code + f"{self.reg_numbers(self.old_count):08d}"
            self.rows["entity_aliases"].append(
                (self._id("entity_aliases"), AliasType.REGISTRATION_NO.value, body + _gs15_check(body), entity.uscc)
            )
        if kind != "92":
            code = org8 + org_code_check_char(org8)
            self.rows["entity_aliases"].append(
                (self._id("entity_aliases"), AliasType.ORGANISATION_CODE.value, code, entity.uscc)
            )

    def _persons(self, entity: _Entity) -> None:
        rng = self.rng
        rep = self._representative(entity, entity.established)
        entity.reps.append((entity.established, rep))
        changed = None
        if rng.random() < 0.04 and entity.established + dt.timedelta(days=400) < entity.end:
            changed = self._date(entity.established + dt.timedelta(days=365), entity.end - dt.timedelta(days=30))
            successor = self._representative(entity, changed)
            if successor.id != rep.id:
                entity.reps.append((changed, successor))
            else:
                changed = None
        for index, (since, person) in enumerate(entity.reps):
            until = entity.reps[index + 1][0] if index + 1 < len(entity.reps) else None
            self._link(entity, person, PersonRole.LEGAL_REPRESENTATIVE, since, until)
        if entity.sector.authority + entity.sector.org_type == "91" and rng.random() < entity.sector.shareholders:
            split = rng.choice(n.SHAREHOLDER_SPLITS)
            holders: list[_Person] = [rep] if rng.random() < 0.6 else []
            while len(holders) < len(split):
                candidate = (
                    self._new_person(entity.established)
                    if rng.random() < 0.9 or not self.rep_pool
                    else rng.choice(self.rep_pool)
                )
                if all(candidate.id != h.id for h in holders):
                    holders.append(candidate)
            for holder, percent in zip(holders, split, strict=True):
                self._link(entity, holder, PersonRole.SHAREHOLDER, entity.established, None, share=f"{percent}%")
            if rng.random() < 0.35:
                verified = rng.random() < 0.3
                self._link(
                    entity,
                    holders[0],
                    PersonRole.ACTUAL_CONTROLLER,
                    entity.established,
                    None,
                    AssertedBy.VERIFIED if verified else AssertedBy.SELF_DECLARED,
                    entity.sector.registrar if verified else None,
                )
        if changed is not None and changed >= WINDOW_START:
            self._registration(entity, changed, "变更登记", "法定代表人")

    # -- records ----------------------------------------------------------------------------------------------------

    def _records(self, entity: _Entity) -> None:
        rng = self.rng
        low = max(WINDOW_START, entity.established)
        forced = 0
        if entity.established >= WINDOW_START:
            self._registration(entity, entity.established, "设立登记", None)
            forced += 1
            for key in ("establish", "social_reg"):
                if key in entity.variant.licences:
                    self._licence(entity, key, entity.established)
                    forced += 1
        if entity.former and entity.former[1] >= WINDOW_START:
            self._registration(entity, entity.former[1], "变更登记", "名称")
            forced += 1
        if entity.status == EntityStatus.CANCELLED:
            self._registration(entity, entity.end, "注销登记", None)
            forced += 1
        elif entity.status == EntityStatus.REVOKED:
            self._revocation(entity)
            forced += 1
        count = rng.randint(*entity.sector.records) - forced
        choice = self.kind_choice[entity.sector.key, entity.variant_index]
        for _ in range(max(0, count)):
            kind = choice.pick(rng)
            day = self._date(low, entity.end)
            make = self._makers[kind]
            make(self, entity, day)

    def _entity_subject(self, entity: _Entity, day: dt.date, *, representative: bool = False) -> dict[str, Any]:
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
        entity: _Entity | None = None,
        person: _Person | None = None,
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
                    seconds=min(rng.randint(7200, 40 * 86400), int((_END_MOMENT - moment).total_seconds()) // 2)
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

    # -- record kinds -----------------------------------------------------------------------------------------------

    def _registration(self, entity: _Entity, day: dt.date, kind_of: str, item: str | None) -> None:
        department = entity.sector.registrar
        content = {
            "XDR_MC": entity.name_on(day),
            "XDR_SHXYM": entity.uscc,
            "DJLX": kind_of,
            "DJJG": self.departments[department][0],
            "DJRQ": day.isoformat(),
        }
        if item:
            content["BGSX"] = item
        title = f"{kind_of}（{item}）" if item else kind_of
        self._emit(
            Kind.REGISTRATION,
            department,
            self._doc(department, Kind.REGISTRATION, day.year),
            title,
            day,
            content,
            entity=entity,
            correction="title",
        )

    def _random_registration(self, entity: _Entity, day: dt.date) -> None:
        self._registration(entity, day, "变更登记", self.rng.choice(n.CHANGE_ITEMS))

    def _licence(self, entity: _Entity, key: str, day: dt.date) -> None:
        rng = self.rng
        licence = n.LICENCES[key]
        department = licence.department
        doc_no = self._doc(department, Kind.LICENSE, day.year, 4)
        until = LONG_TERM
        if licence.years:
            until = (add_months(day, 12 * licence.years) - dt.timedelta(days=1)).isoformat()
        content = self._entity_subject(entity, day, representative=True) | {
            "XKWS": f"准予{licence.certificate}行政许可决定书" if licence.category != "登记" else "准予登记通知书",
            "WSH": doc_no, "XKLB": licence.category, "XKZS": licence.certificate,
            "XKBH": self._licence_number(licence, entity, day), "NR": licence.content, "JDRQ": day.isoformat(),
            "YXQZ": day.isoformat(), "YXQZI": until, "XKJG": self.departments[department][0],
            "XKJGDM": self.departments[department][1], "ZT": "有效",
            "LYDW": self.departments[department][0], "LYDWDM": self.departments[department][1],
        }  # fmt: skip
        status = Status.VALID
        if until != LONG_TERM and until < WINDOW_END.isoformat():
            content["ZT"] = "无效"
        elif rng.random() < 0.01:
            status = Status.REVOKED
        self._emit(
            Kind.LICENSE,
            department,
            doc_no,
            f"{licence.certificate}（{licence.content[:30]}）",
            day,
            content,
            entity=entity,
            status=status,
            correction="validity" if until != LONG_TERM else "date",
        )

    def _random_licence(self, entity: _Entity, day: dt.date) -> None:
        keys = [key for key in entity.variant.licences if key not in ("establish", "social_reg")]
        self._licence(entity, self.rng.choice(keys), day)

    def _licence_number(self, licence: n.Licence, entity: _Entity, day: dt.date) -> str:
        form, region, year = licence.number, entity.region.code, day.year
        if form == "uscc":
            return entity.uscc
        seq = self._serial("licence:" + form)
        numbers = {
            "JY": f"JY{2 if entity.sector.org_type == '2' else 1}{region}{seq:06d}{seq % 10}",
            "SC": f"SC101{region}{seq:04d}{seq % 7}",
            "WS": f"共卫公字〔{year}〕第{seq:04d}号",
            "SG": f"{region}{day:%Y%m%d}{seq % 100:02d}01",
            "ZZ": f"D3360{seq:05d}",
            "GH": f"建字第{region}{year}{seq:05d}号",
            "RL": f"赣人服证字〔{year}〕第{seq:05d}号",
            "LW": f"赣劳派{region}{year}{seq:04d}",
            "YS": f"赣交运管许可九字{region}{seq:06d}号",
            "PW": f"{entity.uscc}{1 + seq % 3:03d}V",
            "YC": f"{region}{seq:06d}",
            "XF": f"共消安检字〔{year}〕第{seq:04d}号",
            "YL": f"PDY{seq:05d}{region}11D2152",
            "BX": f"教民1{region}7{seq:07d}号",
            "NY": f"农药经许（赣）{region}{seq:05d}",
            "DF": f"（{region}）动防合字第{seq:06d}号",
            "WW": f"赣网文〔{year}〕{seq:04d}-{seq % 1000:03d}号",
            "YP": f"赣DA{region[2:]}{seq:04d}",
        }
        return numbers.get(form, f"{n.DOC_PREFIX[licence.department]}许〔{year}〕{seq}号")

    def _penalty_content(self, key: str, day: dt.date, severity: str) -> tuple[dict[str, Any], str]:
        rng = self.rng
        penalty = n.PENALTIES[key]
        measures = rng.choice(penalty.measures)
        if severity == Severity.MINOR and ("警告",) in penalty.measures:
            measures = ("警告",)
        parts: list[str] = []
        content: dict[str, Any] = {}
        if "警告" in measures:
            parts.append("警告")
        if "罚款" in measures:
            low, high = penalty.fine
            if severity == Severity.SERIOUS:
                low = (low + high) / 2
            fine = round(rng.uniform(low, high), 4 if high < 1 else 2)
            content["NR_FK"] = f"{fine:g}"
            parts.append(f"罚款人民币{round(fine * 10000)}元")
        if "没收违法所得、没收非法财物" in measures:
            taken = round(rng.uniform(0.01, 0.5), 4)
            content["NR_WFFF"] = f"{taken:g}"
            parts.append(f"没收违法所得人民币{round(taken * 10000)}元")
        window = publication_window(day, Severity(severity))
        content |= {
            "WFXW": penalty.act, "SY": penalty.facts.format(n=rng.randint(2, 60), v=rng.randint(300, 90000)),
            "YJ": penalty.basis, "CFLB": list(measures), "NR": "；".join(parts), "JDRQ": day.isoformat(),
            "YXQ": window.max_end.isoformat(), "GSJZQ": window.max_end.isoformat(),
        }  # fmt: skip
        draw = rng.random()
        if draw < 0.006:
            status = Status.REVOKED
        elif draw < 0.05 and severity != Severity.MINOR and window.may_end_early_on(WINDOW_END):
            status = Status.REPAIRED
        elif window.expired_on(WINDOW_END):
            status = Status.EXPIRED
        else:
            status = Status.VALID
        return content, status

    def _penalty_severity(self, key: str) -> str:
        rng = self.rng
        if key == "tax_invoice":
            return Severity.SERIOUS if rng.random() < 0.7 else Severity.GENERAL
        if n.PENALTIES[key].fine[1] <= 0.5:
            return Severity.MINOR if rng.random() < 0.6 else Severity.GENERAL
        return n.PENALTY_SEVERITY.pick(rng)

    def _penalty(self, entity: _Entity, day: dt.date, key: str | None = None) -> None:
        key = key or self.rng.choice(entity.variant.penalties)
        department = n.PENALTIES[key].department
        severity = self._penalty_severity(key)
        content, status = self._penalty_content(key, day, severity)
        self._penalty_record(key, department, day, severity, status, content, entity=entity)

    def _penalty_record(
        self,
        key: str,
        department: str,
        day: dt.date,
        severity: str,
        status: str,
        content: dict[str, Any],
        *,
        entity: _Entity | None = None,
        person: _Person | None = None,
        act: str | None = None,
    ) -> None:
        doc_no = self._doc(department, Kind.PENALTY, day.year)
        name = entity.name_on(day) if entity else person.name if person else ""
        full, uscc = self.departments[department]
        if person is not None:
            subject = {"XDR_MC": person.name, "XDR_LB": "自然人", "XDR_ZJLX": "身份证", "XDR_ZJHM": person.number}
        else:
            assert entity is not None
            subject = self._entity_subject(entity, day, representative=True)
        content = subject | content | {"WSH": doc_no, "CFJG": full, "CFJGDM": uscc, "SJLY": full, "SJLYDM": uscc}
        if person is not None:
            content = self._personal_facts(content, doc_no, person)
            # the ID number is kept masked, SM4-encrypted and blind-indexed, never in clear (free-text numbers too)
            content = record_service.protect_ids(content, None)
        disclosure = Disclosure.PUBLIC
        if severity == Severity.MINOR and self.rng.random() < 0.5:
            disclosure = Disclosure.RESTRICTED
        self._emit(
            Kind.PENALTY,
            department,
            doc_no,
            f"{name}{act or n.PENALTIES[key].act}案",
            day,
            content,
            entity=entity,
            person=person,
            severity=severity,
            status=status,
            disclosure=disclosure,
            correction="amount" if "NR_FK" in content else "date",
        )

    def _personal_facts(self, content: dict[str, Any], doc_no: str, person: _Person) -> dict[str, Any]:
        """One natural-person penalty in eight gets the personal details departments write into 违法事实 (the
        person's name, a phone, a home address, sometimes a witness), drawn from its own random stream so the rest
        of the dataset is unchanged: the desensitiser and the review queue have real work on a fresh start."""
        rng = random.Random(f"{self.seed}:facts:{doc_no}")
        if rng.random() >= 0.125:
            return content
        phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        road = rng.choice(("青年大道", "湖滨路", "富华大道", "茶山路", "南湖路"))
        home = f"共青城市{rng.choice(('茶山街道', '甘露镇', '江益镇'))}{road}{rng.randint(1, 300)}号"
        facts = f"经查，当事人{person.name}（联系电话{phone[:3]} {phone[3:7]} {phone[7:]}，住{home}）"
        if rng.random() < 0.3:
            facts += f"，证人{n.person_name(rng, rng.random() < 0.5)}，{rng.choice('男女')}，在场"
        return content | {"SY": facts + "。" + str(content.get("SY") or "")}

    def _random_penalty(self, entity: _Entity, day: dt.date) -> None:
        self._penalty(entity, day)

    def _revocation(self, entity: _Entity) -> None:
        day = entity.end
        basis = n.REVOCATION_BASIS_OLD if day < dt.date(2024, 7, 1) else n.REVOCATION_BASIS_NEW
        window = publication_window(day, Severity.GENERAL)
        content = {
            "WFXW": n.REVOCATION_ACT, "SY": f"经查，当事人{n.REVOCATION_ACT}，经公告送达听证告知书后未提出陈述、申辩。",
            "YJ": basis, "CFLB": ["暂扣许可证件、降低资质等级、吊销许可证件"], "NR": "吊销营业执照",
            "JDRQ": day.isoformat(), "YXQ": window.max_end.isoformat(), "GSJZQ": window.max_end.isoformat(),
        }  # fmt: skip
        status = Status.EXPIRED if window.expired_on(WINDOW_END) else Status.VALID
        self._penalty_record(
            "revocation", "SCJGJ", day, Severity.GENERAL, status, content, entity=entity, act="吊销营业执照"
        )

    def _person_penalty(self) -> None:
        rng = self.rng
        if self.person_pool and rng.random() < 0.25:
            person = rng.choice(self.person_pool)
        else:
            person = self._new_person(WINDOW_END - dt.timedelta(days=rng.randint(0, 2500)), rng.random() < 0.8)
            if len(self.person_pool) < 2000:
                self.person_pool.append(person)
        key = rng.choice(n.PERSON_PENALTIES)
        day = self._date(WINDOW_START, WINDOW_END)
        severity = Severity.MINOR if rng.random() < 0.4 else Severity.GENERAL
        content, status = self._penalty_content(key, day, severity)
        self._penalty_record(key, n.PENALTIES[key].department, day, severity, status, content, person=person)

    def _inspection(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        department = rng.choice(entity.sector.inspections)
        item = rng.choice(n.INSPECTION_ITEMS[department])
        result, severity = n.INSPECTION_RESULTS.pick(rng)
        full, uscc = self.departments[department]
        content = self._entity_subject(entity, day) | {
            "JCSX": item, "JCFS": "双随机、一公开", "JCJG": result, "JCRQ": day.isoformat(), "JCJGMC": full,
            "JCJGDM": uscc,
        }  # fmt: skip
        self._emit(
            Kind.INSPECTION,
            department,
            self._doc(department, Kind.INSPECTION, day.year),
            f"{item}：{result}",
            day,
            content,
            entity=entity,
            severity=severity,
            disclosure=Disclosure.PUBLIC,
            correction="date",
        )

    def _abnormal(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        kind_of = entity.sector.authority + entity.sector.org_type
        key = kind_of if kind_of in n.ABNORMAL_REASONS else entity.sector.authority
        if key == "91" and rng.random() < 0.15:
            key = "91b"
        title, reason = n.ABNORMAL_REASONS[key]
        department = "MZJ" if entity.sector.authority == "5" else "SCJGJ"
        content = self._entity_subject(entity, day) | {
            "LRYY": reason,
            "LRRQ": day.isoformat(),
            "ZCJG": self.departments[department][0],
        }
        status = Status.VALID
        if (WINDOW_END - day).days > 120 and rng.random() < 0.6:
            status = Status.REPAIRED
            content |= {
                "YCRQ": self._date(day + dt.timedelta(days=30), WINDOW_END).isoformat(),
                "YCYY": "已补报年度报告并公示" if key != "91b" else "已依法变更登记住所",
            }
        self._emit(
            Kind.ABNORMAL_OPERATION,
            department,
            self._doc(department, Kind.ABNORMAL_OPERATION, day.year),
            title,
            day,
            content,
            entity=entity,
            severity=Severity.GENERAL if key == "91b" else Severity.MINOR,
            status=status,
            correction="date",
        )

    def _judicial(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        case = f"（{day.year}）赣0482执{self._serial(f'court{day.year}')}号"
        dishonest = rng.random() < 0.3
        content = self._entity_subject(entity, day) | {
            "AH": case, "ZXFY": self.departments["FY"][0], "LASJ": day.isoformat(),
            "ZXBD": f"{round(rng.uniform(0.5, 300), 2):g}", "LXQK": rng.choice(("全部未履行", "部分未履行")),
        }  # fmt: skip
        status = Status.VALID
        if dishonest:
            content["SXXW"] = rng.choice(n.JUDICIAL_DISHONEST_ACTS)
        if (WINDOW_END - day).days > 180 and rng.random() < 0.35:
            status = Status.REPAIRED
            content["LXQK"] = "全部已履行"
        self._emit(
            Kind.JUDICIAL,
            "FY",
            case,
            "失信被执行人" if dishonest else "被执行人",
            day,
            content,
            entity=entity,
            severity=Severity.SERIOUS if dishonest else None,
            status=status,
            disclosure=Disclosure.PUBLIC,
        )

    def _serious(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        department, list_name, basis, reason = rng.choice(n.SERIOUS_LISTS)
        until = end_of_period(day, years=3)
        full, uscc = self.departments[department]
        content = self._entity_subject(entity, day, representative=True) | {
            "LRYY": reason, "LRYJ": basis, "LRRQ": day.isoformat(), "YXQZ": day.isoformat(),
            "YXQZI": until.isoformat(), "RDJG": full, "RDJGDM": uscc,
        }  # fmt: skip
        status = Status.VALID
        if until < WINDOW_END:
            status = Status.EXPIRED
        elif end_of_period(day, years=1) < WINDOW_END and rng.random() < 0.12:
            status = Status.REPAIRED
        self._emit(
            Kind.SERIOUS_DISHONESTY,
            department,
            self._doc(department, Kind.SERIOUS_DISHONESTY, day.year),
            f"列入{list_name}",
            day,
            content,
            entity=entity,
            severity=Severity.SERIOUS,
            status=status,
            disclosure=Disclosure.PUBLIC,
            correction="date",
        )

    def _honour(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        options = [h for h in n.HONOURS if not h[2] or entity.sector.key in h[2]]
        department, honour, _ = rng.choice(options)
        content = self._entity_subject(entity, day) | {
            "RYMC": honour, "SYJG": self.departments[department][0], "SYRQ": day.isoformat(),
            "YXQ": end_of_period(day, years=2).isoformat(),
        }  # fmt: skip
        self._emit(
            Kind.HONOUR,
            department,
            self._doc(department, Kind.HONOUR, day.year),
            honour,
            day,
            content,
            entity=entity,
            correction="title",
        )

    def _contract(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        options = n.CONTRACTS if entity.sector.key in ("construction", "realty") else n.CONTRACTS[:1]
        department, what = rng.choice(options)
        result, severity = n.CONTRACT_RESULTS.pick(rng)
        content = self._entity_subject(entity, day) | {
            "HTMC": f"{what}（{day.year}年度）", "HTJE": f"{round(rng.uniform(5, 900), 2):g}", "LYQK": result,
            "PJRQ": day.isoformat(),
        }  # fmt: skip
        self._emit(
            Kind.CONTRACT,
            department,
            self._doc(department, Kind.CONTRACT, day.year),
            f"{what}：{result}",
            day,
            content,
            entity=entity,
            severity=severity,
            correction="date",
        )

    def _commitment(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        department, item, type_ = rng.choice(n.COMMITMENTS)
        result, severity = n.COMMITMENT_RESULTS.pick(rng)
        content = self._entity_subject(entity, day) | {
            "CNLX": type_,
            "CNSX": item,
            "CNRQ": day.isoformat(),
            "LYZT": result,
        }
        self._emit(
            Kind.COMMITMENT,
            department,
            self._doc(department, Kind.COMMITMENT, day.year),
            f"{item}（{type_}）",
            day,
            content,
            entity=entity,
            severity=severity,
            correction="date",
        )

    def _complaint(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        department, channel, summary = rng.choice(n.COMPLAINTS)
        number = channel[:5] if channel[:5].isdigit() else n.DOC_PREFIX[department] + "诉"
        doc_no = f"{number}-{day.year}-{self._serial(f'{number}{day.year}'):07d}"
        content = self._entity_subject(entity, day) | {
            "TSQD": channel,
            "TSNR": summary,
            "SLRQ": day.isoformat(),
            "CLJG": rng.choice(n.COMPLAINT_OUTCOMES),
        }
        disclosure = Disclosure.CONDITIONAL if rng.random() < 0.8 else Disclosure.RESTRICTED
        self._emit(
            Kind.COMPLAINT,
            department,
            doc_no,
            f"{channel}：{summary}",
            day,
            content,
            entity=entity,
            disclosure=disclosure,
        )

    def _evaluation(self, entity: _Entity, day: dt.date) -> None:
        rng = self.rng
        options = [e for e in n.EVALUATIONS if not e[3] or entity.sector.key in e[3]]
        department, name, grades, _ = rng.choice(options)
        year = day.year
        day = max(min(dt.date(year, 4, rng.randint(1, 28)), entity.end), entity.established)
        grade = grades.pick(rng)
        content = self._entity_subject(entity, day) | {
            "PJLX": name,
            "PJND": str(year - 1),
            "PJJG": grade,
            "PJJGMC": self.departments[department][0],
        }
        good = grade in n.GOOD_GRADES
        self._emit(
            Kind.EVALUATION,
            department,
            self._doc(department, Kind.EVALUATION, year),
            f"{year - 1}年度{name}：{grade}",
            day,
            content,
            entity=entity,
            disclosure=Disclosure.PUBLIC if good else Disclosure.CONDITIONAL,
        )

    _makers: ClassVar[dict[str, Callable[[_Dataset, _Entity, dt.date], None]]] = {
        Kind.LICENSE: _random_licence, Kind.PENALTY: _random_penalty, Kind.REGISTRATION: _random_registration,
        Kind.INSPECTION: _inspection, Kind.ABNORMAL_OPERATION: _abnormal, Kind.JUDICIAL: _judicial,
        Kind.SERIOUS_DISHONESTY: _serious, Kind.HONOUR: _honour, Kind.CONTRACT: _contract,
        Kind.COMMITMENT: _commitment, Kind.COMPLAINT: _complaint, Kind.EVALUATION: _evaluation,
    }  # fmt: skip


def _gs15_check(body: str) -> str:
    """Check digit of a 15-digit 工商注册号 (GB/T 17710, ISO 7064 MOD 11,10) for its first 14 digits."""
    product = 10
    for digit in body:
        total = (product + int(digit)) % 10 or 10
        product = total * 2 % 11
    return str((11 - product) % 10)
