"""Masking of personal data by audience — req §1 (ID numbers), §3.3 (masking in public), §3.15.

Pure Python, no framework and no database. Every ``mask_*`` helper takes any value (``None``, empty, numbers,
hostile or very long text), never raises, and returns a masked form or ``""``; star runs are capped at
``MAX_STARS`` so a huge input never yields a huge output. Masking is not escaping: templates still escape.

Who sees what (``audience_for``):

- ``PUBLIC``: anonymous users, business systems (API clients), and entities looking at another entity;
- ``ENTITY_SELF``: an entity looking at its own record (req §0: "see its full own record");
- ``DEPARTMENT``: department operators and reviewers. Still masked by default: clear personal data needs a
  purpose-bound right (req §1), granted explicitly by the caller, which then passes ``Audience.FULL``;
- ``FULL``: credit office, auditor, system jobs.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from enum import StrEnum
from typing import Any

from xinyong.core.actor import Actor, Role

__all__ = [
    "COMPOUND_SURNAMES",
    "MAX_STARS",
    "UNMASKED_AUDIENCES",
    "Audience",
    "audience_for",
    "is_masked_for",
    "mask_address",
    "mask_bank_account",
    "mask_email",
    "mask_fields",
    "mask_id_number",
    "mask_person_name",
    "mask_phone",
]

MAX_STARS = 16
_MAX_NAME_CHARS = 32
_MAX_DOMAIN_CHARS = 253
_ADDRESS_SCAN_CHARS = 200


class Audience(StrEnum):
    PUBLIC = "public"
    ENTITY_SELF = "entity_self"
    DEPARTMENT = "department"
    FULL = "full"


#: Audiences that see personal data in clear by default in ``mask_fields``.
UNMASKED_AUDIENCES: frozenset[Audience] = frozenset({Audience.ENTITY_SELF, Audience.FULL})


def audience_for(actor: Actor, subject_uscc: str | None) -> Audience:
    """The masking audience of ``actor`` reading data about entity ``subject_uscc`` (``None``: no entity)."""
    if actor.sees_everything:
        return Audience.FULL
    if actor.is_department:
        return Audience.DEPARTMENT
    if (
        actor.role == Role.ENTITY
        and subject_uscc
        and actor.entity_uscc
        and actor.entity_uscc.strip().upper() == subject_uscc.strip().upper()
    ):
        return Audience.ENTITY_SELF
    return Audience.PUBLIC


def is_masked_for(audience: Audience, unmasked: Collection[Audience] = UNMASKED_AUDIENCES) -> bool:
    return audience not in unmasked


def mask_fields(
    data: Mapping[str, Any],
    rules: Mapping[str, Callable[[Any], str]],
    audience: Audience,
    *,
    unmasked: Collection[Audience] = UNMASKED_AUDIENCES,
) -> dict[str, Any]:
    """A new dict: ``data`` with each field named in ``rules`` masked by its function, unless ``audience`` is
    in ``unmasked``. ``data`` is never mutated (the result is a deep copy); ``None`` values stay ``None``."""
    result = copy.deepcopy(dict(data))
    if audience in unmasked:
        return result
    for field, masker in rules.items():
        if field in result and result[field] is not None:
            result[field] = masker(result[field])
    return result


# --- helpers --------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Any value as trimmed text, NFKC-normalised (full-width characters become ASCII). Never raises."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
    else:
        try:
            text = str(value)
        except Exception:
            return ""
    return unicodedata.normalize("NFKC", text).strip()


def _stars(count: int) -> str:
    return "*" * max(0, min(count, MAX_STARS))


def _keep_tail(text: str, keep: int) -> str:
    """Stars for everything but the last ``keep`` characters."""
    keep = max(0, min(keep, len(text)))
    return _stars(len(text) - keep) + text[len(text) - keep :]


def _tail_keep(length: int, wanted: int) -> int:
    """How many trailing characters may stay: ``wanted`` for long values, about a third for short ones."""
    return wanted if length >= 2 * wanted else length // 3


def _compact(text: str) -> str:
    return "".join(text.split())


# --- identifiers ----------------------------------------------------------------------------------


def mask_id_number(value: object) -> str:
    """18-char resident ID: first 6 and last 4 (``360429********1234``); 15-digit first-generation ID:
    first 6 and last 3 (the birth date is hidden); other documents: the last 4 (fewer for short numbers)."""
    text = _compact(_text(value))
    length = len(text)
    if length == 18:
        return text[:6] + "*" * 8 + text[-4:]
    if length == 15 and text.isascii() and text.isdigit():
        return text[:6] + "*" * 6 + text[-3:]
    return _keep_tail(text, _tail_keep(length, 4))


_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9]\d{9})")
_LANDLINE = re.compile(
    r"\(?(0\d{2,3})?\)?[\s-]*(\d{3,4}[\s-]?\d{4})(?:\s*(?:-|转|分机|ext\.?|x|#)\s*\d{1,6})?", re.IGNORECASE
)


def mask_phone(value: object) -> str:
    """Mobile: first 3 and last 4 (``138****5678``); landline: area code and last 2 of the number
    (``0792-*****67``, extension dropped); anything else: the last 2 at most."""
    text = _text(value)
    if not text:
        return ""
    digits_only = re.sub(r"[\s().-]", "", text)
    mobile = _MOBILE.fullmatch(digits_only)
    if mobile is not None:
        number = mobile.group(1)
        return number[:3] + "****" + number[-4:]
    landline = _LANDLINE.fullmatch(text) if len(text) <= 40 else None
    if landline is not None:
        area, local = landline.group(1) or "", re.sub(r"[\s-]", "", landline.group(2))
        if area:  # re-split by the real rule: 010 and 02x are 3 digits, other area codes 4
            joined = area + local
            area_len = 3 if joined[1] in "12" else 4
            area, local = joined[:area_len], joined[area_len:]
        if 7 <= len(local) <= 8:
            masked = _stars(len(local) - 2) + local[-2:]
            return f"{area}-{masked}" if area else masked
    compact = _compact(text)
    return _keep_tail(compact, _tail_keep(len(compact), 2))


def mask_bank_account(value: object) -> str:
    """The last 4 digits only (``***************1234``; stars capped at ``MAX_STARS``)."""
    text = re.sub(r"[\s-]", "", _text(value))
    return _keep_tail(text, _tail_keep(len(text), 4))


_DOMAIN = re.compile(r"[\w.-]+")


def mask_email(value: object) -> str:
    """First character of the local part and the domain: ``z***@example.com``."""
    text = _compact(_text(value))
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        local, domain = text, ""
    masked_local = local[0] + "***" if len(local) >= 2 else "***"
    if not at:
        return masked_local
    if len(domain) > _MAX_DOMAIN_CHARS or _DOMAIN.fullmatch(domain) is None:
        return masked_local + "@***"
    return f"{masked_local}@{domain}"


# --- names ----------------------------------------------------------------------------------------

#: Two-character Chinese surnames (复姓) kept whole by ``mask_person_name``.
_COMPOUND_SURNAME_TEXT = (
    "欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳 公冶 "
    "太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙 壤驷 公良 "
    "漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲 "
    "公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘 公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 "
    "褚师 单于 呼衍 完颜 爱新 叶赫 纳兰"
)
COMPOUND_SURNAMES: frozenset[str] = frozenset(_COMPOUND_SURNAME_TEXT.split(" "))

_NAME_SEPARATORS = frozenset("·•・.- ")


def mask_person_name(value: object) -> str:
    """Keep the surname, star the given name: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``.

    A one-character name becomes ``*``; separators of transliterated names stay
    (``阿卜杜拉·买买提`` → ``阿***·***``)."""
    text = _text(value)
    if not text:
        return ""
    if len(text) == 1:
        return "*"
    surname = text[:2] if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES else text[:1]
    rest = text[len(surname) : len(surname) + _MAX_NAME_CHARS]
    return surname + "".join(ch if ch in _NAME_SEPARATORS else "*" for ch in rest)


# --- addresses ------------------------------------------------------------------------------------

# One character of a place name: a word character that is no digit, no Latin letter, no level or street
# marker, and does not start a word that marks a road, an estate or a building.
_PLACE_CHAR = (
    r"(?:(?!大道|小区|社区|家园|花园|新村|山庄|大厦|广场|公寓|单元|华府|公馆)"
    r"[^\W\d_A-Za-z省市区县旗镇乡街路号巷弄栋幢楼室村组])"
)
_ADMIN_PREFIX = re.compile(
    rf"(?:{_PLACE_CHAR}{{2,8}}?(?:省|自治区|特别行政区))?"  # province
    rf"(?:{_PLACE_CHAR}{{1,10}}?(?:市|自治州|地区|盟))?"  # prefecture-level city
    rf"(?:{_PLACE_CHAR}{{1,10}}?(?:区|县|市|旗))?"  # county level (incl. county-level cities: 共青城市)
    rf"(?:{_PLACE_CHAR}{{1,10}}?(?:街道|镇|乡|苏木))?"  # township level
)


def mask_address(value: object) -> str:
    """Keep the administrative divisions down to township level, replace the rest by ``***``.

    ``江西省九江市共青城市茶山街道xx路12号`` → ``江西省九江市共青城市茶山街道***``. An address with no
    recognisable division becomes ``***``; one that is only divisions is returned as is."""
    text = _compact(_text(value))
    if not text:
        return ""
    match = _ADMIN_PREFIX.match(text[:_ADDRESS_SCAN_CHARS])
    kept = match.group(0) if match is not None else ""
    if len(kept) == len(text):
        return text
    return kept + "***"
