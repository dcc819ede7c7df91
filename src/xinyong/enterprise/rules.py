"""Pure rules of enterprise accounts: application states, the one-time activation code's shape, mobile numbers,
and where a browser may be sent back to after signing in (same-site paths only)."""

from __future__ import annotations

import re
import secrets
from enum import StrEnum

# Activation codes: 16 characters of an alphabet without look-alikes (no 0/O, 1/I/L), grouped by four.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
MAX_CODE_FAILURES = 5  # wrong codes for one application before its code is void
MAX_OPEN_APPLICATIONS = 3  # open applications per USCC (a queue nobody can flood for one enterprise)
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
HOME = "/my"


class ApplicationStatus(StrEnum):
    PENDING = "待审核"
    APPROVED = "已通过"  # the office approved it: the account is active
    ACTIVATED = "已激活"  # activated with a one-time code: the account is active
    REJECTED = "已驳回"
    CLOSED = "已关闭"  # another application of the same enterprise opened its account


OPEN = frozenset({ApplicationStatus.PENDING})
DONE = frozenset({ApplicationStatus.APPROVED, ApplicationStatus.ACTIVATED})


def new_code() -> str:
    """A fresh activation code, ``XXXX-XXXX-XXXX-XXXX`` (80 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(value: str) -> str | None:
    """A code as typed (spaces, dashes, lower case) in its canonical form, or None when it cannot be one."""
    raw = re.sub(r"[\s-]", "", value.upper())[:64]
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_mobile(value: str) -> str | None:
    digits = re.sub(r"[\s-]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if MOBILE.match(digits) else None


def safe_return_path(value: str | None, default: str = HOME) -> str:
    """Where to go after signing in: a path on this site only — never another host (``//evil``, ``/\\evil``,
    ``https:``), never a control character, never the sign-in pages themselves."""
    if not value or len(value) > 500 or not value.startswith("/"):
        return default
    if value.startswith("//") or "\\" in value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return default
    path = value.split("?", 1)[0].split("#", 1)[0]
    if path in ("/login", "/logout") or path.startswith(("/login/", "/logout/", "/register")):
        return default
    return value
