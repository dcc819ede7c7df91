"""What every console form handler does after a POST: go back to its page with a one-line outcome, and turn a refusal
into words for that line.

The outcome travels in the query string (``?done=`` / ``?error=``) as a notice code: the message the server chose,
signed with the platform's secret key (itsdangerous, its own salt) and good for :data:`NOTICE_SECONDS`. A page shows
only what :func:`notice` can verify, so a crafted link (``?error=请立即转账…``) shows nothing: every notice on a
console page was written by the server for that outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Query
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyong.core.config import get_settings
from xinyong.core.display import chinese
from xinyong.core.errors import XinyongError

MAX_OUTCOME = 300  # characters of an outcome message
MAX_CODE = 2000  # characters of a notice code in the query string
NOTICE_SECONDS = 600  # a notice is shown for ten minutes after the step it reports (reloads included)
_SALT = "xinyong.console.notice"

NoticeCode = Annotated[str | None, Query(max_length=MAX_CODE)]
REFUSED: tuple[type[Exception], ...] = (XinyongError, ValidationError)  # what a form's step may be refused with
T = TypeVar("T")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=_SALT)


def notice_code(kind: str, message: str) -> str:
    """The code that stands for ``message`` (kind ``done`` or ``error``) in a link back to a page."""
    return str(_signer().dumps([kind, message[:MAX_OUTCOME]]))


def notice(code: str | None, kind: str) -> str | None:
    """The server's message behind a notice code of that kind; ``None`` for no code, a forged, altered, expired or
    other-kind code (which is therefore never shown)."""
    if not code:
        return None
    try:
        found = _signer().loads(code, max_age=NOTICE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(found, list) and len(found) == 2 and found[0] == kind and isinstance(found[1], str)):
        return None
    return found[1]


def read_notices(done: str | None, error: str | None) -> dict[str, str | None]:
    """The page context's ``done`` and ``error`` from the query's codes."""
    return {"done": notice(done, "done"), "error": notice(error, "error")}


def back(target: str, message: str | None = None, error: str | None = None, **keep: str | None) -> RedirectResponse:
    """303 to ``target`` with ``?done=`` (message) or ``?error=`` as notice codes, after the query values in ``keep``
    that are set (e.g. the department a page is showing). An error is put in Chinese (``display.chinese``); a done
    message is the handler's own Chinese sentence, kept as written (it may name a username or a code)."""
    query = {name: value for name, value in keep.items() if value}
    if message:
        query["done"] = notice_code("done", message)
    if error:
        query["error"] = notice_code("error", chinese(error))
    return RedirectResponse(target + (f"?{urlencode(query, quote_via=quote)}" if query else ""), status_code=303)


def refusal(error: Exception) -> str:
    """The reader's words for why a form was refused: the platform's own message in Chinese, or each invalid field."""
    if isinstance(error, XinyongError):
        message = chinese(error.message, error.status)
        return message
    if isinstance(error, ValidationError):
        fields = "、".join(dict.fromkeys(".".join(str(p) for p in e["loc"]) for e in error.errors()))
        return f"填写的内容有误，请检查：{fields}"[:MAX_OUTCOME]
    return chinese(str(error))[:MAX_OUTCOME]


def take_step(
    session: Session,
    action: Callable[[], T],
    to: str,
    done: str | Callable[[T], str],
    *,
    refused: tuple[type[Exception], ...] = REFUSED,
    onward: Callable[[T], str] | None = None,
    passes: tuple[int, ...] = (),
    **keep: str | None,
) -> RedirectResponse:
    """The shape of every console form's POST: take the step in a savepoint (a refused step leaves nothing behind,
    and the request's transaction goes on to commit the audit of what was done), then go back to ``to`` (or, once
    done, to the page ``onward`` names for what the step returned) with the outcome: ``done`` (a sentence, or a
    sentence made from what the step returned), or the refusal's words. A refusal whose status is in ``passes``
    (say 403 or 404) is not the form's outcome but the route's answer: it leaves the handler."""
    try:
        with session.begin_nested():
            result = action()
    except refused as error:
        if isinstance(error, XinyongError) and error.status in passes:
            raise
        return back(to, error=refusal(error), **keep)
    target = onward(result) if onward else to
    return back(target, message=done(result) if callable(done) else done, **keep)
