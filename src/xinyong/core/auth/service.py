"""Accounts and credentials: users with argon2 passwords, console sessions, API keys. Services flush only.

Every change is audited; secrets (passwords, session tokens, API keys) are never stored or logged in clear.

The API clients (business systems and agencies: keys, suspension, the key cache, webhooks) live in
:mod:`xinyong.core.auth.clients`; this module re-exports them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import DEPARTMENT_ROLES, Actor, Role
from xinyong.core.auth.clients import (
    API_KEYS,
    CLIENT_ROLES,
    KEY_PREFIX,
    WEBHOOK_CIPHER_CONTEXT,
    KeyCache,
    actor_for_client,
    create_agency_client,
    create_api_client,
    list_api_clients,
    require_office,
    resolve_api_actor,
    resolve_api_key,
    revoke_api_client,
    set_clients_suspended,
    set_webhook,
    webhook_secret,
)
from xinyong.core.auth.models import User, UserSession
from xinyong.core.config import get_settings
from xinyong.core.crypto import sm3_hex
from xinyong.core.departments import get_department
from xinyong.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from xinyong.core.ids import validate_uscc

__all__ = [
    "API_KEYS",
    "CLIENT_ROLES",
    "KEY_PREFIX",
    "LOCKED",
    "LOCK_AFTER",
    "LOCK_FOR",
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "SESSION_LIFETIME",
    "TEMPORARY_ALPHABET",
    "USERNAME",
    "USER_ROLES",
    "WEBHOOK_CIPHER_CONTEXT",
    "KeyCache",
    "NewSession",
    "actor_for_client",
    "actor_for_user",
    "authenticate",
    "check_password_strength",
    "create_agency_client",
    "create_api_client",
    "create_user",
    "end_session",
    "get_user",
    "list_api_clients",
    "list_users",
    "password_hash",
    "reset_password",
    "resolve_api_actor",
    "resolve_api_key",
    "resolve_session",
    "revoke_api_client",
    "set_active",
    "set_clients_suspended",
    "set_password",
    "set_webhook",
    "start_session",
    "temporary_password",
    "webhook_secret",
]


USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")

USER_ROLES = frozenset(
    {
        Role.ENTITY,
        Role.DEPT_OPERATOR,
        Role.DEPT_REVIEWER,
        Role.CREDIT_OFFICE,
        Role.AUDITOR,
        Role.CONTENT_EDITOR,
        Role.CONTENT_REVIEWER,
    }
)

MIN_PASSWORD = 10

MAX_PASSWORD = 256

LOCK_AFTER = 5  # failed logins in a row

LOCK_FOR = dt.timedelta(minutes=15)  # a security lockout in clock time, not a legal period

SESSION_LIFETIME = dt.timedelta(hours=8)  # one working day of console use, not a legal period


# argon2id as the library recommends; "light" (XINYONG_ARGON2_COST, refused in production) is for the test
# suite, where every account made and every sign-in would otherwise spend a few hundred milliseconds of CPU.
_HASHERS = {
    "standard": PasswordHasher(),
    "light": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


class _ConfiguredHasher:
    """The argon2 hasher the settings choose, looked up at each use (so a test's settings apply)."""

    def _chosen(self) -> PasswordHasher:
        return _HASHERS[get_settings().argon2_cost]

    def hash(self, password: str) -> str:
        return self._chosen().hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        return self._chosen().verify(hashed, password)

    def check_needs_rehash(self, hashed: str) -> bool:
        return self._chosen().check_needs_rehash(hashed)


_hasher = _ConfiguredHasher()


def password_hash(password: str) -> str:
    """The stored form of a new password (argon2id)."""
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"a password has {MIN_PASSWORD}–{MAX_PASSWORD} characters (密码长度不符)", field="password")
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < 3:
        raise InvalidInput(
            "a password mixes at least three of: lower case, upper case, digits, symbols (密码复杂度不足)",
            field="password",
        )


def actor_for_user(user: User) -> Actor:
    return Actor(
        role=Role(user.role),
        id=f"user:{user.username}",
        name=user.display_name,
        department_code=user.department_code,
        entity_uscc=user.entity_uscc,
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    department: str | None = None,
    entity_uscc: str | None = None,
) -> User:
    """Create an account. Department roles need a department; the entity role needs the entity's USCC."""
    require_office(actor)
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput("a username is 3–64 of a-z, 0-9, '_', '.', '-' (用户名格式错误)", field="username")
    if role not in USER_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(sorted(USER_ROLES))} (角色错误)", field="role")
    if not display_name.strip() or len(display_name) > 100:
        raise InvalidInput("a display name has 1–100 characters (姓名)", field="display_name")
    department_code = None
    if role in DEPARTMENT_ROLES:
        if not department:
            raise InvalidInput("a department role needs --department (部门角色须指定部门)", field="department")
        department_code = get_department(session, department).code
    elif department:
        raise InvalidInput("only department roles belong to a department (该角色不属于部门)", field="department")
    uscc = None
    if role == Role.ENTITY:
        if not entity_uscc:
            raise InvalidInput(
                "an entity account needs the entity's USCC (须指定统一社会信用代码)", field="entity_uscc"
            )
        uscc = validate_uscc(entity_uscc, field="entity_uscc").code
    check_password_strength(password)
    if session.execute(select(User.id).where(User.username == name)).first() is not None:
        raise Conflict(f"username {name} is taken (用户名已存在)", field="username")
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role,
        department_code=department_code,
        entity_uscc=uscc,
        password_hash=_hasher.hash(password),
        active=True,
        failed_logins=0,
        created_at=clock.now(),
        created_by=actor.id,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "auth:user:created", "user", name, {"role": role, "department": department_code, "entity": uscc}
    )
    return user


def set_active(session: Session, actor: Actor, username: str, active: bool) -> User:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    require_office(actor)
    user = get_user(session, username)
    user.active = active
    if not active:
        _end_sessions(session, user.id)
    session.flush()
    audit.record(session, actor, "auth:user:" + ("enabled" if active else "disabled"), "user", user.username)
    return user


def _end_sessions(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every live session of a user (but the one whose token is ``keep``); returns how many ended."""
    live = [UserSession.user_id == user_id, UserSession.revoked_at.is_(None)]
    if keep:
        live.append(UserSession.id != sm3_hex(keep.encode()))
    ended = session.execute(
        update(UserSession).where(*live).values(revoked_at=clock.now()).execution_options(synchronize_session="fetch")
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def set_password(
    session: Session, actor: Actor, username: str, password: str, *, keep_session: str | None = None
) -> None:
    """Set a password: one's own, or anyone's by the credit office (a reset). Every session of the account ends
    — someone who learnt the old password must not stay signed in — except, for a change of one's own, the session
    it was made in (``keep_session``, that session's token)."""
    user = get_user(session, username)
    own = actor.id == f"user:{user.username}"
    if not own:
        require_office(actor)
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    user.must_change_password = not own  # one the office set is temporary too
    user.failed_logins = 0
    user.locked_until = None
    ended = _end_sessions(session, user.id, keep=keep_session if own else None)
    session.flush()
    audit.record(session, actor, "auth:user:password_set", "user", user.username, {"sessions_ended": ended})


TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I to misread


def temporary_password() -> str:
    """A temporary password to hand over (read aloud, typed once): three groups of four, upper, lower and digits."""
    while True:
        groups = ["".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3)]
        candidate = "-".join(groups)
        try:
            check_password_strength(candidate)
        except InvalidInput:
            continue
        if re.search(r"[A-Z]", candidate) and re.search(r"[a-z]", candidate) and re.search(r"[0-9]", candidate):
            return candidate


def reset_password(session: Session, actor: Actor, username: str) -> str:
    """The credit office resets a staff account's password (its holder forgot it, or it may be known to someone
    else): a temporary password, returned once and stored only as a hash, which must be changed at the next sign-in
    before anything else; every session of the account ends and a lockout is lifted. Audited (never the password).

    One's own password is changed on the 修改密码 page; enterprise accounts recover theirs on the portal."""
    require_office(actor)
    user = get_user(session, username)
    if actor.id == f"user:{user.username}":
        raise Conflict(
            "change your own password on the account page (请在“修改密码”中修改自己的密码)", field="username"
        )
    if user.role == Role.ENTITY:
        raise InvalidInput(
            "enterprise accounts are managed on the enterprise accounts page (市场主体账号请在“企业账号”中管理)",
            field="username",
        )
    temporary = temporary_password()
    user.password_hash = _hasher.hash(temporary)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    ended = _end_sessions(session, user.id)
    session.flush()
    audit.record(session, actor, "auth:user:password_reset", "user", user.username, {"sessions_ended": ended})
    return temporary


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user {username[:64]!r} (用户不存在)", field="username")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


LOCKED = "account locked after repeated failures; try again later (账号已临时锁定)"


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a login. Five failures in a row lock the account for 15 minutes. The answer never says whether the
    username exists.

    The guess is counted *before* it is checked, by one ``UPDATE … RETURNING`` that is the attempt's first statement:
    it only matches an account that is not locked, and on PostgreSQL it holds the account's row until the attempt
    commits, so concurrent guesses queue on the row and each sees the count of those before it (on SQLite the
    statement takes the single write lock). However many clients guess at once, at most :data:`LOCK_AFTER` guesses
    are checked before the lock; the others are refused without a password check."""
    refused = Unauthorized("wrong username or password (用户名或密码错误)")
    name = username.strip().lower()[:64]
    if len(password) > MAX_PASSWORD:
        _hasher.hash("timing-equaliser")
        raise refused
    now = clock.now()
    counted = session.execute(
        update(User)
        .where(User.username == name, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.id, User.failed_logins, User.password_hash)
        .execution_options(synchronize_session=False)
    ).first()
    if counted is None:
        if session.execute(select(User.id).where(User.username == name)).first() is not None:
            raise Unauthorized(LOCKED)
        _hasher.hash("timing-equaliser")  # keep timing similar for unknown users
        raise refused
    user_id, guesses, password_hash = counted
    if guesses > LOCK_AFTER:  # only reachable if a count was left over: lock rather than check
        _lock(session, user_id, now)
        raise Unauthorized(LOCKED)
    try:
        _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        if guesses >= LOCK_AFTER:
            _lock(session, user_id, now)
        audit.record(session, Actor.public(), "auth:login:failed", "user", name)
        raise refused from None
    user = session.get(User, user_id, populate_existing=True)
    assert user is not None  # the row was just updated in this transaction
    if not user.active:
        user.failed_logins = 0
        session.flush()
        raise refused
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def _lock(session: Session, user_id: int, now: dt.datetime) -> None:
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(locked_until=now + LOCK_FOR, failed_logins=0)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the signed cookie; never stored
    csrf_token: str
    expires_at: dt.datetime


def start_session(session: Session, user: User) -> NewSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    now = clock.now()
    row = UserSession(
        id=sm3_hex(token.encode()),
        user_id=user.id,
        csrf_token=csrf,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor_for_user(user), "auth:session:started", "user", user.username)
    return NewSession(token=token, csrf_token=csrf, expires_at=row.expires_at)


def resolve_session(session: Session, token: str) -> tuple[User, UserSession] | None:
    if not token or len(token) > 200:
        return None
    row = session.get(UserSession, sm3_hex(token.encode()))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def end_session(session: Session, token: str) -> None:
    found = resolve_session(session, token)
    if found is None:
        return
    user, row = found
    row.revoked_at = clock.now()
    session.flush()
    audit.record(session, actor_for_user(user), "auth:session:ended", "user", user.username)
