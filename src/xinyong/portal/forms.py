"""What an entity's own pages (我的信用: grants, list notices, repair, objections) do after a form's POST: take the step
in a savepoint and go on to the page that says it was done, or answer with the page itself, showing the refusal
with its status. A refusal that is the route's answer (401, say) leaves the handler instead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.core.errors import XinyongError

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What an entity's page says above its forms: the notice of a step done, or a refusal and its status."""

    notice: str | None = None
    error: str | None = None
    status_code: int = 200


NO_OUTCOME = Outcome()


def take_step(
    session: Session,
    action: Callable[[], T],
    onward: str | Callable[[T], str],
    again: Callable[[Outcome], Response],
    *,
    passes: tuple[int, ...] = (401,),
    words: Callable[[XinyongError], str] = lambda refused: refused.message,
) -> Response:
    """Take the step; once done, 303 to ``onward`` (a path, or the path made from what the step returned); refused,
    the page ``again`` with the refusal in ``words`` and its status."""
    try:
        with session.begin_nested():
            result = action()
    except XinyongError as refused:
        if refused.status in passes:
            raise
        return again(Outcome(error=words(refused), status_code=refused.status))
    return RedirectResponse(onward(result) if callable(onward) else onward, status_code=303)
