"""The desensitiser's numbers: resident IDs (by structure), passports and certificates, phones, bank accounts and
e-mail.
"""

from __future__ import annotations

import datetime as dt
import re

from xinyong.core.ids import is_valid_uscc
from xinyong.core.masking import (
    mask_bank_account,
    mask_email,
    mask_id_number,
    mask_phone,
)
from xinyong.privacy.rules.ruleset import AT_REST_KINDS, Finding, resolve

_RUN = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?\d(?:[ -]?\d){5,22}(?:[ -]?[Xx])?(?![0-9A-Za-z])")

_PAREN_LANDLINE = re.compile(r"(?<![0-9])\(0\d{2,3}\)[ -]?\d{7,8}(?:(?:-|转|分机)\d{1,6})?(?![0-9])")

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}"
)

_PASSPORT_BARE = re.compile(r"(?<![A-Za-z0-9])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})(?![A-Za-z0-9])")

_CERT_WORDS = (
    "护照号码", "护照号", "护照", "港澳通行证", "台湾通行证", "通行证号码", "通行证", "证件号码", "证件号",
    "身份证号码", "身份证号", "公民身份号码", "身份号码", "身份证", "台胞证", "军官证", "士兵证", "驾驶证号",
    "驾驶证", "居住证",
    "居留证", "回乡证", "社保卡号", "社会保障号码", "医保卡号", "学生证号", "工作证号",
)  # fmt: skip

_CERT = re.compile(
    "(?:" + "|".join(map(re.escape, _CERT_WORDS)) + r")[（(]?(?:号码|号)?[)）]?[：:\s]*(?:为|是)?[：:\s]*"
    r"([A-Za-z0-9](?:[ -]?[A-Za-z0-9]){5,24})(?![A-Za-z0-9])"
)

_PHONE_WORDS = re.compile(
    r"(?:电话|手机|联系方式|座机|传真|热线|TEL|Tel|tel|微信|号码)[号码]?[：:\s]*(?:为|是)?[：:\s]*$"
)

_BANK_WORDS = re.compile(r"(?:账号|帐号|卡号|银行卡|账户|帐户|存折|开户行|收款账号)[号码]?[：:\s]*(?:为|是)?[：:\s]*$")

_CODE_WORDS = re.compile(
    r"(?:信用代码|注册号|代码|编号|文号|许可证号|证书号|批准号|案号|单号|流水号|发票号|登记号|备案号)[：:\s]*$"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

_ID_CHECK = "10X98765432"


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _looks_like_id(chars: str) -> bool:
    """An 18-character resident ID (check digit right, or a plausible region and birth date) or a 15-digit one."""
    if len(chars) == 18 and chars[:17].isdigit() and (chars[17].isdigit() or chars[17] == "X"):
        if chars[0] not in "12345678":
            return False
        total = sum(int(c) * w for c, w in zip(chars[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] == chars[17]:
            return True
        year, month, day = int(chars[6:10]), int(chars[10:12]), int(chars[12:14])
        return 1900 <= year <= 2100 and _valid_date(year, month, day)
    if len(chars) == 15 and chars.isdigit():
        return chars[0] in "12345678" and _valid_date(1900 + int(chars[6:8]), int(chars[8:10]), int(chars[10:12]))
    return False


def number_findings(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _EMAIL.finditer(text):
        found.append(Finding("email", m.start(), m.end(), mask_email(m.group(0))))
    for m in _CERT.finditer(text):
        number = re.sub(r"[\s-]", "", m.group(1)).upper()
        kind = "id" if _looks_like_id(number) else "passport"
        found.append(Finding(kind, m.start(1), m.end(1), mask_id_number(number)))
    for m in _PASSPORT_BARE.finditer(text):
        found.append(Finding("passport", m.start(), m.end(), mask_id_number(m.group(0))))
    for m in _PAREN_LANDLINE.finditer(text):
        found.append(Finding("phone", m.start(), m.end(), mask_phone(m.group(0))))
    for m in _RUN.finditer(text):
        found += _classify_run(text, m.start(), m.group(0))
    return found


def find_numbers(text: str) -> list[Finding]:
    """Identifiers and contact numbers in ``text`` (normalised first by the caller: :func:`normalise`): resident IDs,
    passports and other certificates, phones, bank accounts, e-mail; non-overlapping, in order."""
    return resolve([f for f in number_findings(text) if f.kind in AT_REST_KINDS])


def _classify_run(text: str, offset: int, raw: str) -> list[Finding]:
    """A run of digits (grouped by spaces or dashes) as one number, or, when it is none as a whole, as consecutive
    groups that are (two numbers written side by side)."""
    whole = _classify(text, offset, raw)
    if whole is not None:
        return [whole]
    pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\s-]+", raw)]
    found: list[Finding] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            if i == 0 and j == len(pieces):
                continue
            start, end = pieces[i][0], pieces[j - 1][1]
            finding = _classify(text, offset + start, raw[start:end])
            if finding is not None:
                found.append(finding)
                i = j
                break
        else:
            i += 1
    return found


def _classify(text: str, start: int, raw: str) -> Finding | None:
    end = start + len(raw)
    chars = re.sub(r"[\s-]", "", raw).upper()
    before = text[max(0, start - 12) : start]
    digits = chars.lstrip("+")
    if len(digits) < 7 or _CODE_WORDS.search(before):
        return None  # short, or a code of an organisation or a decision
    if _looks_like_id(digits):
        return Finding("id", start, end, mask_id_number(digits))
    if not digits.isdigit():
        return None
    length = len(digits)
    if length == 18 and not digits.startswith("62") and is_valid_uscc(digits):
        return None  # an organisation's 统一社会信用代码 (public), not an account (UnionPay cards start 62)
    local = digits[2:] if digits.startswith("86") and length == 13 else digits
    if len(local) == 11 and local[0] == "1" and local[1] in "3456789":
        return Finding("phone", start, end, mask_phone(local))
    if 16 <= length <= 19:
        return Finding("bank", start, end, mask_bank_account(digits))
    if _BANK_WORDS.search(before) and 10 <= length <= 22:
        return Finding("bank", start, end, mask_bank_account(digits))
    if digits[0] == "0" and 10 <= length <= 12 and digits[1] != "0":
        return Finding("phone", start, end, mask_phone(raw))
    if _PHONE_WORDS.search(before) and 7 <= length <= 12:
        return Finding("phone", start, end, mask_phone(raw))
    return None
