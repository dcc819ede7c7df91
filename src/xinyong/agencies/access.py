"""Credit-service agencies: the audited agency API (public data always, the full report only under a grant in force)
and the query log each call writes (``agency_queries``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.agencies import rules
from xinyong.agencies.grants import grant_in_force
from xinyong.agencies.models import (
    Agency,
    AgencyQuery,
    Grant,
)
from xinyong.agencies.registry import MAX_RECORDS, add_subscription, check_caller, client_id_of, own_uscc
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.evaluation.views import evaluation_of
from xinyong.records import service as records
from xinyong.reports import service as reports
from xinyong.reports.models import IssuedReport


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
        api_client_id=client_id_of(actor),
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
    add_subscription(session, agency.id, uscc)
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
    uscc = own_uscc(actor)
    return list(
        session.scalars(
            select(AgencyQuery).where(AgencyQuery.subject_uscc == uscc).order_by(AgencyQuery.id.desc()).limit(limit)
        )
    )
