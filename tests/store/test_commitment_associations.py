"""Industry associations (clause (20)) on SQLite and PostgreSQL: members, member credit events flowing into the
members' credit records with the association as the deciding body, and 行业自律 items open to members only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import entity_actor, item, sign
from xinyong.commitments import associations, service
from xinyong.commitments.schemas import AssociationIn, MemberEventIn, MemberIn, SignIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.records import service as records
from xinyong.records.rules import Kind, Severity

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office")


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _association(db: Session) -> str:
    made = builders.entity(db, name="共青城市羽绒服装行业协会", uscc=builders.new_uscc("51"))
    associations.register(db, builders.operator("MZJ"), AssociationIn(uscc=made.uscc))
    return made.uscc


def test_only_a_social_organisation_is_an_association(seeded: Session) -> None:
    firm = builders.entity(seeded)
    with pytest.raises(InvalidInput):
        associations.register(seeded, builders.operator("MZJ"), AssociationIn(uscc=firm.uscc))


def test_a_member_event_becomes_the_members_credit_record(seeded: Session) -> None:
    association = _association(seeded)
    member = builders.entity(seeded, name="共青城鸭鸭羽绒制品有限公司")
    acting = entity_actor(association)  # the association's own account
    associations.add_member(seeded, acting, association, MemberIn(member_uscc=member.uscc))
    event = associations.record_event(
        seeded, acting, association, MemberEventIn(member_uscc=member.uscc, event_type="公开谴责", reason="以次充好")
    )
    record = records.get_record(seeded, Actor.public(), event.record_id)
    assert record.subject.uscc == member.uscc and record.source_department == "MZJ"
    assert record.content["HYXH_SHXYM"] == association and record.content["SJLX"] == "公开谴责"
    assert record.severity == Severity.GENERAL and record.kind == Kind.COMMITMENT
    assert records.get_record(seeded, OFFICE, event.record_id).provenance["association_uscc"] == association  # type: ignore[index]
    honour = associations.record_event(
        seeded, acting, association, MemberEventIn(member_uscc=member.uscc, event_type="表彰", reason="诚信经营示范")
    )
    assert records.get_record(seeded, Actor.public(), honour.record_id).kind == Kind.HONOUR
    associations.record_event(
        seeded, acting, association, MemberEventIn(member_uscc=member.uscc, event_type="劝退", reason="屡次违规")
    )
    assert associations.current_members(seeded, association) == []


def test_others_cannot_act_for_an_association(seeded: Session) -> None:
    association = _association(seeded)
    member = builders.entity(seeded)
    with pytest.raises(Forbidden):
        associations.add_member(seeded, entity_actor(member.uscc), association, MemberIn(member_uscc=member.uscc))
    with pytest.raises(Forbidden):
        associations.add_member(seeded, builders.operator("SWJ"), association, MemberIn(member_uscc=member.uscc))
    with pytest.raises(Conflict):  # not a member: only 不予接纳 applies to non-members
        associations.record_event(
            seeded,
            entity_actor(association),
            association,
            MemberEventIn(member_uscc=member.uscc, event_type="通报批评", reason="x"),
        )


def test_self_discipline_items_are_for_members(seeded: Session) -> None:
    association = _association(seeded)
    member, outsider = builders.entity(seeded), builders.entity(seeded)
    associations.add_member(seeded, entity_actor(association), association, MemberIn(member_uscc=member.uscc))
    self_discipline = item(
        seeded, department="MZJ", commitment_type="行业自律", name="羽绒行业诚信自律公约", association_uscc=association
    )
    assert sign(seeded, entity_actor(member.uscc), self_discipline.id).commitment_type == "行业自律"
    outcome = service.sign_commitment(
        seeded, entity_actor(outsider.uscc), SignIn(item_id=self_discipline.id, signer="王", accept=True)
    )
    assert outcome.commitment is None and "会员" in outcome.reasons[0]


def test_a_membership_ends_on_a_date_and_events_then_need_a_new_one(seeded: Session) -> None:
    association = _association(seeded)
    member = builders.entity(seeded, name="共青城市鹏程羽绒厂")
    acting = entity_actor(association)
    joined = associations.add_member(
        seeded, acting, association, MemberIn(member_uscc=member.uscc, joined_on=clock.today() - dt.timedelta(days=30))
    )
    with pytest.raises(InvalidInput, match="早于入会日期"):
        associations.end_membership(seeded, acting, association, member.uscc, joined.joined_on - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="不能晚于今天"):
        associations.end_membership(seeded, acting, association, member.uscc, clock.today() + dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        associations.end_membership(seeded, builders.operator("SCJGJ"), association, member.uscc)
    ended = associations.end_membership(seeded, acting, association, member.uscc.lower())
    assert ended.left_on == clock.today()
    assert associations.member_names(seeded, association) == []
    with pytest.raises(NotFound):
        associations.end_membership(seeded, acting, association, member.uscc)
    with pytest.raises(Conflict, match="非本会现有会员"):
        associations.record_event(
            seeded, acting, association, MemberEventIn(member_uscc=member.uscc, event_type="表彰", reason="诚信经营")
        )
    logged = seeded.scalars(
        select(audit.AuditEvent.payload).where(audit.AuditEvent.action == "commitments:association:member_left")
    ).all()
    assert logged == [{"member": member.uscc, "left_on": clock.today().isoformat()}]
    again = associations.add_member(seeded, acting, association, MemberIn(member_uscc=member.uscc))  # may rejoin
    assert [m.member_uscc for m, _ in associations.member_names(seeded, association)] == [again.member_uscc]
