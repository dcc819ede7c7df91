"""The check log sealed into the audit chain in batches: checks are not chained one by one (no queue on the chain
head), a seal covers a contiguous id range older than a minute, and changing, removing or adding a sealed check
breaks verification, while the chain itself stays intact."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import SYSTEM
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.audit import AuditEvent
from xinyong.punishment import service
from xinyong.punishment.models import Check
from xinyong.punishment.schemas import CheckIn

GP = Actor(role=Role.BUSINESS_SYSTEM, id="api:1", name="政府采购系统")
T0 = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)


def _checks(session: Session, count: int) -> list[int]:
    firm = builders.entity(session)
    data = CheckIn.model_validate(
        {"subject": {"uscc": firm.uscc}, "scenario": "government_procurement", "purpose": "资格审查"}
    )
    return [service.run_check(session, GP, data).check_id for _ in range(count)]


def _chain_events(session: Session) -> int:
    query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("punishment:check%"))
    return session.scalar(query) or 0


def test_checks_are_sealed_in_batches_and_tampering_is_found(db: Session) -> None:
    builders.departments(db)
    clock.freeze(T0)
    ids = _checks(db, 5)
    assert _chain_events(db) == 0, "no chain event per check"
    assert service.seal_checks(db, SYSTEM).seals == 0, "too fresh: a lower id may still be committing"
    clock.freeze(T0 + dt.timedelta(minutes=2))
    report = service.seal_checks(db, SYSTEM)
    assert (report.seals, report.checks, report.up_to) == (1, 5, ids[-1])
    assert service.seal_checks(db, SYSTEM).seals == 0, "idempotent"
    more = _checks(db, 3)
    verified = service.verify_check_seals(db)
    assert verified.ok and (verified.seals, verified.checks, verified.unsealed) == (1, 5, 3)
    clock.freeze(T0 + dt.timedelta(minutes=4))
    assert service.seal_checks(db, SYSTEM).up_to == more[-1]
    assert service.verify_check_seals(db).describe().startswith("check log intact: 8 checks under 2 seals")
    assert audit.verify(db).ok

    db.execute(update(Check).where(Check.id == ids[2]).values(purpose="改过的用途"))
    broken = service.verify_check_seals(db)
    # a seal covers the id range after the previous seal (from 1 for the first), whatever ids other tests used
    assert not broken.ok and f"–{ids[-1]} (event" in (broken.broken or "")
    db.execute(update(Check).where(Check.id == ids[2]).values(purpose="资格审查"))
    assert service.verify_check_seals(db).ok
    db.execute(delete(Check).where(Check.id == more[1]))
    assert not service.verify_check_seals(db).ok
