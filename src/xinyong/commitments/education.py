"""Integrity education (诚信教育, clause (2)): sessions delivered at registration and approval windows are
recorded and reported. Education is free and never a precondition: no workflow of the platform reads these
tables (a test checks that nothing outside this module, its routes and its pages refers to them)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.commitments.models import EducationSession
from xinyong.commitments.schemas import EducationIn, EducationReportRow
from xinyong.commitments.service import require_department
from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.departments import get_department
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.ids import normalise_uscc
from xinyong.core.pagination import PageRequest

FIRST_PAGE = PageRequest()


def record_session(session: Session, actor: Actor, data: EducationIn) -> EducationSession:
    department = get_department(session, data.department or actor.department_code or "").code
    require_department(actor, department, "education records")
    if data.held_on > clock.today():
        raise InvalidInput("held_on is in the future (日期不能晚于今天)", field="held_on")
    reached: dict[str, str] = {}
    for index, entry in enumerate(data.reached):
        try:
            uscc = normalise_uscc(entry.uscc)
        except InvalidInput as bad:
            raise InvalidInput(f"reached[{index}]: {bad.message}", field=f"reached.{index}.uscc") from None
        reached[uscc] = entry.name or ""
    row = EducationSession(
        department=department,
        held_on=data.held_on,
        window=data.window,
        topic=data.topic,
        delivered_by=data.delivered_by,
        reached=[{"uscc": k, "name": v} for k, v in reached.items()],
        reached_count=len(reached),
        created_by=actor.id,
        created_at=clock.now(),
    )
    payload = {"department": department, "held_on": data.held_on.isoformat(), "reached": len(reached)}
    return audit.added(session, actor, row, "commitments:education:recorded", "education_session", payload)


def _scope(actor: Actor, department: str | None) -> str | None:
    if actor.is_department:
        if department and department.upper() != actor.department_code:
            raise Forbidden("a department sees its own sessions (仅可查看本部门)", field="department")
        return actor.department_code
    if not actor.sees_everything:
        raise Forbidden("education records are for staff (仅工作人员可查看)")
    return department.upper() if department else None


def list_sessions(
    session: Session, actor: Actor, *, department: str | None = None, page: PageRequest = FIRST_PAGE
) -> tuple[list[EducationSession], int]:
    scope = _scope(actor, department)
    stmt = select(EducationSession)
    if scope:
        stmt = stmt.where(EducationSession.department == scope)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(EducationSession.held_on.desc(), EducationSession.id.desc())
        .offset(page.offset)
        .limit(page.page_size)
    ).scalars()
    return list(rows), total


def report(session: Session, actor: Actor, year: int, department: str | None = None) -> list[EducationReportRow]:
    """Sessions and distinct entities reached, per department and month of ``year``."""
    scope = _scope(actor, department)
    stmt = select(EducationSession).where(
        EducationSession.held_on >= dt.date(year, 1, 1), EducationSession.held_on <= dt.date(year, 12, 31)
    )
    if scope:
        stmt = stmt.where(EducationSession.department == scope)
    sessions: dict[tuple[str, str], int] = defaultdict(int)
    reached: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in session.execute(stmt).scalars():
        key = (row.department, f"{row.held_on:%Y-%m}")
        sessions[key] += 1
        reached[key].update(entry["uscc"] for entry in row.reached)
    return [
        EducationReportRow(department=dep, month=month, sessions=count, entities_reached=len(reached[(dep, month)]))
        for (dep, month), count in sorted(sessions.items())
    ]
