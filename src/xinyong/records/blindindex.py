"""The blind indexes a credit record version keeps in its content (``<key>_bi`` beside ``<key>_enc``: personal ID
numbers, free text with identifiers, the original title), rebuilt under the current blind index key by ``xinyong keys
rotate`` (:mod:`xinyong.core.blindrotation`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xinyong.core.blindrotation import BlindIndexedTable
from xinyong.core.crypto import default_normalise, get_blind_index, get_cipher
from xinyong.records.models import CreditRecordVersion
from xinyong.records.privacy import TEXT_CONTEXT, TITLE_CONTEXT, TITLE_KEY
from xinyong.records.rules import PERSONAL_ID_KEYS
from xinyong.records.service import CONTENT_ID_CONTEXT


def _identity(value: str) -> str:
    return value


def _context(key: str) -> tuple[str, Any]:
    """The context a companion pair of ``key`` is made in, and the normaliser of its digest."""
    if key in PERSONAL_ID_KEYS:
        return CONTENT_ID_CONTEXT, default_normalise
    if key == TITLE_KEY:
        return TITLE_CONTEXT, _identity
    return TEXT_CONTEXT, _identity


def rebuild_version(row: Mapping[str, Any]) -> dict[str, Any]:
    """The version's content with every blind index under the current key, or ``{}`` if they all are."""
    content = row["content"]
    if not isinstance(content, dict):
        return {}
    index, cipher = get_blind_index(), get_cipher()
    changed = dict(content)
    for name, stored in content.items():
        if not name.endswith("_bi") or not isinstance(stored, str):
            continue
        key = name.removesuffix("_bi")
        token = content.get(f"{key}_enc")
        if not isinstance(token, str):
            continue
        context, normalise = _context(key)
        current = index.digest(cipher.decrypt(token, context=context), context=context, normalise=normalise)
        if current != stored:
            changed[name] = current
    return {"content": changed} if changed != content else {}


def blind_indexed() -> BlindIndexedTable:
    return BlindIndexedTable(CreditRecordVersion.__table__, ("content",), rebuild_version)  # type: ignore[arg-type]


__all__ = ["blind_indexed", "rebuild_version"]
