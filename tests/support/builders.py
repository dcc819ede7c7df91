"""Small builders for test data: the least that proves a point, with valid identifiers."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import seed_notice_departments
from xinyong.core.ids import make_resident_id, make_uscc
from xinyong.entities import service as entities
from xinyong.entities.models import Entity
from xinyong.entities.schemas import EntityIn
from xinyong.records.schemas import RecordIn, SubjectIn

SYSTEM = Actor.system("test")
_counter = itertools.count(1)


def departments(session: Session) -> None:
    seed_notice_departments(session, SYSTEM)


def operator(department: str = "SCJGJ") -> Actor:
    return Actor(role=Role.DEPT_OPERATOR, id=f"op-{department.lower()}", department_code=department)


def new_uscc(kind: str = "91", region: str = "360482") -> str:
    n = next(_counter)
    return make_uscc(kind[0], kind[1], region, f"{30000000 + n * 37:08d}")


def new_resident_id(birth: dt.date = dt.date(1985, 6, 1)) -> str:
    return make_resident_id("360482", birth, next(_counter) % 1000)


def entity(session: Session, name: str = "共青城鸿瑞羽绒服饰有限公司", **fields: Any) -> Entity:
    uscc = fields.pop("uscc", None) or new_uscc()
    made, _ = entities.upsert_entity(session, SYSTEM, EntityIn(uscc=uscc, name=name, **fields))
    return made


def recent_day() -> dt.date:
    """A decision date a few days before the (possibly frozen) clock's today: still inside every publicity period."""
    return clock.today() - dt.timedelta(days=4)


def penalty(uscc: str, doc_no: str | None = None, **fields: Any) -> RecordIn:
    data: dict[str, Any] = {
        "source_department": "SCJGJ",
        "kind": "penalty",
        "doc_no": doc_no or f"共市监罚〔2024〕{next(_counter)}号",
        "subject": SubjectIn(type="entity", name="共青城鸿瑞羽绒服饰有限公司", uscc=uscc),
        "title": "行政处罚决定书",
        "decision_date": recent_day(),
        "severity": "一般",
        "content": {"WFXW": "虚假宣传", "CFLB": ["罚款"], "NR_FK": 1.5, "FR_ZJHM": new_resident_id()},
    }
    data.update(fields)
    return RecordIn(**data)
