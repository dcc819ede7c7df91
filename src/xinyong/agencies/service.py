"""Use cases of credit-service agencies (信用服务机构): registration and status by the credit office, their API keys,
the entity's grants (授权), the audited agency API (public data always, the full report only under a grant in force),
and change notices that make a repair or withdrawal reach every copy an agency holds.

- **Keys**: an agency's API clients are the platform's API clients with the role ``credit_agency`` (so they reach
  only the agency API and what the public reads); suspending the agency suspends its clients, and a suspended or
  revoked key is refused at authentication.
- **Grants** are procedures on the workflow mechanism (``agency_grant_steps``), given and withdrawn by the entity
  signed in as itself; "in force" is decided on every call from the status and the last day, so expiry and
  withdrawal take effect at once.
- **Every call** of an agency about a subject is a row of ``agency_queries`` (agency, client, grant, purpose,
  subject, scope, report number), which the entity reads on its page; an agency reads only its own.
- **Change notices**: :func:`sweep_agency_notices` (``xinyong tick``, before the outbox) reads the record and list
  step logs (``credit_record_steps``: repair, revoke, correct, expire; ``list_entry_steps``: expire, exit_early,
  revoke) with an anti-join on ``agency_change_sources`` (a step committed late with a smaller id is still found),
  and makes one notice per subscribing agency (unique per agency and step), queued in the outbox to the agency's
  webhook (signed with its own secret, retried) and always readable through the API. An agency acknowledges each
  notice; one unacknowledged after ``XINYONG_AGENCY_ACK_WORKDAYS`` working days (the office's calendar) is overdue.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from xinyong.agencies import rules
from xinyong.agencies.models import (
    AGENCY,
    GRANT,
    PHONE_CONTEXT,
    WEBHOOK_CONTEXT,
    Agency,
    AgencyClient,
    AgencyNotice,
    AgencyQuery,
    ChangeSource,
    Grant,
    Subscription,
)
from xinyong.agencies.rules import AgencyStatus, AgencyStep, Event, GrantStatus, GrantStep, NoticeState
from xinyong.agencies.schemas import AgencyIn
from xinyong.core import audit, clock, outbox
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient
from xinyong.core.config import get_settings
from xinyong.core.crypto import get_cipher
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.masking import mask_phone
from xinyong.core.pagination import PageRequest
from xinyong.core.transitions import Parties
from xinyong.core.workflow import Deadline, working_day_deadline
from xinyong.entities import service as entities
from xinyong.evaluation.views import evaluation_of
from xinyong.lists import service as lists
from xinyong.lists.models import ListEntryStep
from xinyong.records import service as records
from xinyong.records.models import CreditRecordStep
from xinyong.records.rules import Disclosure
from xinyong.reports import service as reports
from xinyong.reports.models import IssuedReport

NOTICE_TOPIC = "agency.change"
SWEEP_BATCH = 500
MAX_RECORDS = 500
OFFICE_PARTIES = Parties(department=None)

# ---------------------------------------------------------------- agencies (the credit office)


def _require_office(actor: Actor) -> None:
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office manages credit-service agencies (仅信用办可管理信用服务机构)")


def register_agency(session: Session, actor: Actor, data: AgencyIn) -> Agency:
    _require_office(actor)
    name = rules.clean_text(data.name, "name", rules.MAX_NAME)
    uscc = validate_uscc(data.uscc.strip().upper(), field="uscc").code
    if data.filing_body not in set(rules.FilingBody):
        raise InvalidInput("the filing is with the People's Bank (pbc) or on the NDRC list (ndrc) (备案机关错误)")
    filing_no = rules.check_filing_no(data.filing_no)
    contact = rules.clean_text(data.contact_name, "contact_name", rules.MAX_CONTACT)
    phone = rules.check_phone(data.contact_phone)
    purposes = rules.check_purposes(data.purposes)
    allow = rules.check_ip_allow(data.ip_allow)
    if session.scalar(select(Agency.id).where(Agency.uscc == uscc)) is not None:
        raise Conflict(f"an agency with the USCC {uscc} is registered (该机构已登记)", field="uscc")
    now = clock.now()
    agency = Agency(
        name=name,
        uscc=uscc,
        filing_body=data.filing_body,
        filing_no=filing_no,
        contact_name=contact,
        contact_phone_enc=get_cipher().encrypt(phone, context=PHONE_CONTEXT),
        contact_phone_masked=mask_phone(phone),
        purposes=purposes,
        ip_allow=allow,
        status="",
        subscribe_all=False,
        created_at=now,
        created_by=actor.id,
        updated_at=now,
    )
    session.add(agency)
    session.flush()
    AGENCY.advance(
        session,
        actor,
        agency,
        AgencyStep.REGISTER,
        parties=OFFICE_PARTIES,
        context={"name": name, "uscc": uscc, "filing_no": filing_no, "purposes": purposes, "ip_allow": allow},
    )
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.id)))


def get_agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"no credit-service agency {agency_id} (未找到该信用服务机构)", field="agency_id")
    return agency


def agency_steps(session: Session, agency_id: int) -> list[Any]:
    """The agency's registration and status steps, in order (the office's 办理过程)."""
    return AGENCY.steps_of(session, agency_id)


def clients_of(session: Session, agency_id: int) -> list[ApiClient]:
    return list(
        session.scalars(
            select(ApiClient)
            .join(AgencyClient, AgencyClient.api_client_id == ApiClient.id)
            .where(AgencyClient.agency_id == agency_id)
            .order_by(ApiClient.id)
        )
    )


def change_status(session: Session, actor: Actor, agency_id: int, step: AgencyStep, reason: str) -> Agency:
    """Suspend, reinstate or revoke an agency (its keys follow: suspended with it, revoked with it)."""
    _require_office(actor)
    if step == AgencyStep.REGISTER:
        raise InvalidInput("registration is its own action (登记请使用登记功能)", field="step")
    text = rules.clean_text(reason, "reason", rules.MAX_REASON)
    agency = get_agency(session, agency_id)
    AGENCY.advance(session, actor, agency, step, parties=OFFICE_PARTIES, reason=text, context={"name": agency.name})
    ids = [c.id for c in clients_of(session, agency.id)]
    if step == AgencyStep.SUSPEND:
        auth.set_clients_suspended(session, actor, ids, True)
    elif step == AgencyStep.REINSTATE:
        auth.set_clients_suspended(session, actor, ids, False)
    else:
        for client_id in ids:
            auth.revoke_api_client(session, actor, client_id)
    return agency


def issue_key(session: Session, actor: Actor, agency_id: int, name: str) -> tuple[ApiClient, str]:
    """A new API key for the agency (shown once). Only an agency in good standing gets one."""
    _require_office(actor)
    agency = get_agency(session, agency_id)
    if agency.status != AgencyStatus.ACTIVE:
        raise Conflict(
            f"the agency is {agency.status}: no new keys (机构{agency.status}，不能签发密钥)", field="status"
        )
    label = rules.clean_text(name, "name", 60, required=False) or "接口密钥"
    client, key = auth.create_agency_client(session, actor, name=f"{agency.name}·{label}"[:100])
    session.add(AgencyClient(agency_id=agency.id, api_client_id=client.id))
    session.flush()
    audit.record(session, actor, "agencies:agency:key_issued", "credit_agency", str(agency.id), {"client": client.id})
    return client, key


def revoke_key(session: Session, actor: Actor, agency_id: int, client_id: int) -> ApiClient:
    _require_office(actor)
    if client_id not in {c.id for c in clients_of(session, agency_id)}:
        raise NotFound(f"no key {client_id} of agency {agency_id} (未找到该机构的密钥)", field="client_id")
    return auth.revoke_api_client(session, actor, client_id)


def set_webhook(session: Session, actor: Actor, agency_id: int, url: str | None) -> tuple[Agency, str | None]:
    """Register (or remove) where change notices are posted; a new URL gets a fresh signing secret, shown once."""
    _require_office(actor)
    agency = get_agency(session, agency_id)
    secret: str | None = None
    if url is None:
        agency.webhook_url = None
        agency.webhook_secret = None
    else:
        agency.webhook_url = outbox.validate_url(url, field="webhook_url")
        secret = "whsec_" + secrets.token_urlsafe(32)
        agency.webhook_secret = get_cipher().encrypt(secret, context=WEBHOOK_CONTEXT)
    agency.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "agencies:agency:webhook_set" if url is not None else "agencies:agency:webhook_removed",
        "credit_agency",
        str(agency.id),
        {"webhook_url": agency.webhook_url},
    )
    return agency, secret


def public_register(session: Session) -> list[Agency]:
    """The portal's list of registered agencies (every status shown, so a suspension is public)."""
    return list(session.scalars(select(Agency).order_by(Agency.name, Agency.id)))


# ---------------------------------------------------------------- who is calling


def agency_of(session: Session, actor: Actor) -> Agency:
    """The agency an API key belongs to. A key of a suspended or revoked agency never gets here (refused at
    authentication); this also refuses it, for a key remembered by another process's cache."""
    if actor.role != Role.AGENCY:
        raise Forbidden("only a credit-service agency's key calls the agency API (仅信用服务机构密钥可调用)")
    client_id = _client_id(actor)
    link = None
    if client_id is not None:
        link = session.scalar(select(AgencyClient).where(AgencyClient.api_client_id == client_id))
    if link is None:
        raise NotFound("this key belongs to no registered agency (该密钥未关联信用服务机构)", field="authorization")
    agency = get_agency(session, link.agency_id)
    if agency.status != AgencyStatus.ACTIVE:
        raise Forbidden(f"the agency is {agency.status} (机构{agency.status}，不能调用接口)")
    return agency


def check_caller(session: Session, actor: Actor, address: str) -> Agency:
    agency = agency_of(session, actor)
    if not rules.address_allowed(agency.ip_allow, address):
        raise Forbidden("this address is not on the agency's allow-list (调用地址不在机构白名单内)")
    return agency


def _client_id(actor: Actor) -> int | None:
    prefix, _, number = actor.id.partition(":")
    return int(number) if prefix == "api" and number.isdigit() and len(number) < 18 else None


# ---------------------------------------------------------------- grants (the entity)


def _own_uscc(actor: Actor) -> str:
    if actor.role != Role.ENTITY or not actor.entity_uscc:
        raise Forbidden("only an enterprise signed in as itself manages its grants (仅企业用户可管理授权)")
    return actor.entity_uscc


def give_grant(session: Session, actor: Actor, agency_id: int, purpose: str, days: int) -> Grant:
    uscc = _own_uscc(actor)
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
    _subscribe(session, agency.id, uscc)  # the agency will hold a copy: it is told of every change
    return grant


def withdraw_grant(session: Session, actor: Actor, grant_id: int, reason: str | None = None) -> Grant:
    uscc = _own_uscc(actor)
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


def grants_of_subject(session: Session, actor: Actor) -> list[Grant]:
    uscc = _own_uscc(actor)
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


# ---------------------------------------------------------------- the agency API


def _purpose(agency: Agency, purpose: str) -> str:
    if purpose not in agency.purposes:
        raise InvalidInput("the agency is not registered for this purpose (该用途不在机构登记范围内)", field="purpose")
    return purpose


def _log(
    session: Session,
    actor: Actor,
    agency: Agency,
    *,
    uscc: str,
    purpose: str,
    scope: str,
    grant: Grant | None,
    address: str,
    report_number: str | None = None,
) -> AgencyQuery:
    row = AgencyQuery(
        agency_id=agency.id,
        api_client_id=_client_id(actor),
        grant_id=grant.id if grant is not None else None,
        subject_uscc=uscc,
        purpose=purpose,
        scope=scope,
        report_number=report_number,
        address=address[:64],
        at=clock.now(),
    )
    session.add(row)
    session.flush()
    _subscribe(session, agency.id, uscc)
    audit.record(
        session,
        actor,
        f"agencies:query:{scope}",
        "credit_agency",
        str(agency.id),
        {"subject": uscc, "purpose": purpose, "grant": row.grant_id, "query": row.id, "report": report_number},
    )
    return row


def _entity_reader(agency: Agency, grant: Grant) -> Actor:
    """Under a grant the agency reads what the entity itself reads of its own data."""
    return Actor(
        role=Role.ENTITY,
        id=f"agency:{agency.id}:grant:{grant.id}",
        name=agency.name,
        entity_uscc=grant.subject_uscc,
    )


def _identity(entity: Any, full: bool) -> dict[str, Any]:
    found = {
        "uscc": entity.uscc,
        "name": entity.name,
        "status": entity.status,
        "legal_form": entity.legal_form,
        "industry": entity.industry_name,
        "established_on": entity.established_on.isoformat() if entity.established_on else None,
    }
    if full:
        found["registered_address"] = entity.registered_address
        found["registered_capital"] = entity.registered_capital
    return found


def read_subject(session: Session, actor: Actor, uscc: str, purpose: str, address: str) -> dict[str, Any]:
    """A subject as the agency may read it now: public data, or — under a grant in force for this purpose — the
    full records (unpublished but shareable ones included) and the grade with its breakdown. Logged."""
    agency = check_caller(session, actor, address)
    purpose = _purpose(agency, purpose)
    entity = entities.get_entity(session, uscc)
    grant = grant_in_force(session, agency.id, entity.uscc, purpose)
    reader = _entity_reader(agency, grant) if grant is not None else Actor.public()
    views, _total = records.records_of_entity(session, reader, entity.uscc, page=PageRequest(1, MAX_RECORDS))
    evaluation = evaluation_of(session, reader, entity.uscc).model_dump(mode="json") if grant is not None else None
    scope = "full" if grant is not None else "public"
    query = _log(session, actor, agency, uscc=entity.uscc, purpose=purpose, scope=scope, grant=grant, address=address)
    return {
        "uscc": entity.uscc,
        "name": entity.name,
        "scope": scope,
        "grant_id": grant.id if grant is not None else None,
        "purpose": purpose,
        "query_id": query.id,
        "identity": _identity(entity, grant is not None),
        "records": [v.model_dump(mode="json") for v in views],
        "evaluation": evaluation,
    }


def issue_report(
    session: Session, actor: Actor, uscc: str, purpose: str, address: str
) -> tuple[IssuedReport, bytes, Grant]:
    """The full credit report under a grant in force (403 without one), marked with the agency and the grant and
    verifiable like every report the platform issues. Logged."""
    agency = check_caller(session, actor, address)
    purpose = _purpose(agency, purpose)
    entity = entities.get_entity(session, uscc)
    grant = grant_in_force(session, agency.id, entity.uscc, purpose)
    if grant is None:
        raise Forbidden("no grant of the entity in force for this purpose (无该主体在有效期内的授权，仅可查询公开信息)")
    issued_for = {
        "agency_id": agency.id,
        "agency_name": agency.name,
        "agency_uscc": agency.uscc,
        "filing_no": agency.filing_no,
        "grant_id": grant.id,
        "purpose": purpose,
        "purpose_label": rules.PURPOSE_LABELS[rules.Purpose(purpose)],
        "valid_until": grant.valid_until.isoformat(),
    }
    row, pdf = reports.issue_report_pdf(
        session, actor, entity.uscc, full=True, reader=_entity_reader(agency, grant), issued_for=issued_for
    )
    _log(
        session,
        actor,
        agency,
        uscc=entity.uscc,
        purpose=purpose,
        scope="report",
        grant=grant,
        address=address,
        report_number=row.number,
    )
    return row, pdf, grant


def report_of_agency(session: Session, actor: Actor, number: str, address: str) -> IssuedReport:
    """A report issued to this agency (404 for any other, alike missing)."""
    agency = check_caller(session, actor, address)
    mine = session.scalar(
        select(AgencyQuery.id).where(AgencyQuery.agency_id == agency.id, AgencyQuery.report_number == number[:40])
    )
    if mine is None:
        raise NotFound(f"no report {number[:40]} issued to you (未找到该报告)", field="number")
    return reports.get_report(session, Actor.system("agencies:report"), number)


def queries_of_agency(session: Session, actor: Actor, address: str, limit: int = 200) -> list[AgencyQuery]:
    agency = check_caller(session, actor, address)
    return list(
        session.scalars(
            select(AgencyQuery).where(AgencyQuery.agency_id == agency.id).order_by(AgencyQuery.id.desc()).limit(limit)
        )
    )


def queries_of_subject(session: Session, actor: Actor, limit: int = 200) -> list[AgencyQuery]:
    uscc = _own_uscc(actor)
    return list(
        session.scalars(
            select(AgencyQuery).where(AgencyQuery.subject_uscc == uscc).order_by(AgencyQuery.id.desc()).limit(limit)
        )
    )


# ---------------------------------------------------------------- subscriptions


def _subscribe(session: Session, agency_id: int, uscc: str) -> None:
    found = session.scalar(
        select(Subscription).where(Subscription.agency_id == agency_id, Subscription.subject_uscc == uscc)
    )
    if found is None:
        session.add(Subscription(agency_id=agency_id, subject_uscc=uscc, since=clock.now(), active=True))
        session.flush()
    elif not found.active:
        found.active = True
        session.flush()


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
        _subscribe(session, agency.id, code)
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


# ---------------------------------------------------------------- change notices


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


def sweep_agency_notices(session: Session, actor: Actor, _today: dt.date | None = None) -> NoticeSweep:
    """Turn every new repair, revocation, correction, publicity end and list exit of the step logs into notices."""
    result = NoticeSweep()
    now = clock.now()
    deadlines: dict[dt.date, Deadline] = {}
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
    uscc = _own_uscc(actor)
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
