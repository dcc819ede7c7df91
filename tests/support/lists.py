"""Helpers shared by the lists and remedies tests (no tests here): actors, a frozen day, an entry taken through the
procedure up to a given step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntry

OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="op-scjgj", name="经办", department_code="SCJGJ")
REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev-scjgj", name="审核", department_code="SCJGJ")
OTHER_OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="op-zjj", department_code="ZJJ")
OTHER_REVIEWER = Actor(role=Role.DEPT_REVIEWER, id="rev-zjj", department_code="ZJJ")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")
SYSTEM = Actor.system("tick")


def at(day: dt.date) -> None:
    """Freeze the clock at noon Beijing time on ``day``."""
    clock.freeze(dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC))


def party(uscc: str) -> Actor:
    return Actor(role=Role.ENTITY, id=f"ent-{uscc}", entity_uscc=uscc)


def propose(session: Session, uscc: str, list_type: str = "serious", **fields: Any) -> ListEntry:
    data: dict[str, Any] = {
        "list_type": list_type,
        "facts": "拒不履行行政处罚决定，情节严重",
        "basis": "国办发〔2020〕49号",
        "subject_uscc": uscc,
        "conduct_date": dt.date(2024, 5, 1),
    }
    data.update(fields)
    return lists.propose_entry(session, OPERATOR, **data)


def listed(
    session: Session,
    uscc: str | None = None,
    *,
    list_type: str = "serious",
    notice_on: dt.date = dt.date(2024, 9, 27),
    until: str = "publish",
    doc_no: str | None = None,
    **fields: Any,
) -> ListEntry:
    """An entry proposed the day before ``notice_on``, notified on it, decided the first day the window allows and
    published the same day; stops after the step named by ``until``."""
    if uscc is None and "subject_person_id" not in fields:
        uscc = builders.entity(session).uscc
    at(notice_on - dt.timedelta(days=1))
    entry = propose(session, uscc, list_type, **fields) if uscc else propose_person(session, list_type, **fields)
    if until == "propose":
        return entry
    at(notice_on)
    lists.notify_party(session, OPERATOR, entry.id, notice_doc_no=f"告知〔2024〕{entry.id}号")
    if until == "notify":
        return entry
    assert entry.statement_deadline is not None
    at(entry.statement_deadline + dt.timedelta(days=1))
    lists.decide_entry(session, REVIEWER, entry.id, decision_doc_no=doc_no or f"共市监列〔2024〕{entry.id}号")
    if until == "decide":
        return entry
    lists.publish_entry(session, OPERATOR, entry.id)
    return entry


def propose_person(session: Session, list_type: str, **fields: Any) -> ListEntry:
    data: dict[str, Any] = {
        "list_type": list_type,
        "facts": "提供虚假材料骗取社会救助",
        "basis": "《社会救助暂行办法》",
        "conduct_date": dt.date(2024, 5, 1),
    }
    data.update(fields)
    return lists.propose_entry(session, OPERATOR, **data)
