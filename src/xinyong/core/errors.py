"""Typed errors. Expected refusals carry their HTTP status and a clear bilingual message; a 500 is a bug."""

from __future__ import annotations

from typing import Any


class XinyongError(Exception):
    """An expected refusal: bad input, missing thing, forbidden or conflicting step."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (``Retry-After`` of a 429)."""
        return {}


class InvalidInput(XinyongError):
    """422: the input breaks a rule; ``field`` names where."""

    status = 422
    code = "invalid"


class NotFound(XinyongError):
    status = 404
    code = "not_found"


class Forbidden(XinyongError):
    status = 403
    code = "forbidden"


class Unauthorized(XinyongError):
    status = 401
    code = "unauthorized"


class PasswordChangeRequired(Forbidden):
    """403: the account signed in with a temporary password the credit office set; nothing but changing it (the
    console's 修改密码 page, where a browser is sent) and signing out is allowed until then."""

    code = "password_change_required"


class Conflict(XinyongError):
    """409: the step conflicts with the current state (wrong status, duplicate natural key...)."""

    status = 409
    code = "conflict"


class TooLarge(XinyongError):
    status = 413
    code = "too_large"


class TooManyRequests(XinyongError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
