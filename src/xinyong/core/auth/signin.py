"""What the console's and the portal's sign-in forms share: the check of a form's signed nonce, the login throttle,
and opening the session (the previous one on this browser ends; the signed cookie is set)."""

from __future__ import annotations

import hmac
import re

from fastapi import Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.errors import TooManyRequests
from xinyong.core.http import SESSION_COOKIE, sign_session_token, unsign_session_token
from xinyong.core.ratelimit import rate_limits

NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def form_token_ok(signer: URLSafeTimedSerializer, nonce: str, token: str, max_age: int) -> bool:
    """Whether ``token`` is this browser's nonce (its cookie), signed by ``signer`` less than ``max_age`` ago."""
    if not NONCE.match(nonce):
        return False
    try:
        signed = signer.loads(token, max_age=max_age)
    except BadSignature:  # also an expired form (SignatureExpired is a BadSignature)
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, nonce)


def throttled(request: Request, login: str) -> TooManyRequests | None:
    """Charge a sign-in attempt (per account and per address, before the password is checked); the refusal when
    there have been too many."""
    limits = rate_limits(request)
    try:
        if limits is not None:
            limits.charge_login(request, login)
    except TooManyRequests as refused:
        return refused
    return None


def open_session(request: Request, session: Session, user: User, target: str) -> RedirectResponse:
    """Sign ``user`` in on this browser (ending the session it held before) and go on to ``target``."""
    previous = unsign_session_token(request.cookies.get(SESSION_COOKIE, ""))
    if previous:
        auth.end_session(session, previous)
    started = auth.start_session(session, user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session_token(started.token),
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response
