"""Credit-service agencies (信用服务机构) in the store, on SQLite and PostgreSQL: registration and suspension, keys,
grants that bite at once, the call log, change notices (one per subscribing agency, retried through the outbox,
overdue after the working-day deadline across a holiday)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.agency_support import ADDRESS, OFFICE, agency, agency_data, at, entity_actor
from tests.support.receiver import receiver
from xinyong.agencies import service as agencies
from xinyong.agencies.models import AgencyNotice, AgencyQuery
from xinyong.agencies.rules import AgencyStatus, AgencyStep, NoticeState
from xinyong.core import clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.config import Settings
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.records import service as records
from xinyong.records.rules import Status
from xinyong.records.schemas import RecordCorrection

FAST = Settings(outbox_backoff_seconds=1, outbox_backoff_max_seconds=2, outbox_max_attempts=5)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    at(dt.date(2024, 9, 20))
    return db


def test_registration_suspension_and_keys(seeded: Session) -> None:
    made = agency(seeded)
    assert made.agency.status == AgencyStatus.ACTIVE
    assert made.actor.role == Role.AGENCY
    assert "0791-86001234" not in made.agency.contact_phone_enc and made.agency.contact_phone_masked == "0791-******34"
    assert agencies.agency_of(seeded, made.actor).id == made.agency.id
    with pytest.raises(Conflict):
        agencies.register_agency(seeded, OFFICE, agency_data(uscc=made.agency.uscc))
    with pytest.raises(Forbidden):
        agencies.register_agency(
            seeded, Actor(role=Role.DEPT_OPERATOR, id="op", department_code="SCJGJ"), agency_data()
        )

    agencies.change_status(seeded, OFFICE, made.agency.id, AgencyStep.SUSPEND, "逾期未确认删除")
    assert made.agency.status == AgencyStatus.SUSPENDED
    assert auth.resolve_api_actor(seeded, made.key) is None, "a suspended agency's key is refused"
    with pytest.raises(Conflict):
        agencies.issue_key(seeded, OFFICE, made.agency.id, "新密钥")
    agencies.change_status(seeded, OFFICE, made.agency.id, AgencyStep.REINSTATE, "已整改")
    assert auth.resolve_api_actor(seeded, made.key) is not None

    second, key2 = agencies.issue_key(seeded, OFFICE, made.agency.id, "备用")
    agencies.revoke_key(seeded, OFFICE, made.agency.id, second.id)
    assert auth.resolve_api_actor(seeded, key2) is None, "a revoked key is refused"
    assert auth.resolve_api_actor(seeded, made.key) is not None, "the other key still works"

    agencies.change_status(seeded, OFFICE, made.agency.id, AgencyStep.REVOKE, "备案被注销")
    assert auth.resolve_api_actor(seeded, made.key) is None
    with pytest.raises(Conflict):
        agencies.change_status(seeded, OFFICE, made.agency.id, AgencyStep.REINSTATE, "不可恢复")
    steps = [s.step for s in agencies.agency_steps(seeded, made.agency.id)]
    assert steps == ["register", "suspend", "reinstate", "revoke"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uscc", "91360482XXXXXXXXXX"),
        ("filing_no", "x"),
        ("filing_body", "abc"),
        ("contact_phone", "abc"),
        ("purposes", ["steal"]),
        ("purposes", []),
        ("ip_allow", ["999.1.1.1"]),
        ("name", "   "),
    ],
)
def test_bad_registration_is_refused(seeded: Session, field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        agencies.register_agency(seeded, OFFICE, agency_data(**{field: value}))


def test_a_query_without_a_grant_reads_only_public_data(seeded: Session) -> None:
    firm = builders.entity(seeded)
    public, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc))
    hidden, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc, disclosure="有条件共享"))
    made = agency(seeded)
    answer = agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)
    assert answer["scope"] == "public" and answer["grant_id"] is None and answer["evaluation"] is None
    assert {r["id"] for r in answer["records"]} == {public.record_id}
    with pytest.raises(Forbidden):
        agencies.issue_report(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)
    with pytest.raises(InvalidInput):
        agencies.read_subject(seeded, made.actor, firm.uscc, "credit_rating", ADDRESS)  # not its purpose

    owner = entity_actor(firm.uscc)
    grant = agencies.give_grant(seeded, owner, made.agency.id, "credit_report", 30)
    assert grant.valid_until == dt.date(2024, 10, 20)
    full = agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)
    assert full["scope"] == "full" and full["grant_id"] == grant.id
    assert {r["id"] for r in full["records"]} == {public.record_id, hidden.record_id}
    other_purpose = agencies.read_subject(seeded, made.actor, firm.uscc, "financing", ADDRESS)
    assert other_purpose["scope"] == "public", "a grant is for its purpose only"

    row, pdf, used = agencies.issue_report(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)
    assert used.id == grant.id and pdf.startswith(b"%PDF")
    assert row.content["issued_for"]["agency_name"] == made.agency.name
    assert row.content["issued_for"]["grant_id"] == grant.id
    from xinyong.reports import service as reports

    assert reports.verify_pdf(seeded, Actor.public(), pdf).verdict == "有效"
    assert agencies.report_of_agency(seeded, made.actor, row.number, ADDRESS).number == row.number

    # expiry bites on the first day after the last: no sweep needed
    at(dt.date(2024, 10, 20))
    assert agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)["scope"] == "full"
    at(dt.date(2024, 10, 21))
    assert agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)["scope"] == "public"

    again = agencies.give_grant(seeded, owner, made.agency.id, "credit_report", 10)
    assert agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)["scope"] == "full"
    agencies.withdraw_grant(seeded, owner, again.id, "不再合作")
    assert agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)["scope"] == "public"
    with pytest.raises(Conflict):
        agencies.withdraw_grant(seeded, owner, again.id)

    seen = agencies.queries_of_subject(seeded, owner)
    assert [q.scope for q in reversed(seen)] == [
        "public",
        "full",
        "public",
        "report",
        "full",
        "public",
        "full",
        "public",
    ]
    assert all(q.agency_id == made.agency.id for q in seen)
    assert {q.grant_id for q in seen if q.scope != "public"} == {grant.id, again.id}


def test_an_agency_cannot_read_another_agencys_grants_logs_or_reports(seeded: Session) -> None:
    firm = builders.entity(seeded)
    one = agency(seeded)
    two = agency(seeded, name="另一家信用评级公司")
    owner = entity_actor(firm.uscc)
    agencies.give_grant(seeded, owner, one.agency.id, "credit_report", 30)
    row, _pdf, _grant = agencies.issue_report(seeded, one.actor, firm.uscc, "credit_report", ADDRESS)
    assert agencies.grants_of_agency(seeded, two.actor, ADDRESS) == []
    assert agencies.queries_of_agency(seeded, two.actor, ADDRESS) == []
    assert len(agencies.queries_of_agency(seeded, one.actor, ADDRESS)) == 1
    with pytest.raises(NotFound):
        agencies.report_of_agency(seeded, two.actor, row.number, ADDRESS)
    # another entity cannot withdraw the grant, nor see it
    stranger = entity_actor(builders.entity(seeded, name="共青城别家公司").uscc)
    assert agencies.grants_of_subject(seeded, stranger) == []
    with pytest.raises(NotFound):
        agencies.withdraw_grant(seeded, stranger, agencies.grants_of_subject(seeded, owner)[0].id)


def test_the_ip_allow_list_is_enforced(seeded: Session) -> None:
    firm = builders.entity(seeded)
    made = agency(seeded, ip_allow=["192.168.10.0/24"])
    with pytest.raises(Forbidden):
        agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)
    assert agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", "192.168.10.7")["scope"] == "public"


def test_a_repair_is_one_notice_per_subscribing_agency_retried_until_delivered(seeded: Session) -> None:
    firm = builders.entity(seeded)
    other = builders.entity(seeded, name="共青城无关公司")
    version, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc))
    with receiver([500, 503]) as hook:
        pushed = agency(seeded)
        _agency, secret = agencies.set_webhook(seeded, OFFICE, pushed.agency.id, hook.url)
        pulling = agency(seeded, name="只拉取的机构")
        unrelated = agency(seeded, name="未读过的机构")
        for made in (pushed, pulling):
            agencies.read_subject(seeded, made.actor, firm.uscc, "credit_report", ADDRESS)
            agencies.read_subject(seeded, made.actor, firm.uscc, "financing", ADDRESS)  # twice: still one notice
        agencies.read_subject(seeded, unrelated.actor, other.uscc, "credit_report", ADDRESS)

        at(dt.date(2024, 9, 30))
        records.change_status(seeded, builders.SYSTEM, version.record_id, Status.REPAIRED, "信用修复")
        swept = agencies.sweep_agency_notices(seeded, builders.SYSTEM)
        assert (swept.changes, swept.notices, swept.webhooks) == (1, 2, 1)
        assert agencies.sweep_agency_notices(seeded, builders.SYSTEM).changes == 0, "a step is handled once"
        for hours in (0, 1, 2, 3):
            outbox.deliver_due(seeded, clock.now() + dt.timedelta(hours=hours), settings=FAST)

    notices = {n.agency_id: n for n in seeded.scalars(select(AgencyNotice))}
    assert set(notices) == {pushed.agency.id, pulling.agency.id}
    assert notices[pulling.agency.id].outbox_message_id is None
    message_id = notices[pushed.agency.id].outbox_message_id
    assert message_id is not None
    message = outbox.get_message(seeded, message_id)
    assert message.status == outbox.Status.DELIVERED
    assert [a.http_status for a in outbox.attempts_of(seeded, message_id)] == [500, 503, 200]
    got = hook.accepted[0]
    assert got.json["data"]["event"] == "repaired" and got.json["data"]["record_id"] == version.record_id
    assert secret is not None
    assert outbox.verify_signature(
        secret.encode(), got.headers["X-Xinyong-Timestamp"], got.body, got.headers["X-Xinyong-Signature"]
    )

    # 2024-09-30 + 3 working days across the National Day holiday (10-01…10-07) is 10-10, not 10-03
    notice = notices[pulling.agency.id]
    assert notice.due_on == dt.date(2024, 10, 10)
    at(dt.date(2024, 10, 10))
    assert agencies.state_of(notice) == NoticeState.OPEN
    at(dt.date(2024, 10, 11))
    assert agencies.state_of(notice) == NoticeState.OVERDUE
    assert [n.id for n in agencies.notices_of_agency(seeded, pulling.actor, ADDRESS, state="overdue")] == [notice.id]
    tally = {t.agency.id: t for t in agencies.tallies(seeded)}
    assert (tally[pulling.agency.id].sent, tally[pulling.agency.id].overdue) == (1, 1)

    with pytest.raises(NotFound):
        agencies.acknowledge(seeded, pushed.actor, notice.id, "不是我的通知", ADDRESS)
    agencies.acknowledge(seeded, pulling.actor, notice.id, "已删除", ADDRESS)
    assert agencies.state_of(notice) == NoticeState.ACKNOWLEDGED
    tally = {t.agency.id: t for t in agencies.tallies(seeded)}
    assert (tally[pulling.agency.id].acknowledged, tally[pulling.agency.id].overdue) == (1, 0)

    holders = agencies.holders_of(seeded, entity_actor(firm.uscc))
    assert {h.agency.id for h in holders} == {pushed.agency.id, pulling.agency.id}


def test_correction_revocation_and_publicity_end_are_notified(seeded: Session) -> None:
    firm = builders.entity(seeded)
    first, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc))
    second, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc))
    made = agency(seeded)
    agencies.subscribe(seeded, made.actor, ADDRESS, uscc=None, everything=True)
    records.correct_record(
        seeded, builders.SYSTEM, first.record_id, RecordCorrection(title="更正后的决定书", reason="笔误")
    )
    records.change_status(seeded, builders.SYSTEM, second.record_id, Status.REVOKED, "行政复议撤销")
    records.change_status(seeded, builders.SYSTEM, first.record_id, Status.EXPIRED, "公示期满")
    swept = agencies.sweep_agency_notices(seeded, builders.SYSTEM)
    assert swept.by_event == {"corrected": 1, "revoked": 1, "expired": 1}
    count = seeded.scalar(
        select(func.count()).select_from(AgencyNotice).where(AgencyNotice.agency_id == made.agency.id)
    )
    assert count == 3
    with pytest.raises(Conflict):
        agencies.subscribe(seeded, made.actor, ADDRESS, uscc=builders.new_uscc(), everything=False)
    assert seeded.scalar(select(func.count()).select_from(AgencyQuery)) == 0


def test_list_exit_and_revocation_reach_subscribers_and_hidden_records_only_granted_agencies(seeded: Session) -> None:
    from tests.support.lists import REVIEWER, listed
    from xinyong.lists import service as lists

    firm = builders.entity(seeded)
    reader = agency(seeded, name="读过公开信息的机构")
    granted = agency(seeded, name="获授权的机构")
    everything = agency(seeded, name="订阅全部的机构")
    agencies.read_subject(seeded, reader.actor, firm.uscc, "credit_report", ADDRESS)
    agencies.give_grant(seeded, entity_actor(firm.uscc), granted.agency.id, "credit_report", 30)
    agencies.subscribe(seeded, everything.actor, ADDRESS, uscc=None, everything=True)

    hidden, _ = records.upsert_record(seeded, builders.SYSTEM, builders.penalty(firm.uscc, disclosure="有条件共享"))
    records.change_status(seeded, builders.SYSTEM, hidden.record_id, Status.REVOKED, "撤销")
    swept = agencies.sweep_agency_notices(seeded, builders.SYSTEM)
    assert swept.notices == 1, "a record the public never read is news only to an agency the subject granted"
    assert seeded.scalar(select(AgencyNotice.agency_id)) == granted.agency.id

    entry = listed(seeded, firm.uscc, notice_on=dt.date(2024, 9, 27))
    assert entry.earliest_exit_on is not None
    at(entry.earliest_exit_on)
    lists.exit_entry(seeded, REVIEWER, entry.id, reason="信用修复完成")
    swept = agencies.sweep_agency_notices(seeded, builders.SYSTEM)
    assert swept.by_event["exited"] == 3  # (the exit also repairs the record the entry was based on, if public)
    other = builders.entity(seeded, name="共青城被撤销列入的公司")
    agencies.read_subject(seeded, reader.actor, other.uscc, "credit_report", ADDRESS)
    revoked = listed(seeded, other.uscc, notice_on=dt.date(2025, 3, 10))
    lists.revoke_entry(seeded, REVIEWER, revoked.id, reason="列入决定被行政复议撤销")
    swept = agencies.sweep_agency_notices(seeded, builders.SYSTEM)
    assert swept.by_event["entry_revoked"] == 2, "the reader of the subject and the agency subscribed to all"
    assert agencies.sweep_agency_notices(seeded, builders.SYSTEM).changes == 0
