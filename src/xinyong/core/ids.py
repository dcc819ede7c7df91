"""Identifiers: 统一社会信用代码 (USCC, GB 32100-2015), 居民身份证号 (GB 11643) and other personal ID types.

Records about an entity join on the USCC only (req §1), so a wrong code silently attaches facts to the
wrong subject. Everything that enters the platform passes through here first. This module is pure Python
(no database, no web framework) so that every layer can use it and its rules can be tested exhaustively.

Errors name the rule that failed (``InvalidUscc.rule`` / ``InvalidResidentId.rule``) so that an upload
report can tell a typo in a check character apart from a code in the wrong format.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from xinyong.core import clock
from xinyong.core.errors import InvalidInput

# ------------------------------------------------------------
# Shared tables
# ------------------------------------------------------------

#: Province-level GB/T 2260 codes (first two digits of a region code), with names for display.
PROVINCES: Final[dict[str, str]] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

#: Region code used by registrations made at national level (e.g. 全国性社会团体 registered by 民政部).
NATIONAL_REGION: Final = "100000"

_DIGITS: Final = "0123456789"
# Only ASCII lowercase is folded: str.upper() would turn e.g. the ligature "ﬀ" into "FF" and let it through.
_ASCII_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def region_name(region_code: str) -> str | None:
    """Province-level name of a 6-digit region code, ``None`` if unknown (full GB/T 2260 is data)."""
    if region_code == NATIONAL_REGION:
        return "国家级"
    return PROVINCES.get(region_code[:2])


def _is_valid_region(region: str) -> bool:
    return (
        len(region) == 6
        and all(c in _DIGITS for c in region)
        and (region == NATIONAL_REGION or region[:2] in PROVINCES)
    )


# ------------------------------------------------------------
# USCC (统一社会信用代码)
# ------------------------------------------------------------

#: The 31 symbols of GB 32100, valued 0..30 in this order (no I, O, S, V, Z).
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1..17: 3^(i-1) mod 31.
USCC_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11714 weights of the organisation code body (USCC positions 9..16).
ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

_USCC_VALUE: Final = {c: i for i, c in enumerate(USCC_ALPHABET)}
_ALPHABET_TEXT: Final = "0-9 and A-H J-N P Q R T U W X Y (no I, O, S, V, Z)"

#: Registration authority (登记管理部门, pos 1) -> (name, {organisation type (机构类别, pos 2) -> name}).
AUTHORITIES: Final[dict[str, tuple[str, dict[str, str]]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                       "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位（社会服务机构）", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构",
                   "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("市场监管", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("军队", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}  # fmt: skip

USCC_RULES: Final = frozenset({"length", "character", "authority_type", "region", "inner_check", "final_check"})

# the rules of GB 32100-2015 a 统一社会信用代码 can break (``USCC_RULES``), as a person reads them
USCC_RULE_NAMES: dict[str, str] = {
    "length": "长度应为 18 位",
    "character": "只能使用数字和除 I、O、S、V、Z 以外的大写字母",
    "authority_type": "第 1 位登记管理部门代码与第 2 位机构类别代码须为有效组合",
    "region": "第 3–8 位须为有效的行政区划代码",
    "inner_check": "第 9–17 位组织机构代码的校验位不正确",
    "final_check": "第 18 位校验码不正确",
}


class InvalidUscc(InvalidInput):
    """A USCC that breaks one rule of GB 32100; ``rule`` says which (one of ``USCC_RULES``)."""

    def __init__(self, message: str, *, rule: str, field: str | None = "uscc", details: Any = None) -> None:
        if rule not in USCC_RULES:
            raise ValueError(f"unknown USCC rule {rule!r}")
        super().__init__(message, field=field, details={"rule": rule, **(details or {})})
        self.rule = rule


@dataclass(frozen=True, slots=True)
class UsccInfo:
    """A valid USCC, decoded."""

    code: str
    authority: str
    authority_name: str
    org_type: str
    org_type_name: str
    region_code: str
    org_code: str  # positions 9..17: the embedded GB 11714 organisation code, incl. its own check char


def _clean(value: object, length: int, what: str, field: str | None) -> str:
    """Strip, check length, fold ASCII lowercase, check the alphabet. Never echoes the (maybe huge) input."""
    if not isinstance(value, str):
        raise InvalidUscc(f"{what} must be text, got {type(value).__name__}", rule="character", field=field)
    text = value.strip()
    if len(text) != length:
        raise InvalidUscc(f"{what} must be {length} characters, got {len(text)}", rule="length", field=field)
    text = text.translate(_ASCII_UPPER)
    for pos, ch in enumerate(text, start=1):
        if ch not in _USCC_VALUE:
            raise InvalidUscc(
                f"{what}: character {ch!r} at position {pos} is not allowed; allowed: {_ALPHABET_TEXT}",
                rule="character",
                field=field,
                details={"position": pos},
            )
    return text


def _check_char_17(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_check_8(first8: str) -> str:
    # GB 11714 values: digits 0-9, letters A=10 ... Z=35 (plain Latin order, unlike the USCC alphabet).
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check_char(first17: str) -> str:
    """Check character (pos 18) for the first 17 characters of a USCC."""
    return _check_char_17(_clean(first17, 17, "USCC body (first 17 characters)", None))


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character for an 8-character organisation code body (digits and uppercase letters)."""
    if not isinstance(first8, str) or not re.fullmatch(r"[0-9A-Za-z]{8}", first8.strip()):
        raise InvalidUscc(
            "organisation code body (组织机构代码本体) must be 8 digits or Latin letters",
            rule="character",
            field=None,
        )
    return _org_check_8(first8.strip().translate(_ASCII_UPPER))


def validate_uscc(code: str, field: str = "uscc") -> UsccInfo:
    """Check a USCC against every rule of GB 32100, in order, and decode it.

    Surrounding whitespace and ASCII lowercase are accepted (people paste codes); anything else is refused.
    Rule order: length, character, authority/type, region, inner check (GB 11714), final check.
    """
    what = "USCC (统一社会信用代码)"
    text = _clean(code, 18, what, field)
    authority, org_type = text[0], text[1]
    entry = AUTHORITIES.get(authority)
    if entry is None:
        raise InvalidUscc(
            f"{what}: registration authority code (登记管理部门码) {authority!r} at position 1 is unknown; "
            f"allowed: {' '.join(AUTHORITIES)}",
            rule="authority_type",
            field=field,
            details={"position": 1},
        )
    authority_name, types = entry
    if org_type not in types:
        allowed = ", ".join(f"{k} {v}" for k, v in types.items())
        raise InvalidUscc(
            f"{what}: organisation type code (机构类别码) {org_type!r} at position 2 is not valid for "
            f"authority {authority!r} {authority_name}; allowed: {allowed}",
            rule="authority_type",
            field=field,
            details={"position": 2},
        )
    region = text[2:8]
    if not _is_valid_region(region):
        raise InvalidUscc(
            f"{what}: region code (登记管理机关行政区划码) {region!r} at positions 3-8 "
            "is not a GB/T 2260 code; "
            f"expected 6 digits starting with a province code, or {NATIONAL_REGION}",
            rule="region",
            field=field,
            details={"position": 3},
        )
    body, inner = text[8:16], text[16]
    expected_inner = _org_check_8(body)
    if inner != expected_inner:
        raise InvalidUscc(
            f"{what}: organisation code check character (组织机构代码校验码) at position 17 is {inner!r}, "
            f"expected {expected_inner!r}",
            rule="inner_check",
            field=field,
            details={"position": 17, "found": inner, "expected": expected_inner},
        )
    expected_final = _check_char_17(text[:17])
    if text[17] != expected_final:
        raise InvalidUscc(
            f"{what}: final check character (校验码) at position 18 is {text[17]!r}, expected {expected_final!r}",
            rule="final_check",
            field=field,
            details={"position": 18, "found": text[17], "expected": expected_final},
        )
    return UsccInfo(
        code=text,
        authority=authority,
        authority_name=authority_name,
        org_type=org_type,
        org_type_name=types[org_type],
        region_code=region,
        org_code=text[8:17],
    )


def is_valid_uscc(code: str) -> bool:
    """True if ``validate_uscc`` accepts the code."""
    try:
        validate_uscc(code)
    except InvalidUscc:
        return False
    return True


def normalise_uscc(code: str) -> str:
    """The canonical (stripped, uppercase) form of a *valid* code; raises ``InvalidUscc`` otherwise.

    Validating here means a normalised code can be used as a join key without a second check.
    """
    return validate_uscc(code).code


def make_uscc(authority: str, org_type: str, region: str, org8: str) -> str:
    """Build a valid USCC from its parts (demo data, tests): adds both check characters, then validates."""
    body = f"{authority}{org_type}{region}{org8}"
    code = body + org_code_check_char(org8)
    return validate_uscc(code + uscc_check_char(code)).code


# ------------------------------------------------------------
# 居民身份证号 (GB 11643)
# ------------------------------------------------------------

RESIDENT_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK: Final = "10X98765432"  # ISO 7064 mod 11-2: (Σ mod 11) -> check character
_EARLIEST_BIRTH: Final = dt.date(1900, 1, 1)

RESIDENT_ID_RULES: Final = frozenset({"length", "character", "region", "birth_date", "check"})


class InvalidResidentId(InvalidInput):
    """A 居民身份证号 that breaks one rule of GB 11643; ``rule`` says which (one of ``RESIDENT_ID_RULES``)."""

    def __init__(self, message: str, *, rule: str, field: str | None = "id_number", details: Any = None) -> None:
        if rule not in RESIDENT_ID_RULES:
            raise ValueError(f"unknown resident ID rule {rule!r}")
        super().__init__(message, field=field, details={"rule": rule, **(details or {})})
        self.rule = rule


@dataclass(frozen=True, slots=True)
class ResidentIdInfo:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "男" (pos 17 odd) or "女" (even)


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 mod 11-2 check character for 17 ASCII digits."""
    if len(first17) != 17 or any(c not in _DIGITS for c in first17):
        raise InvalidResidentId("居民身份证号 body must be 17 digits", rule="character", field=None)
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11]


def validate_resident_id(number: str, field: str = "id_number", today: dt.date | None = None) -> ResidentIdInfo:
    """Check an 18-character resident ID number: length, characters, region, birth date, check digit.

    ``today`` defaults to the platform clock (Beijing date) so that tests can pin it.
    """
    what = "resident ID number (居民身份证号)"
    if not isinstance(number, str):
        raise InvalidResidentId(f"{what} must be text, got {type(number).__name__}", rule="character", field=field)
    text = number.strip()
    if len(text) != 18:
        hint = " (old 15-digit numbers must be upgraded to 18)" if len(text) == 15 else ""
        raise InvalidResidentId(f"{what} must be 18 characters, got {len(text)}{hint}", rule="length", field=field)
    text = text[:17] + ("X" if text[17] == "x" else text[17])
    for pos, ch in enumerate(text, start=1):
        if ch not in _DIGITS and not (pos == 18 and ch == "X"):
            allowed = "a digit or X" if pos == 18 else "a digit"
            raise InvalidResidentId(
                f"{what}: character {ch!r} at position {pos} is not allowed; expected {allowed}",
                rule="character",
                field=field,
                details={"position": pos},
            )
    region = text[:6]
    if region[:2] not in PROVINCES:
        raise InvalidResidentId(
            f"{what}: region code (地址码) {region!r} at positions 1-6 does not start with a province code",
            rule="region",
            field=field,
            details={"position": 1},
        )
    raw = text[6:14]
    try:
        birth = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise InvalidResidentId(
            f"{what}: birth date (出生日期码) {raw!r} at positions 7-14 is not a real date",
            rule="birth_date",
            field=field,
            details={"position": 7},
        ) from None
    limit = today if today is not None else clock.today()
    if not _EARLIEST_BIRTH <= birth <= limit:
        raise InvalidResidentId(
            f"{what}: birth date (出生日期码) {birth.isoformat()} is "
            + ("in the future" if birth > limit else "before 1900-01-01"),
            rule="birth_date",
            field=field,
            details={"position": 7},
        )
    expected = resident_id_check_char(text[:17])
    if text[17] != expected:
        raise InvalidResidentId(
            f"{what}: check digit (校验码) at position 18 is {text[17]!r}, expected {expected!r}",
            rule="check",
            field=field,
            details={"position": 18, "found": text[17], "expected": expected},
        )
    return ResidentIdInfo(number=text, region_code=region, birth_date=birth, sex="男" if int(text[16]) % 2 else "女")


def make_resident_id(region: str, birth: dt.date, seq: int) -> str:
    """Build a valid resident ID (demo data, tests); ``seq`` 0..999 is the order code, its parity the sex."""
    if not 0 <= seq <= 999:
        raise ValueError("seq must be 0..999")
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return validate_resident_id(body + resident_id_check_char(body), today=dt.date.max).number


# ------------------------------------------------------------
# Other personal ID types
# ------------------------------------------------------------


class IdType(StrEnum):
    """证件类型 of a natural person. Stable short codes; ``label`` gives the Chinese name."""

    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"

    @property
    def label(self) -> str:
        return _ID_TYPE_LABELS[self]


_ID_TYPE_LABELS: Final = {
    IdType.RESIDENT_ID: "身份证",
    IdType.PASSPORT: "护照",
    IdType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    IdType.FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
    IdType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
}
_OTHER_ID: Final = re.compile(r"[A-Z0-9()\-]{5,30}")


def validate_person_id(id_type: IdType | str, number: str, field: str = "id_number") -> str:
    """Normalised ID number for a type: resident IDs fully checked, others 5-30 of ``A-Z 0-9 ( ) -``."""
    try:
        kind = IdType(id_type)
    except ValueError:
        allowed = ", ".join(f"{t.value} ({t.label})" for t in IdType)
        raise InvalidInput(f"unknown ID type (证件类型) {id_type!r}; allowed: {allowed}", field="id_type") from None
    if kind is IdType.RESIDENT_ID:
        return validate_resident_id(number, field=field).number
    text = number.strip().translate(_ASCII_UPPER) if isinstance(number, str) else ""
    if not _OTHER_ID.fullmatch(text):
        raise InvalidInput(
            f"{kind.label} number (证件号码) must be 5-30 characters of A-Z, 0-9, '(', ')' or '-'",
            field=field,
            details={"id_type": kind.value},
        )
    return text
