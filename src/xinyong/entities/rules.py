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
