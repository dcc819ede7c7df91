"""A last line of defence for free text shown to the public: ID numbers, mobile numbers and bank account numbers
that a department typed into a fact or a description (违法事实, 处罚内容, 备注…) are masked before display.

Field-level masking (``records.service.to_view``) handles the fields meant to hold personal data; this catches
the same data where it should not have been. Code fields (USCC, document numbers, licence numbers) are never
passed here: a long digit run there is an identifier of an organisation or a decision. Pure: no framework.
"""

from __future__ import annotations

import re

from xinyong.core.masking import mask_bank_account, mask_id_number, mask_phone

MAX_SCRUB = 20_000

# 18-character resident IDs (last character a digit or X) and 15-digit first-generation IDs.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Bank card and account numbers: 16 to 19 digits, optionally grouped by spaces or hyphens.
_ACCOUNT = re.compile(r"(?<![\d*])\d(?:[ -]?\d){15,18}(?![\d*])")
# Mainland mobiles, optionally with +86 and grouped 3-4-4.
_MOBILE = re.compile(r"(?<![\d*])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\d*])")
# Landlines with an area code: 0792-8881234, (0792)8881234.
_LANDLINE = re.compile(r"(?<![\d*])\(?0\d{2,3}\)?[ -]?\d{7,8}(?![\d*])")


def scrub(text: str) -> str:
    """``text`` with personal numbers masked: ID → first 6 and last 4; phone → 138****5678 or 0792-*****34;
    account → last 4."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    head, tail = text[:MAX_SCRUB], text[MAX_SCRUB:]
    head = _ID.sub(lambda m: mask_id_number(m.group(0)), head)
    head = _ACCOUNT.sub(lambda m: mask_bank_account(m.group(0)), head)
    head = _MOBILE.sub(lambda m: mask_phone(m.group(0)), head)
    head = _LANDLINE.sub(lambda m: mask_phone(m.group(0)), head)
    # Text beyond the scan limit is not shown unscanned.
    return head + ("…" if tail else "")
