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

This module only orchestrates: the entities and their persons are drawn in :mod:`xinyong.demo.dataset`, the record
kinds in :mod:`xinyong.demo.record_kinds`, the shared machinery (window, counters, one record's rows) in
:mod:`xinyong.demo.draws`; each area's seeding (lists, supervision, commitments, checks…) is its own module, called
once from :func:`load_demo`.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.db import Database
from xinyong.core.departments import Department, seed_notice_departments
from xinyong.core.errors import Conflict, InvalidInput
from xinyong.demo import loader
from xinyong.demo.checks import seed_checks
from xinyong.demo.commitments import seed_commitment_catalogue
from xinyong.demo.content import seed_content
from xinyong.demo.contradictions import seed_contradictions
from xinyong.demo.dataset import Dataset
from xinyong.demo.draws import ACTOR, MAX_ENTITIES, PINYIN_WORKER_FROM, WINDOW_END, WINDOW_START, Progress
from xinyong.demo.honour import seed_honours
from xinyong.demo.lists import seed_list_entries
from xinyong.demo.misuse import seed_misuse
from xinyong.entities.rules import pinyin_keys
from xinyong.evaluation import service as evaluation
from xinyong.inspections.demo import seed_supervision
from xinyong.records import privacy_rescan

__all__ = ["MAX_ENTITIES", "WINDOW_END", "WINDOW_START", "DemoDataPresent", "DemoSummary", "load_demo"]


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
        dataset = Dataset(seed, entities, departments, loader.first_ids(connection), clock.now())
        _write_entities(dataset, loader.make_writer(connection, method), progress, pinyin_worker)
        loader.fix_sequences(connection)
        staged, grades, checks = _seed_areas(session, seed)
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


def _write_entities(
    dataset: Dataset, writer: loader.Writer, progress: Progress | None, pinyin_worker: bool | None
) -> None:
    """Draw and write the entities, their persons and records, a chunk at a time."""
    entities = dataset.total
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
            keys = pool.map(pinyin_keys, names, chunksize=len(names)) if pool is not None else map(pinyin_keys, names)
            if behind is not None:
                behind.write(writer, progress, entities)
            behind = _Chunk(rows, keys, stop)
        if behind is not None:
            behind.write(writer, progress, entities)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _seed_areas(session: Session, seed: int) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Each area's demo rows, through its own procedures, after the entities and records: one call per area (an
    area's seeding lives in its own module). Returns the list entries staged, the grades and the checks."""
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
    # the portal's 信用动态, 政策法规, 典型案例, 通知公告 and 办事指南, published through the content procedure
    seed_content(session, ACTOR)
    seed_honours(session)  # 守信激励名单: a dozen honoured enterprises, added and approved by two office accounts
    # a few slips between departments' data (a licence after a market ban or a 注销, a number used twice, a provincial
    # exit not followed here) that the contradiction sweep finds on the first tick round
    seed_contradictions(session)
    seed_misuse(session, clock.today())  # 谋私预警: an official's night of reading persons' records, swept
    if checks.get("listed_after_check"):  # a pending entry decided and published after its subject's check
        staged["published"] = staged.get("published", 0) + checks["listed_after_check"]
    return staged, grades, checks


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
