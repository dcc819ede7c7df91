"""Parsers for the values in 双公示 rows: dates, amounts, enumerations, ID types, status, severity.

Each parser returns the normalised value or raises :class:`BadValue` whose message is the reason in Chinese with
the English gist; the caller adds the row and the field. Pure functions; the common ones are cached, since a
department file repeats the same dates and codes on thousands of rows.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Final

from xinyong.core.clock import BEIJING
from xinyong.core.ids import IdType
from xinyong.records.rules import Severity


class BadValue(ValueError):
    """A value that breaks a rule; ``str(exc)`` is the reason."""


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (no-op for ASCII text)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# ---------------------------------------------------------------- dates

#: What "长期" (no end) becomes in a validity end date, as the national standard asks.
LONG_TERM: Final = dt.date(2099, 12, 31)
_LONG_TERM_WORDS: Final = frozenset({"长期", "长期有效", "永久", "永久有效", "无期限", "无固定期限", "长期至"})
_DATE: Final = re.compile(
    r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年(\d{1,2})月(\d{1,2})日?|(\d{2})(\d{2}))"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?)?"
)
DATE_FORMATS: Final = "2024-03-01、2024/3/1、2024.3.1、2024年3月1日 或 20240301"


@lru_cache(maxsize=4096)
def parse_date(text: str) -> dt.date:
    """A date in any format departments use, incl. Excel's ISO datetimes; a time zone moves it to Beijing."""
    value = nfkc(text).strip()
    if "年" in value:
        value = "".join(value.split())
    match = _DATE.fullmatch(value)
    if match is None:
        raise BadValue(f"日期格式无法识别，应为 {DATE_FORMATS} (unrecognised date)")
    year = int(match[1])
    month, day = next((match[i], match[i + 1]) for i in (3, 5, 7) if match[i] is not None)
    try:
        date = dt.date(year, int(month), int(day))
    except ValueError:
        raise BadValue(f"日期 {year}-{month}-{day} 不存在 (no such date)") from None
    if year < 1900:
        raise BadValue(f"日期 {date.isoformat()} 早于 1900 年 (implausible date)")
    if match[12]:
        try:
            zone = dt.UTC if match[12] == "Z" else dt.datetime.strptime(match[12].replace(":", ""), "%z").tzinfo
            moment = dt.datetime(
                year, int(month), int(day), int(match[9]), int(match[10]), int(match[11] or 0), tzinfo=zone
            )
        except ValueError:
            raise BadValue(f"时间 {value[:40]} 不存在 (no such time)") from None
        return moment.astimezone(BEIJING).date()
    if match[9] is not None and (int(match[9]) > 23 or int(match[10]) > 59 or int(match[11] or 0) > 59):
        raise BadValue(f"时间 {value[:40]} 不存在 (no such time)")
    return date


def parse_end_date(text: str) -> dt.date:
    """A validity end date: any date, or 长期 / 永久 (-> ``LONG_TERM``)."""
    if "".join(nfkc(text).split()) in _LONG_TERM_WORDS:
        return LONG_TERM
    return parse_date(text)


# ---------------------------------------------------------------- amounts

MAX_AMOUNT: Final = Decimal(10_000_000)  # 万元: a thousand billion yuan; anything above is a unit mistake
AMOUNT_DECIMALS: Final = 6
_AMOUNT: Final = re.compile(r"\d+(?:\.\d*)?|\.\d+")


@lru_cache(maxsize=4096)
def parse_amount(text: str) -> str:
    """A non-negative amount in 万元, at most 6 decimals, as a canonical decimal string ("0.5", "12")."""
    value = "".join(nfkc(text).split()).replace(",", "")
    value = value.removesuffix("万元")
    if value.endswith("元"):
        raise BadValue("金额单位应为万元，请换算后填写数字 (amounts are in 万元, without unit)")
    if value.startswith("-") and _AMOUNT.fullmatch(value[1:]):
        raise BadValue("金额不能为负数 (negative amount)")
    if not _AMOUNT.fullmatch(value):
        raise BadValue("金额应为以万元为单位的数字，如 0.5 (not a number)")
    amount = Decimal(value).normalize()
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -AMOUNT_DECIMALS:
        raise BadValue(f"金额最多保留 {AMOUNT_DECIMALS} 位小数 (at most {AMOUNT_DECIMALS} decimals)")
    if amount > MAX_AMOUNT:
        raise BadValue(f"金额超过 {MAX_AMOUNT:,} 万元，请确认单位 (implausibly large; the unit is 万元)")
    return format(amount, "f")


# ---------------------------------------------------------------- enumerations


def _key(text: str) -> str:
    return "".join(nfkc(text).split())


LEGAL: Final = "法人及非法人组织"
PERSON: Final = "自然人"
SELF_EMPLOYED: Final = "个体工商户"
SUBJECT_TYPES: Final = (LEGAL, PERSON, SELF_EMPLOYED)
_SUBJECT_TYPES: Final = {
    **dict.fromkeys(
        ("法人及非法人组织", "法人和非法人组织", "法人或非法人组织", "法人", "非法人组织", "法人及其他组织",
         "法人和其他组织", "法人或其他组织", "其他组织", "企业", "单位"), LEGAL),
    **dict.fromkeys(("自然人", "个人", "公民"), PERSON),
    **dict.fromkeys(("个体工商户", "个体户"), SELF_EMPLOYED),
}  # fmt: skip


def parse_subject_type(text: str) -> str:
    found = _SUBJECT_TYPES.get(_key(text))
    if found is None:
        raise BadValue(f"应为 {'、'.join(SUBJECT_TYPES)} 之一 (unknown subject type)")
    return found


LICENSE_CATEGORIES: Final = ("普通", "特许", "认可", "核准", "登记", "其他")
_LICENSE_ALIASES: Final = {"其它": "其他", "特许经营": "特许"}


def parse_license_category(text: str) -> str:
    """许可类别; the 1.0 审批类别 words ("普通许可", "其它"...) map onto the 2.0 ones."""
    key = _key(text)
    key = _LICENSE_ALIASES.get(key, key)
    key = key if key in LICENSE_CATEGORIES else key.removesuffix("许可").removesuffix("类")
    if key not in LICENSE_CATEGORIES:
        raise BadValue(f"应为 {'、'.join(LICENSE_CATEGORIES)} 之一 (unknown licence category)")
    return key


#: 行政处罚法 (2021) art. 9.
PENALTY_CATEGORIES: Final = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
    "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他",
)  # fmt: skip
_PENALTY_SPLIT: Final = re.compile(r"[;；,，、|\n]+")
# Words of the 1996 law and of older systems. "暂扣或者吊销许可证/执照" does not say which of the two happened:
# it becomes 其他, and the original wording stays in the provenance.
_PENALTY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    **dict.fromkeys(
        ("其它", "法律行政法规规定的其他行政处罚", "其他行政处罚", "暂扣或者吊销许可证", "暂扣或者吊销执照",
         "暂扣或吊销许可证", "暂扣或吊销执照", "暂扣或者吊销许可证件"), ("其他",)),
    **dict.fromkeys(("暂扣许可证", "暂扣执照", "暂扣营业执照", "暂扣证照"), ("暂扣许可证件",)),
    **dict.fromkeys(("吊销许可证", "吊销执照", "吊销营业执照", "吊销证照"), ("吊销许可证件",)),
    **dict.fromkeys(("责令停业", "停产停业", "责令停产"), ("责令停产停业",)),
    "拘留": ("行政拘留",),
    "降低资质": ("降低资质等级",),
    "没收违法所得和非法财物": ("没收违法所得", "没收非法财物"),
    "没收违法所得及非法财物": ("没收违法所得", "没收非法财物"),
}  # fmt: skip


def parse_penalty_categories(text: str) -> tuple[list[str], dict[str, str]]:
    """处罚类别, several allowed (separated by ; ； , 、 |): (canonical list, {old word: what it became})."""
    found, mapped = _penalty_categories(text)
    return list(found), dict(mapped)


@lru_cache(maxsize=1024)
def _penalty_categories(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    value = nfkc(text).replace("法律、行政法规", "法律行政法规").replace("法律,行政法规", "法律行政法规")
    found: list[str] = []
    mapped: dict[str, str] = {}
    bad: list[str] = []
    for part in _PENALTY_SPLIT.split(value):
        word = "".join(part.split())
        if not word:
            continue
        if word in PENALTY_CATEGORIES:
            targets: tuple[str, ...] = (word,)
        elif word in _PENALTY_ALIASES:
            targets = _PENALTY_ALIASES[word]
            mapped[word] = "、".join(targets)
        else:
            bad.append(word[:20])
            continue
        found.extend(target for target in targets if target not in found)
    if bad:
        raise BadValue(
            f"“{'、'.join(bad[:5])}”不是处罚类别；应为 {'、'.join(PENALTY_CATEGORIES)} 中的一项或多项 "
            "(unknown penalty category)"
        )
    if not found:
        raise BadValue("必填项为空 (required field is empty)")
    return tuple(found), tuple(mapped.items())


SEVERITIES: Final = {**{s.value: s for s in Severity}, **{f"{s.value}失信": s for s in Severity}}


def parse_severity(text: str) -> Severity:
    found = SEVERITIES.get(_key(text))
    if found is None:
        raise BadValue(f"应为 {'、'.join(s.value for s in Severity)} 之一 (unknown severity)")
    return found


# 当前状态: the 2.0 standard codes 1 有效 / 2 无效; the 1.0 one 0 正常 / 1 撤销 / 2 异议 / 3 其他.
STATUS_WORDS: Final = ("有效", "无效", "撤销", "异议", "其他")
_STATUS: Final = {
    **dict.fromkeys(("有效", "正常"), "有效"),
    **dict.fromkeys(("无效", "失效", "注销", "已注销", "过期", "已过期"), "无效"),
    **dict.fromkeys(("撤销", "已撤销", "撤回", "已撤回", "吊销", "已吊销"), "撤销"),
    **dict.fromkeys(("异议", "异议中"), "异议"),
    **dict.fromkeys(("其他", "其它"), "其他"),
}  # fmt: skip
_STATUS_CODES_V2: Final = {"0": "有效", "1": "有效", "2": "无效"}
_STATUS_CODES_V1: Final = {"0": "有效", "1": "撤销", "2": "异议", "3": "其他"}


def parse_status(text: str, *, old_layout: bool) -> str:
    key = _key(text)
    found = _STATUS.get(key) or (_STATUS_CODES_V1 if old_layout else _STATUS_CODES_V2).get(key)
    if found is None:
        codes = "0 正常、1 撤销、2 异议、3 其他" if old_layout else "1 有效、2 无效"
        raise BadValue(f"应为 {'、'.join(STATUS_WORDS)} 或代码 {codes} (unknown status)")
    return found


_ID_TYPES: Final = {
    **{t.value.upper(): t for t in IdType},
    **{t.label: t for t in IdType},
    **dict.fromkeys(("居民身份证", "身份证号", "身份证号码", "二代身份证", "中华人民共和国居民身份证", "111"),
                    IdType.RESIDENT_ID),
    **dict.fromkeys(("护照号", "护照号码", "普通护照", "414"), IdType.PASSPORT),
    **dict.fromkeys(("港澳通行证", "回乡证", "港澳居民来往内地通行证", "516"), IdType.HK_MACAO_PERMIT),
    **dict.fromkeys(("台胞证", "511"), IdType.TAIWAN_PERMIT),
    **dict.fromkeys(("外国人永久居留证", "外国人永久居留身份证", "553"), IdType.FOREIGN_PERMANENT_RESIDENCE),
    **dict.fromkeys(("港澳居民居住证", "台湾居民居住证"), IdType.HMT_RESIDENCE_PERMIT),
}  # fmt: skip


def parse_id_type(text: str) -> IdType:
    """证件类型 by its Chinese name (身份证, 护照...), a GA/T 517 code (111, 414...) or the platform's code."""
    found = _ID_TYPES.get(_key(text).upper())
    if found is None:
        raise BadValue(f"应为 {'、'.join(t.label for t in IdType)} 之一 (unknown ID type)")
    return found
