"""Demo data the contradiction sweep (可比对) finds: a few of the slips a city's data really has, written through
the areas' own procedures after the rest of the demo, so a fresh start shows the departments' 矛盾核查 queues
filled by the platform's own sweep (the first tick round), not by inserted flags.

- 守信褒扬与严重失信同期并存: the demo already has it (honours beside serious penalties of the same period).
- 市场禁入生效后仍获行政许可: two enterprises put on the 市场和行业禁入 list by the market regulator through the
  listing procedure (the clock set to each step's day), then granted a licence by the 行政审批局 a month later.
- 上级已移出而本地仍在列: two entries of the city's 严重失信主体名单 that the provincial platform, holding the same
  decision, has exited there after a credit repair (an upstream entry with the same decision number, 已移出).
- 同一文书号内容不一致: two inspection results a department filed under a number another department had already
  used for its own decision about another enterprise.
- 吊销或注销后仍有新的行政许可: two deregistered (注销) or revoked (吊销) enterprises granted a licence after the day.
- A级主体存在有效的严重失信名单 is not arranged: the platform re-grades an entity on every step of its list entry
  before the sweep compares, so consistent data never shows it (it flags a grade gone stale).

Deterministic: subjects are picked in USCC (or entry id) order. Returns how many cases of each kind were written.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.entities.models import Entity
from xinyong.entities.rules import EntityStatus
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.lists.rules import EntryStatus
from xinyong.records import service as records
from xinyong.records.models import CreditRecord, CreditRecordVersion
from xinyong.records.rules import Kind, Status
from xinyong.records.schemas import RecordIn, SubjectIn

CASES = 2
PAGE = 200  # enterprises read at a time when looking for ones with a clean record
MARKET = "SCJGJ"  # 市场监督管理局: decides market bans
APPROVALS = "XZSPJ"  # 行政审批局: grants licences
SOURCE = {"source": "demo:contradictions"}  # the provenance of the records written here
PROVINCE = ("JXXY", "信用江西", "provincial", "江西省发展和改革委员会")


def _at(day: dt.date) -> None:
    """Noon Beijing time on ``day`` (04:00 UTC), the hour the office would take the step."""
    clock.freeze(dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC))


def _staff(role: Role, department: str, name: str) -> Actor:
    return Actor(role=role, id=f"demo:{role.value}-{department}", name=name, department_code=department)


def _licence(session: Session, entity: Entity, day: dt.date, number: str) -> None:
    """A licence of the 行政审批局 for ``entity`` decided on ``day`` (its own document number ``number``)."""
    content = {
        "XKWS": "准予食品经营许可决定书", "WSH": number, "XKLB": "普通", "XKZS": "食品经营许可证",
        "NR": "预包装食品（含冷藏冷冻食品）销售", "JDRQ": day.isoformat(), "YXQZ": day.isoformat(), "ZT": "有效",
    }  # fmt: skip
    records.upsert_record(
        session,
        _staff(Role.DEPT_OPERATOR, APPROVALS, "经办人（演示）"),
        RecordIn(
            source_department=APPROVALS,
            kind=Kind.LICENSE,
            doc_no=number,
            subject=SubjectIn(type="entity", name=entity.name, uscc=entity.uscc),
            title="食品经营许可证（预包装食品销售）",
            decision_date=day,
            received_date=day,
            content=content,
            provenance=SOURCE,
        ),
    )


def _clean(session: Session, count: int, skip: int = 0) -> list[Entity]:
    """Active enterprises with no list entry and no penalty, from the highest USCC down: a page of enterprises read
    first, their entries and penalties looked up by subject (a correlated NOT EXISTS let SQLite scan every penalty
    for each enterprise)."""
    out: list[Entity] = []
    offset = 0
    while len(out) < count + skip:
        page = list(
            session.scalars(
                select(Entity)
                .where(Entity.status == EntityStatus.ACTIVE, Entity.uscc.like("91%"))
                .order_by(Entity.uscc.desc())
                .offset(offset)
                .limit(PAGE)
            )
        )
        if not page:
            break
        offset += PAGE
        usccs = [e.uscc for e in page]
        listed = set(session.scalars(select(ListEntry.subject_uscc).where(ListEntry.subject_uscc.in_(usccs))))
        penalised = set(
            session.scalars(
                select(CreditRecordVersion.subject_uscc).where(
                    CreditRecordVersion.subject_uscc.in_(usccs), CreditRecordVersion.kind == Kind.PENALTY
                )
            )
        )
        out.extend(e for e in page if e.uscc not in listed and e.uscc not in penalised)
    return out[skip : skip + count]


def _bans(session: Session, today: dt.date) -> int:
    """Market bans decided through the listing procedure about four months ago, then a licence a month after."""
    operator = _staff(Role.DEPT_OPERATOR, MARKET, "经办人（演示）")
    reviewer = _staff(Role.DEPT_REVIEWER, MARKET, "审核人（演示）")
    made = 0
    for index, entity in enumerate(_clean(session, CASES)):
        start = today - dt.timedelta(days=130 + 9 * index)
        _at(start)
        entry = lists.propose_entry(
            session,
            operator,
            list_type="market_ban",
            facts="提供虚假材料骗取食品经营许可，情节严重，依法被撤销许可并禁止从事食品经营活动。",
            basis="《中华人民共和国食品安全法》第一百三十五条；国办发〔2020〕49号",
            subject_uscc=entity.uscc,
            conduct_date=start - dt.timedelta(days=30),
        )
        _at(start + dt.timedelta(days=1))
        lists.notify_party(session, operator, entry.id, notice_doc_no=f"共市监禁告〔{start.year}〕{index + 1}号")
        assert entry.statement_deadline is not None
        decided = entry.statement_deadline + dt.timedelta(days=1)
        _at(decided)
        lists.decide_entry(session, reviewer, entry.id, decision_doc_no=f"共市监禁〔{decided.year}〕{index + 1}号")
        lists.publish_entry(session, operator, entry.id)
        granted = decided + dt.timedelta(days=30)
        _at(granted)
        _licence(session, entity, granted, f"共审批食许〔{granted.year}〕{901 + index}号")
        made += 1
    return made


def _closures(session: Session) -> int:
    """Licences granted after an enterprise's 注销登记 (the day the registration record says)."""
    closing = (
        select(Entity, CreditRecordVersion.decision_date)
        .join(CreditRecordVersion, CreditRecordVersion.subject_uscc == Entity.uscc)
        .where(
            Entity.status == EntityStatus.CANCELLED,
            CreditRecordVersion.kind == Kind.REGISTRATION,
            CreditRecordVersion.title.like("注销%"),
            CreditRecordVersion.valid_to.is_(None),
        )
        .order_by(Entity.uscc)
        .limit(CASES)
    )
    made = 0
    for index, (entity, closed_on) in enumerate(session.execute(closing).all()):
        day = closed_on + dt.timedelta(days=20 + 7 * index)
        _at(day)
        _licence(session, entity, day, f"共审批食许〔{day.year}〕{911 + index}号")
        made += 1
    return made


def _upstream(session: Session, today: dt.date) -> int:
    """The provincial platform's copy of two local serious-list entries, exited there after a credit repair."""
    source, source_name, level, body = PROVINCE
    local = (
        select(ListEntry)
        .where(
            ListEntry.origin == "local",
            ListEntry.list_code == "serious",
            ListEntry.status == EntryStatus.PUBLISHED,
            ListEntry.subject_uscc.is_not(None),
            ListEntry.decision_doc_no.is_not(None),
            ListEntry.valid_to >= today,
        )
        .order_by(ListEntry.id)
        .limit(CASES)
    )
    made = 0
    for entry in list(session.scalars(local)):
        assert entry.decision_date is not None and entry.valid_from is not None
        lists.apply_upstream_entry(
            session,
            Actor.system("demo:exchange"),
            lists.UpstreamEntry(
                source=source, source_name=source_name, level=level, issuing_body=body,
                upstream_id=f"JX-SX-{entry.id:06d}", version=1, list_code="serious", department=entry.department,
                subject_uscc=entry.subject_uscc, subject_person_id=None, subject_name=entry.subject_name,
                status="exited", facts=entry.facts, basis=entry.basis, decision_doc_no=entry.decision_doc_no,
                decision_date=entry.decision_date, valid_from=entry.valid_from, valid_to=entry.valid_to,
                exit_date=today - dt.timedelta(days=12), reason="已完成信用修复，省级平台提前移出",
            ),
        )  # fmt: skip
        made += 1
    return made


def _shared_numbers(session: Session) -> int:
    """Inspection results filed by the 应急管理局 under numbers the market regulator had used for its licences."""
    used = (
        select(CreditRecord.doc_no, CreditRecordVersion.decision_date)
        .join(CreditRecordVersion, CreditRecordVersion.record_id == CreditRecord.id)
        .where(
            CreditRecord.source_department == MARKET,
            CreditRecord.kind == Kind.LICENSE,
            CreditRecordVersion.valid_to.is_(None),
            CreditRecordVersion.status == Status.VALID,
            CreditRecordVersion.subject_uscc.is_not(None),
        )
        .order_by(CreditRecord.id.desc())
        .limit(CASES)
    )
    inspector = _staff(Role.DEPT_OPERATOR, "YJGLJ", "经办人（演示）")
    made = 0
    for index, ((number, day), entity) in enumerate(
        zip(session.execute(used).all(), _clean(session, CASES, CASES), strict=False)
    ):
        checked = day + dt.timedelta(days=3 + index)
        _at(checked)
        records.upsert_record(
            session,
            inspector,
            RecordIn(
                source_department="YJGLJ",
                kind=Kind.INSPECTION,
                doc_no=number,
                subject=SubjectIn(type="entity", name=entity.name, uscc=entity.uscc),
                title="安全生产监督检查结果",
                decision_date=checked,
                received_date=checked,
                content={"JCJG": "未发现问题", "JCRQ": checked.isoformat()},
                provenance=SOURCE,
            ),
        )
        made += 1
    return made


def seed_contradictions(session: Session, today: dt.date | None = None) -> dict[str, int]:
    """Write the demo's contradictions (see the module's text), each step with the clock set to its day (so the
    same seed gives the same rows); the clock is put back as it was found."""
    day = today or clock.today()
    found = clock.frozen_at()
    try:
        made = {"licence_after_ban": _bans(session, day)}
        made["licence_after_closure"] = _closures(session)
        _at(day - dt.timedelta(days=1))
        made["upstream_exited"] = _upstream(session, day)
        made["doc_no_conflict"] = _shared_numbers(session)
    finally:
        clock.freeze(found)
    return made
