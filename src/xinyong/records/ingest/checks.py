"""The checker of one row: collects every error (row, field code, Chinese reason) instead of stopping at the first.

Generic rules live here: text limits (``LIMITS``; any value over ``MAX_CONTENT_VALUE`` characters is refused, naming
the field), control characters (tab and newline are allowed; text that looks like a spreadsheet formula is data),
USCCs (``core.ids.validate_uscc``, cached: a file repeats its authorities' codes on every row) and personal IDs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, TypeVar

from xinyong.core.errors import InvalidInput
from xinyong.core.ids import USCC_RULE_NAMES, IdType, InvalidUscc, validate_person_id, validate_uscc
from xinyong.records.ingest import values as v
from xinyong.records.ingest.files import cell_text
from xinyong.records.ingest.layouts import LABELS, PROVENANCE_ONLY, Layout
from xinyong.records.rules import MAX_CONTENT_VALUE, Kind, Severity

LIMITS: Final = {
    "XDR_MC": 200, "WSH": 128, "XKWS": 300, "CFMC": 300, "XKZS": 300, "XKBH": 128, "FRDB": 100,
    "NR": 4000, "SY": 4000, "YJ": 4000, "BZ": 4000, "WFXW": 1000, "NR_ZKDX": 1000,
    "XKJG": 200, "CFJG": 200, "LYDW": 200, "SJLY": 200,
    "XDR_GSZC": 64, "XDR_ZZJG": 64, "XDR_SWDJ": 64, "XDR_SYDW": 64, "XDR_SHZZ": 64,
    "FR_ZJLX": 32, "XDR_ZJLX": 32, "FR_ZJHM": 64, "XDR_ZJHM": 64,
}  # fmt: skip
#: Fields whose inner line breaks and runs of spaces become one space (names, document numbers).
SINGLE_LINE: Final = frozenset({"XDR_MC", "WSH", "XKWS", "CFMC", "FRDB", "XKJG", "CFJG", "LYDW", "SJLY", "XKBH"})
CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_COLLAPSIBLE: Final = re.compile(r"\s\s|[^\S ]")  # two spaces, or any whitespace but a plain space
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str  # the field code as the department knows it (CF_XDR_SHXYM, or the 1.0 code / the header)
    reason: str  # Chinese, with the English gist
    column: str | None = None  # the header of the file's column, when there is one


@lru_cache(maxsize=8192)
def check_uscc(code: str) -> tuple[str, str]:
    """(normalised code, "") or ("", reason)."""
    try:
        return validate_uscc(v.nfkc(code)).code, ""
    except InvalidUscc as exc:
        return "", f"代码不正确：{USCC_RULE_NAMES.get(exc.rule, '不符合 GB 32100-2015')}"


def _text(value: object) -> str | None:
    """A JSON value as cell text: numbers as in a spreadsheet, lists joined by "；", null as empty."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return cell_text(value)
    if isinstance(value, list | tuple) and all(isinstance(item, str | int | float) for item in value):
        return "；".join(cell_text(item) for item in value)
    return None  # an object, or a list of objects: not a cell


class RowCheck:
    """The checks of one row; collects errors instead of stopping at the first."""

    def __init__(self, kind: Kind, fields: Mapping[str, object], layout: Layout, row: int) -> None:
        self.kind, self.layout, self.row = kind, layout, row
        self.labels = LABELS[kind]
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []  # accepted anyway, shown in the row results
        self.fields: dict[str, str] = {}
        self.extra: dict[str, str] = {}
        self.content: dict[str, Any] = {}
        self.notes: dict[str, Any] = {}
        self.severity: Severity | None = None
        items: dict[str, str] = {}
        not_text: set[str] = set()
        for name, raw in fields.items():
            text = _text(raw)
            if text is None:
                not_text.add(name)
                self.error(name, "应为文本、数字或它们的列表 (expected text, a number or a list of them)")
            elif text := text.strip():
                items[name] = text
        self.present = items.keys() | not_text  # given, even if refused: not reported as missing too
        # One search over the whole row; the per-field search only runs when something is there.
        suspicious = CONTROL.search("".join(items.values())) is not None
        labels, fields_out, content = self.labels, self.fields, self.content
        for name, value in items.items():
            if len(value) > LIMITS.get(name, MAX_CONTENT_VALUE) or (suspicious and CONTROL.search(value)):
                self._fits(name, value)  # records why
            elif name not in labels:
                self.extra[name] = value
            else:
                if name in SINGLE_LINE and _COLLAPSIBLE.search(value):
                    value = " ".join(value.split())
                fields_out[name] = value
                if name not in PROVENANCE_ONLY:
                    content[name] = value

    def error(self, name: str, reason: str) -> None:
        self.errors.append(self._row_error(name, reason))

    def warn(self, name: str, reason: str) -> None:
        self.warnings.append(self._row_error(name, reason))

    def _row_error(self, name: str, reason: str) -> RowError:
        if name in self.labels:
            field, label, column = self.layout.code(name), self.labels[name], self.layout.column(name)
        else:  # a column (or JSON key) that is not a national field
            field = label = column = name[:64]
        return RowError(self.row, field, f"{label}：{reason}", column)

    def _fits(self, name: str, value: str) -> bool:
        limit = LIMITS.get(name, MAX_CONTENT_VALUE)
        if len(value) > limit:
            self.error(name, f"超过 {limit:,} 个字符（共 {len(value):,} 个） (too long: at most {limit:,} characters)")
            return False
        if CONTROL.search(value):
            self.error(name, "含有控制字符 (contains control characters)")
            return False
        return True

    def check_unknown(self, original: Mapping[str, str]) -> None:
        """The file's unknown columns go to the provenance: the same limits apply to them."""
        for header in self.layout.unknown:
            value = original.get(header)
            if value:
                self._fits(header, value)

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    def parsed(self, name: str, parser: Callable[[str], T]) -> T | None:
        """``parser(value)`` for a present field, ``None`` when absent or bad (the error is recorded)."""
        value = self.fields.get(name)
        if value is None:
            return None
        try:
            return parser(value)
        except v.BadValue as exc:
            self.error(name, str(exc))
            return None

    def uscc(self, name: str) -> str | None:
        value = self.fields.get(name)
        if value is None:
            return None
        code, reason = check_uscc(value)
        if reason:
            self.error(name, reason)
            return None
        self.content[name] = code
        return code

    def person_id(self, type_field: str, number_field: str) -> tuple[IdType, str] | None:
        """A checked (type, number) pair; a type without a number is ignored, a number without a type is an error."""
        number = self.fields.get(number_field)
        if number is None:
            return None
        id_type = self.parsed(type_field, v.parse_id_type)
        if type_field not in self.fields:
            self.error(type_field, "填写了证件号码时必填 (required with an ID number)")
        if id_type is None:
            return None
        try:
            clean = validate_person_id(id_type, v.nfkc(number), field=number_field)
        except InvalidInput as exc:
            self.error(number_field, f"证件号码不正确 (invalid ID number)：{exc.message}")
            return None
        self.content[type_field] = id_type.label
        self.content[number_field] = clean
        return id_type, clean
