"""Demo honour entries (守信激励名单, 红名单): a dozen enterprises of the demo city honoured by the office — 诚信典型,
纳税信用A级纳税人 and 守合同重信用企业 — each added by the office's clerk (``xyb``) and approved by a second account
(``admin``) through the honour procedure, with realistic reasons, issuing departments and decision documents.
Deterministic: the enterprises without any administrative penalty, in USCC order. One enterprise on the serious list
(when the demo has one) is also honoured, so the check API shows incentives withheld (国发〔2016〕33号)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.entities.models import Entity
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry
from xinyong.lists.schemas import HonourIn
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import Kind

CLERK = Actor(role=Role.CREDIT_OFFICE, id="user:xyb", name="信用办经办人")
CHIEF = Actor(role=Role.CREDIT_OFFICE, id="user:admin", name="信用办管理员")
# (list type, issuing department, document pattern, reason); documents numbered per type
_MODEL, _TAX, _CONTRACT = "共信用办〔{year}〕{n}号", "赣税信评〔{year}〕{n}号", "赣市监合〔{year}〕{n}号"
HONOURS: tuple[tuple[str, str, str, str], ...] = (
    ("honest_model", "FGW", _MODEL, "诚信经营、履约守信，连续三年无失信记录，评为年度“诚信典型企业”"),
    ("tax_a_grade", "SWJ", _TAX, "{year0}年度纳税信用评价为A级"),
    ("contract_keeping", "SCJGJ", _CONTRACT, "合同管理制度健全，连续两年无合同违法失信行为，公示为“守合同重信用”企业"),
    ("honest_model", "FGW", _MODEL, "积极参与诚信建设宣传，热心公益，评为“诚信示范单位”"),
    ("tax_a_grade", "SWJ", _TAX, "{year0}年度纳税信用评价为A级，依法诚信纳税"),
    ("tax_a_grade", "SWJ", _TAX, "{year0}年度纳税信用评价为A级"),
)  # fmt: skip
COUNT = 12


def _candidates(session: Session, limit: int) -> list[str]:
    penalised = exists().where(
        CreditRecordVersion.subject_uscc == Entity.uscc, CreditRecordVersion.kind == Kind.PENALTY
    )
    listed = exists().where(ListEntry.subject_uscc == Entity.uscc)
    stmt = select(Entity.uscc).where(Entity.uscc.like("91%"), ~penalised, ~listed).order_by(Entity.uscc).limit(limit)
    return list(session.scalars(stmt))


def _serious(session: Session, today: dt.date) -> str | None:
    codes = lists.withholding_codes(session)
    stmt = (
        select(ListEntry.subject_uscc)
        .where(
            ListEntry.list_code.in_(sorted(codes)), ListEntry.status == "已公示", ListEntry.subject_uscc.is_not(None)
        )
        .where(ListEntry.valid_to >= today)
        .order_by(ListEntry.id)
        .limit(1)
    )
    return session.scalars(stmt).first()


def seed_honours(session: Session, today: dt.date | None = None) -> int:
    """Add and approve the demo honours (decided over the last months, all in force on ``today``); returns how many."""
    day = today or clock.today()
    lists.honour_types(session)
    subjects = _candidates(session, COUNT)
    serious = _serious(session, day)
    if serious is not None:
        subjects.append(serious)
    numbers: dict[str, int] = {}
    made = 0
    for index, uscc in enumerate(subjects):
        list_type, department, pattern, reason = HONOURS[index % len(HONOURS)]
        decided = day - dt.timedelta(days=20 + 17 * index)
        numbers[list_type] = numbers.get(list_type, 0) + 1
        doc_no = pattern.format(year=decided.year, n=numbers[list_type] + 2)
        data = HonourIn(
            list_type=list_type,
            uscc=uscc,
            department=department,
            reason=reason.format(year0=decided.year - 1),
            decision_doc_no=doc_no,
            decision_date=decided,
        )
        entry = lists.nominate_honour(session, CLERK, data)
        lists.approve_honour(session, CHIEF, entry.id)
        made += 1
    return made
