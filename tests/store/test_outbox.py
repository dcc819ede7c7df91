"""The webhook outbox against a REAL HTTP receiver on 127.0.0.1: retries with backoff, exactly one delivery,
dead after the last attempt, a receiver that is down or too slow, two workers at once, refused destinations."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.receiver import closed_port_url, receiver
from xinyong.core import audit, clock, destinations, outbox
from xinyong.core.actor import Actor
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database
from xinyong.core.errors import Conflict, InvalidInput
from xinyong.core.outbox import OutboxAttempt, OutboxMessage, Status

SYSTEM = Actor.system("test")
FAST = Settings(outbox_backoff_seconds=1, outbox_backoff_max_seconds=4, outbox_max_attempts=4, outbox_timeout_seconds=2)


def _later(hours: int) -> dt.datetime:
    return clock.now() + dt.timedelta(hours=hours)


def _queue(database: Database, url: str, key: str = "k-1", payload: dict[str, object] | None = None) -> int:
    with database.unit_of_work() as session:
        message = outbox.enqueue(
            session,
            SYSTEM,
            topic="test.ping",
            destination=url,
            payload=payload or {"hello": "世界", "n": 1},
            idempotency_key=key,
        )
        return message.id


def _message(database: Database, message_id: int) -> tuple[OutboxMessage, list[OutboxAttempt]]:
    with database.unit_of_work() as session:
        return outbox.get_message(session, message_id), outbox.attempts_of(session, message_id)


def test_fails_twice_then_succeeds_delivered_exactly_once(committing_db: Database) -> None:
    with receiver([500, 503]) as hook:
        message_id = _queue(committing_db, hook.url)
        first = outbox.deliver_due(committing_db, settings=FAST)
        assert (first.delivered, first.retrying) == (0, 1)
        # Not due again before its backoff: nothing is sent.
        assert outbox.deliver_due(committing_db, settings=FAST).retrying == 0
        assert len(hook.received) == 1
        second = outbox.deliver_due(committing_db, _later(1), settings=FAST)
        third = outbox.deliver_due(committing_db, _later(2), settings=FAST)
        assert (second.retrying, third.delivered) == (1, 1)
        fourth = outbox.deliver_due(committing_db, _later(3), settings=FAST)
        assert (fourth.delivered, fourth.retrying, fourth.dead) == (0, 0, 0)

    message, attempts = _message(committing_db, message_id)
    assert message.status == Status.DELIVERED and message.delivered_at is not None and message.last_error is None
    assert [a.http_status for a in attempts] == [500, 503, 200]
    assert [a.delivered for a in attempts] == [False, False, True]
    assert all(a.duration_ms >= 0 for a in attempts) and "HTTP 500" in (attempts[0].error or "")
    assert len(hook.received) == 3 and len(hook.accepted) == 1
    # The same message each time: same id and idempotency key, the payload intact, a valid signature.
    assert {r.headers["Idempotency-Key"] for r in hook.received} == {"k-1"}
    assert {r.headers["X-Xinyong-Message-Id"] for r in hook.received} == {str(message_id)}
    got = hook.accepted[0]
    assert got.json["data"] == {"hello": "世界", "n": 1} and got.json["topic"] == "test.ping"
    secret = get_settings().outbox_secret.encode()
    assert outbox.verify_signature(
        secret, got.headers["X-Xinyong-Timestamp"], got.body, got.headers["X-Xinyong-Signature"]
    )
    assert not outbox.verify_signature(b"wrong", got.headers["X-Xinyong-Timestamp"], got.body, "hmac-sm3=00")
    with committing_db.unit_of_work() as session:
        delivered = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == Status.DELIVERED)
        )
        assert delivered == 1
        assert audit.verify(session).ok


def test_dead_after_max_attempts_then_retried_by_hand(committing_db: Database) -> None:
    with receiver(default=500) as hook:
        message_id = _queue(committing_db, hook.url)
        for hour in range(6):
            outbox.deliver_due(committing_db, _later(hour), settings=FAST)
        assert len(hook.received) == FAST.outbox_max_attempts
        message, attempts = _message(committing_db, message_id)
        assert message.status == Status.DEAD and message.attempts == FAST.outbox_max_attempts
        assert len(attempts) == FAST.outbox_max_attempts
        hook.default = 200
        assert outbox.deliver_due(committing_db, _later(10), settings=FAST).delivered == 0  # dead stays dead
        with committing_db.unit_of_work() as session:
            outbox.retry(session, SYSTEM, message_id)
        assert outbox.deliver_due(committing_db, settings=FAST).delivered == 1
    message, attempts = _message(committing_db, message_id)
    assert message.status == Status.DELIVERED and len(attempts) == FAST.outbox_max_attempts + 1
    with committing_db.unit_of_work() as session, pytest.raises(Conflict):
        outbox.retry(session, SYSTEM, message_id)


def test_a_receiver_that_is_down_is_retried_and_nothing_is_lost(committing_db: Database) -> None:
    url = closed_port_url()
    message_id = _queue(committing_db, url)
    report = outbox.deliver_due(committing_db, settings=FAST)
    assert report.retrying == 1
    message, attempts = _message(committing_db, message_id)
    assert message.status == Status.RETRYING and message.attempts == 1
    assert attempts[0].http_status is None and "Connect" in (attempts[0].error or "")
    assert message.next_attempt_at > clock.now()


def test_a_slow_receiver_times_out(committing_db: Database) -> None:
    slow = FAST.model_copy(update={"outbox_timeout_seconds": 0.2})
    with receiver(delay=1.0) as hook:
        message_id = _queue(committing_db, hook.url)
        assert outbox.deliver_due(committing_db, settings=slow).retrying == 1
    _, attempts = _message(committing_db, message_id)
    assert "Timeout" in (attempts[0].error or "")


def test_backoff_doubles_and_is_capped() -> None:
    settings = Settings(outbox_backoff_seconds=30, outbox_backoff_max_seconds=300)
    assert [outbox.backoff(settings, n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert outbox.backoff(settings, 10_000).total_seconds() == 300


def test_two_workers_at_once_deliver_each_message_once(committing_db: Database) -> None:
    with receiver(delay=0.01) as hook:
        ids = [_queue(committing_db, hook.url, key=f"k-{n}", payload={"n": n}) for n in range(24)]
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(3):
                    outbox.deliver_due(committing_db, limit=5, settings=FAST)
            except BaseException as error:
                errors.append(error)

        workers = [threading.Thread(target=work) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert not errors
        outbox.deliver_due(committing_db, settings=FAST)  # whatever is left
    sent = Counter(r.headers["X-Xinyong-Message-Id"] for r in hook.received)
    assert sorted(int(k) for k in sent) == sorted(ids)
    assert set(sent.values()) == {1}
    with committing_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(OutboxAttempt)) == len(ids)


def test_the_same_key_for_the_same_destination_is_one_message(db: Session) -> None:
    args = {"topic": "test.ping", "payload": {"a": 1}, "idempotency_key": "entry-7:exited"}
    first = outbox.enqueue(db, SYSTEM, destination="https://a.example.cn/hook", **args)  # type: ignore[arg-type]
    again = outbox.enqueue(db, SYSTEM, destination="https://a.example.cn/hook", **args)  # type: ignore[arg-type]
    other = outbox.enqueue(db, SYSTEM, destination="https://b.example.cn/hook", **args)  # type: ignore[arg-type]
    assert first.id == again.id != other.id
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 2


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "ftp://files.example.cn/x",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "https:///path-only",
        "http://user:secret@example.cn/hook",
        "http://exa mple.cn/hook",
        "http://example.cn/ho\nok",
        "http://example.cn:99999/hook",
        "http://example.cn:0/hook",
        "http://[::1/hook",
        "http://example.cn/hook#frag",
        "https://example.cn/" + "a" * 600,
        "example.cn/hook",
    ],
)
def test_a_malformed_destination_is_refused_at_enqueue(db: Session, url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        outbox.enqueue(db, SYSTEM, topic="test.ping", destination=url, payload={}, idempotency_key="k")
    assert refused.value.field == "destination"
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topic": "Bad Topic"}, "topic"),
        ({"topic": ""}, "topic"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "a b"}, "idempotency_key"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
        ({"secret_ref": "nobody:1"}, "secret_ref"),
        ({"payload": {"x": float("nan")}}, "payload"),
        ({"payload": {"x": object()}}, "payload"),
        ({"payload": {"x": "y" * 300_000}}, "payload"),
    ],
)
def test_malformed_messages_are_refused(db: Session, change: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "topic": "test.ping",
        "destination": "https://a.example.cn/hook",
        "payload": {"a": 1},
        "idempotency_key": "k",
    }
    args.update(change)
    with pytest.raises(InvalidInput) as refused:
        outbox.enqueue(db, SYSTEM, **args)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_message_without_a_secret_is_not_sent_unsigned(committing_db: Database) -> None:
    with receiver() as hook:
        with committing_db.unit_of_work() as session:
            message = outbox.enqueue(
                session,
                SYSTEM,
                topic="test.ping",
                destination=hook.url,
                payload={},
                idempotency_key="k",
                secret_ref="api_client:999999",
            )
        assert outbox.deliver_due(committing_db, settings=FAST).retrying == 1
        assert hook.received == []
    _, attempts = _message(committing_db, message.id)
    assert "secret" in (attempts[0].error or "")


def test_two_transactions_queueing_the_same_key_make_one_message(committing_db: Database) -> None:
    if committing_db.dialect != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite has one writer")
    args = {"topic": "test.ping", "destination": "https://a.example.cn/hook", "payload": {}, "idempotency_key": "k"}
    first = committing_db.sessions()
    try:
        mine = outbox.enqueue(first, SYSTEM, **args)  # type: ignore[arg-type]  # not committed yet
        found: list[int] = []

        def second() -> None:
            with committing_db.unit_of_work() as session:
                found.append(outbox.enqueue(session, SYSTEM, **args).id)  # type: ignore[arg-type]

        worker = threading.Thread(target=second)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), "the second waits on the unique index"
        first.commit()
        worker.join(10)
        assert found == [mine.id]
    finally:
        first.close()
    with committing_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_huge_answer_is_not_read_whole(committing_db: Database) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Flood(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(500)
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(50):
                    self.wfile.write(b"x" * 1024 * 1024)
            except OSError:
                return  # the client stopped reading: as it should

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        message_id = _queue(committing_db, f"http://127.0.0.1:{server.server_address[1]}/hook")
        assert outbox.deliver_due(committing_db, settings=FAST).retrying == 1
    finally:
        server.shutdown()
        server.server_close()
    _, attempts = _message(committing_db, message_id)
    assert attempts[0].http_status == 500 and len(attempts[0].error or "") <= 500


GUARDED = Settings(
    outbox_backoff_seconds=1, outbox_max_attempts=4, outbox_timeout_seconds=2, outbox_allowed_networks=[]
)


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("fe80::1", True),
        ("10.36.4.20", False),  # the government intranet
        ("192.168.1.10", False),
        ("202.101.224.68", False),
    ],
)
def test_the_destination_guard_refuses_the_platforms_own_host_and_metadata(address: str, refused: bool) -> None:
    import ipaddress

    assert (destinations.refused_address(ipaddress.ip_address(address), GUARDED) is not None) == refused
    allowed = Settings(outbox_allowed_networks=["127.0.0.0/8", "169.254.169.254/32"])
    if address in ("127.0.0.1", "169.254.169.254", "::ffff:127.0.0.1"):
        assert destinations.refused_address(ipaddress.ip_address(address), allowed) is None, "the office may allow it"


def test_a_refused_address_is_refused_at_registration(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_OUTBOX_ALLOWED_NETWORKS", "[]")
    get_settings.cache_clear()
    try:
        for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8000/api/v1/x", "http://[::1]/h"):
            with pytest.raises(InvalidInput) as refused:
                outbox.enqueue(db, SYSTEM, topic="t.x", destination=url, payload={}, idempotency_key=url)
            assert refused.value.field == "destination" and "XINYONG_OUTBOX_ALLOWED_NETWORKS" in refused.value.message
        # names are not looked up at registration (the console may not resolve the intranet's names)
        outbox.enqueue(
            db, SYSTEM, topic="t.x", destination="https://cg.gqc.gov.cn/hook", payload={}, idempotency_key="n"
        )
    finally:
        get_settings.cache_clear()


def test_a_name_that_resolves_to_the_platforms_host_is_refused_at_delivery(committing_db: Database) -> None:
    with receiver([]) as hook:
        by_name = hook.url.replace("127.0.0.1", "localhost")  # registered fine: names are checked when sent
        message_id = _queue(committing_db, by_name)
        report = outbox.deliver_due(committing_db, settings=GUARDED)
        assert (report.delivered, report.retrying) == (0, 1)
        assert hook.received == [], "nothing was sent"
        message, attempts = _message(committing_db, message_id)
        assert message.status == Status.RETRYING
        assert attempts[0].http_status is None and "refused destination" in (attempts[0].error or "")
        allowed = Settings(outbox_timeout_seconds=2, outbox_allowed_networks=["127.0.0.0/8", "::1/128"])
        assert outbox.deliver_due(committing_db, _later(1), settings=allowed).delivered == 1


@pytest.mark.parametrize("bad", ["not-a-network", "300.1.1.1/8", "127.0.0.0/99", "x" * 5000])
def test_a_malformed_allowed_network_is_refused_at_startup(bad: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="XINYONG_OUTBOX_ALLOWED_NETWORKS"):
        Settings(outbox_allowed_networks=["10.0.0.0/8", bad])
