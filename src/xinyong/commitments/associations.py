"""Industry associations and chambers (行业协会商会, clause (20)): members, 行业自律 commitments (catalogue items
open to one association's members) and member credit events (表彰, 通报批评, 公开谴责, 不予接纳, 劝退).

How an association is a record's source: a credit record's ``source_department`` is a department code, and an
association is not a department. A member event is therefore recorded with the association's **supervising
department** (业务主管单位, which authorised it) as the source department, and the association itself in the
record's content (``HYXH_MC``, ``HYXH_SHXYM``) and provenance (``association_uscc``); the portal names the
association as the body that decided. 表彰 becomes a 诚信荣誉 record; the disciplinary events become records of
信用承诺及履行 (breaches of the trade's self-discipline rules, 行规行约), with a severity.

Who acts: the association's own accounts (entity accounts of the association's USCC), the supervising department,
or the credit office.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.commitments.models import Association, AssociationEvent, AssociationMember
from xinyong.commitments.rules import ENDS_MEMBERSHIP, EVENT_SEVERITY, MemberEvent, is_association, may_edit_catalogue
from xinyong.commitments.schemas import AssociationIn, MemberEventIn, MemberIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.entities import service as entities
from xinyong.records import service as records
from xinyong.records.rules import Disclosure, Kind, SubjectType
from xinyong.records.schemas import RecordIn, SubjectIn


def get_association(session: Session, uscc: str) -> Association:
    found = session.get(Association, uscc.strip().upper())
    if found is None:
        raise NotFound(f"no association {uscc[:18]} (未找到该行业协会)", field="association_uscc")
    return found


def register(session: Session, actor: Actor, data: AssociationIn) -> Association:
    """Authorise a 社会团体 as an association keeping member credit records (its supervising department or the
    credit office)."""
    department = get_department(session, data.supervising_department or actor.department_code or "").code
    if not may_edit_catalogue(actor, department):
        raise Forbidden("only the supervising department or the credit office authorises (仅业务主管单位可授权)")
    entity = entities.get_entity(session, data.uscc)
    if not is_association(entity.authority, entity.org_type):
        raise InvalidInput("an association is a 社会团体 (USCC starting 51) (须为社会团体)", field="uscc")
    if session.get(Association, entity.uscc) is not None:
        raise Conflict("this association is already registered (已登记)", field="uscc")
    row = Association(
        uscc=entity.uscc,
        name=entity.name,
        supervising_department=department,
        authorised_on=data.authorised_on or clock.today(),
        active=True,
        created_by=actor.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "commitments:association:registered", "association", row.uscc, {"by": department})
    return row


def require_association_actor(actor: Actor, association: Association) -> None:
    if actor.role == Role.ENTITY and (actor.entity_uscc or "").upper() == association.uscc:
        return
    if may_edit_catalogue(actor, association.supervising_department):
        return
    raise Forbidden("only the association, its supervising department or the credit office (仅本协会可办理)")


def list_associations(session: Session) -> list[tuple[Association, int]]:
    today = clock.today()
    counts = dict(
        session.execute(
            select(AssociationMember.association_uscc, func.count())
            .where(or_(AssociationMember.left_on.is_(None), AssociationMember.left_on > today))
            .group_by(AssociationMember.association_uscc)
        ).all()
    )
    rows = session.execute(select(Association).order_by(Association.name)).scalars()
    return [(row, int(counts.get(row.uscc, 0))) for row in rows]


def current_members(session: Session, association_uscc: str, on: dt.date | None = None) -> list[AssociationMember]:
    day = on or clock.today()
    return list(
        session.execute(
            select(AssociationMember)
            .where(
                AssociationMember.association_uscc == association_uscc,
                AssociationMember.joined_on <= day,
                or_(AssociationMember.left_on.is_(None), AssociationMember.left_on > day),
            )
            .order_by(AssociationMember.joined_on, AssociationMember.id)
        ).scalars()
    )


def member_names(session: Session, association_uscc: str) -> list[tuple[AssociationMember, str]]:
    """The current members with their names, in the order they joined."""
    return [
        (member, entities.get_entity(session, member.member_uscc).name)
        for member in current_members(session, association_uscc)
    ]


def _membership(session: Session, association_uscc: str, member_uscc: str) -> AssociationMember | None:
    today = clock.today()
    for member in current_members(session, association_uscc, today):
        if member.member_uscc == member_uscc:
            return member
    return None


def add_member(session: Session, actor: Actor, association_uscc: str, data: MemberIn) -> AssociationMember:
    association = get_association(session, association_uscc)
    require_association_actor(actor, association)
    member = entities.get_entity(session, data.member_uscc)
    if member.uscc == association.uscc:
        raise InvalidInput("an association is not its own member (不能加入本会)", field="member_uscc")
    if _membership(session, association.uscc, member.uscc) is not None:
        raise Conflict("already a member (已是会员)", field="member_uscc")
    row = AssociationMember(
        association_uscc=association.uscc,
        member_uscc=member.uscc,
        joined_on=data.joined_on or clock.today(),
        left_on=None,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "commitments:association:member_added", "association", association.uscc, {"member": member.uscc}
    )
    return row


def end_membership(
    session: Session, actor: Actor, association_uscc: str, member_uscc: str, on: dt.date | None = None
) -> AssociationMember:
    """End a current membership (退会) on ``on`` (default today): not before it began, not in the future."""
    association = get_association(session, association_uscc)
    require_association_actor(actor, association)
    member = _membership(session, association.uscc, member_uscc.strip().upper())
    if member is None:
        raise NotFound("not a current member (非现有会员)", field="member_uscc")
    left_on = on or clock.today()
    if left_on > clock.today():
        raise InvalidInput("a membership cannot end in the future (退会日期不能晚于今天)", field="left_on")
    if left_on < member.joined_on:
        raise InvalidInput("a membership cannot end before it began (退会日期早于入会日期)", field="left_on")
    member.left_on = left_on
    session.flush()
    audit.record(
        session,
        actor,
        "commitments:association:member_left",
        "association",
        association.uscc,
        {"member": member.member_uscc, "left_on": left_on.isoformat()},
    )
    return member


def record_event(session: Session, actor: Actor, association_uscc: str, data: MemberEventIn) -> AssociationEvent:
    """A member credit event, flowing into the member's credit record with the association as the deciding body."""
    association = get_association(session, association_uscc)
    require_association_actor(actor, association)
    if not association.active:
        raise Conflict("the association's authorisation has ended (授权已终止)")
    member = entities.get_entity(session, data.member_uscc)
    event_type = MemberEvent(data.event_type)
    decided_on = data.decided_on or clock.today()
    membership = _membership(session, association.uscc, member.uscc)
    if event_type != MemberEvent.REFUSAL and membership is None:
        raise Conflict("the entity is not a current member (非本会现有会员)", field="member_uscc")
    event = AssociationEvent(
        association_uscc=association.uscc,
        member_uscc=member.uscc,
        event_type=event_type,
        decided_on=decided_on,
        reason=data.reason,
        record_id=0,
        actor_role=str(actor.role),
        actor_id=actor.id,
        created_at=clock.now(),
    )
    session.add(event)
    session.flush()
    writer = (
        actor
        if actor.is_department and actor.department_code == association.supervising_department
        else Actor.system(f"association:{association.uscc}")
    )
    version, _ = records.upsert_record(
        session,
        writer,
        RecordIn(
            source_department=association.supervising_department,
            kind=Kind.HONOUR if event_type == MemberEvent.HONOUR else Kind.COMMITMENT,
            doc_no=f"HYXH-{association.uscc}-{event.id}",
            subject=SubjectIn(type=SubjectType.ENTITY, name=member.name, uscc=member.uscc),
            title=f"行业协会{event_type}：{association.name}"[:300],
            decision_date=decided_on,
            published_date=decided_on,
            disclosure=Disclosure.PUBLIC,
            severity=EVENT_SEVERITY[event_type],
            content={
                "SJLX": event_type,
                "HYXH_MC": association.name,
                "HYXH_SHXYM": association.uscc,
                "SY": data.reason[:2000],
            },
            provenance={
                "area": "commitments.associations",
                "association_uscc": association.uscc,
                "association_name": association.name,
                "event_id": event.id,
                "actor": actor.id,
            },
        ),
    )
    event.record_id = version.record_id
    if event_type in ENDS_MEMBERSHIP and membership is not None:
        membership.left_on = max(decided_on, membership.joined_on)
    session.flush()
    audit.record(
        session,
        actor,
        "commitments:association:event",
        "association",
        association.uscc,
        {"member": member.uscc, "event": event_type, "record": version.record_id},
    )
    return event


def events_of(session: Session, association_uscc: str, limit: int = 200) -> list[AssociationEvent]:
    return list(
        session.execute(
            select(AssociationEvent)
            .where(AssociationEvent.association_uscc == association_uscc)
            .order_by(AssociationEvent.decided_on.desc(), AssociationEvent.id.desc())
            .limit(limit)
        ).scalars()
    )
