"""The login lockout holds under concurrency, on both databases: however many clients guess a password at the same
time, at most LOCK_AFTER guesses reach the password check before the account locks (each attempt in its own
transaction and thread, committed as the login route commits a refusal)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.db import Database
from xinyong.core.errors import Unauthorized

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
GOOD = "Gongqing-2020!"
CLIENTS = 32


class CountingHasher:
    """Wraps the module's argon2 hasher and counts the passwords actually checked."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.checked = 0

    def verify(self, hashed: str, password: str) -> bool:
        with self._lock:
            self.checked += 1
        return self._inner.verify(hashed, password)  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


@pytest.fixture
def account(committing_db: Database) -> Database:
    with committing_db.unit_of_work() as session:
        builders.departments(session)
        auth.create_user(
            session, OFFICE, username="zhangmin", display_name="张敏", role=Role.DEPT_OPERATOR, password=GOOD,
            department="SCJGJ",
        )  # fmt: skip
    return committing_db


def _attempt(database: Database, password: str) -> str:
    """One login attempt as the route makes it: a refusal is answered (committed), not rolled back."""
    with database.unit_of_work() as session:
        try:
            auth.authenticate(session, "zhangmin", password)
        except Unauthorized as refused:
            return "locked" if auth.LOCKED in refused.message else "refused"
    return "ok"


def _guess_in_parallel(database: Database, passwords: list[str]) -> list[str]:
    start = threading.Barrier(len(passwords))
    outcomes: list[str] = ["?"] * len(passwords)

    def run(n: int) -> None:
        start.wait()
        try:
            outcomes[n] = _attempt(database, passwords[n])
        except Exception as failure:
            outcomes[n] = f"error: {type(failure).__name__}: {failure}"

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_parallel_wrong_guesses_lock_after_five_checks(account: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    outcomes = _guess_in_parallel(account, [f"Wrong-guess-{n:02d}" for n in range(CLIENTS)])
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert counting.checked <= auth.LOCK_AFTER, f"{counting.checked} guesses checked before the lock"
    assert outcomes.count("refused") == counting.checked
    assert outcomes.count("locked") == CLIENTS - counting.checked
    with account.unit_of_work() as session:
        user = session.execute(select(User).where(User.username == "zhangmin")).scalar_one()
        assert user.locked_until is not None, "the account is locked"
    assert _attempt(account, GOOD) == "locked", "the right password waits for the lock to end"


def test_the_right_password_among_parallel_guesses_is_never_an_error(
    account: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three wrong guesses and the right password at once: no error, the owner gets in (fewer than five failures)."""
    outcomes = _guess_in_parallel(account, ["Wrong-guess-1", GOOD, "Wrong-guess-2", "Wrong-guess-3"])
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"], outcomes
