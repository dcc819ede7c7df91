"""What every console form handler does after a POST: go back to its page with a one-line outcome, and turn a refusal
into words for that line."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from xinyong.core.errors import XinyongError

MAX_OUTCOME = 900  # characters of an outcome carried in the query string


def back(target: str, message: str | None = None, error: str | None = None, **keep: str | None) -> RedirectResponse:
    """303 to ``target`` with ``?done=`` (message) or ``?error=``, after the query values in ``keep`` that are set
    (e.g. the department a page is showing)."""
    query = {name: value for name, value in keep.items() if value}
    if message:
        query["done"] = message[:MAX_OUTCOME]
    if error:
        query["error"] = error[:MAX_OUTCOME]
    return RedirectResponse(target + (f"?{urlencode(query, quote_via=quote)}" if query else ""), status_code=303)


def refusal(error: Exception) -> str:
    """The reader's words for why a form was refused: the platform's own message, or each invalid field."""
    if isinstance(error, XinyongError):
        return error.message
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())[:MAX_OUTCOME]
    return str(error)[:MAX_OUTCOME]
