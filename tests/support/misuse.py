"""Hand-made audit events for the insider-misuse rules (谋私预警): who read what, when (Beijing time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.misuse import service as misuse
from xinyong.misuse.models import MisuseAlert
from xinyong.punishment.models import Check

BEIJING = dt.timezone(dt.timedelta(hours=8))
SWEEPER = Actor.system("tick:test")
OPERATOR = Actor(Role.DEPT_OPERATOR, id="user:op-zhang", name="张伟", department_code="SCJGJ")
REVIEWER = Actor(Role.DEPT_REVIEWER, id="user:rv-li", name="李娜", department_code="SCJGJ")
AUDITOR = Actor(Role.AUDITOR, id="user:audit-wang", name="王芳")
AUDITOR_2 = Actor(Role.AUDITOR, id="user:audit-zhao", name="赵磊")
OFFICE = Actor(Role.CREDIT_OFFICE, id="user:office-chen", name="陈静")
UPPER_USCC = "91360482MA35XXXX1X"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Beijing wall-clock moment as the UTC instant the audit log stores."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING).astimezone(dt.UTC)


def read_persons(
    db: Session, actor: Actor, when: dt.datetime, persons: Iterable[int], departments: Iterable[str] = ("SCJGJ",)
) -> int:
    clock.freeze(when)
    people = sorted(persons)
    event = audit.record(
        db,
        actor,
        "records:personal:read",
        "credit_record",
        ",".join(str(p) for p in people),
        {"count": len(people), "persons": people, "departments": sorted(departments)},
    )
    return event.seq


def read_entity(
    db: Session, actor: Actor, when: dt.datetime, uscc: str, departments: Iterable[str] = ("SCJGJ",)
) -> int:
    clock.freeze(when)
    event = audit.record(
        db, actor, "records:entity:read", "entity", uscc, {"count": 1, "departments": sorted(departments), "uscc": uscc}
    )
    return event.seq


def export(db: Session, actor: Actor, when: dt.datetime) -> int:
    clock.freeze(when)
    return audit.record(db, actor, "records:rejections:exported", "batch_rejection", "*", {"rows": 20}).seq


def event(
    db: Session, actor: Actor, when: dt.datetime, action: str, subject_type: str, subject_id: str, uscc: str
) -> int:
    clock.freeze(when)
    return audit.record(db, actor, action, subject_type, subject_id, {"uscc": uscc}).seq


def sweep(db: Session, today: dt.date | None = None) -> misuse.SweepReport:
    return misuse.sweep_misuse(db, SWEEPER, today)


def alerts(db: Session, code: str | None = None) -> list[MisuseAlert]:
    stmt = select(MisuseAlert).order_by(MisuseAlert.id)
    if code is not None:
        stmt = stmt.where(MisuseAlert.rule_code == code)
    return list(db.scalars(stmt))


def checks(db: Session, requester: str, day: dt.date, count: int) -> None:
    """``count`` checks by ``requester`` spread over one Beijing day's office hours."""
    start = at(day, 9)
    step = dt.timedelta(seconds=max(1, 8 * 3600 // max(count, 1)))
    db.add_all(
        Check(
            at=start + i * step,
            requester_id=requester,
            requester_role=str(Role.BUSINESS_SYSTEM),
            requester_department="SCJGJ",
            purpose="行政许可审批",
            scenario="licensing",
            subject_kind="entity",
            subject_key=UPPER_USCC,
            subject_display=UPPER_USCC,
            subject_known=True,
            person_id=None,
            outcome="clear",
            entry_ids=[],
            answer={},
        )
        for i in range(count)
    )
    db.flush()
