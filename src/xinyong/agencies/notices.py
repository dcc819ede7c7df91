"""Credit-service agencies: subscriptions and the change notices that make a repair or withdrawal reach every copy an
agency holds (swept from the record and list step logs, queued in the outbox, acknowledged by the agency).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from xinyong.agencies import rules
from xinyong.agencies.models import (
    Agency,
    AgencyNotice,
    AgencyQuery,
    ChangeSource,
    Grant,
    Subscription,
)
from xinyong.agencies.registry import (
    NOTICE_TOPIC,
    SWEEP_BATCH,
    add_subscription,
    check_caller,
    clients_of,
    get_agency,
    list_agencies,
    own_uscc,
)
from xinyong.agencies.rules import AgencyStatus, Event, NoticeState
from xinyong.core import audit, clock, outbox
from xinyong.core.actor import Actor
from xinyong.core.config import get_settings
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.workflow import Deadline, working_day_deadline
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntryStep
from xinyong.records import service as records
from xinyong.records.models import CreditRecordStep
from xinyong.records.rules import Disclosure


def subscribe(session: Session, actor: Actor, address: str, *, uscc: str | None, everything: bool) -> Agency:
    """Subscribe to a subject the agency has read (a subject it never read: 409), or to every public change."""
    agency = check_caller(session, actor, address)
    if everything:
        agency.subscribe_all = True
    else:
        if not uscc:
            raise InvalidInput("give uscc, or all=true (请指定主体或全部)", field="uscc")
        code = validate_uscc(uscc.strip().upper(), field="uscc").code
        read = session.scalar(
            select(AgencyQuery.id).where(AgencyQuery.agency_id == agency.id, AgencyQuery.subject_uscc == code).limit(1)
        )
        if read is None:
            raise Conflict("subscribe to subjects you have read (仅可订阅已查询过的主体)", field="uscc")
        add_subscription(session, agency.id, code)
    session.flush()
    audit.record(session, actor, "agencies:subscription:added", "credit_agency", str(agency.id), {"uscc": uscc})
    return agency


def subscriptions_of(session: Session, actor: Actor, address: str) -> tuple[Agency, list[Subscription]]:
    agency = check_caller(session, actor, address)
    rows = session.scalars(
        select(Subscription)
        .where(Subscription.agency_id == agency.id, Subscription.active.is_(True))
        .order_by(Subscription.id)
    )
    return agency, list(rows)


def _subscribers(session: Session, uscc: str, *, public: bool) -> list[Agency]:
    """Agencies that may hold a copy of the change's data, revoked ones excepted (a suspended agency still holds its
    copies and is still told). Of a public record or a list entry: those subscribed to the subject or to everything;
    of a record the public never read: only those the subject ever granted access (no one else learns of it)."""
    subscribed = exists().where(
        Subscription.agency_id == Agency.id, Subscription.subject_uscc == uscc, Subscription.active.is_(True)
    )
    granted = exists().where(Grant.agency_id == Agency.id, Grant.subject_uscc == uscc)
    holds = or_(Agency.subscribe_all.is_(True), subscribed, granted) if public else granted
    return list(session.scalars(select(Agency).where(Agency.status != AgencyStatus.REVOKED, holds).order_by(Agency.id)))


def notify(
    session: Session,
    actor: Actor,
    *,
    source: str,
    source_id: int,
    step_id: int,
    event: Event,
    uscc: str,
    on: dt.date,
    details: dict[str, Any],
    public: bool = True,
    deadlines: dict[dt.date, Deadline] | None = None,
) -> list[AgencyNotice]:
    """One notice per subscribing agency about one step of a step log; an agency told of it before is skipped.
    ``public``: the changed data was public (see :func:`_subscribers`); ``deadlines``: a sweep's memory of the
    acknowledgement deadline per day (the calendar is read once per day, not once per step)."""
    key = f"{source}-step-{step_id}"
    known = deadlines if deadlines is not None else {}
    if on not in known:
        days = get_settings().agency_ack_workdays
        known[on] = working_day_deadline(session, on, days, "agency acknowledgement")
    deadline = known[on]
    told = set(session.scalars(select(AgencyNotice.agency_id).where(AgencyNotice.notice_key == key)))
    targets = [a for a in _subscribers(session, uscc, public=public) if a.id not in told]
    if not targets:
        return []
    now = clock.now()
    made = [
        AgencyNotice(
            agency_id=agency.id,
            notice_key=key,
            event=str(event),
            subject_uscc=uscc,
            source=source,
            source_id=source_id,
            on=on,
            payload={},
            due_on=deadline.date,
            due_provisional=deadline.provisional,
            created_at=now,
        )
        for agency in targets
    ]
    session.add_all(made)
    session.flush()
    for agency, notice in zip(targets, made, strict=True):
        notice.payload = {
            "notice_id": notice.id,
            "event": str(event),
            "event_label": rules.EVENT_LABELS[event],
            "action": rules.ACTION_LABELS[event],
            "subject_uscc": uscc,
            f"{source}_id": source_id,
            "on": on.isoformat(),
            "acknowledge_by": deadline.date.isoformat(),
            "acknowledge_url": f"/api/v1/agency/notices/{notice.id}/ack",
            **details,
        }
        if agency.webhook_url:
            message = outbox.enqueue(
                session,
                actor,
                topic=NOTICE_TOPIC,
                destination=agency.webhook_url,
                payload=notice.payload,
                idempotency_key=f"agency-{agency.id}:{key}",
                secret_ref=f"credit_agency:{agency.id}",
            )
            notice.outbox_message_id = message.id
    session.flush()
    audit.record(
        session,
        actor,
        "agencies:notice:created",
        "agency_notice",
        key,
        {"event": str(event), "subject": uscc, "agencies": [n.agency_id for n in made]},
    )
    return made


@dataclass
class NoticeSweep:
    changes: int = 0
    notices: int = 0
    webhooks: int = 0
    skipped: int = 0  # steps about a natural person or a record no agency can hold
    by_event: dict[str, int] = field(default_factory=dict)


def _count(result: NoticeSweep, made: list[AgencyNotice], event: Event) -> None:
    result.changes += 1
    result.notices += len(made)
    result.webhooks += sum(1 for n in made if n.outbox_message_id is not None)
    result.by_event[str(event)] = result.by_event.get(str(event), 0) + len(made)


def _sweep_record_steps(
    session: Session, actor: Actor, result: NoticeSweep, now: dt.datetime, deadlines: dict[dt.date, Deadline]
) -> None:
    """Notices for the record steps (repair, revoke, correct, expire) not handled yet, a batch at a time."""
    record_done = exists().where(ChangeSource.log == "record", ChangeSource.step_id == CreditRecordStep.id)
    while True:
        steps = list(
            session.scalars(
                select(CreditRecordStep)
                .where(CreditRecordStep.step.in_(list(rules.RECORD_EVENTS)), ~record_done)
                .order_by(CreditRecordStep.id)
                .limit(SWEEP_BATCH)
            )
        )
        if not steps:
            break
        for step in steps:
            event = rules.RECORD_EVENTS[step.step]
            version = records.find_current(session, step.record_id)
            made: list[AgencyNotice] = []
            if version is None or not version.subject_uscc:
                result.skipped += 1
            else:
                record_details: dict[str, Any] = {
                    "kind": version.kind,
                    "doc_no": records.doc_number(session, step.record_id),
                    "source_department": version.source_department,
                    "status": version.status,
                }
                made = notify(
                    session,
                    actor,
                    source="record",
                    source_id=step.record_id,
                    step_id=step.id,
                    event=event,
                    uscc=version.subject_uscc,
                    on=step.on,
                    details=record_details,
                    public=version.disclosure == Disclosure.PUBLIC,
                    deadlines=deadlines,
                )
                _count(result, made, event)
            session.add(ChangeSource(log="record", step_id=step.id, handled_at=now, notices=len(made)))
        session.flush()


def _sweep_entry_steps(
    session: Session, actor: Actor, result: NoticeSweep, now: dt.datetime, deadlines: dict[dt.date, Deadline]
) -> None:
    """Notices for the list entry steps (expire, exit early, revoke) not handled yet, a batch at a time."""
    entry_done = exists().where(ChangeSource.log == "entry", ChangeSource.step_id == ListEntryStep.id)
    while True:
        entry_steps = list(
            session.scalars(
                select(ListEntryStep)
                .where(ListEntryStep.step.in_(list(rules.ENTRY_EVENTS)), ~entry_done)
                .order_by(ListEntryStep.id)
                .limit(SWEEP_BATCH)
            )
        )
        if not entry_steps:
            break
        for entry_step in entry_steps:
            event = rules.ENTRY_EVENTS[entry_step.step]
            entry = lists.get_entry_row(session, entry_step.entry_id)
            made = []
            if not entry.subject_uscc:
                result.skipped += 1
            else:
                details: dict[str, Any] = {
                    "list_type": entry.list_code,
                    "decision_doc_no": entry.decision_doc_no,
                    "department": entry.department,
                }
                made = notify(
                    session,
                    actor,
                    source="entry",
                    source_id=entry.id,
                    step_id=entry_step.id,
                    event=event,
                    uscc=entry.subject_uscc,
                    on=entry_step.on,
                    details=details,
                    deadlines=deadlines,
                )
                _count(result, made, event)
            session.add(ChangeSource(log="entry", step_id=entry_step.id, handled_at=now, notices=len(made)))
        session.flush()


def sweep_agency_notices(session: Session, actor: Actor, _today: dt.date | None = None) -> NoticeSweep:
    """Turn every new repair, revocation, correction, publicity end and list exit of the step logs into notices."""
    result = NoticeSweep()
    now = clock.now()
    deadlines: dict[dt.date, Deadline] = {}
    _sweep_record_steps(session, actor, result, now, deadlines)
    _sweep_entry_steps(session, actor, result, now, deadlines)
    return result


def notices_of_agency(
    session: Session, actor: Actor, address: str, *, state: str | None = None, limit: int = 200
) -> list[AgencyNotice]:
    agency = check_caller(session, actor, address)
    stmt = select(AgencyNotice).where(AgencyNotice.agency_id == agency.id)
    if state is not None:
        if state not in set(NoticeState):
            raise InvalidInput("state is open, acknowledged or overdue (状态取值错误)", field="state")
        today = clock.today()
        if state == NoticeState.ACKNOWLEDGED:
            stmt = stmt.where(AgencyNotice.acknowledged_at.is_not(None))
        elif state == NoticeState.OPEN:
            stmt = stmt.where(AgencyNotice.acknowledged_at.is_(None), AgencyNotice.due_on >= today)
        else:
            stmt = stmt.where(AgencyNotice.acknowledged_at.is_(None), AgencyNotice.due_on < today)
    return list(session.scalars(stmt.order_by(AgencyNotice.id.desc()).limit(limit)))


def acknowledge(session: Session, actor: Actor, notice_id: int, note: str, address: str) -> AgencyNotice:
    """The agency confirms it removed (or replaced) its copy. Another agency's notice: 404, alike missing."""
    agency = check_caller(session, actor, address)
    notice = session.get(AgencyNotice, notice_id)
    if notice is None or notice.agency_id != agency.id:
        raise NotFound(f"no notice {notice_id} for you (未找到该通知)", field="notice_id")
    if notice.acknowledged_at is not None:
        return notice  # acknowledging twice changes nothing
    notice.acknowledged_at = clock.now()
    notice.acknowledged_by = actor.id
    notice.ack_note = rules.clean_text(note, "note", rules.MAX_REASON, required=False)
    session.flush()
    audit.record(
        session,
        actor,
        "agencies:notice:acknowledged",
        "agency_notice",
        str(notice.id),
        {"agency": agency.id, "late": clock.today() > notice.due_on},
    )
    return notice


def state_of(notice: AgencyNotice, today: dt.date | None = None) -> NoticeState:
    return rules.notice_state(notice.acknowledged_at is not None, notice.due_on, today or clock.today())


@dataclass(frozen=True)
class AgencyTally:
    agency: Agency
    sent: int
    acknowledged: int
    overdue: int
    open: int
    keys: int


def tallies(session: Session) -> list[AgencyTally]:
    """Per agency: notices sent, acknowledged, overdue (past the working-day deadline), still open; live keys."""
    today = clock.today()
    rows = session.execute(
        select(
            AgencyNotice.agency_id,
            func.count(),
            func.count(AgencyNotice.acknowledged_at),
            func.sum(case((and_(AgencyNotice.acknowledged_at.is_(None), AgencyNotice.due_on < today), 1), else_=0)),
        ).group_by(AgencyNotice.agency_id)
    ).all()
    counts = {agency_id: (sent, acked, int(late or 0)) for agency_id, sent, acked, late in rows}
    result = []
    for agency in list_agencies(session):
        sent, acked, late = counts.get(agency.id, (0, 0, 0))
        keys = sum(1 for c in clients_of(session, agency.id) if c.revoked_at is None)
        result.append(AgencyTally(agency, sent, acked, late, sent - acked - late, keys))
    return result


def notices_for_office(
    session: Session, *, agency_id: int | None = None, overdue_only: bool = False, limit: int = 500
) -> list[AgencyNotice]:
    stmt = select(AgencyNotice)
    if agency_id is not None:
        stmt = stmt.where(AgencyNotice.agency_id == agency_id)
    if overdue_only:
        stmt = stmt.where(AgencyNotice.acknowledged_at.is_(None), AgencyNotice.due_on < clock.today())
    return list(session.scalars(stmt.order_by(AgencyNotice.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Holder:
    """An agency holding the entity's data, as the entity sees it."""

    agency: Agency
    grants: list[Grant]
    queries: int
    last_query: dt.datetime | None
    notices: list[AgencyNotice]


def holders_of(session: Session, actor: Actor) -> list[Holder]:
    """Who holds the entity's data (it granted them, they read it, or they subscribe to everything) and whether
    they took down what changed."""
    uscc = own_uscc(actor)
    ids: set[int] = set(session.scalars(select(Grant.agency_id).where(Grant.subject_uscc == uscc)))
    ids |= set(session.scalars(select(AgencyQuery.agency_id).where(AgencyQuery.subject_uscc == uscc)))
    ids |= set(session.scalars(select(AgencyNotice.agency_id).where(AgencyNotice.subject_uscc == uscc)))
    holders = []
    for agency_id in sorted(ids):
        agency = get_agency(session, agency_id)
        grants = list(
            session.scalars(
                select(Grant).where(Grant.agency_id == agency_id, Grant.subject_uscc == uscc).order_by(Grant.id.desc())
            )
        )
        count, last = session.execute(
            select(func.count(), func.max(AgencyQuery.at)).where(
                AgencyQuery.agency_id == agency_id, AgencyQuery.subject_uscc == uscc
            )
        ).one()
        notices = list(
            session.scalars(
                select(AgencyNotice)
                .where(AgencyNotice.agency_id == agency_id, AgencyNotice.subject_uscc == uscc)
                .order_by(AgencyNotice.id.desc())
            )
        )
        holders.append(Holder(agency, grants, int(count), last, notices))
    return holders
