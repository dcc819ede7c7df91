"""Credit commitments: who acts for which department, and the constants the service shares."""

from __future__ import annotations

from xinyong.commitments.rules import (
    may_edit_catalogue,
)
from xinyong.core.actor import Actor
from xinyong.core.errors import Forbidden
from xinyong.core.pagination import PageRequest
from xinyong.records.rules import Status

SERVICE = Actor.system("commitments")

FIRST_PAGE = PageRequest()

UNREPAIRED = (Status.VALID, Status.OBJECTED)


def require_department(actor: Actor, department: str, what: str = "this") -> None:
    """Department work is done by that department's staff (or the credit office and the platform's jobs)."""
    if not may_edit_catalogue(actor, department):
        raise Forbidden(f"only {department}'s staff may do {what} (仅主管部门可办理)")


def records_actor(actor: Actor, department: str) -> Actor:
    """Who writes a credit record for this area: the source department's own staff, else the platform."""
    if actor.is_department and actor.department_code == department:
        return actor
    return SERVICE
