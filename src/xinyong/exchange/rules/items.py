"""Cross-level exchange rules: one upstream list item, its fields normalised and validated (every error of the row
found), parsed with its content hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from xinyong.core.errors import InvalidInput
from xinyong.core.ids import IdType, validate_person_id, validate_uscc
from xinyong.exchange.rules.types import (
    LIMITS,
    LONG_TERM_TEXT,
    MAX_TEXT,
    REQUIRED,
    UPSTREAM_STATUS_WORDS,
    canonical_field,
    field_key,
)
from xinyong.records.ingest.values import LONG_TERM as _LONG_TERM
from xinyong.records.ingest.values import BadValue, parse_date, parse_end_date


@dataclass(frozen=True, slots=True)
class ItemError:
    row: int
    field: str
    reason: str
    upstream_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One validated upstream list item, normalised (dates as dates, the ID number kept only here)."""

    upstream_id: str
    list_code: str
    status: str  # active / exited / revoked
    subject_name: str
    uscc: str | None
    id_type: str | None
    id_number: str | None
    facts: str
    basis: str
    doc_no: str | None
    decision_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    exit_date: dt.date | None
    exit_reason: str | None
    issuing_body: str | None
    upstream_version: int | None
    content: dict[str, Any] = field(default_factory=dict)  # what is hashed and stored (ID number masked)
    long_term: bool = False  # valid_to None because the source said 长期, not because it gave nothing


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise BadValue("值应为文本、数字或空 (expected text, a number or null)")


_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_fields(raw: Mapping[str, object]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Map a raw item's keys to field codes; (fields, errors). Unknown keys are errors (nothing silently dropped
    except empty values)."""
    fields: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for key, value in raw.items():
        code = canonical_field(str(key))
        if code is None:
            errors.append((str(key)[:40], "未知字段 (unknown field)"))
            continue
        try:
            text = _text(value)
        except BadValue as bad:
            errors.append((code, str(bad)))
            continue
        if _CONTROL.search(text):
            errors.append((code, "含控制字符 (control characters)"))
            continue
        if len(text) > LIMITS.get(code, MAX_TEXT):
            errors.append((code, f"超过 {LIMITS.get(code, MAX_TEXT)} 个字符 (too long)"))
            continue
        if code in fields and fields[code] != text:
            errors.append((code, "字段重复且取值不同 (duplicate field)"))
            continue
        if text:
            fields[code] = text
    return fields, errors


def masked_number(number: str) -> str:
    return number[:3] + "*" * max(0, len(number) - 7) + number[-4:] if len(number) > 7 else "*" * len(number)


Report = Callable[[str, str], None]  # (field, reason): one error of the row


def _carried_code(named: str | None, carried: Mapping[str, str], error: Report) -> str | None:
    """The list type code an item names by code or by name, if the source carries it."""
    if named is None:
        return None
    by_name = {v: k for k, v in carried.items()}
    list_code = named if named in carried else by_name.get(named)
    if list_code is None:
        allowed = "、".join(f"{k}（{v}）" for k, v in sorted(carried.items())) or "无"
        error("MDLX", f"该来源未配置此名单类型，可接收：{allowed} (list type not carried by this source)")
    return list_code


def _subject_codes(fields: Mapping[str, str], error: Report) -> tuple[str | None, str | None, str | None]:
    """(USCC, ID type, ID number) of the item's subject: an entity's USCC or a person's ID, exactly one."""
    uscc = id_type = id_number = None
    if "XDR_SHXYM" in fields and ("XDR_ZJHM" in fields or "XDR_ZJLX" in fields):
        error("XDR_SHXYM", "主体只能是统一社会信用代码或证件号码之一 (either a USCC or a person's ID)")
    elif "XDR_SHXYM" in fields:
        try:
            uscc = validate_uscc(fields["XDR_SHXYM"], field="XDR_SHXYM").code
        except InvalidInput as bad:
            error("XDR_SHXYM", bad.message)
    elif "XDR_ZJHM" in fields:
        kind = _id_type(fields.get("XDR_ZJLX", "身份证"))
        if kind is None:
            error("XDR_ZJLX", "证件类型无法识别 (unknown ID type)")
        else:
            try:
                id_number = validate_person_id(kind, fields["XDR_ZJHM"], field="XDR_ZJHM")
                id_type = kind.value
            except InvalidInput as bad:
                error("XDR_ZJHM", bad.message)
    else:
        error("XDR_SHXYM", "须填写统一社会信用代码或证件号码 (a USCC or an ID number is required)")
    return uscc, id_type, id_number


def _dates_and_version(
    fields: Mapping[str, str], error: Report
) -> tuple[dict[str, dt.date | None], dt.date | None, bool, int | None]:
    """The item's dates (decision, valid from, exit), its end date (None and ``long_term`` for 长期), its version."""
    dates: dict[str, dt.date | None] = {}
    for name in ("JDRQ", "YXQZ", "YCRQ"):
        if name in fields:
            try:
                dates[name] = parse_date(fields[name])
            except BadValue as bad:
                error(name, str(bad))
    valid_to: dt.date | None = None
    long_term = False  # the source said 长期 in so many words (an empty cell is no end date given)
    if "YXQZI" in fields:
        try:
            end = parse_end_date(fields["YXQZI"])
            long_term = end == _LONG_TERM
            valid_to = None if long_term else end
        except BadValue as bad:
            error("YXQZI", str(bad))
    version: int | None = None
    if "BBH" in fields:
        if not fields["BBH"].isdigit() or len(fields["BBH"]) > 12:
            error("BBH", "版本号应为非负整数 (version must be a non-negative integer)")
        else:
            version = int(fields["BBH"])
    return dates, valid_to, long_term, version


def parse_item(
    raw: Mapping[str, object],
    *,
    row: int,
    carried: Mapping[str, str],
    today: dt.date,
) -> ParsedItem | list[ItemError]:
    """Validate one upstream item. ``carried``: list type code -> name for the list types the source carries
    (an item may name its type by code or by name). Returns the parsed item, or every error found in the row."""
    fields, problems = normalise_fields(raw)
    upstream_id = fields.get("ID")
    errors = [ItemError(row, f, r, upstream_id) for f, r in problems]

    def error(name: str, reason: str) -> None:
        errors.append(ItemError(row, name, reason, upstream_id))

    for name in REQUIRED:
        if name not in fields:
            error(name, "必填项为空 (required field is empty)")
    list_code = _carried_code(fields.get("MDLX"), carried, error)
    status = UPSTREAM_STATUS_WORDS.get(fields.get("ZT", "有效"))
    if status is None:
        error("ZT", "状态应为 有效、已移出 或 已撤销 (status must be active, exited or revoked)")
    uscc, id_type, id_number = _subject_codes(fields, error)
    dates, valid_to, long_term, version = _dates_and_version(fields, error)
    decision = dates.get("JDRQ")
    valid_from = dates.get("YXQZ") or decision
    if decision is not None and decision > today:
        error("JDRQ", "列入日期晚于今天 (decision date in the future)")
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        error("YXQZI", "有效期至早于有效期自 (valid_to before valid_from)")
    exit_date = dates.get("YCRQ")
    if status in ("exited", "revoked") and exit_date is None:
        exit_date = today
    if status == "active" and exit_date is not None:
        error("YCRQ", "有效状态不应有移出日期 (an active entry has no exit date)")
    if errors or decision is None or valid_from is None or list_code is None or status is None:
        return errors or [ItemError(row, "row", "无法解析 (unreadable row)", upstream_id)]
    assert upstream_id is not None
    content: dict[str, Any] = {
        "ID": upstream_id,
        "MDLX": list_code,
        "ZT": status,
        "XDR_MC": fields["XDR_MC"],
        "XDR_SHXYM": uscc,
        "XDR_ZJLX": id_type,
        "XDR_ZJHM": masked_number(id_number) if id_number else None,
        "XDR_ZJHM_SHA256": hashlib.sha256(id_number.encode()).hexdigest() if id_number else None,
        "LRYY": fields["LRYY"],
        "LRYJ": fields["LRYJ"],
        "WSH": fields.get("WSH"),
        "JDRQ": decision.isoformat(),
        "YXQZ": valid_from.isoformat(),
        "YXQZI": valid_to.isoformat() if valid_to else (LONG_TERM_TEXT if long_term else None),
        "YCRQ": exit_date.isoformat() if exit_date and status != "active" else None,
        "YCYY": fields.get("YCYY"),
        "RDJG": fields.get("RDJG"),
        "BBH": version,
    }
    return ParsedItem(
        upstream_id=upstream_id,
        list_code=list_code,
        status=status,
        subject_name=fields["XDR_MC"],
        uscc=uscc,
        id_type=id_type,
        id_number=id_number,
        facts=fields["LRYY"],
        basis=fields["LRYJ"],
        doc_no=fields.get("WSH"),
        decision_date=decision,
        valid_from=valid_from,
        valid_to=valid_to,
        exit_date=exit_date if status != "active" else None,
        exit_reason=fields.get("YCYY"),
        issuing_body=fields.get("RDJG"),
        long_term=long_term,
        upstream_version=version,
        content=content,
    )


_ID_WORDS: Final = {
    **{t.value: t for t in IdType},
    **{t.label: t for t in IdType},
    "居民身份证": IdType.RESIDENT_ID,
    "身份证号": IdType.RESIDENT_ID,
}


def _id_type(text: str) -> IdType | None:
    return _ID_WORDS.get(unicodedata.normalize("NFKC", text).strip())


def content_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the item's canonical JSON: the same content always hashes the same, whatever the key order."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def same_name(local: str, upstream: str) -> bool:
    """Names match ignoring width, spaces and brackets' width (（） vs ())."""
    return field_key(local) == field_key(upstream)
