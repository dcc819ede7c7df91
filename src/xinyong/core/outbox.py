"""Transactional outbox (发件箱): messages to other systems are written in the caller's transaction and delivered
afterwards by webhook (HTTP POST), with retries, so a change and the news of it are committed together and a failed
delivery is retried, never lost.

- :func:`enqueue` adds a message in the caller's transaction (flush only). A message is unique per destination and
  idempotency key: enqueueing the same key for the same destination again returns the existing message, so nothing
  is sent twice as a new item.
- :func:`deliver_due` sends the messages that are due. It *claims* each message first (a compare-and-set on its
  ``next_attempt_at``, after ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL) in a short transaction, posts it
  outside any transaction, and records the attempt in another short transaction. Two workers never post the same
  claimed message; a worker that dies after claiming leaves the message due again when its lease ends (at least once
  delivery: receivers de-duplicate on the ``Idempotency-Key`` header).
- A failure (network error, timeout, any non-2xx answer, redirects included) is rescheduled with exponential backoff
  (``XINYONG_OUTBOX_BACKOFF_SECONDS`` doubled per attempt, capped at ``XINYONG_OUTBOX_BACKOFF_MAX_SECONDS``); after
  ``XINYONG_OUTBOX_MAX_ATTEMPTS`` failed attempts the message is ``dead`` until someone retries it
  (:func:`retry`, ``xinyong outbox retry``). Every attempt is a row in ``outbox_attempts``.

Each request carries ``Content-Type: application/json``, ``Idempotency-Key`` (the message's key),
``X-Xinyong-Message-Id``, ``X-Xinyong-Topic``, ``X-Xinyong-Timestamp`` (Unix seconds) and ``X-Xinyong-Signature:
hmac-sm3=<hex>``, the HMAC-SM3 of ``timestamp + "." + body`` under the destination's secret. A message names its
secret by reference (``secret_ref``): ``platform`` is ``XINYONG_OUTBOX_SECRET``; ``api_client:<id>`` is the
webhook secret of that business system (set with ``xinyong apikeys webhook``); other areas may add resolvers with
:func:`register_secret`. Retry delays are clock time for machines, not legal deadlines, so plain timedelta is right.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx2 as httpx
from cryptography.hazmat.primitives import hashes, hmac
from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.auth.clients import webhook_secret
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Base, Database, JSONType, UTCDateTime, get_database
from xinyong.core.destinations import MAX_URL, check_destination, validate_url
from xinyong.core.errors import Conflict, InvalidInput, NotFound

MAX_KEY = 200
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_ERROR = 500
MAX_ANSWER = 1024  # bytes of a receiver's answer read (for the error text); the rest is not read
TOPIC = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
SECRET_REF = re.compile(r"^[a-z][a-z0-9_]{0,31}(:[A-Za-z0-9_.-]{1,64})?$")
SIGNATURE_HEADER = "X-Xinyong-Signature"
KEY_ID_HEADER = "X-Xinyong-Signature-Key"  # which secret signed (a receiver rotating keys holds both for a while)
PLATFORM_SIGNER = "platform"  # secret_ref of XINYONG_OUTBOX_SECRET


class Status(StrEnum):
    PENDING = "pending"  # 待发送
    RETRYING = "retrying"  # 发送失败、待重试
    DELIVERED = "delivered"  # 已送达
    DEAD = "dead"  # 多次失败、已停止（可人工重试）


STATUS_LABELS = {
    Status.PENDING: "待发送",
    Status.RETRYING: "失败待重试",
    Status.DELIVERED: "已送达",
    Status.DEAD: "已停止",
}
DUE = (Status.PENDING, Status.RETRYING)


class OutboxMessage(Base):
    """One message to one destination."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("destination", "idempotency_key"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_topic", "topic", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(MAX_URL))
    idempotency_key: Mapped[str] = mapped_column(String(MAX_KEY))
    secret_ref: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)  # failed attempts since it was (re)queued
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutboxAttempt(Base):
    """One HTTP attempt to deliver a message: when, the answer's status or the error, how long it took."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[bool] = mapped_column()


# --- secrets -------------------------------------------------------------------------------------------------------

SecretResolver = Callable[[Session, str], bytes | None]
_resolvers: dict[str, SecretResolver] = {}


def register_secret(kind: str, resolver: SecretResolver) -> None:
    """Let ``secret_ref`` values ``kind:<id>`` resolve through ``resolver(session, id)`` (None: unknown)."""
    _resolvers[kind] = resolver


def _platform_secret(_session: Session, _ref: str) -> bytes | None:
    return get_settings().outbox_secret.encode()


def _api_client_secret(session: Session, ref: str) -> bytes | None:
    return webhook_secret(session, ref)


register_secret(PLATFORM_SIGNER, _platform_secret)
register_secret("api_client", _api_client_secret)


def resolve_secret(session: Session, secret_ref: str) -> bytes | None:
    kind, _, ref = secret_ref.partition(":")
    resolver = _resolvers.get(kind)
    return resolver(session, ref) if resolver is not None else None


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value: ``hmac-sm3=`` + HMAC-SM3(secret, timestamp + "." + body) in hex."""
    mac = hmac.HMAC(secret, hashes.SM3())
    mac.update(timestamp.encode() + b"." + body)
    return "hmac-sm3=" + mac.finalize().hex()


def signing_key_id(secret: bytes) -> str:
    """The public id of a signing secret: 8 hex digits of a domain-separated SM3 (never the secret itself)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"xinyong:signing-key-id:" + secret)
    return digest.finalize().hex()[:8]


def verify_signature(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time (a helper for receivers and tests)."""
    import hmac as std_hmac

    return std_hmac.compare_digest(sign(secret, timestamp, body), header)


# --- enqueue -------------------------------------------------------------------------------------------------------


def _json_body(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"the payload is not JSON ({error})", field="payload") from None
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise InvalidInput(f"the payload is larger than {MAX_PAYLOAD_BYTES // 1024} KiB", field="payload")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def enqueue(
    session: Session,
    actor: Actor,
    *,
    topic: str,
    destination: str,
    payload: dict[str, Any],
    idempotency_key: str,
    secret_ref: str = PLATFORM_SIGNER,
) -> OutboxMessage:
    """Queue ``payload`` for ``destination`` in the caller's transaction; the same (destination, key) twice gives
    back the first message. Refuses a malformed URL, topic, key, secret reference or payload."""
    if not isinstance(topic, str) or not TOPIC.match(topic):
        raise InvalidInput("a topic is 1–64 of a-z, 0-9, '_', '.', ':', '-' starting with a letter", field="topic")
    url = validate_url(destination)
    key = idempotency_key.strip() if isinstance(idempotency_key, str) else ""
    if not key or len(key) > MAX_KEY or any(ord(ch) < 33 or ord(ch) == 127 for ch in key):
        raise InvalidInput(f"an idempotency key is 1–{MAX_KEY} printable characters", field="idempotency_key")
    if not SECRET_REF.match(secret_ref) or secret_ref.partition(":")[0] not in _resolvers:
        raise InvalidInput(f"unknown secret reference {secret_ref[:100]!r}", field="secret_ref")
    if not isinstance(payload, dict):
        raise InvalidInput("the payload is a JSON object", field="payload")
    body = _json_body(payload)
    existing = _find(session, url, key)
    if existing is not None:
        return existing
    now = clock.now()
    message = OutboxMessage(
        topic=topic,
        destination=url,
        idempotency_key=key,
        secret_ref=secret_ref,
        payload=body,
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        created_by=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # a concurrent transaction queued the same key first
        found = _find(session, url, key)
        if found is None:
            raise
        return found
    audit.record(
        session,
        actor,
        "outbox:message:queued",
        "outbox_message",
        str(message.id),
        {"topic": topic, "destination": url, "idempotency_key": key},
    )
    return message


def _find(session: Session, destination: str, key: str) -> OutboxMessage | None:
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.destination == destination, OutboxMessage.idempotency_key == key)
    ).first()


# --- delivery ------------------------------------------------------------------------------------------------------


def backoff(settings: Settings, failures: int) -> dt.timedelta:
    """Delay after the ``failures``-th failed attempt: base × 2^(failures − 1), at most the cap."""
    exponent = min(max(failures - 1, 0), 30)
    seconds = min(settings.outbox_backoff_seconds * (2**exponent), settings.outbox_backoff_max_seconds)
    return dt.timedelta(seconds=seconds)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    topic: str
    destination: str
    idempotency_key: str
    secret: bytes | None
    body: bytes


def _envelope(message: OutboxMessage) -> bytes:
    envelope = {
        "id": message.id,
        "topic": message.topic,
        "idempotency_key": message.idempotency_key,
        "created_at": message.created_at.isoformat(),
        "data": message.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _claim(session: Session, now: dt.datetime, limit: int, lease: dt.timedelta, only: int | None) -> list[_Claimed]:
    """Move up to ``limit`` due messages' ``next_attempt_at`` to the end of a lease in ONE statement and return them.

    PostgreSQL: the inner ``SELECT … FOR UPDATE SKIP LOCKED`` passes over rows another worker is claiming, and the
    outer UPDATE re-checks that each row is still due. SQLite: the UPDATE takes the single write lock first, so
    claims are serialised. Either way a message is claimed by one worker only."""
    due = select(OutboxMessage.id).where(OutboxMessage.status.in_(DUE), OutboxMessage.next_attempt_at <= now)
    if only is not None:
        due = due.where(OutboxMessage.id == only)
    due = due.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(
        session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .where(OutboxMessage.status.in_(DUE), OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + lease)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not ids:
        return []
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id))
    return [
        _Claimed(
            id=message.id,
            topic=message.topic,
            destination=message.destination,
            idempotency_key=message.idempotency_key,
            secret=resolve_secret(session, message.secret_ref),
            body=_envelope(message),
        )
        for message in messages
    ]


@dataclass(frozen=True)
class _Outcome:
    at: dt.datetime
    http_status: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.error is None and self.http_status is not None and 200 <= self.http_status < 300


def _post(client: httpx.Client, item: _Claimed, settings: Settings) -> _Outcome:
    at = clock.now()
    started = time.perf_counter()
    if item.secret is None:
        return _Outcome(at, None, "no signing secret for this destination (未配置签名密钥)", 0)
    try:
        check_destination(item.destination, settings)
    except InvalidInput as refused:
        return _Outcome(at, None, f"refused destination: {refused.message}"[:MAX_ERROR], 0)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": item.idempotency_key,
        "X-Xinyong-Message-Id": str(item.id),
        "X-Xinyong-Topic": item.topic,
        "X-Xinyong-Timestamp": timestamp,
        SIGNATURE_HEADER: sign(item.secret, timestamp, item.body),
        KEY_ID_HEADER: signing_key_id(item.secret),
        "User-Agent": "xinyong-outbox/1",
    }
    try:
        # Streamed: only the first KiB of the answer is read, so a receiver cannot make the worker hold a huge body.
        with client.stream("POST", item.destination, content=item.body, headers=headers) as response:
            status = response.status_code
            head = b""
            for chunk in response.iter_bytes():
                head += chunk
                if len(head) >= MAX_ANSWER:
                    break
    except httpx.HTTPError as error:
        elapsed = int((time.perf_counter() - started) * 1000)
        return _Outcome(at, None, f"{type(error).__name__}: {error}"[:MAX_ERROR], elapsed)
    elapsed = int((time.perf_counter() - started) * 1000)
    answer = head[:MAX_ANSWER].decode("utf-8", errors="replace")[:200]
    error_text = None if 200 <= status < 300 else f"HTTP {status}: {answer}"[:MAX_ERROR]
    return _Outcome(at, status, error_text, elapsed)


def _settle(session: Session, settings: Settings, item: _Claimed, outcome: _Outcome, report: DeliveryReport) -> None:
    # The attempt is written first: on SQLite that takes the write lock before anything is read.
    session.add(
        OutboxAttempt(
            message_id=item.id,
            at=outcome.at,
            http_status=outcome.http_status,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            delivered=outcome.delivered,
        )
    )
    session.flush()
    message = session.get(OutboxMessage, item.id, with_for_update=True, populate_existing=True)
    if message is None:  # pragma: no cover - messages are never deleted
        return
    actor = Actor.system("outbox")
    if outcome.delivered:
        message.status = Status.DELIVERED
        message.delivered_at = clock.now()
        message.last_error = None
        report.delivered += 1
        session.flush()
        audit.record(session, actor, "outbox:message:delivered", "outbox_message", str(message.id))
        return
    message.attempts += 1
    message.last_error = outcome.error
    if message.attempts >= settings.outbox_max_attempts:
        message.status = Status.DEAD
        report.dead += 1
        session.flush()
        audit.record(
            session,
            actor,
            "outbox:message:dead",
            "outbox_message",
            str(message.id),
            {"attempts": message.attempts, "error": outcome.error},
        )
        return
    message.status = Status.RETRYING
    message.next_attempt_at = clock.now() + backoff(settings, message.attempts)
    report.retrying += 1
    session.flush()


@contextmanager
def _transaction(target: Database | Session) -> Iterator[Session]:
    if isinstance(target, Session):
        yield target
        target.flush()
    else:
        with target.unit_of_work() as session:
            yield session


def deliver_due(
    target: Database | Session,
    now: dt.datetime | None = None,
    *,
    limit: int | None = None,
    client: httpx.Client | None = None,
    message_id: int | None = None,
    settings: Settings | None = None,
) -> DeliveryReport:
    """Post the messages due at ``now`` (default: the clock), at most ``limit`` of them, and record each attempt.

    Given a :class:`Database`, claiming and recording each run in their own short transactions and no transaction
    is open during an HTTP call (use this in workers). Given a :class:`Session`, everything happens in it (flush
    only; the caller commits)."""
    settings = settings or get_settings()
    moment = now or clock.now()
    batch = limit if limit is not None else settings.outbox_batch
    lease = dt.timedelta(seconds=settings.outbox_lease_seconds)
    report = DeliveryReport()
    with _transaction(target) as session:
        claimed = _claim(session, moment, batch, lease, message_id)
    if not claimed:
        return report
    own_client = client is None
    http = client or httpx.Client(
        timeout=httpx.Timeout(settings.outbox_timeout_seconds), follow_redirects=False, trust_env=False
    )
    try:
        for item in claimed:
            outcome = _post(http, item, settings)
            with _transaction(target) as session:
                _settle(session, settings, item, outcome, report)
    finally:
        if own_client:
            http.close()
    return report


# --- reading and operating -----------------------------------------------------------------------------------------


def get_message(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no outbox message {message_id} (发件箱无此消息)", field="message_id")
    return message


def attempts_of(session: Session, message_id: int) -> list[OutboxAttempt]:
    return list(
        session.scalars(select(OutboxAttempt).where(OutboxAttempt.message_id == message_id).order_by(OutboxAttempt.id))
    )


def list_messages(
    session: Session,
    *,
    status: Status | None = None,
    topic: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OutboxMessage]:
    query = select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if topic is not None:
        query = query.where(OutboxMessage.topic == topic)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)))


def count_by_status(session: Session, topic: str | None = None) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if topic is not None:
        query = query.where(OutboxMessage.topic == topic)
    counts = {str(s): 0 for s in Status}
    for status, count in session.execute(query):
        counts[status] = count
    return counts


def retry(session: Session, actor: Actor, message_id: int) -> OutboxMessage:
    """Queue a dead or retrying message again now, with a fresh count of attempts (history is kept)."""
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(f"no outbox message {message_id} (发件箱无此消息)", field="message_id")
    if message.status == Status.DELIVERED:
        raise Conflict("the message was delivered already (已送达，无需重试)", field="message_id")
    previous = message.status
    message.status = Status.PENDING
    message.attempts = 0
    message.next_attempt_at = clock.now()
    session.flush()
    audit.record(
        session, actor, "outbox:message:retried", "outbox_message", str(message.id), {"previous_status": previous}
    )
    return message


def sweep_outbox(_session: Session, _actor: Actor, _today: dt.date | None = None) -> DeliveryReport:
    """``xinyong tick``'s delivery sweep. It ignores the tick's session and uses the process database, so that
    claims and attempts commit in their own short transactions and no transaction stays open during HTTP calls."""
    return deliver_due(get_database())
