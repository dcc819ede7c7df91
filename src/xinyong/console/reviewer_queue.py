"""待我决定: what waits for the signed-in person's decision across the procedures with a second person — listing
(列入决定), objections (异议审核), repair (修复审核) — and the department's self-reports to verify (自主填报核验).

Each count is the length of the list the area's own ``awaiting_decision`` (or, for self-reports, the verification
page's own query) returns, and the queue pages show the same lists with the same count: the dashboard's tile and the
page it links to can never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong.core.actor import Actor, Role
from xinyong.core.pagination import PageRequest
from xinyong.lists import service as lists
from xinyong.objections import service as objections
from xinyong.repair import service as repair
from xinyong.selfreport import service as selfreports
from xinyong.selfreport.rules import Status as ReportStatus

DECIDERS = (Role.DEPT_REVIEWER, Role.DEPT_OPERATOR, Role.CREDIT_OFFICE)


@dataclass(frozen=True, slots=True)
class Waiting:
    label: str
    count: int
    link: str


def pending_self_reports(session: Session, actor: Actor) -> int:
    """Self-reports waiting for verification by the person's department (the verification page's own query)."""
    if not actor.is_department:
        return 0
    _, total = selfreports.list_reports(
        session, actor, status=ReportStatus.PENDING, department=actor.department_code, page=PageRequest(1, 1)
    )
    return total


def waiting_for(session: Session, actor: Actor) -> list[Waiting]:
    """Each procedure's count of items waiting for ``actor``'s decision, with the queue page that lists them."""
    if actor.role not in DECIDERS:
        return []
    return [
        Waiting("列入决定", len(lists.awaiting_decision(session, actor)), "/console/lists/queue"),
        Waiting("异议审核", len(objections.awaiting_decision(session, actor)), "/console/objections"),
        Waiting("修复审核", len(repair.awaiting_decision(session, actor)), "/console/repair"),
        Waiting("自主填报核验", pending_self_reports(session, actor), "/console/self-reports"),
    ]
