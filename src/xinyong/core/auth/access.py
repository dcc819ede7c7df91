"""Who may call which route, decided in one place.

Every route declares exactly one rule with ``Depends(require(RULE))``; a test walks the application's route table
and fails for a route without one, then calls every route as every role and checks the answers. Rules decide who
may *call*; which rows they then see is decided by each area's one visibility function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from xinyong.core.actor import Actor, Role
from xinyong.core.errors import Forbidden, Unauthorized
from xinyong.core.http import current_actor


@dataclass(frozen=True)
class AccessRule:
    name: str
    roles: frozenset[Role] | None  # None: everyone, the anonymous public included

    def allows(self, role: Role) -> bool:
        return self.roles is None or role in self.roles


PUBLIC = AccessRule("public", None)
# a credit-service agency reaches only its own API (AGENCY) and what the public reads
SIGNED_IN = AccessRule("signed_in", frozenset(Role) - {Role.PUBLIC, Role.AGENCY})
STAFF = AccessRule(
    "staff", frozenset({Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.CREDIT_OFFICE, Role.AUDITOR, Role.SYSTEM})
)
DEPARTMENT = AccessRule("department", frozenset({Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.SYSTEM}))
OFFICE = AccessRule("credit_office", frozenset({Role.CREDIT_OFFICE, Role.SYSTEM}))
AUDIT = AccessRule("audit", frozenset({Role.AUDITOR, Role.CREDIT_OFFICE, Role.SYSTEM}))
AUDITOR = AccessRule("auditor", frozenset({Role.AUDITOR, Role.SYSTEM}))  # 审计/纪检 only: insider-misuse alerts
BUSINESS_SYSTEM = AccessRule("business_system", frozenset({Role.BUSINESS_SYSTEM, Role.CREDIT_OFFICE, Role.SYSTEM}))
ENTITY = AccessRule("entity", frozenset({Role.ENTITY}))
AGENCY = AccessRule("credit_agency", frozenset({Role.AGENCY}))
# the portal's content (信用动态, 政策法规, 典型案例, 通知公告, 办事指南): editors write and send for review, reviewers
# publish, return and withdraw; the credit office may do both
CONTENT_EDIT = AccessRule(
    "content_edit", frozenset({Role.CONTENT_EDITOR, Role.CONTENT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM})
)
CONTENT_REVIEW = AccessRule("content_review", frozenset({Role.CONTENT_REVIEWER, Role.CREDIT_OFFICE, Role.SYSTEM}))
STAFF_OR_ENTITY = AccessRule(
    "staff_or_entity",
    frozenset({Role.DEPT_OPERATOR, Role.DEPT_REVIEWER, Role.CREDIT_OFFICE, Role.AUDITOR, Role.SYSTEM, Role.ENTITY}),
)


def require(rule: AccessRule) -> Callable[..., Awaitable[Actor]]:
    """A dependency that lets the call through only for the rule's roles (401 for the anonymous, 403 otherwise)."""

    async def check(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        # async: no I/O here, so FastAPI runs it on the loop instead of a thread-pool round trip
        if rule.allows(actor.role):
            # the caller is known: its request may now read from a replica (xinyong.core.replicas.ReadRouter)
            request.state.caller_known = True
            request.state.actor_id = actor.id
            return actor
        if actor.role == Role.PUBLIC:
            raise Unauthorized("sign in or send an API key first (请先登录)")
        raise Forbidden(f"your role may not use this ({rule.name}) (无权访问)")

    check.access_rule = rule  # type: ignore[attr-defined]  # read by the route-matrix test and the docs
    return check


def rule_of(dependant: Any) -> list[AccessRule]:
    """The access rules declared on a route (through its dependency tree)."""
    found: list[AccessRule] = []
    for sub in dependant.dependencies:
        rule = getattr(sub.call, "access_rule", None)
        if isinstance(rule, AccessRule):
            found.append(rule)
        found.extend(rule_of(sub))
    return found
