"""Credit-service agencies: the entity's grants (授权), a procedure on the workflow mechanism, given and withdrawn by
the entity signed in as itself; "in force" decided on every call.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.agencies import rules
from xinyong.agencies.models import (
    GRANT,
    Grant,
)
from xinyong.agencies.registry import add_subscription, check_caller, get_agency, own_uscc, read_agency
from xinyong.agencies.rules import AgencyStatus, GrantStatus, GrantStep
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.transitions import Parties


def give_grant(session: Session, actor: Actor, agency_id: int, purpose: str, days: int) -> Grant:
    uscc = own_uscc(actor)
    agency = get_agency(session, agency_id)
    if agency.status != AgencyStatus.ACTIVE:
        raise Conflict(f"the agency is {agency.status} (该机构{agency.status}，不能授权)", field="agency_id")
    if purpose not in agency.purposes:
        raise InvalidInput("the agency is not registered for this purpose (该机构未登记此用途)", field="purpose")
    today = clock.today()
    until = rules.grant_until(today, days)
    now = clock.now()
    grant = Grant(
        agency_id=agency.id,
        subject_uscc=uscc,
        purpose=purpose,
        days=days,
        granted_on=today,
        valid_until=until,
        status="",
        created_at=now,
        created_by=actor.id,
        updated_at=now,
    )
    session.add(grant)
    session.flush()
    GRANT.advance(
        session,
        actor,
        grant,
        GrantStep.GRANT,
        parties=Parties(department=None, subject_uscc=uscc),
        context={"agency": agency.id, "subject": uscc, "purpose": purpose, "valid_until": until.isoformat()},
    )
    add_subscription(session, agency.id, uscc)  # the agency will hold a copy: it is told of every change
    return grant


def withdraw_grant(session: Session, actor: Actor, grant_id: int, reason: str | None = None) -> Grant:
    uscc = own_uscc(actor)
    grant = session.get(Grant, grant_id)
    if grant is None or grant.subject_uscc != uscc:
        raise NotFound(f"no grant {grant_id} of yours (未找到该授权)", field="grant_id")
    GRANT.advance(
        session,
        actor,
        grant,
        GrantStep.WITHDRAW,
        parties=Parties(department=None, subject_uscc=uscc),
        reason=rules.clean_text(reason, "reason", rules.MAX_REASON, required=False),
        context={"agency": grant.agency_id, "subject": uscc},
    )
    return grant


def read_grant(session: Session, actor: Actor, grant_id: int) -> Grant:
    """A grant for its history page, under the rule of :func:`~xinyong.agencies.registry.read_agency`."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(f"no grant {grant_id} (未找到该授权)", field="grant_id")
    read_agency(session, actor, grant.agency_id)
    return grant


def grants_of_subject(session: Session, actor: Actor) -> list[Grant]:
    uscc = own_uscc(actor)
    return list(session.scalars(select(Grant).where(Grant.subject_uscc == uscc).order_by(Grant.id.desc())))


def grants_of_agency(session: Session, actor: Actor, address: str) -> list[Grant]:
    agency = check_caller(session, actor, address)
    return list(session.scalars(select(Grant).where(Grant.agency_id == agency.id).order_by(Grant.id.desc())))


def grant_in_force(session: Session, agency_id: int, uscc: str, purpose: str) -> Grant | None:
    """The newest grant of the subject to the agency for the purpose that is in force today (``None``: none)."""
    today = clock.today()
    return session.scalars(
        select(Grant)
        .where(
            Grant.agency_id == agency_id,
            Grant.subject_uscc == uscc,
            Grant.purpose == purpose,
            Grant.status == GrantStatus.GIVEN,
            Grant.valid_until >= today,
        )
        .order_by(Grant.id.desc())
    ).first()


def is_in_force(grant: Grant) -> bool:
    return rules.in_force(grant.status, grant.valid_until, clock.today())
