"""A month of joint-punishment checks (联合奖惩核查) from two business systems, with their feedback, so the check
statistics, the twelve-month chart and the change notices have something to show on a fresh start.

Two business systems are registered as API clients (their keys are never shown: the demo does not need them): the
city's 公共资源交易平台, which checks bidders before an award, and the 行政审批服务系统, which checks applicants for
subsidies and tax incentives. Over the 30 days before ``today`` they check a few hundred subjects on working days
(office hours, Beijing time), about one in eight of them on the 严重失信主体名单 at the time; every restricted answer
gets feedback on each measure, mostly 已实施, a few 未实施 with the reason. One subject still in the listing pipeline
is checked early in the month and then decided and published a few days before ``today``: its 列入 is a change
notice for the system that checked it. Deterministic for a given seed and day; a few seconds at 20,000 entities.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.departments import Department
from xinyong.core.workdays import builtin_calendar
from xinyong.entities.models import Entity
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.lists.rules import EntryStatus
from xinyong.punishment import service as punishment
from xinyong.punishment.rules import Scenario
from xinyong.punishment.schemas import CheckIn, CheckSubjectIn, FeedbackIn

DAYS = 30
CHECKS_PER_DAY = (12, 28)  # per working day, both systems together
LISTED_SHARE = 0.12
NOT_APPLIED_SHARE = 0.1
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="demo:office", name="信用办（演示）")
SYSTEMS: tuple[tuple[str, tuple[tuple[Scenario, str], ...]], ...] = (
    (
        "共青城市公共资源交易平台",
        (
            (Scenario.PUBLIC_RESOURCE_TRADING, "工程建设项目招标投标资格审查"),
            (Scenario.GOVERNMENT_PROCUREMENT, "政府采购供应商资格审查"),
        ),
    ),
    (
        "共青城市行政审批服务系统",
        (
            (Scenario.FISCAL_FUNDS, "财政专项资金申报审核"),
            (Scenario.TAX_INCENTIVES, "税收优惠政策资格审核"),
        ),
    ),
)
NOT_APPLIED_REASONS = ("项目已于核查前完成签约，按合同约定处理", "经复核该主体已完成信用修复，待名单更新")


def _at(day: dt.date, rng: random.Random) -> None:
    """A moment of office hours (09:00–17:00 Beijing time, 01:00–09:00 UTC) on ``day``."""
    moment = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randrange(480))
    clock.freeze(moment)


def _listed_on(session: Session, day: dt.date) -> list[str]:
    """Entities with a published entry binding them on ``day``."""
    rows = session.execute(
        select(ListEntry.subject_uscc).where(
            ListEntry.status == EntryStatus.PUBLISHED,
            ListEntry.subject_uscc.is_not(None),
            ListEntry.valid_from <= day,
            ListEntry.published_on <= day,
        )
    ).scalars()
    return sorted({uscc for uscc in rows if uscc})


def _pending(session: Session, before: dt.date) -> ListEntry | None:
    """An entry notified and past its statement window, waiting for the decision (the newest demo cases)."""
    return session.scalars(
        select(ListEntry)
        .where(
            ListEntry.status == EntryStatus.NOTIFIED,
            ListEntry.subject_uscc.is_not(None),
            ListEntry.statement_deadline < before,
        )
        .order_by(ListEntry.id)
        .limit(1)
    ).first()


def _list_after_check(session: Session, entry: ListEntry, day0: dt.date, rng: random.Random) -> bool:
    """Decide and publish a pending entry a few days before ``day0`` (after its subject was checked)."""
    if entry.statement_deadline is None:
        return False
    decide_on = max(entry.statement_deadline + dt.timedelta(days=1), day0 - dt.timedelta(days=3))
    if decide_on > day0:
        return False
    code = entry.department
    reviewer = Actor(role=Role.DEPT_REVIEWER, id=f"demo:rev-{code}", name="审核人（演示）", department_code=code)
    operator = Actor(role=Role.DEPT_OPERATOR, id=f"demo:op-{code}", name="经办人（演示）", department_code=code)
    department = session.get(Department, code)
    short = department.short_name if department is not None else "信用办"
    _at(decide_on, rng)
    lists.decide_entry(session, reviewer, entry.id, decision_doc_no=f"共{short}信列〔{decide_on.year}〕{entry.id}号")
    lists.publish_entry(session, operator, entry.id)
    return True


def seed_checks(session: Session, today: dt.date | None = None, seed: int = 20201) -> dict[str, int]:
    """Register the two business systems and replay a month of their checks and feedback; returns counts."""
    day0 = today or clock.today()
    rng = random.Random(seed)
    calendar = builtin_calendar()
    systems: list[tuple[Actor, tuple[tuple[Scenario, str], ...]]] = []
    for name, scenarios in SYSTEMS:
        client, _key = auth.create_api_client(session, OFFICE, name=name, role=Role.BUSINESS_SYSTEM, department=None)
        systems.append((auth.actor_for_client(client), scenarios))
    clear = list(session.scalars(select(Entity.uscc).where(Entity.status == "存续").order_by(Entity.uscc).limit(5_000)))
    counts: Counter[str] = Counter()
    if not clear:
        return dict(counts)
    found = clock.frozen_at()
    try:
        first = day0 - dt.timedelta(days=DAYS)
        pending = _pending(session, first)
        days = [first + dt.timedelta(days=i) for i in range(DAYS)]
        for number, day in enumerate(days):
            if not calendar.is_working_day(day).working:
                continue
            listed = _listed_on(session, day)
            for _ in range(rng.randint(*CHECKS_PER_DAY)):
                actor, scenarios = rng.choice(systems)
                scenario, purpose = rng.choice(scenarios)
                if pending is not None and number == 2 and pending.subject_uscc:
                    uscc = pending.subject_uscc  # checked now, listed later: a change notice for this system
                elif listed and rng.random() < LISTED_SHARE:
                    uscc = rng.choice(listed)
                else:
                    uscc = rng.choice(clear)
                _at(day, rng)
                data = CheckIn(subject=CheckSubjectIn(uscc=uscc), scenario=scenario, purpose=purpose)
                answer = punishment.run_check(session, actor, data)
                counts["checks"] += 1
                counts[answer.outcome.value] += 1
                for measure in answer.measures:
                    applied = rng.random() >= NOT_APPLIED_SHARE
                    reason = None if applied else rng.choice(NOT_APPLIED_REASONS)
                    feedback = FeedbackIn(measure_code=measure.code, applied=applied, reason=reason)
                    punishment.record_feedback(session, actor, answer.check_id, feedback)
                    counts["feedback"] += 1
        if pending is not None and _list_after_check(session, pending, day0, rng):
            counts["listed_after_check"] += 1
    finally:
        clock.freeze(found)
    return dict(counts)
