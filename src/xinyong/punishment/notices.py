"""Change notices pushed to business systems (名单变动通知, req §3.10): when a list entry is published (列入公示),
exits (期满/提前移出) or is revoked (撤销), every business system that checked the subject within
``XINYONG_CHECK_NOTIFY_DAYS`` days before the change gets one notice, through the webhook outbox when it has
registered a webhook (``xinyong apikeys webhook``), and always as a recorded :class:`ChangeNotice` (a system
without a webhook reads the same changes from ``GET /api/v1/checks/changes``).

Lists sit below punishment and cannot call it, so the trigger is a sweep over the list step log
(``list_entry_steps``, written by ``lists.steps.advance`` in the same transaction as the change): every publish,
expire, exit_early and revoke step without a :class:`NoticeSource` row is handled and then marked (an anti-join, not
a cursor, so a step that commits late with a smaller id is still found; nothing is lost). ``xinyong tick`` runs it
before delivering the outbox. Other areas (credit repair) call :func:`notify_entry_change` or :func:`notify_checkers`
directly; notices are unique per system and notice key (``entry-<id>:<event>``), so a direct call and the sweep never
notify twice. A change to an entity's entry that binds responsible persons (clause 14) also reaches the systems that
checked one of those persons (法定代表人, 主要负责人, 实际控制人 on the conduct date — the rule the check itself
applies), under ``entry-<id>:<event>:person-<person id>``, with ``via`` and ``via_uscc`` in the payload.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.models import ApiClient
from xinyong.core.config import get_settings
from xinyong.core.errors import InvalidInput
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntryStep
from xinyong.lists.rules import Step
from xinyong.punishment.models import ChangeNotice, Check, NoticeSource
from xinyong.punishment.schemas import NoticeOut

TOPIC = "checks.change"
EVENT_OF_STEP: dict[str, str] = {
    Step.PUBLISH: "listed",
    Step.EXPIRE: "exited",
    Step.EXIT_EARLY: "exited",
    Step.REVOKE: "revoked",
}
EVENT_LABELS = {"listed": "列入", "exited": "移出", "revoked": "撤销", "repaired": "信用修复"}
EVENT = re.compile(r"^[a-z][a-z_]{1,15}$")
SWEEP_BATCH = 500


def _client_of(requester_id: str) -> int | None:
    prefix, _, number = requester_id.partition(":")
    return int(number) if prefix == "api" and number.isdigit() else None


def checkers(
    session: Session, *, uscc: str | None, person_id: int | None, until: dt.datetime, days: int
) -> dict[int, Check]:
    """The latest check per business system (API client id) of the subject in the ``days`` days up to ``until``."""
    if (uscc is None) == (person_id is None):
        raise InvalidInput("give either uscc or person_id (须指定一个主体)", field="subject")
    subject = (
        (Check.subject_kind == "entity") & (Check.subject_key == uscc)
        if uscc is not None
        else (Check.subject_kind == "person") & (Check.person_id == person_id)
    )
    rows = session.scalars(
        select(Check)
        .where(
            subject,
            Check.subject_known.is_(True),
            Check.requester_role == Role.BUSINESS_SYSTEM,
            Check.at >= until - dt.timedelta(days=days),
            Check.at <= until,
        )
        .order_by(Check.at, Check.id)
    )
    latest: dict[int, Check] = {}
    for check in rows:
        client_id = _client_of(check.requester_id)
        if client_id is not None:
            latest[client_id] = check
    return latest


@dataclass(frozen=True)
class _Change:
    notice_key: str
    event: str
    on: dt.date
    entry_id: int | None


def _notice(
    session: Session, actor: Actor, client: ApiClient, check: Check, change: _Change, payload: dict[str, Any]
) -> ChangeNotice:
    """The notice to one business system (kept), and the outbox message to its webhook if it has one."""
    message = None
    if client.webhook_url:
        message = outbox.enqueue(
            session,
            actor,
            topic=TOPIC,
            destination=client.webhook_url,
            payload=payload,
            idempotency_key=f"{change.notice_key}:client-{client.id}",
            secret_ref=f"api_client:{client.id}",
        )
    notice = ChangeNotice(
        notice_key=change.notice_key,
        client_id=client.id,
        event=change.event,
        on=change.on,
        entry_id=change.entry_id,
        subject_kind=check.subject_kind,
        subject_display=check.subject_display,
        check_id=check.id,
        payload=payload,
        outbox_message_id=message.id if message is not None else None,
        created_at=clock.now(),
        created_by=actor.id,
    )
    session.add(notice)
    return notice


def notify_checkers(
    session: Session,
    actor: Actor,
    *,
    notice_key: str,
    event: str,
    on: dt.date,
    uscc: str | None = None,
    person_id: int | None = None,
    entry_id: int | None = None,
    until: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
) -> list[ChangeNotice]:
    """Tell every business system that checked the subject in the notify window before ``until`` (default now)
    about ``event``: one :class:`ChangeNotice` each (kept), and an outbox message to its webhook if it has one.
    A system already notified under ``notice_key`` is skipped. Returns the notices made now. Flush only."""
    if not EVENT.match(event):
        raise InvalidInput("an event is 2–16 of a-z and '_' (事件名称错误)", field="event")
    if not notice_key or len(notice_key) > 100 or not notice_key.isprintable() or " " in notice_key:
        raise InvalidInput("a notice key has 1–100 printable characters without spaces", field="notice_key")
    moment = until or clock.now()
    found = checkers(session, uscc=uscc, person_id=person_id, until=moment, days=get_settings().check_notify_days)
    if not found:
        return []
    already = set(
        session.scalars(
            select(ChangeNotice.client_id).where(
                ChangeNotice.notice_key == notice_key, ChangeNotice.client_id.in_(sorted(found))
            )
        )
    )
    made: list[ChangeNotice] = []
    change = _Change(notice_key, event, on, entry_id)
    for client_id, check in sorted(found.items()):
        client = session.get(ApiClient, client_id)
        if client_id in already or client is None or client.revoked_at is not None:
            continue
        if client.role != Role.BUSINESS_SYSTEM:
            continue
        payload: dict[str, Any] = {
            "event": event,
            "on": on.isoformat(),
            "entry_id": entry_id,
            "subject_kind": check.subject_kind,
            "subject": check.subject_display,
            "check_id": check.id,
            "checked_at": check.at.isoformat(),
            **(details or {}),
        }
        made.append(_notice(session, actor, client, check, change, payload))
    if made:
        session.flush()
        audit.record(
            session,
            actor,
            "punishment:change_notice:created",
            "change_notice",
            notice_key,
            {
                "event": event,
                "entry_id": entry_id,
                "clients": [n.client_id for n in made],
                "webhooks": [n.client_id for n in made if n.outbox_message_id is not None],
            },
        )
    return made


def notify_entry_change(
    session: Session,
    actor: Actor,
    entry_id: int,
    event: str,
    *,
    on: dt.date | None = None,
    until: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
) -> list[ChangeNotice]:
    """Notify the systems that checked a list entry's subject that the entry was ``listed``, ``exited`` or
    ``revoked`` (the credit-repair area calls this when an approved repair exits an entry). Idempotent per entry
    and event. Flush only."""
    entry = lists.get_entry_row(session, entry_id)
    facts: dict[str, Any] = {
        "list_type": entry.list_code,
        "decision_doc_no": entry.decision_doc_no,
        "department": entry.department,
    }
    if event == "exited":
        facts["exit_kind"] = entry.exit_kind
    made = notify_checkers(
        session,
        actor,
        notice_key=f"entry-{entry.id}:{event}",
        event=event,
        on=on or clock.today(),
        uscc=entry.subject_uscc,
        person_id=entry.subject_person_id if entry.subject_uscc is None else None,
        entry_id=entry.id,
        until=until,
        details={**facts, **(details or {})},
    )
    # Clause 14: the entry also bound the entity's responsible persons, so a system that checked one of them was
    # answered with it (``via``) and is told too: one notice per person it checked, under its own key.
    for link, person in lists.responsible_persons_of_entry(session, entry):
        made += notify_checkers(
            session,
            actor,
            notice_key=f"entry-{entry.id}:{event}:person-{person.id}",
            event=event,
            on=on or clock.today(),
            person_id=person.id,
            entry_id=entry.id,
            until=until,
            details={**facts, "via": link.role, "via_uscc": entry.subject_uscc, **(details or {})},
        )
    return made


@dataclass(frozen=True)
class NoticeSweep:
    changes: int  # list steps handled
    notices: int  # notices made
    webhooks: int  # of which queued for a webhook


def sweep_change_notices(session: Session, actor: Actor, _today: dt.date | None = None) -> NoticeSweep:
    """Handle every publish/exit/revoke step of the list step log not handled yet (``xinyong tick``)."""
    changes = notices = webhooks = 0
    handled = exists().where(NoticeSource.step_id == ListEntryStep.id)
    while True:
        steps = list(
            session.scalars(
                select(ListEntryStep)
                .where(ListEntryStep.step.in_(list(EVENT_OF_STEP)), ~handled)
                .order_by(ListEntryStep.id)
                .limit(SWEEP_BATCH)
            )
        )
        if not steps:
            break
        for step in steps:
            made = notify_entry_change(
                session, actor, step.entry_id, EVENT_OF_STEP[step.step], on=step.on, until=step.at
            )
            session.add(NoticeSource(step_id=step.id, handled_at=clock.now(), notices=len(made)))
            changes += 1
            notices += len(made)
            webhooks += sum(1 for n in made if n.outbox_message_id is not None)
        session.flush()
    return NoticeSweep(changes=changes, notices=notices, webhooks=webhooks)


def list_notices(session: Session, *, limit: int = 200, offset: int = 0) -> list[NoticeOut]:
    """Notices newest first with their delivery state (for the console and the office)."""
    rows = session.execute(
        select(ChangeNotice, ApiClient.name, outbox.OutboxMessage)
        .join(ApiClient, ApiClient.id == ChangeNotice.client_id)
        .outerjoin(outbox.OutboxMessage, outbox.OutboxMessage.id == ChangeNotice.outbox_message_id)
        .order_by(ChangeNotice.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    views = []
    for notice, client_name, message in rows:
        delivery = message.status if message is not None else "pull"
        label = outbox.STATUS_LABELS[outbox.Status(delivery)] if message is not None else "未登记回调（由其拉取）"
        views.append(
            NoticeOut(
                id=notice.id,
                created_at=notice.created_at,
                client_id=notice.client_id,
                client_name=client_name,
                event=notice.event,
                event_label=EVENT_LABELS.get(notice.event, notice.event),
                on=notice.on,
                entry_id=notice.entry_id,
                subject=notice.subject_display,
                check_id=notice.check_id,
                message_id=notice.outbox_message_id,
                delivery=delivery,
                delivery_label=label,
                attempts=message.attempts if message is not None else 0,
                last_error=message.last_error if message is not None else None,
                delivered_at=message.delivered_at if message is not None else None,
                destination=message.destination if message is not None else None,
            )
        )
    return views
