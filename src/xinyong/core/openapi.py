"""The OpenAPI document says what the server does: who may call each route and how (security schemes), every answer
a route can give, and the limits the server enforces.

Nothing here is written by hand per route, so it cannot drift from the code: the security of an operation comes from
the access rule the route declares (``core.auth.access``), its refusals from that rule and the route's shape (a path
parameter can name something that does not exist: 404; a body can be too large: 413; a change can conflict: 409;
on the embedded database a transaction that waits too long for its turn: 503),
and the limits from the settings the server checks them against (``page_size`` ≤ ``XINYONG_PAGE_SIZE_MAX``). A route
may add answers of its own with FastAPI's ``responses=``; they are kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from xinyong.core.auth.access import ENTITY, PUBLIC, AccessRule, rule_of
from xinyong.core.config import get_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_KEY = "ApiKey"
SESSION = "Session"

SECURITY_SCHEMES: dict[str, Any] = {
    API_KEY: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "xy_<prefix>_<secret>",
        "description": "API key of a department system or a business system (部门系统/业务系统的 API 密钥), issued by "
        "the credit office: `Authorization: Bearer xy_…`. A malformed, unknown or revoked key is a 401.",
    },
    SESSION: {
        "type": "apiKey",
        "in": "cookie",
        "name": "xinyong_session",
        "description": "Console or portal session (登录会话) from signing in. A request that changes something also "
        "sends the session's CSRF token in `X-CSRF-Token` (or the form field `csrf_token`), else 403.",
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "machine-readable code, e.g. not_found, rate_limited"},
        "message": {"type": "string", "description": "what happened, with a Chinese gloss (中文说明)"},
        "field": {"type": "string", "description": "the input the refusal is about"},
        "details": {"description": "per-field errors of a 422, or other detail"},
    },
}

ANSWERS: dict[int, str] = {
    401: "Not signed in, or a malformed, unknown or revoked API key (未登录或密钥无效)",
    403: "The caller's role may not do this, or the CSRF token is missing (无权访问)",
    404: "Nothing found under this id or code, or not visible to the caller (未找到)",
    409: "Conflicts with the current state (状态冲突)",
    413: "The request body or file is too large (内容过大)",
    422: "Invalid input; `field` names where (输入有误)",
    429: "Too many requests; `Retry-After` says when to try again (访问过于频繁)",
    503: "The embedded database (SQLite) stayed busy past its wait; try again in a moment (数据库繁忙)",
}


def effective_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route with its full dependency tree (``path_format``, ``methods``, ``dependant``,
    ``param_convertors``, ``include_in_schema``), on FastAPI versions that list included routers eagerly
    (``APIRoute``) and on those that include them lazily (``_IncludedRouter`` with effective route contexts)."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                if context.dependant is not None:
                    yield context


def answers_of(route: Any, rule: AccessRule) -> set[int]:
    """The refusals a route can give, from its access rule and its shape."""
    unsafe = bool(set(route.methods or ()) - SAFE_METHODS)
    # a bad key is refused everywhere; every input (query, path, body) is checked; on SQLite every transaction
    # waits its turn to write, and one that waits too long is a 503 (core.db.DatabaseBusy)
    found = {401, 422, 503}
    if route.path != "/healthz":
        found.add(429)
    if rule is not PUBLIC or unsafe:
        found.add(403)  # a role the rule excludes; a cookie caller without the CSRF token on a change
    if route.param_convertors or unsafe or route.dependant.query_params:
        found.add(404)  # an id, code or filter value naming nothing the caller may see
    if unsafe:
        found.update({409, 413})
    return found


def security_of(rule: AccessRule) -> list[dict[str, list[str]]]:
    if rule is PUBLIC:
        return [{}, {API_KEY: []}, {SESSION: []}]  # anonymous, or signed in for more
    if rule is ENTITY:
        return [{SESSION: []}]  # entities sign in; API keys belong to departments and business systems
    return [{API_KEY: []}, {SESSION: []}]


def _limit_parameters(operation: dict[str, Any], page_size_max: int) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.setdefault("schema", {})
        target = schema
        for option in schema.get("anyOf", []):  # an optional parameter: the non-null branch
            if option.get("type") in ("integer", "number"):
                target = option
        if parameter.get("name") == "page_size":
            target["maximum"] = min(target.get("maximum", page_size_max), page_size_max)
            target["minimum"] = max(target.get("minimum", 1), 1)
        elif parameter.get("name") == "page":
            target["minimum"] = max(target.get("minimum", 1), 1)
        kinds = {schema.get("type")} | {o.get("type") for o in schema.get("anyOf", [])}
        if "boolean" in kinds:
            parameter["description"] = (
                parameter.get("description", "") + " `true` or `false` only (other spellings are a 422)."
            ).strip()


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI makes, completed with security, refusals and limits (see the module's note)."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_ref = {"$ref": "#/components/schemas/Error"}
    page_size_max = get_settings().page_size_max
    for route in effective_routes(app):
        if not route.include_in_schema:
            continue
        rules = rule_of(route.dependant)
        rule = rules[0] if rules else PUBLIC
        path = document.get("paths", {}).get(route.path_format)
        if path is None:
            continue
        for method in route.methods or ():
            operation = path.get(method.lower())
            if operation is None:
                continue
            operation["security"] = security_of(rule)
            operation["x-access-rule"] = rule.name
            responses = operation.setdefault("responses", {})
            for status in sorted(answers_of(route, rule)):
                existing = responses.get(str(status))
                if existing is None or status == 422:  # our 422 is the Error shape, not FastAPI's
                    responses[str(status)] = {
                        "description": ANSWERS[status],
                        "content": {"application/json": {"schema": error_ref}},
                    }
            if "429" in responses:
                responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
            _limit_parameters(operation, page_size_max)
    schemas = components["schemas"]
    used = json.dumps(document.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and f'"#/components/schemas/{unused}"' not in used:
            del schemas[unused]
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`build_openapi`'s document at ``/openapi.json`` (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
