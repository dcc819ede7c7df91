"""Pure rules about entities and persons: statuses, role types, who asserted a link (req §3.1)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from xinyong.entities.pinyin import MAX_KEY
from xinyong.entities.pinyin import pinyin_keys as pinyin_keys  # re-exported: callers import it from here


class EntityStatus(StrEnum):
    ACTIVE = "存续"  # 存续（在营、开业、在册）
    REVOKED = "吊销"  # 吊销营业执照
    CANCELLED = "注销"
    MOVED_OUT = "迁出"


class PersonRole(StrEnum):
    LEGAL_REPRESENTATIVE = "法定代表人"
    PRINCIPAL = "主要负责人"
    ACTUAL_CONTROLLER = "实际控制人"
    SHAREHOLDER = "股东"


class AssertedBy(StrEnum):
    REGISTRY = "登记机关"  # from the registration authority's data
    SELF_DECLARED = "自主申报"
    VERIFIED = "核实"  # checked by a department


class AliasType(StrEnum):
    """Old codes that the USCC replaced; kept so old data still resolves to one entity."""

    REGISTRATION_NO = "工商注册号"
    ORGANISATION_CODE = "组织机构代码"
    TAX_NO = "税务登记号"
    PUBLIC_INSTITUTION_NO = "事业单位证书号"
    SOCIAL_ORG_NO = "社会组织登记证号"


def role_active(valid_from: dt.date | None, valid_to: dt.date | None, on: dt.date) -> bool:
    """A role holds on ``on`` if it started on or before it and had not ended (``valid_to`` is exclusive)."""
    if valid_from is not None and valid_from > on:
        return False
    return valid_to is None or on < valid_to


def periods_overlap(a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None, b_to: dt.date | None) -> bool:
    """Whether two half-open periods [from, to) overlap; ``None`` means unbounded."""
    starts_before_b_ends = b_to is None or a_from is None or a_from < b_to
    ends_after_b_starts = a_to is None or b_from is None or b_from < a_to
    return starts_before_b_ends and ends_after_b_starts


MAX_PINYIN = MAX_KEY


# ---------------------------------------------------------------- search relevance

CITY_REGION = "360482"  # 共青城市: the platform's own subjects are listed before others in search
MATCH_LABELS = {
    "name": "名称",
    "former_name": "曾用名",
    "code": "统一社会信用代码",
    "pinyin": "拼音",
    "initials": "拼音首字母",
}


def search_words(text: str) -> list[str]:
    """The words of a search (split on any blank, 全角 included); each must match."""
    return text.replace("\u3000", " ").split()


def matched_fields(
    words: list[str], name: str, former_names: str, uscc: str, pinyin: str, initials: str
) -> tuple[str, ...]:
    """What the words matched, in :data:`MATCH_LABELS` order: the current name first, then former names, the code,
    the full pinyin and the initials (a word found in the name is not reported again for pinyin)."""
    found: set[str] = set()
    for word in words:
        upper, lower = word.upper(), word.lower()
        if word in name:
            found.add("name")
            continue
        if word in former_names:
            found.add("former_name")
        if uscc.startswith(upper):
            found.add("code")
        if lower.isascii() and lower.isalnum():
            if lower in pinyin:
                found.add("pinyin")
            elif lower in initials:
                found.add("initials")
    return tuple(key for key in MATCH_LABELS if key in found)


def relevance(text: str, name: str, uscc: str, region_code: str, provisional: bool) -> tuple[int, int, int, str]:
    """A sort key, smallest first: the exact name, then names beginning with the query, then names containing it,
    then matches on other fields; within each, the city's own (registered here, not provisional) before
    provisional and out-of-town subjects; then shorter names, then the code."""
    query = " ".join(search_words(text))
    words = search_words(text)
    if name == query or uscc == query.upper():
        tier = 0
    elif words and name.startswith(words[0]):
        tier = 1
    elif words and all(word in name for word in words):
        tier = 2
    else:
        tier = 3
    local = 0 if region_code == CITY_REGION and not provisional else 1
    return tier, local, len(name), uscc
