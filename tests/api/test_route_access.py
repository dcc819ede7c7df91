"""Every route has exactly one access rule, and every route answers every role as its rule says.

The matrix is built from the application's own route table, so a new route without a rule fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.routes_of import effective_routes
from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.access import AccessRule, rule_of
from xinyong.records import service as records

ROLES = [r for r in Role if r != Role.SYSTEM]


def _routes() -> list[Any]:
    # Included routers are listed lazily on newer FastAPI: walk their effective routes, not only app.routes.
    routes = list(effective_routes(create_app()))
    assert len(routes) > 50, "the route walk found too few routes: the matrix would check nothing"
    return routes


def test_every_route_declares_exactly_one_rule() -> None:
    missing = [f"{sorted(r.methods)} {r.path}" for r in _routes() if len(rule_of(r.dependant)) != 1]
    assert missing == [], "routes without exactly one access rule (Depends(require(RULE)))"


def _actor(role: Role, uscc: str) -> Actor:
    return Actor(
        role=role,
        id=f"test:{role}",
        department_code="SCJGJ" if role in (Role.DEPT_OPERATOR, Role.DEPT_REVIEWER) else None,
        entity_uscc=uscc if role == Role.ENTITY else None,
    )


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(as_actor: Callable[[Actor], TestClient], db: Session, role: Role) -> None:
    made = builders.entity(db)
    record, _ = records.upsert_record(db, builders.SYSTEM, builders.penalty(made.uscc))
    values = {
        "uscc": made.uscc,
        "record_id": str(record.record_id),
        "username": "nobody-here",
        "batch_id": "1",
        "kind": "penalty",
        "rejection_id": "1",
        "entry_id": "1",
        "code": "serious",
        "person_id": "1",
        "task_id": "1",
        "item_id": "1",
        "version": "1",
        "commitment_id": "1",
        "report_id": "1",
        "attachment_id": "1",
        "objection_id": "1",
        "alert_id": "1",
        "measure_code": "GP01",
        "check_id": "1",
        "application_id": "1",
        "material_id": "1",
        "inspector_id": "1",
        "assignment_id": "1",
        "draw_id": "1",
        "case_id": "1",
        "campaign_id": "1",
        "client_id": "1",
        "message_id": "1",
        "conflict_id": "1",
        "push_id": "1",
        "complaint_id": "1",
        "procedure": "objections-objection",
        "subject_id": "1",
        "rule_id": "1",
        "seq": "1",
        "report_no": "R-1",
        "notice_id": "1",
        "agency_id": "1",
        "grant_id": "1",
        "member_uscc": made.uscc,
        "department": "SCJGJ",
        "flag_id": "1",
        "resolution": "corrected",
    }
    client = as_actor(_actor(role, made.uscc))
    for route in _routes():
        rule: AccessRule = rule_of(route.dependant)[0]
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], route.path)
        for method in route.methods:
            answer = client.request(method, path)
            where = f"{method} {route.path} as {role}"
            if rule.allows(role):
                assert answer.status_code not in (401, 403), f"{where} refused: {answer.text}"
                assert answer.status_code < 500, where
            else:
                expected = 401 if role == Role.PUBLIC else 403
                assert answer.status_code == expected, f"{where} answered {answer.status_code}"
