"""API clients (business systems, agencies): keys issued once and stored hashed, suspension and revocation, the
key cache in front of authentication, and each client's webhook (URL checked, secret encrypted at rest).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth.models import ApiClient
from xinyong.core.config import get_settings
from xinyong.core.crypto import get_cipher, sm3_hex
from xinyong.core.departments import get_department
from xinyong.core.destinations import validate_url
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound

CLIENT_ROLES = frozenset({Role.DEPT_OPERATOR, Role.BUSINESS_SYSTEM})

KEY_PREFIX = "xy_"


def require_office(actor: Actor) -> None:
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office manages accounts (仅信用办可管理账号)")


def client_actor(client_id: int, role: str, name: str, department: str | None) -> Actor:
    return Actor(role=Role(role), id=f"api:{client_id}", name=name, department_code=department)


def actor_for_client(client: ApiClient) -> Actor:
    return client_actor(client.id, client.role, client.name, client.department_code)


def _key_hash(key: str) -> str:
    return sm3_hex(key.encode())


def create_api_client(
    session: Session, actor: Actor, *, name: str, role: Role, department: str | None
) -> tuple[ApiClient, str]:
    """Issue an API key, scoped to one department (data push) or one business system. Returns the client and the
    key, which is shown once and never stored."""
    require_office(actor)
    if role not in CLIENT_ROLES:
        raise InvalidInput("an API client is a department_operator or a business_system (客户端类型错误)", field="role")
    return _issue_key(session, actor, name=name, role=role, department=department)


def create_agency_client(session: Session, actor: Actor, *, name: str) -> tuple[ApiClient, str]:
    """Issue an API key of a credit-service agency (role ``credit_agency``). Only the agencies area calls this, and
    links the client to its agency; the key is shown once and never stored."""
    require_office(actor)
    return _issue_key(session, actor, name=name, role=Role.AGENCY, department=None)


def set_clients_suspended(session: Session, actor: Actor, client_ids: list[int], suspended: bool) -> int:
    """Suspend (or lift the suspension of) API clients: a suspended client's key is refused like a revoked one,
    at once in this process (the key cache forgets it). Returns how many changed."""
    require_office(actor)
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
    return client_id, client_actor(client_id, role, name, department)


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
    require_office(actor)
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
    require_office(actor)
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
