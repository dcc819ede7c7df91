"""The audit chain's keys (审计链密钥): HMAC-SM3 keys with versions, kept outside the database.

A database administrator can rewrite every row of ``audit_events``; what they cannot do is compute a link of the
chain, because each link is an HMAC-SM3 under a key that never enters the database. The keys live in a key file
(``XINYONG_AUDIT_KEY_FILE``, one ``v<N> <64 hex digits>`` line per version, mode 0600) or behind another
:class:`AuditKeyring` — an HSM module, say — named by ``XINYONG_AUDIT_KEYRING`` (``package.module:factory``, the
factory takes the settings and returns the keyring).

New events are keyed with the newest version and record it (``audit_events.key_version``); rotating adds a
version and keeps the old ones, so events keyed before the rotation still verify. ``xinyong audit keygen`` creates
the file (``--rotate`` adds a version). In development and tests the file is created on first use; in production a
missing key file refuses to start (``Settings.check_production``) and a file readable by others is refused.
"""

from __future__ import annotations

import importlib
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes, hmac

from xinyong.core.config import Settings, get_settings

KEY_BYTES = 32
_LINE = re.compile(r"^v([1-9][0-9]{0,5}) ([0-9a-f]{64})$")
HEADER = "# xinyong audit chain keys (审计链密钥): keep outside the database, mode 0600; never delete an old version\n"


class AuditKeyError(Exception):
    """The keys cannot be had: no key file in production, a malformed or world-readable file, an unknown version.

    A fault to surface loudly (the platform must not append unkeyed events), never a 4xx refusal.
    """


@runtime_checkable
class AuditKeyring(Protocol):
    """What the chain needs of its keys. An HSM implementation provides the same three members."""

    @property
    def current_version(self) -> int:
        """The version new events are keyed with."""
        ...

    def versions(self) -> Sequence[int]:
        """Every version this keyring can still compute (old ones included)."""
        ...

    def mac(self, version: int, data: bytes) -> bytes:
        """HMAC-SM3 of ``data`` under key ``version``; :class:`AuditKeyError` for an unknown version."""
        ...


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


class MemoryKeyring:
    """Keys held in memory (what the file keyring loads; also handy for tools and tests)."""

    def __init__(self, keys: dict[int, bytes]) -> None:
        if not keys:
            raise AuditKeyError("an audit keyring needs at least one key")
        for version, key in keys.items():
            if version < 1 or len(key) != KEY_BYTES:
                raise AuditKeyError(f"audit key v{version} must be {KEY_BYTES} bytes")
        self._keys = dict(keys)

    @property
    def current_version(self) -> int:
        return max(self._keys)

    def versions(self) -> Sequence[int]:
        return sorted(self._keys)

    def mac(self, version: int, data: bytes) -> bytes:
        key = self._keys.get(version)
        if key is None:
            raise AuditKeyError(f"audit key v{version} is not in the keyring")
        return hmac_sm3(key, data)


def parse_key_file(text: str, where: str = "the audit key file") -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise AuditKeyError(f"{where}, line {number}: expected 'v<N> <64 hex digits>'")
        version = int(match.group(1))
        if version in keys:
            raise AuditKeyError(f"{where}, line {number}: version v{version} appears twice")
        keys[version] = bytes.fromhex(match.group(2))
    if not keys:
        raise AuditKeyError(f"{where} holds no key")
    return keys


def _write_new(path: Path, text: str) -> bool:
    """Create ``path`` with ``text`` (mode 0600) atomically; False when it exists already (another process won)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if the file exists: never overwrites a key
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)


def new_key_line(version: int) -> str:
    return f"v{version} {secrets.token_bytes(KEY_BYTES).hex()}\n"


def create_key_file(path: Path) -> bool:
    """Create the key file with version 1; False when it exists already (it is never overwritten)."""
    return _write_new(path, HEADER + new_key_line(1))


def rotate_key_file(path: Path) -> int:
    """Add a new key version to the file (the old ones stay: old events still verify); returns the new version."""
    keys = read_key_file(path, strict=False)
    version = max(keys) + 1
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(new_key_line(version))
        handle.flush()
        os.fsync(handle.fileno())
    _cache.clear()
    _recent.clear()
    return version


def read_key_file(path: Path, *, strict: bool) -> dict[int, bytes]:
    """The file's keys. ``strict`` (production) refuses a file that others than its owner may read or write."""
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditKeyError(
            f"the audit key file {path} does not exist (create it with 'xinyong audit keygen')"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise AuditKeyError(f"the audit key file {path} cannot be read ({type(error).__name__})") from None
    if strict and stat.S_IMODE(info.st_mode) & 0o077:
        raise AuditKeyError(
            f"the audit key file {path} may be read by others (mode {oct(stat.S_IMODE(info.st_mode))}); chmod 600"
        )
    return parse_key_file(text, str(path))


_cache: dict[tuple[str, int, int], MemoryKeyring] = {}
_lock = threading.Lock()


RESTAT_SECONDS = 1.0  # how soon a rotation reaches a running server (the file is looked at no more often)
_recent: dict[str, tuple[float, MemoryKeyring]] = {}


def file_keyring(settings: Settings) -> MemoryKeyring:
    """The key file's keyring, reloaded when the file changes (a rotation by the CLI reaches running servers within
    :data:`RESTAT_SECONDS`; the file is not looked at on every audit append).

    Outside production a missing file is created (version 1) on first use."""
    path = settings.audit_key_file
    recent = _recent.get(str(path))
    if recent is not None and time.monotonic() - recent[0] < RESTAT_SECONDS:
        return recent[1]
    production = settings.env == "production"
    if not production and not path.exists():
        create_key_file(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise AuditKeyError(
            f"the audit key file {path} does not exist (create it with 'xinyong audit keygen')"
        ) from None
    marker = (str(path), info.st_mtime_ns, info.st_size)
    keyring = _cache.get(marker)
    if keyring is None:
        with _lock:
            keyring = MemoryKeyring(read_key_file(path, strict=production))
            _cache.clear()
            _cache[marker] = keyring
    _recent[str(path)] = (time.monotonic(), keyring)
    return keyring


def _load_factory(spec: str) -> AuditKeyring:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise AuditKeyError("XINYONG_AUDIT_KEYRING is 'file' or 'package.module:factory'")
    factory = getattr(importlib.import_module(module_name), attribute)
    keyring = factory(get_settings())
    if not isinstance(keyring, AuditKeyring):
        raise AuditKeyError(f"{spec} did not return an audit keyring")
    return keyring


_override: AuditKeyring | None = None
_external: dict[str, AuditKeyring] = {}


def set_keyring(keyring: AuditKeyring | None) -> None:
    """Use ``keyring`` in this process instead of the configured one (None: back to the settings)."""
    global _override
    _override = keyring


def get_keyring() -> AuditKeyring:
    """The configured keyring: the key file, or the ``XINYONG_AUDIT_KEYRING`` factory's (made once per process)."""
    if _override is not None:
        return _override
    settings = get_settings()
    if settings.audit_keyring == "file":
        return file_keyring(settings)
    spec = settings.audit_keyring
    if spec not in _external:
        _external[spec] = _load_factory(spec)
    return _external[spec]
