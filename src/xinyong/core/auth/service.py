"""Accounts and credentials: users with argon2 passwords, console sessions, API keys. Services flush only.

Every change is audited; secrets (passwords, session tokens, API keys) are never stored or logged in clear.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import DEPARTMENT_ROLES, Actor, Role
from xinyong.core.auth.models import ApiClient, User, UserSession
from xinyong.core.config import get_settings
from xinyong.core.crypto import get_cipher, sm3_hex
from xinyong.core.departments import get_department
from xinyong.core.destinations import validate_url
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from xinyong.core.ids import validate_uscc

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
CLIENT_ROLES = frozenset({Role.DEPT_OPERATOR, Role.BUSINESS_SYSTEM})
MIN_PASSWORD = 10
MAX_PASSWORD = 256
LOCK_AFTER = 5  # failed logins in a row
LOCK_FOR = dt.timedelta(minutes=15)  # a security lockout in clock time, not a legal period
SESSION_LIFETIME = dt.timedelta(hours=8)  # one working day of console use, not a legal period
KEY_PREFIX = "xy_"

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


def _require_office(actor: Actor) -> None:
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office manages accounts (仅信用办可管理账号)")


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


def _client_actor(client_id: int, role: str, name: str, department: str | None) -> Actor:
    return Actor(role=Role(role), id=f"api:{client_id}", name=name, department_code=department)


def actor_for_client(client: ApiClient) -> Actor:
    return _client_actor(client.id, client.role, client.name, client.department_code)


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
    _require_office(actor)
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
    _require_office(actor)
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
        _require_office(actor)
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
    _require_office(actor)
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


def _key_hash(key: str) -> str:
    return sm3_hex(key.encode())


def create_api_client(
    session: Session, actor: Actor, *, name: str, role: Role, department: str | None
) -> tuple[ApiClient, str]:
    """Issue an API key, scoped to one department (data push) or one business system. Returns the client and the
    key, which is shown once and never stored."""
    _require_office(actor)
    if role not in CLIENT_ROLES:
        raise InvalidInput("an API client is a department_operator or a business_system (客户端类型错误)", field="role")
    return _issue_key(session, actor, name=name, role=role, department=department)


def create_agency_client(session: Session, actor: Actor, *, name: str) -> tuple[ApiClient, str]:
    """Issue an API key of a credit-service agency (role ``credit_agency``). Only the agencies area calls this, and
    links the client to its agency; the key is shown once and never stored."""
    _require_office(actor)
    return _issue_key(session, actor, name=name, role=Role.AGENCY, department=None)


def set_clients_suspended(session: Session, actor: Actor, client_ids: list[int], suspended: bool) -> int:
    """Suspend (or lift the suspension of) API clients: a suspended client's key is refused like a revoked one,
    at once in this process (the key cache forgets it). Returns how many changed."""
    _require_office(actor)
    changed = 0
    for client_id in client_ids:
        client = session.get(ApiClient, client_id)
        if client is None or (client.suspended_at is not None) == suspended:
            continue
        client.suspended_at = clock.now() if suspended else None
        changed += 1
        audit.record(
            session, actor, "auth:api_client:" + ("suspended" if suspended else "resumed"), "api_client", str(client_id)
        )
        API_KEYS.forget(client_id)
    session.flush()
    return changed


def _issue_key(
    session: Session, actor: Actor, *, name: str, role: Role, department: str | None
) -> tuple[ApiClient, str]:
    if not name.strip() or len(name) > 100:
        raise InvalidInput("a client name has 1–100 characters (名称)", field="name")
    department_code = get_department(session, department).code if department else None
    if role == Role.DEPT_OPERATOR and department_code is None:
        raise InvalidInput("a department client needs its department (须指定部门)", field="department")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient(
        name=name.strip(),
        role=role,
        department_code=department_code,
        key_prefix=prefix,
        key_hash=_key_hash(key),
        created_at=clock.now(),
        created_by=actor.id,
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor,
        "auth:api_client:created",
        "api_client",
        str(client.id),
        {"role": role, "department": department_code},
    )
    return client, key


_CLIENT = ApiClient.__table__.c
_KEY_LOOKUP = (
    select(
        _CLIENT.id,
        _CLIENT.role,
        _CLIENT.name,
        _CLIENT.department_code,
        _CLIENT.key_hash,
        _CLIENT.revoked_at,
        _CLIENT.suspended_at,
        _CLIENT.last_used_at,
    )
    .where(_CLIENT.key_prefix == bindparam("prefix"))
    .limit(2)
)


def _resolve(session: Session, key: str) -> tuple[int, Actor] | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    rows = session.execute(_KEY_LOOKUP, {"prefix": prefix}).all()
    if len(rows) != 1:
        return None
    client_id, role, name, department, key_hash, revoked_at, suspended_at, last_used_at = rows[0]
    if revoked_at is not None or suspended_at is not None or not hmac.compare_digest(key_hash, _key_hash(key)):
        return None
    now = clock.now()
    if last_used_at is None or now - last_used_at > dt.timedelta(minutes=1):  # a throttle, not a legal period
        _stamp_last_used(session, client_id, now)
    return client_id, _client_actor(client_id, role, name, department)


def resolve_api_actor(session: Session, key: str) -> Actor | None:
    """Who an API key acts as, if the key is well formed, known, matches and is not revoked.

    Every API request runs this, so it reads seven columns with one Core statement compiled once (no ORM object);
    :func:`resolve_api_key` makes the same check."""
    found = _resolve(session, key)
    return None if found is None else found[1]


class KeyCache:
    """Per-process memory of API keys found valid, so most API calls skip the key lookup (a thread-pool hop and a
    round trip) — the trade-off is revocation lag, bounded by ``ttl`` seconds.

    Only successes are kept, under the key's SM3 digest (never the key itself), each for ``ttl`` seconds of
    :func:`xinyong.core.clock.now`; an unknown, malformed or revoked key is looked up every time. A revocation
    through :func:`revoke_api_client` forgets the client here at once; another worker process notices it within
    ``ttl`` (``XINYONG_API_KEY_CACHE_SECONDS``, 5 s by default; 0 turns the cache off)."""

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._found: dict[str, tuple[Actor, dt.datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def ttl() -> float:
        return get_settings().api_key_cache_seconds

    def get(self, key: str) -> Actor | None:
        if self.ttl() <= 0:
            return None
        hit = self._found.get(_key_hash(key))
        if hit is None:
            return None
        actor, until = hit
        return actor if clock.now() < until else None

    def put(self, key: str, actor: Actor) -> None:
        ttl = self.ttl()
        if ttl <= 0:
            return
        until = clock.now() + dt.timedelta(seconds=ttl)  # a cache lifetime, not a legal period
        with self._lock:
            if len(self._found) >= self.MAX_ENTRIES:
                self._found.clear()
            self._found[_key_hash(key)] = (actor, until)

    def forget(self, client_id: int) -> None:
        who = f"api:{client_id}"
        with self._lock:
            for digest in [d for d, (actor, _) in self._found.items() if actor.id == who]:
                del self._found[digest]

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


API_KEYS = KeyCache()


def resolve_api_key(session: Session, key: str) -> ApiClient | None:
    """The client an API key belongs to, if the key is well formed, known, matches and is not revoked."""
    found = _resolve(session, key)
    return None if found is None else session.get(ApiClient, found[0])


def _stamp_last_used(session: Session, client_id: int, now: dt.datetime) -> None:
    """Note when a key was last used (at most once a minute). Never wait for it: when another request of the same
    client holds the row (it is stamping too), this one skips, so concurrent calls of one system do not queue
    behind each other's transactions (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite has a single writer)."""
    if session.get_bind().dialect.name == "postgresql":
        mine = session.scalar(select(ApiClient.id).where(ApiClient.id == client_id).with_for_update(skip_locked=True))
        if mine is None:
            return
    session.execute(update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=now))


def revoke_api_client(session: Session, actor: Actor, client_id: int) -> ApiClient:
    _require_office(actor)
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"no API client {client_id} (客户端不存在)", field="client_id")
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        session.flush()
        audit.record(session, actor, "auth:api_client:revoked", "api_client", str(client.id))
    API_KEYS.forget(client.id)
    return client


def list_api_clients(session: Session) -> list[ApiClient]:
    return list(session.execute(select(ApiClient).order_by(ApiClient.id)).scalars())


WEBHOOK_CIPHER_CONTEXT = "api_clients.webhook_secret"


def set_webhook(session: Session, actor: Actor, client_id: int, url: str | None) -> tuple[ApiClient, str | None]:
    """Register (or with ``None`` remove) a business system's webhook for change notices. A new URL gets a fresh
    signing secret, returned once (the receiver verifies ``X-Xinyong-Signature`` with it); it is kept encrypted."""
    _require_office(actor)
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"no API client {client_id} (客户端不存在)", field="client_id")
    if client.revoked_at is not None:
        raise Conflict("the API client is revoked (客户端已吊销)", field="client_id")
    if client.role != Role.BUSINESS_SYSTEM:
        raise InvalidInput("only a business system receives change notices (仅业务系统可登记回调地址)", field="role")
    secret: str | None = None
    if url is None:
        client.webhook_url = None
        client.webhook_secret = None
    else:
        client.webhook_url = validate_url(url, field="webhook_url")
        secret = "whsec_" + secrets.token_urlsafe(32)
        client.webhook_secret = get_cipher().encrypt(secret, context=WEBHOOK_CIPHER_CONTEXT)
    session.flush()
    audit.record(
        session,
        actor,
        "auth:api_client:webhook_set" if url is not None else "auth:api_client:webhook_removed",
        "api_client",
        str(client.id),
        {"webhook_url": client.webhook_url},
    )
    return client, secret


def webhook_secret(session: Session, client_ref: str) -> bytes | None:
    """The signing secret of API client ``client_ref`` (its id), or None when it has none (outbox resolver)."""
    if not client_ref.isdigit():
        return None
    client = session.get(ApiClient, int(client_ref))
    if client is None or client.webhook_secret is None:
        return None
    return get_cipher().decrypt(client.webhook_secret, context=WEBHOOK_CIPHER_CONTEXT).encode()
