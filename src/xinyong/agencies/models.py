"""Tables of credit-service agencies: the agencies and their steps, their API clients, the entities' grants and their
steps, every call an agency made, its subscriptions, the change notices it was sent, and the step-log rows already
turned into notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.agencies.rules import AGENCY_TABLE, GRANT_TABLE
from xinyong.core import outbox
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Base, JSONType, UTCDateTime
from xinyong.core.workflow import Procedure, StepHistory

WEBHOOK_CONTEXT = "credit_agencies.webhook_secret"
PHONE_CONTEXT = "credit_agencies.contact_phone"


class Agency(Base):
    """A registered credit-service agency (信用服务机构)."""

    __tablename__ = "credit_agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    filing_body: Mapped[str] = mapped_column(String(8))  # pbc / ndrc
    filing_no: Mapped[str] = mapped_column(String(40))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone_enc: Mapped[str] = mapped_column(String(200))  # SM4-GCM
    contact_phone_masked: Mapped[str] = mapped_column(String(30))
    purposes: Mapped[list[str]] = mapped_column(JSONType)
    ip_allow: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(8))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))  # SM4-encrypted signing secret
    subscribe_all: Mapped[bool] = mapped_column(Boolean, default=False)  # every public change, not only its subjects
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AgencyStep(StepHistory, Base):
    __tablename__ = "credit_agency_steps"
    __table_args__ = (Index("ix_credit_agency_steps_agency", "agency_id", "id"),)
    owner_key = "agency_id"

    agency_id: Mapped[int] = mapped_column(ForeignKey("credit_agencies.id"))


AGENCY = Procedure("信用服务机构登记管理", AGENCY_TABLE, AgencyStep)


class AgencyClient(Base):
    """An API client (key) of an agency."""

    __tablename__ = "credit_agency_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("credit_agencies.id"), index=True)
    api_client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), unique=True)


class Grant(Base):
    """An entity's authorisation (授权) of one agency, for one purpose, until a day (inclusive)."""

    __tablename__ = "agency_grants"
    __table_args__ = (Index("ix_agency_grants_agency_subject", "agency_id", "subject_uscc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("credit_agencies.id"))
    subject_uscc: Mapped[str] = mapped_column(String(18), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)
    granted_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class GrantStep(StepHistory, Base):
    __tablename__ = "agency_grant_steps"
    __table_args__ = (Index("ix_agency_grant_steps_grant", "grant_id", "id"),)
    owner_key = "grant_id"

    grant_id: Mapped[int] = mapped_column(ForeignKey("agency_grants.id"))


GRANT = Procedure("信用信息查询授权", GRANT_TABLE, GrantStep)


class AgencyQuery(Base):
    """One call of an agency about a subject: which client, under which grant (if any), for which purpose."""

    __tablename__ = "agency_queries"
    __table_args__ = (
        Index("ix_agency_queries_subject", "subject_uscc", "id"),
        Index("ix_agency_queries_agency", "agency_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("credit_agencies.id"))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"))
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("agency_grants.id"))
    subject_uscc: Mapped[str] = mapped_column(String(18))
    purpose: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))  # public / full / report
    report_number: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Subscription(Base):
    """An agency holds a copy of a subject's data and is told of its changes."""

    __tablename__ = "agency_subscriptions"
    __table_args__ = (UniqueConstraint("agency_id", "subject_uscc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("credit_agencies.id"))
    subject_uscc: Mapped[str] = mapped_column(String(18), index=True)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AgencyNotice(Base):
    """One change notice to one agency, with its working-day deadline and the agency's acknowledgement."""

    __tablename__ = "agency_notices"
    __table_args__ = (
        UniqueConstraint("agency_id", "notice_key"),
        Index("ix_agency_notices_subject", "subject_uscc", "id"),
        Index("ix_agency_notices_open", "agency_id", "acknowledged_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("credit_agencies.id"))
    notice_key: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(16))
    subject_uscc: Mapped[str] = mapped_column(String(18))
    source: Mapped[str] = mapped_column(String(8))  # record / entry
    source_id: Mapped[int] = mapped_column(Integer)
    on: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    ack_note: Mapped[str | None] = mapped_column(Text)


class ChangeSource(Base):
    """A step of a step log (``record`` / ``entry``) already turned into notices (the sweep's anti-join)."""

    __tablename__ = "agency_change_sources"

    log: Mapped[str] = mapped_column(String(8), primary_key=True)
    step_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    notices: Mapped[int] = mapped_column(Integer)


def _webhook_secret(session: Session, ref: str) -> bytes | None:
    """The outbox's resolver of ``credit_agency:<id>``: the agency's signing secret."""
    if not ref.isdigit():
        return None
    agency = session.get(Agency, int(ref))
    if agency is None or agency.webhook_secret is None:
        return None
    return get_cipher().decrypt(agency.webhook_secret, context=WEBHOOK_CONTEXT).encode()


outbox.register_secret("credit_agency", _webhook_secret)
