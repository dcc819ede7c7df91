"""Credit-service agencies: registration and status by the credit office, API keys and webhooks, the public register,
and who is calling (an agency's API client).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.agencies import rules
from xinyong.agencies.models import (
    AGENCY,
    PHONE_CONTEXT,
    WEBHOOK_CONTEXT,
    Agency,
    AgencyClient,
    Subscription,
)
from xinyong.agencies.rules import AgencyStatus, AgencyStep
from xinyong.agencies.schemas import AgencyIn
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import ApiClient
from xinyong.core.crypto import get_cipher
from xinyong.core.destinations import validate_url
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.masking import mask_phone
from xinyong.core.transitions import Parties

NOTICE_TOPIC = "agency.change"

SWEEP_BATCH = 500

MAX_RECORDS = 500

OFFICE_PARTIES = Parties(department=None)


def require_office(actor: Actor) -> None:
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office manages credit-service agencies (仅信用办可管理信用服务机构)")


def register_agency(session: Session, actor: Actor, data: AgencyIn) -> Agency:
    require_office(actor)
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


def read_agency(session: Session, actor: Actor, agency_id: int) -> Agency:
    """An agency for its history page: the credit office and those who see everything (auditors) read any; anyone
    else finds none (invisible and missing look the same)."""
    if not (actor.role == Role.CREDIT_OFFICE or actor.sees_everything):
        raise NotFound(f"no credit-service agency {agency_id} (未找到该信用服务机构)", field="agency_id")
    return get_agency(session, agency_id)


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
    require_office(actor)
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
    require_office(actor)
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
    require_office(actor)
    if client_id not in {c.id for c in clients_of(session, agency_id)}:
        raise NotFound(f"no key {client_id} of agency {agency_id} (未找到该机构的密钥)", field="client_id")
    return auth.revoke_api_client(session, actor, client_id)


def set_webhook(session: Session, actor: Actor, agency_id: int, url: str | None) -> tuple[Agency, str | None]:
    """Register (or remove) where change notices are posted; a new URL gets a fresh signing secret, shown once."""
    require_office(actor)
    agency = get_agency(session, agency_id)
    secret: str | None = None
    if url is None:
        agency.webhook_url = None
        agency.webhook_secret = None
    else:
        agency.webhook_url = validate_url(url, field="webhook_url")
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


def agency_of(session: Session, actor: Actor) -> Agency:
    """The agency an API key belongs to. A key of a suspended or revoked agency never gets here (refused at
    authentication); this also refuses it, for a key remembered by another process's cache."""
    if actor.role != Role.AGENCY:
        raise Forbidden("only a credit-service agency's key calls the agency API (仅信用服务机构密钥可调用)")
    client_id = client_id_of(actor)
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


def client_id_of(actor: Actor) -> int | None:
    prefix, _, number = actor.id.partition(":")
    return int(number) if prefix == "api" and number.isdigit() and len(number) < 18 else None


def own_uscc(actor: Actor) -> str:
    if actor.role != Role.ENTITY or not actor.entity_uscc:
        raise Forbidden("only an enterprise signed in as itself manages its grants (仅企业用户可管理授权)")
    return actor.entity_uscc


def add_subscription(session: Session, agency_id: int, uscc: str) -> None:
    found = session.scalar(
        select(Subscription).where(Subscription.agency_id == agency_id, Subscription.subject_uscc == uscc)
    )
    if found is None:
        session.add(Subscription(agency_id=agency_id, subject_uscc=uscc, since=clock.now(), active=True))
        session.flush()
    elif not found.active:
        found.active = True
        session.flush()
