"""Field encryption (SM4-GCM) and blind indexes (HMAC-SM3) for personal identifiers at rest — req §1, §3.15.

- ``FieldCipher`` encrypts one value into a short versioned text token::

      sm4gcm:v1:<key_id>:<base64url(nonce | ciphertext | tag)>

  The nonce is 12 random bytes per value and the tag 16 bytes. The column ``context``
  (e.g. ``"persons.id_number"``) is authenticated as GCM associated data together with the token header, so a
  ciphertext copied to another column (or re-labelled with another key id) does not decrypt. Keys rotate: the
  cipher encrypts with its current key and still decrypts with the old keys it is given, found by ``key_id``.
- ``BlindIndex`` gives a keyed, deterministic HMAC-SM3 digest of a normalised value for equality lookups
  (find a person by ID number without decrypting the column). Each context gets its own derived key, so equal
  values in different columns do not correlate.

Failures to decrypt raise ``DecryptionError``: tampering or a missing key is a fault to surface loudly (a 500
and an alert), never an expected 4xx refusal.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from xinyong.core.config import get_settings

__all__ = [
    "TOKEN_PREFIX",
    "BlindIndex",
    "DecryptionError",
    "FieldCipher",
    "default_normalise",
    "get_blind_index",
    "get_cipher",
    "is_token",
    "key_id_for",
    "sm3_hex",
    "token_length",
]

SCHEME = "sm4gcm"
FORMAT_VERSION = "v1"
TOKEN_PREFIX = f"{SCHEME}:{FORMAT_VERSION}:"
NONCE_BYTES = 12
TAG_BYTES = 16
SM4_KEY_BYTES = 16
BLIND_INDEX_MIN_KEY_BYTES = 32

_KEY_ID_RE = re.compile(r"[0-9a-f]{8}")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")

Key = bytes | str  # raw bytes or hex text (as in the settings)


class DecryptionError(Exception):
    """A token could not be decrypted: malformed, unknown key id, wrong context, or tampered with.

    Deliberately not an ``XinyongError``: it is a fault (data corruption, tampering or a lost key), not a
    refusal. The message never contains the plaintext or key material.
    """


def sm3_hex(data: bytes) -> str:
    """SM3 (GB/T 32905) digest of ``data`` as 64 lowercase hex digits."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _key_bytes(key: Key, *, what: str) -> bytes:
    if isinstance(key, bytes):
        return key
    try:
        return bytes.fromhex(key)
    except ValueError:
        raise ValueError(f"{what} must be hex digits") from None


def key_id_for(key: Key) -> str:
    """The public identifier of an SM4 field key: 8 hex digits of a domain-separated SM3 of the key."""
    return sm3_hex(b"xinyong:field-key-id:" + _key_bytes(key, what="field key"))[:8]


def token_length(plaintext_bytes: int) -> int:
    """Length in characters of the token for a plaintext of ``plaintext_bytes`` UTF-8 bytes (to size columns).

    A Chinese character is 3 UTF-8 bytes; an 18-char ID number gives an 82-char token.
    """
    raw = NONCE_BYTES + plaintext_bytes + TAG_BYTES
    b64 = (4 * raw + 2) // 3  # unpadded base64
    return len(TOKEN_PREFIX) + 8 + 1 + b64


def is_token(value: str) -> bool:
    """True when ``value`` looks like a token of this module (cheap check, no decryption)."""
    return value.startswith(TOKEN_PREFIX)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    # Strict: the stdlib decoder silently drops characters outside the alphabet.
    if _B64URL_RE.fullmatch(text) is None or len(text) % 4 == 1:
        raise DecryptionError("malformed token: payload is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("malformed token: payload is not base64url") from None


def _aad(key_id: str, context: str) -> bytes:
    # Header and context are authenticated; the NUL separates them unambiguously (key ids are hex).
    return f"{TOKEN_PREFIX}{key_id}\x00{context}".encode()


class FieldCipher:
    """SM4-GCM encryption of short text values bound to a column context, with key rotation.

    ``current_key`` encrypts; ``old_keys`` only decrypt. Keys are 16 bytes, given as bytes or 32 hex digits.
    Thread-safe: no state changes after construction.
    """

    __slots__ = ("_algorithms", "_current_id")

    def __init__(self, current_key: Key, old_keys: Iterable[Key] = ()) -> None:
        algos: dict[str, algorithms.SM4] = {}
        for index, key in enumerate([current_key, *old_keys]):
            raw = _key_bytes(key, what="field key")
            if len(raw) != SM4_KEY_BYTES:
                raise ValueError("an SM4 field key must be 16 bytes (32 hex digits)")
            key_id = key_id_for(raw)
            if key_id in algos:
                if index == 0 or algos[key_id].key != raw:
                    raise ValueError(f"duplicate field key id {key_id}")
                continue
            algos[key_id] = algorithms.SM4(raw)
        self._algorithms = algos
        self._current_id = key_id_for(_key_bytes(current_key, what="field key"))

    def __repr__(self) -> str:  # never show key material
        return f"FieldCipher(key_id={self._current_id!r}, keys={len(self._algorithms)})"

    @property
    def key_id(self) -> str:
        """Id of the key new tokens are encrypted with."""
        return self._current_id

    @property
    def key_ids(self) -> frozenset[str]:
        """Ids of every key this cipher can decrypt with."""
        return frozenset(self._algorithms)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` for the column ``context``; a fresh random nonce every call."""
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(self._algorithms[self._current_id], modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(_aad(self._current_id, context))
        body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
        return f"{TOKEN_PREFIX}{self._current_id}:{_b64encode(nonce + body + encryptor.tag)}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a token made for ``context``; raises ``DecryptionError`` on any failure."""
        key_id, raw = self._parse(token)
        algorithm = self._algorithms.get(key_id)
        if algorithm is None:
            raise DecryptionError(f"no field key with id {key_id} (was it rotated out?)")
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        decryptor = Cipher(algorithm, modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_aad(key_id, context))
        try:
            plain = decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise DecryptionError(f"token does not authenticate for context {context!r} (tampered or moved)") from None
        return plain.decode("utf-8")  # authenticated bytes came from str.encode: always valid UTF-8

    def encrypt_optional(self, plaintext: str | None, *, context: str) -> str | None:
        """``None`` stays ``None`` (nullable columns); anything else is encrypted."""
        return None if plaintext is None else self.encrypt(plaintext, context=context)

    def decrypt_optional(self, token: str | None, *, context: str) -> str | None:
        return None if token is None else self.decrypt(token, context=context)

    def token_key_id(self, token: str) -> str:
        """The key id a token was encrypted with (raises ``DecryptionError`` when malformed)."""
        return self._parse(token)[0]

    def needs_rotation(self, token: str) -> bool:
        """True when the token was not encrypted with the current key."""
        return self.token_key_id(token) != self._current_id

    def rotate(self, token: str, *, context: str) -> str:
        """Re-encrypt a token with the current key (unchanged when it already uses it)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)

    @staticmethod
    def _parse(token: str) -> tuple[str, bytes]:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            raise DecryptionError(f"not a {SCHEME} {FORMAT_VERSION} token")
        key_id, sep, payload = token[len(TOKEN_PREFIX) :].partition(":")
        if not sep or _KEY_ID_RE.fullmatch(key_id) is None:
            raise DecryptionError("malformed token: bad key id")
        raw = _b64decode(payload)
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("malformed token: too short")
        return key_id, raw


def default_normalise(value: str) -> str:
    """Default blind-index normaliser: NFKC (full-width → half-width), trim, upper case (``x`` → ``X``)."""
    return unicodedata.normalize("NFKC", value).strip().upper()


class BlindIndex:
    """Keyed HMAC-SM3 blind index: ``digest(value, context=...)`` is deterministic, 64 hex digits.

    Each context uses its own key ``HMAC-SM3(key, "xinyong:blind-index:" + context)``, so digests of the same
    value in two columns are unrelated. Thread-safe.

    Keys rotate: ``digest`` always uses the current key; ``digests`` gives the value's digest under the current key
    and under every other accepted key (``old_keys``: the previous key while ``xinyong keys rotate`` rebuilds the
    stored indexes, or the next one during a rolling switch), so a lookup finds a row whichever of them made it. A
    stored digest's key is the one whose digest of the decrypted value it equals: the value beside it is always kept
    encrypted, so the version needs no column of its own.
    """

    __slots__ = ("_bases", "_key", "_key_id", "_lock", "_others")

    def __init__(self, key: Key, old_keys: Iterable[Key] = ()) -> None:
        raw = _key_bytes(key, what="blind index key")
        if len(raw) < BLIND_INDEX_MIN_KEY_BYTES:
            raise ValueError("a blind index key must be at least 32 bytes (64 hex digits)")
        self._key = raw
        self._key_id = key_id_for(raw)
        self._bases: dict[str, hmac.HMAC] = {}
        self._lock = threading.Lock()
        others = [BlindIndex(old) for old in old_keys]
        self._others = tuple(o for o in others if o.key_id != self._key_id)

    def __repr__(self) -> str:  # never show key material
        return f"BlindIndex(key_id={self._key_id!r}, accepted={len(self._others)})"

    @property
    def key_id(self) -> str:
        """The id of the key new digests are made with (8 hex digits of SM3 over the key)."""
        return self._key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every accepted key id, the current one first."""
        return (self._key_id, *(o.key_id for o in self._others))

    def _base(self, context: str) -> hmac.HMAC:
        base = self._bases.get(context)
        if base is None:
            derive = hmac.HMAC(self._key, hashes.SM3())
            derive.update(b"xinyong:blind-index:" + context.encode("utf-8"))
            base = hmac.HMAC(derive.finalize(), hashes.SM3())
            with self._lock:
                base = self._bases.setdefault(context, base)
        return base

    def digest(self, value: str, *, context: str, normalise: Callable[[str], str] | None = None) -> str:
        """Blind index of ``value`` in ``context`` after ``normalise`` (default: ``default_normalise``)."""
        normalised = (normalise or default_normalise)(value)
        mac = self._base(context).copy()
        mac.update(normalised.encode("utf-8"))
        return mac.finalize().hex()

    def digests(self, value: str, *, context: str, normalise: Callable[[str], str] | None = None) -> tuple[str, ...]:
        """The digest under the current key, then under each other accepted key (for lookups during a rotation)."""
        current = self.digest(value, context=context, normalise=normalise)
        return (current, *(o.digest(value, context=context, normalise=normalise) for o in self._others))

    def digest_optional(
        self, value: str | None, *, context: str, normalise: Callable[[str], str] | None = None
    ) -> str | None:
        """``None`` for ``None`` or a value that normalises to empty (so blanks never match each other)."""
        if value is None:
            return None
        normalised = (normalise or default_normalise)(value)
        if not normalised:
            return None
        return self.digest(normalised, context=context, normalise=_identity)


def _identity(value: str) -> str:
    return value


@lru_cache(maxsize=1)
def get_cipher() -> FieldCipher:
    """The platform's field cipher from ``Settings.field_key``, able to read tokens made with any key in
    ``Settings.field_keys_old`` (key rotation). Cached; ``cache_clear()`` in tests."""
    settings = get_settings()
    return FieldCipher(settings.field_key, old_keys=settings.field_keys_old)


@lru_cache(maxsize=1)
def get_blind_index() -> BlindIndex:
    """The platform's blind index from ``Settings.blind_index_key``, accepting the keys in
    ``Settings.blind_index_keys_old`` for lookups (cached; ``cache_clear()`` in tests)."""
    settings = get_settings()
    return BlindIndex(settings.blind_index_key, old_keys=settings.blind_index_keys_old)
