"""Builders for the credit-service agency tests (no tests here): a registered agency with a key, an entity signed
in as itself, the office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.agencies import service as agencies
from xinyong.agencies.models import Agency
from xinyong.agencies.schemas import AgencyIn
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office1", name="信用办")
ADDRESS = "10.1.2.3"


@dataclass
class Made:
    agency: Agency
    actor: Actor  # the agency's key, as the platform resolves it
    key: str
    client_id: int


def agency_data(**fields: Any) -> AgencyIn:
    data: dict[str, Any] = {
        "name": "江西诚信信用管理有限公司",
        "uscc": builders.new_uscc(),
        "filing_body": "pbc",
        "filing_no": "NCB-3600-0012",
        "contact_name": "王经理",
        "contact_phone": "0791-86001234",
        "purposes": ["credit_report", "financing"],
        "ip_allow": [],
    }
    data.update(fields)
    return AgencyIn(**data)


def agency(session: Session, **fields: Any) -> Made:
    row = agencies.register_agency(session, OFFICE, agency_data(**fields))
    client, key = agencies.issue_key(session, OFFICE, row.id, "生产")
    found = auth.resolve_api_actor(session, key)
    assert found is not None
    return Made(row, found, key, client.id)


def entity_actor(uscc: str) -> Actor:
    return Actor(role=Role.ENTITY, id=f"user:ent-{uscc[-6:]}", entity_uscc=uscc)


def at(day: dt.date, hour: int = 4) -> None:
    """Freeze the clock on ``day`` (``hour`` UTC: noon in Beijing by default)."""
    clock.freeze(dt.datetime.combine(day, dt.time(hour, 0), tzinfo=dt.UTC))
