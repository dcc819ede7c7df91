"""Change notices (名单变动通知) pushed through the outbox to the business systems that checked a subject: published,
exited and revoked entries, the notify window, systems without a webhook, no double notice when another area
calls the notifier directly, and a real webhook receiver that fails twice then succeeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.lists import OFFICE, OPERATOR, REVIEWER, SYSTEM, at, listed
from tests.support.receiver import receiver
from xinyong.core import clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient
from xinyong.core.config import Settings
from xinyong.core.errors import InvalidInput
from xinyong.entities import service as entities
from xinyong.entities.rules import PersonRole
from xinyong.lists import service as lists
from xinyong.punishment import service
from xinyong.punishment.models import ChangeNotice, NoticeSource
from xinyong.punishment.schemas import CheckIn

FAST = Settings(outbox_backoff_seconds=1, outbox_backoff_max_seconds=2, outbox_max_attempts=5)


@pytest.fixture
def seeded(db: Session) -> Session:
    builders.departments(db)
    return db


def _system(session: Session, name: str, webhook: str | None = None) -> tuple[Actor, ApiClient, str | None]:
    client, _key = auth.create_api_client(session, OFFICE, name=name, role=Role.BUSINESS_SYSTEM, department=None)
    secret = auth.set_webhook(session, OFFICE, client.id, webhook)[1] if webhook else None
    return auth.actor_for_client(client), client, secret


def _check(session: Session, actor: Actor, subject: dict[str, Any]) -> int:
    data = CheckIn.model_validate({"subject": subject, "scenario": "government_procurement", "purpose": "资格审查"})
    return service.run_check(session, actor, data).check_id


def test_a_webhook_that_fails_twice_then_succeeds_gets_one_delivered_notice(seeded: Session) -> None:
    firm = builders.entity(seeded)
    other = builders.entity(seeded, name="共青城另一家公司")
    with receiver([500, 502]) as hook:
        pushed, pushed_client, secret = _system(seeded, "政府采购系统", hook.url)
        pulling, pulling_client, _ = _system(seeded, "公共资源交易系统")
        elsewhere, _, _ = _system(seeded, "不相关系统", hook.url + "/other")
        at(dt.date(2024, 9, 20))
        check_id = _check(seeded, pushed, {"uscc": firm.uscc})
        _check(seeded, pulling, {"uscc": firm.uscc})
        _check(seeded, elsewhere, {"uscc": other.uscc})
        entry = listed(seeded, firm.uscc, notice_on=dt.date(2024, 9, 27))

        swept = service.sweep_change_notices(seeded, SYSTEM)
        assert (swept.changes, swept.notices, swept.webhooks) == (1, 2, 1)
        assert service.sweep_change_notices(seeded, SYSTEM).changes == 0, "a handled step is not handled again"

        for hours in (0, 1, 2, 3):
            outbox.deliver_due(seeded, clock.now() + dt.timedelta(hours=hours), settings=FAST)

    notices = {n.client_id: n for n in seeded.scalars(select(ChangeNotice))}
    assert set(notices) == {pushed_client.id, pulling_client.id}
    assert notices[pulling_client.id].outbox_message_id is None
    message_id = notices[pushed_client.id].outbox_message_id
    assert message_id is not None
    message = outbox.get_message(seeded, message_id)
    assert message.status == outbox.Status.DELIVERED
    attempts = outbox.attempts_of(seeded, message_id)
    assert [a.http_status for a in attempts] == [500, 502, 200] and sum(a.delivered for a in attempts) == 1
    assert len(hook.received) == 3 and len(hook.accepted) == 1
    got = hook.accepted[0]
    assert got.path == "/hooks/xinyong"
    data = got.json["data"]
    assert (data["event"], data["entry_id"], data["subject"], data["check_id"]) == (
        "listed",
        entry.id,
        firm.uscc,
        check_id,
    )
    assert data["on"] == entry.published_on.isoformat()  # type: ignore[union-attr]
    assert data["decision_doc_no"] == entry.decision_doc_no
    assert secret is not None
    stamp = got.headers["X-Xinyong-Timestamp"]
    assert outbox.verify_signature(secret.encode(), stamp, got.body, got.headers["X-Xinyong-Signature"])

    views = service.list_notices(seeded)
    by_client = {v.client_id: v for v in views}
    assert by_client[pushed_client.id].delivery == "delivered" and by_client[pushed_client.id].attempts == 2
    assert by_client[pulling_client.id].delivery == "pull"
    # The pull endpoint still answers the same change.
    assert [c.event for c in service.changes_for(seeded, pulling)] == ["listed"]


def test_exit_and_revocation_are_notified_once_even_when_called_directly(seeded: Session) -> None:
    firm = builders.entity(seeded)
    system, client, _ = _system(seeded, "政府采购系统", "https://gp.example.cn/hook")
    at(dt.date(2024, 9, 20))
    _check(seeded, system, {"uscc": firm.uscc})
    entry = listed(seeded, firm.uscc, notice_on=dt.date(2024, 9, 27))
    service.sweep_change_notices(seeded, SYSTEM)
    assert entry.earliest_exit_on is not None
    at(entry.earliest_exit_on)
    _check(seeded, system, {"uscc": firm.uscc})
    lists.exit_entry(seeded, REVIEWER, entry.id, reason="信用修复完成")
    # The credit-repair area tells the checkers itself; the sweep then finds the same change and adds nothing.
    direct = service.notify_entry_change(seeded, SYSTEM, entry.id, "exited")
    assert len(direct) == 1 and direct[0].payload["exit_kind"] == "提前移出"
    assert service.notify_entry_change(seeded, SYSTEM, entry.id, "exited") == []
    swept = service.sweep_change_notices(seeded, SYSTEM)
    assert (swept.changes, swept.notices) == (1, 0)
    events = seeded.scalars(
        select(ChangeNotice.event).where(ChangeNotice.client_id == client.id).order_by(ChangeNotice.id)
    )
    assert list(events) == ["listed", "exited"]
    assert seeded.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 2
    assert seeded.scalar(select(func.count()).select_from(NoticeSource)) == 2

    other = builders.entity(seeded, name="共青城被撤销公司")
    at(dt.date(2025, 3, 3))
    _check(seeded, system, {"uscc": other.uscc})
    revoked = listed(seeded, other.uscc, notice_on=dt.date(2025, 3, 10))
    lists.revoke_entry(seeded, REVIEWER, revoked.id, reason="列入决定被行政复议撤销")
    swept = service.sweep_change_notices(seeded, SYSTEM)
    assert (swept.changes, swept.notices) == (2, 2)
    assert {n.event for n in seeded.scalars(select(ChangeNotice).where(ChangeNotice.entry_id == revoked.id))} == {
        "listed",
        "revoked",
    }


def test_only_checks_in_the_window_before_the_change_count(seeded: Session) -> None:
    firm = builders.entity(seeded)
    early, _, _ = _system(seeded, "早先核查的系统", "https://a.example.cn/hook")
    late, _, _ = _system(seeded, "列入后才核查的系统", "https://b.example.cn/hook")
    revoked_system, revoked_client, _ = _system(seeded, "已吊销的系统", "https://c.example.cn/hook")
    at(dt.date(2024, 3, 1))  # more than 90 days before the publication
    _check(seeded, early, {"uscc": firm.uscc})
    _check(seeded, revoked_system, {"uscc": firm.uscc})
    entry = listed(seeded, firm.uscc, notice_on=dt.date(2024, 9, 27))
    assert entry.published_on is not None
    at(entry.published_on + dt.timedelta(days=1))
    _check(seeded, late, {"uscc": firm.uscc})  # after the change: its answer already showed the entry
    auth.revoke_api_client(seeded, OFFICE, revoked_client.id)
    assert service.sweep_change_notices(seeded, SYSTEM).notices == 0


def test_a_person_subject_is_notified_with_the_masked_id(seeded: Session) -> None:
    system, client, _ = _system(seeded, "出行系统", "https://travel.example.cn/hook")
    number = builders.new_resident_id()
    at(dt.date(2024, 9, 20))
    person_id = lists.resolve_person(seeded, OPERATOR, "张三", "resident_id", number)
    _check(seeded, system, {"id_type": "resident_id", "id_number": number, "name": "张三"})
    listed(seeded, notice_on=dt.date(2024, 9, 27), subject_person_id=person_id)
    service.sweep_change_notices(seeded, SYSTEM)
    notice = seeded.scalars(select(ChangeNotice).where(ChangeNotice.client_id == client.id)).one()
    assert number not in str(notice.payload) and notice.subject_display.endswith(number[-4:])
    message = outbox.get_message(seeded, notice.outbox_message_id or 0)
    assert number not in str(message.payload)


def test_bad_calls_are_refused(seeded: Session) -> None:
    with pytest.raises(InvalidInput):
        service.notify_checkers(seeded, SYSTEM, notice_key="k", event="Bad Event", on=dt.date(2024, 1, 1), uscc="x")
    with pytest.raises(InvalidInput):
        service.notify_checkers(seeded, SYSTEM, notice_key="", event="listed", on=dt.date(2024, 1, 1), uscc="x")
    with pytest.raises(InvalidInput):
        service.notify_checkers(seeded, SYSTEM, notice_key="k", event="listed", on=dt.date(2024, 1, 1))


def test_only_business_systems_get_webhooks(seeded: Session) -> None:
    client, _ = auth.create_api_client(
        seeded, OFFICE, name="市场监管局报送", role=Role.DEPT_OPERATOR, department="SCJGJ"
    )
    with pytest.raises(InvalidInput):
        auth.set_webhook(seeded, OFFICE, client.id, "https://x.example.cn/hook")
    system, business, _ = _system(seeded, "政府采购系统")
    with pytest.raises(InvalidInput) as refused:
        auth.set_webhook(seeded, OFFICE, business.id, "gopher://x.example.cn/hook")
    assert refused.value.field == "webhook_url"
    with pytest.raises(Exception, match="信用办"):
        auth.set_webhook(seeded, system, business.id, "https://x.example.cn/hook")


def test_a_system_that_checked_a_responsible_person_is_told_when_the_entity_is_listed(seeded: Session) -> None:
    firm = builders.entity(seeded)
    travel, travel_client, _ = _system(seeded, "出行系统", "https://travel.example.cn/hook")
    boss_id, late_id = (builders.new_resident_id(dt.date(1970 + n, 1, 1)) for n in range(2))
    boss = entities.upsert_person(seeded, builders.SYSTEM, "李法人", "resident_id", boss_id)
    late = entities.upsert_person(seeded, builders.SYSTEM, "王新任", "resident_id", late_id)
    entities.link_person(
        seeded, builders.SYSTEM, firm.uscc, boss, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2019, 1, 1)
    )
    entities.link_person(  # became principal after the conduct: the entry does not follow them
        seeded, builders.SYSTEM, firm.uscc, late, PersonRole.PRINCIPAL, valid_from=dt.date(2024, 8, 1)
    )
    at(dt.date(2024, 9, 20))
    boss_check = _check(seeded, travel, {"id_type": "resident_id", "id_number": boss_id, "name": "李法人"})
    _check(seeded, travel, {"id_type": "resident_id", "id_number": late_id, "name": "王新任"})
    entry = listed(seeded, firm.uscc, conduct_date=dt.date(2024, 5, 1), notice_on=dt.date(2024, 9, 27))
    assert service.sweep_change_notices(seeded, SYSTEM).notices == 1
    notice = seeded.scalars(select(ChangeNotice).where(ChangeNotice.client_id == travel_client.id)).one()
    assert notice.check_id == boss_check and notice.event == "listed" and notice.entry_id == entry.id
    assert notice.subject_kind == "person" and notice.subject_display.endswith(boss_id[-4:])
    assert notice.payload["via"] == "法定代表人" and notice.payload["via_uscc"] == firm.uscc
    message = outbox.get_message(seeded, notice.outbox_message_id or 0)
    assert boss_id not in str(message.payload) and boss_id not in str(notice.payload)
    assert len(service.notify_entry_change(seeded, SYSTEM, entry.id, "listed")) == 0, "notified once"


def test_a_list_that_does_not_follow_persons_tells_no_person_checker(seeded: Session) -> None:
    firm = builders.entity(seeded)
    travel, _, _ = _system(seeded, "出行系统")
    number = builders.new_resident_id()
    boss = entities.upsert_person(seeded, builders.SYSTEM, "李法人", "resident_id", number)
    entities.link_person(
        seeded, builders.SYSTEM, firm.uscc, boss, PersonRole.LEGAL_REPRESENTATIVE, valid_from=dt.date(2019, 1, 1)
    )
    at(dt.date(2024, 9, 20))
    _check(seeded, travel, {"id_type": "resident_id", "id_number": number, "name": "李法人"})
    listed(seeded, firm.uscc, list_type="watch", key_field="家政", notice_on=dt.date(2024, 9, 27))
    assert service.sweep_change_notices(seeded, SYSTEM).notices == 0
