"""Schemathesis over every operation of the OpenAPI document, in process (ASGI), as three callers: a department's
API key, a staff (credit office) session with its CSRF token, and the anonymous public. A 5xx, or a status the
document does not declare for the operation, fails the test; every failure found is listed.

Bounded for the suite: a few derandomized examples per operation (XINYONG_TEST_FUZZ_EXAMPLES, default 3), each sent
as all three callers, generation phase only, no shrinking, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import Depends, FastAPI, Response
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.support import builders
from xinyong.app import create_app
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.db import Database
from xinyong.core.http import SESSION_COOKIE, sign_session_token
from xinyong.core.ratelimit import InProcessLimiter, RateLimits

EXAMPLES = int(os.environ.get("XINYONG_TEST_FUZZ_EXAMPLES", "3"))
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:bootstrap")
PASSWORD = "Gongqing-2020!"
UNKNOWN_USCC = builders.new_uscc(region="360405")  # valid check digit, never registered here


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]
    cookies: dict[str, str]


def _callers(database: Database) -> list[Caller]:
    with database.unit_of_work() as session:
        builders.departments(session)
        for _ in range(3):
            builders.entity(session)
        _, key = auth.create_api_client(
            session, OFFICE, name="市场监管局归集系统", role=Role.DEPT_OPERATOR, department="SCJGJ"
        )
        user = auth.create_user(
            session, OFFICE, username="xinyongban", display_name="信用办", role=Role.CREDIT_OFFICE, password=PASSWORD
        )
        started = auth.start_session(session, user)
    return [
        Caller("department key", {"Authorization": f"Bearer {key}"}, {}),
        Caller(
            "staff session", {"X-CSRF-Token": started.csrf_token}, {SESSION_COOKIE: sign_session_token(started.token)}
        ),
        Caller("anonymous", {}, {}),
    ]


def _fuzz(app: FastAPI, callers: list[Caller], only: Callable[[str], bool] = lambda _label: True) -> list[str]:
    """Fuzz every operation (whose label ``only`` accepts): each generated case is sent as every caller."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not only(operation.label):
            continue

        def send(case: Case, caller: Caller) -> None:
            label = case.operation.label
            for generated in ("Authorization", "X-CSRF-Token"):
                (case.headers or {}).pop(generated, None)
            (case.cookies or {}).pop(SESSION_COOKIE, None)
            try:
                response = case.call(headers=caller.headers, cookies=caller.cookies)
            except Exception as bug:  # the in-process transport re-raises what the app's 500 handler logged
                failures.append(f"{caller.name}: {label} → 500: {type(bug).__name__}: {str(bug)[:300]}")
                return
            try:
                case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
            except (AssertionError, BaseExceptionGroup) as failure:  # schemathesis' Failure / FailureGroup
                text = " ".join(str(failure).split())
                failures.append(f"{caller.name}: {label} → {response.status_code}: {text[:300]}")

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Case) -> None:
            for caller in callers:
                send(case, caller)
            # Random text is almost never a valid USCC: also send every USCC field as a valid code of no entity
            # (issue 23's report 500 was exactly that: a foreign key to an entity that does not exist).
            fields = [k for k in case.body if k.endswith("uscc")] if isinstance(case.body, dict) else []
            params = [k for k in (case.query or {}) if k.endswith("uscc")]
            if fields or params:
                for key in fields:
                    case.body[key] = UNKNOWN_USCC
                for key in params:
                    case.query[key] = UNKNOWN_USCC
                for caller in callers:
                    send(case, caller)

        fuzz()
    return failures


def test_every_operation_answers_only_what_it_documents(committing_db: Database) -> None:
    if committing_db.dialect == "sqlite":  # the suite's budget: one pass, on the production database
        pytest.skip("fuzzed on PostgreSQL: what SQLite adds is concurrent writers, which a sequential fuzz cannot find")
    callers = _callers(committing_db)
    limits = RateLimits(InProcessLimiter(), 0, login_per_account=0, login_per_address=0)  # fuzzing is not harvesting
    app = create_app(committing_db, rate_limits=limits)
    failures = _fuzz(app, callers)
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} failures:\n" + "\n".join(unique[:80])


def test_the_document_declares_security_and_answers(committing_db: Database) -> None:
    document: dict[str, Any] = create_app(committing_db).openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"]["scheme"] == "bearer" and schemes["Session"]["in"] == "cookie"
    entities = document["paths"]["/api/v1/entities"]["get"]
    assert {} in entities["security"], "a public route may be called anonymously"
    page_size = next(p for p in entities["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 100
    batches = document["paths"]["/api/v1/batches"]["post"]
    assert {} not in batches["security"] and batches["x-access-rule"] == "department"
    assert {"401", "403", "409", "413", "422", "429", "503"} <= set(batches["responses"])
    assert document["paths"]["/api/v1/records/{record_id}"]["get"]["responses"]["404"]


def test_the_fuzzing_finds_a_server_error_and_an_undocumented_status(committing_db: Database) -> None:
    """The harness itself can fail: a route that breaks, and one that answers a status it does not declare."""
    app = create_app(committing_db)

    @app.get("/api/v1/broken", dependencies=[Depends(require(PUBLIC))])
    def broken() -> dict[str, str]:
        raise RuntimeError("a bug")

    @app.get("/api/v1/teapot", dependencies=[Depends(require(PUBLIC))])
    def teapot() -> Response:
        return Response(status_code=418)

    failures = _fuzz(app, [Caller("anonymous", {}, {})], only=lambda label: label.endswith(("/broken", "/teapot")))
    assert any("/broken → 500" in f for f in failures), failures
    assert any("/teapot → 418" in f for f in failures), failures
