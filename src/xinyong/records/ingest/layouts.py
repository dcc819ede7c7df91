"""Header recognition for 双公示 files: the national 2.0 field codes, the older 1.0 layout, Chinese names.

Canonical field names are the 2.0 codes without their ``XK_`` (行政许可) / ``CF_`` (行政处罚) prefix
(``XDR_MC``, ``WSH``, ``CFLB``...), as req §3.3 lists them. A header is recognised as

- the 2.0 code with or without its prefix (``CF_XDR_MC``, ``XDR_MC``, lowercase too);
- a 1.0 code (``CF_CFMC``, ``CF_CFLB1``/``CF_CFLB2``, ``CF_XDR_ZDM``, ``CF_XDR_GSDJ``, ``CF_XDR_SFZ``,
  ``CF_FR_SFZH``/``XK_FR_SFZH`` (法定代表人身份证号 -> ``FR_ZJHM`` with ``FR_ZJLX`` = 身份证), ``CF_FR``,
  ``CF_JG``, ``CF_XZJG``, ``DFBM``, ``SJC``; ``XK_XMMC``, ``XK_SPLB``, ``XK_XDR``, ``XK_FR``, ``XK_JZQ``,
  ``XK_XZJG``...), mapped onto the 2.0 field it became (``CF_JG`` -> ``NR``, ``CF_CFLB1`` + ``CF_CFLB2`` ->
  ``CFLB``, ``XK_XMMC`` -> ``XKWS``, ``XK_SPLB`` -> ``XKLB``, ``XK_JZQ`` -> ``YXQZI``, ``*_XDR_SFZ`` ->
  ``XDR_ZJHM`` with ``XDR_ZJLX`` = 身份证);
- a Chinese field name (相对人名称, 行政处罚决定书文号, 罚款金额（万元）...), including the numbered subject-code
  headers of the 1.0 exchange templates, whose numbers differ from 2.0's: ``行政相对人代码_2(组织机构代码)`` ->
  ``XDR_ZZJG``, ``行政相对人代码_3(工商登记码)`` -> ``XDR_GSZC``, ``行政相对人代码_5(居民身份证号)`` -> ``XDR_ZJHM``
  with ``XDR_ZJLX`` = 身份证 (2.0's own ``行政相对人代码_2(工商注册号)``… are 2.0 names).

Matching ignores spaces, full-width vs half-width characters (NFKC), case, ``*``/``※`` marks and trailing
"(必填)"-style notes. The layout is "national-1.0" when more headers are 1.0-only than 2.0-only, otherwise
"national-2.0". Unknown headers are kept (``Layout.unknown``) and their values go to the provenance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from xinyong.core.errors import InvalidInput
from xinyong.core.masking import mask_id_number
from xinyong.records.rules import Kind

NATIONAL_2: Final = "national-2.0"
NATIONAL_1: Final = "national-1.0"
PREFIX: Final = {Kind.LICENSE: "XK_", Kind.PENALTY: "CF_", Kind.EVALUATION: "PJ_"}
KIND_NAMES: Final = {Kind.LICENSE: "行政许可", Kind.PENALTY: "行政处罚", Kind.EVALUATION: "行业信用评价"}

# (code, national Chinese name, required in 2.0, other Chinese names)
_Spec = tuple[str, str, bool, tuple[str, ...]]
_SUBJECT: Final[tuple[_Spec, ...]] = (
    ("XDR_MC", "行政相对人名称", True, ("相对人名称",)),
    ("XDR_LB", "行政相对人类别", True, ("相对人类别",)),
    ("XDR_SHXYM", "统一社会信用代码", False, ("行政相对人代码_1(统一社会信用代码)", "相对人统一社会信用代码")),
    ("XDR_GSZC", "工商注册号", False, ("行政相对人代码_2(工商注册号)",)),
    ("XDR_ZZJG", "组织机构代码", False, ("行政相对人代码_3(组织机构代码)",)),
    ("XDR_SWDJ", "税务登记号", False, ("行政相对人代码_4(税务登记号)",)),
    ("XDR_SYDW", "事业单位证书号", False, ("行政相对人代码_5(事业单位证书号)",)),
    ("XDR_SHZZ", "社会组织登记证号", False, ("行政相对人代码_6(社会组织登记证号)",)),
    ("FRDB", "法定代表人", False, ("法定代表人姓名", "负责人", "经营者")),
    ("FR_ZJLX", "法定代表人证件类型", False, ()),
    ("FR_ZJHM", "法定代表人证件号码", False, ("法定代表人身份证号", "法定代表人身份证号码")),
    ("XDR_ZJLX", "证件类型", False, ("相对人证件类型", "行政相对人证件类型")),
    ("XDR_ZJHM", "证件号码", False, ("相对人证件号码", "行政相对人证件号码")),
)
_LICENSE: Final[tuple[_Spec, ...]] = (
    ("XKWS", "行政许可决定文书名称", True, ("决定文书名称", "许可决定文书名称")),
    ("WSH", "行政许可决定文书号", True, ("文书号", "决定文书号", "许可决定文书号", "行政许可决定书文号")),
    ("XKLB", "许可类别", True, ()),
    ("XKZS", "许可证书名称", False, ()),
    ("XKBH", "许可编号", False, ()),
    ("NR", "许可内容", True, ()),
    ("JDRQ", "许可决定日期", True, ("决定日期",)),
    ("YXQZ", "有效期自", True, ()),
    ("YXQZI", "有效期至", True, ()),
    ("XKJG", "许可机关", True, ()),
    ("XKJGDM", "许可机关统一社会信用代码", True, ()),
    ("ZT", "当前状态", True, ()),
    ("LYDW", "数据来源单位", True, ()),
    ("LYDWDM", "数据来源单位统一社会信用代码", True, ()),
    ("BZ", "备注", False, ()),
)
_PENALTY: Final[tuple[_Spec, ...]] = (
    ("WSH", "行政处罚决定书文号", True, ("决定书文号", "处罚决定书文号", "文书号")),
    ("WFXW", "违法行为类型", True, ()),
    ("SY", "违法事实", True, ()),
    ("YJ", "处罚依据", True, ()),
    ("CFLB", "处罚类别", True, ()),
    ("NR", "处罚内容", True, ()),
    ("NR_FK", "罚款金额（万元）", False, ("罚款金额",)),
    ("NR_WFFF", "没收违法所得、没收非法财物的金额（万元）", False, ("没收违法所得、没收非法财物的金额", "没收金额")),
    ("NR_ZKDX", "暂扣或吊销证照名称及编号", False, ()),
    ("JDRQ", "处罚决定日期", True, ("决定日期",)),
    ("YXQ", "处罚有效期", True, ()),
    ("GSJZQ", "公示截止期", False, ()),
    ("CFJG", "处罚机关", True, ()),
    ("CFJGDM", "处罚机关统一社会信用代码", True, ()),
    ("SJLY", "数据来源单位", True, ()),
    ("SJLYDM", "数据来源单位统一社会信用代码", True, ()),
    ("BZ", "备注", False, ()),
    # Not in the national 2.0 penalty layout: a local severity column, the status column many systems
    # still export, and the 1.0 title.
    ("YZCD", "严重程度", False, ("失信严重程度",)),
    ("ZT", "当前状态", False, ()),
    ("CFMC", "处罚名称", False, ()),
)
# 行业信用评价 (信用评价结果信息: 纳税信用等级, 市场监管信用风险分类, 行业主管部门的信用评价…). No national file
# standard: the platform's own ``PJ_`` layout, with the same subject fields as 双公示 files.
_EVALUATION: Final[tuple[_Spec, ...]] = (
    ("WSH", "评价文书号", True, ("评价编号", "文书号", "评价结果文号")),
    ("PJLX", "评价类型", True, ("评价名称", "信用评价类型", "评价项目")),
    ("PJJG", "评价结果", True, ("评价等级", "信用等级", "风险等级", "信用评价结果")),
    ("PJND", "评价年度", False, ("年度", "评价周期")),
    ("JDRQ", "评价日期", True, ("决定日期", "评定日期", "发布日期")),
    ("YXQZI", "有效期至", False, ()),
    ("PJJGMC", "评价单位", True, ("评价机关", "评价部门")),
    ("PJJGDM", "评价单位统一社会信用代码", True, ("评价机关统一社会信用代码",)),
    ("ZT", "当前状态", False, ()),
    ("SJLY", "数据来源单位", True, ()),
    ("SJLYDM", "数据来源单位统一社会信用代码", True, ()),
    ("BZ", "备注", False, ()),
)
#: The specs of each kind's layout (subject fields first).
SPECS: Final = {Kind.LICENSE: _LICENSE, Kind.PENALTY: _PENALTY, Kind.EVALUATION: _EVALUATION}
#: 1.0 codes (without prefix) -> canonical field. DFBM/SJC are kept in the provenance only.
_OLD_CODES: Final[dict[Kind, dict[str, str]]] = {
    Kind.PENALTY: {
        "CFMC": "CFMC", "CFLB1": "CFLB", "CFLB2": "CFLB", "XDR_ZDM": "XDR_ZZJG", "XDR_GSDJ": "XDR_GSZC",
        "XDR_SFZ": "XDR_ZJHM", "FR": "FRDB", "JG": "NR", "XZJG": "CFJG", "DFBM": "DFBM", "SJC": "SJC",
        "FR_SFZH": "FR_ZJHM",
    },
    Kind.LICENSE: {
        "XMMC": "XKWS", "SPLB": "XKLB", "XDR": "XDR_MC", "XDR_ZDM": "XDR_ZZJG", "XDR_GSDJ": "XDR_GSZC",
        "XDR_SFZ": "XDR_ZJHM", "FR": "FRDB", "JZQ": "YXQZI", "XZJG": "XKJG", "DFBM": "DFBM", "SJC": "SJC",
        "FR_SFZH": "FR_ZJHM",
    },
    Kind.EVALUATION: {},  # no 1.0 layout
}  # fmt: skip
#: The numbered 行政相对人代码 headers of the 1.0 exchange templates many department systems still export; the
#: numbers there differ from 2.0's (代码_2 is the 组织机构代码, 代码_3 the 工商登记码, 代码_5 the 居民身份证号).
#: Header -> (canonical field, 1.0 code without prefix). Their 2.0 namesakes (代码_2(工商注册号)…) stay 2.0 names.
#: An ID number there, or under ``*_FR_SFZH``, is a resident ID (证件类型 身份证 implied).
_LEGACY_NUMBERED: Final[dict[str, tuple[str, str]]] = {
    "行政相对人代码_2(组织机构代码)": ("XDR_ZZJG", "XDR_ZDM"),
    "行政相对人代码_3(工商登记码)": ("XDR_GSZC", "XDR_GSDJ"),
    "行政相对人代码_5(居民身份证号)": ("XDR_ZJHM", "XDR_SFZ"),
}
#: 1.0 Chinese names -> (canonical field, 1.0 code).
_OLD_NAMES: Final[dict[Kind, dict[str, tuple[str, str]]]] = {
    Kind.PENALTY: {
        "处罚类别1": ("CFLB", "CF_CFLB1"), "处罚类别2": ("CFLB", "CF_CFLB2"), "处罚事由": ("SY", "CF_SY"),
        "处罚结果": ("NR", "CF_JG"), "工商登记码": ("XDR_GSZC", "CF_XDR_GSDJ"),
        "居民身份证号": ("XDR_ZJHM", "CF_XDR_SFZ"), "地方编码": ("DFBM", "DFBM"),
        "数据更新时间戳": ("SJC", "SJC"), "时间戳": ("SJC", "SJC"),
        **{name: (code, "CF_" + old) for name, (code, old) in _LEGACY_NUMBERED.items()},
    },
    Kind.LICENSE: {
        "项目名称": ("XKWS", "XK_XMMC"), "审批类别": ("XKLB", "XK_SPLB"), "许可截止期": ("YXQZI", "XK_JZQ"),
        "截止期": ("YXQZI", "XK_JZQ"), "工商登记码": ("XDR_GSZC", "XK_XDR_GSDJ"),
        "居民身份证号": ("XDR_ZJHM", "XK_XDR_SFZ"), "地方编码": ("DFBM", "DFBM"),
        "数据更新时间戳": ("SJC", "SJC"), "时间戳": ("SJC", "SJC"),
        **{name: (code, "XK_" + old) for name, (code, old) in _LEGACY_NUMBERED.items()},
    },
    Kind.EVALUATION: {},
}  # fmt: skip
#: 2.0 codes (without prefix) the 1.0 layout already had, unchanged.
_V1_SHARED_CODES: Final = {
    Kind.PENALTY: frozenset({"WSH", "SY", "YJ", "XDR_MC", "XDR_SHXYM", "XDR_SWDJ", "JDRQ", "ZT", "BZ"}),
    Kind.LICENSE: frozenset({"WSH", "NR", "XDR_SHXYM", "XDR_SWDJ", "JDRQ", "ZT", "BZ"}),
    Kind.EVALUATION: frozenset(code for code, _, _, _ in (*_SUBJECT, *_EVALUATION)),  # one generation only
}
#: Canonical fields the 1.0 layout has under some name (the others only exist in 2.0).
_V1_FIELDS: Final = {kind: _V1_SHARED_CODES[kind] | frozenset(_OLD_CODES[kind].values()) for kind in SPECS}
#: Columns a file must have to be usable, per layout (rows still need values; see validate.py).
_V1_REQUIRED: Final = {
    Kind.PENALTY: ("WSH", "XDR_MC", "CFLB", "SY", "YJ", "NR", "JDRQ", "CFJG"),
    Kind.LICENSE: ("WSH", "XDR_MC", "XKWS", "XKLB", "NR", "JDRQ", "XKJG"),
    Kind.EVALUATION: (),  # never chosen: the evaluation layout has no 1.0 codes
}
#: Canonical fields kept in the provenance only, never in the record's content (SJC changes on every export).
PROVENANCE_ONLY: Final = frozenset({"DFBM", "SJC"})
#: Merged when several columns map onto them (1.0 CFLB1 + CFLB2).
_MERGED: Final = frozenset({"CFLB"})
_ID_NUMBER_FIELDS: Final = frozenset({"FR_ZJHM", "XDR_ZJHM"})
_ID_WORDS: Final = ("身份证", "证件号", "ZJHM", "SFZ", "护照", "通行证", "居住证")
_NOTE: Final = re.compile(r"\((?:必填|选填|可选|非必填|必填项|选填项|可空)\)$")

LABELS: Final[dict[Kind, dict[str, str]]] = {
    kind: {code: label for code, label, _, _ in (*_SUBJECT, *specs)} | {"DFBM": "地方编码", "SJC": "数据更新时间戳"}
    for kind, specs in SPECS.items()
}
REQUIRED: Final[dict[Kind, frozenset[str]]] = {
    kind: frozenset(code for code, _, required, _ in (*_SUBJECT, *specs) if required) for kind, specs in SPECS.items()
}
REQUIRED_V1: Final = {kind: frozenset(codes) for kind, codes in _V1_REQUIRED.items()}


def normalise_header(text: str) -> str:
    """The key a header is matched by: NFKC, no whitespace, no ``*``/``※`` marks or "(必填)" notes, upper case,
    no list punctuation (、 and commas)."""
    key = "".join(unicodedata.normalize("NFKC", text).split()).strip("*※")
    key = _NOTE.sub("", key).strip("*※")
    return key.replace("、", "").replace(",", "").upper()


def is_id_header(header: str) -> bool:
    """Whether an unknown column's name says it holds personal ID numbers (its values are masked)."""
    key = normalise_header(header)
    return any(word in key for word in _ID_WORDS)


def as_kind(kind: Kind | str) -> Kind:
    """``license``, ``penalty`` (the kinds a 双公示 file holds) or ``evaluation`` (行业信用评价), else
    ``InvalidInput``."""
    for known in PREFIX:
        if kind == known:
            return known
    raise InvalidInput(
        f"files hold license, penalty or evaluation records, not {str(kind)[:30]!r} "
        "(导入类型应为行政许可、行政处罚或行业信用评价)",
        field="kind",
    )


# generation of a match: "2.0" (only in the 2.0 layout), "1.0" (only in 1.0), "" (both)
_Match = tuple[str, str, str]  # (canonical, generation, department-facing code)


def _build(kind: Kind) -> dict[str, _Match]:
    prefix = PREFIX[kind]
    specs = (*_SUBJECT, *SPECS[kind])
    table: dict[str, _Match] = {}
    for code, label, _, aliases in specs:
        by_code = "" if code in _V1_SHARED_CODES[kind] else "2.0"
        by_name = "" if code in _V1_FIELDS[kind] else "2.0"
        keys = ((prefix + code, by_code), (code, by_code), *((name, by_name) for name in (label, *aliases)))
        for key, generation in keys:
            table.setdefault(normalise_header(key), (code, generation, prefix + code))
    for old, code in _OLD_CODES[kind].items():
        for key in (prefix + old, old):
            table[normalise_header(key)] = (code, "1.0", old if code in PROVENANCE_ONLY else prefix + old)
    for name, (code, old_code) in _OLD_NAMES[kind].items():
        table[normalise_header(name)] = (code, "1.0", old_code)
    return table


_TABLES: Final = {kind: _build(kind) for kind in PREFIX}


@dataclass(frozen=True)
class Layout:
    """How one file's columns map onto canonical fields."""

    name: str  # NATIONAL_2 or NATIONAL_1
    kind: Kind
    headers: tuple[str, ...]
    columns: dict[int, str]  # column index -> canonical field
    unknown: list[str]  # headers not recognised: kept in the provenance
    codes: dict[str, str] = field(default_factory=dict)  # canonical -> code as the department knows it
    sensitive: frozenset[int] = frozenset()  # columns whose values are masked in the provenance
    implied_id_type: bool = False  # 1.0 *_XDR_SFZ: an ID number there is a resident ID
    implied_representative_id_type: bool = False  # 1.0 *_FR_SFZH: the representative's number is a resident ID

    def code(self, canonical: str) -> str:
        """The field code to name in a row error: the file's own code (1.0 or 2.0), else the 2.0 code."""
        return self.codes.get(canonical) or PREFIX[self.kind] + canonical

    def column(self, canonical: str) -> str | None:
        """The header text of the column holding a canonical field, if the file has one."""
        return next((self.headers[i] for i, name in self.columns.items() if name == canonical), None)

    def split(self, cells: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
        """(canonical field -> value, header -> original value) for one row; empty cells are left out, ID
        numbers are masked in the originals (the clear value is only in the fields)."""
        fields: dict[str, str] = {}
        for index, name in self.columns.items():
            value = cells[index]
            if value:
                fields[name] = f"{fields[name]}；{value}" if name in fields else value
        if self.implied_id_type and fields.get("XDR_ZJHM") and not fields.get("XDR_ZJLX"):
            fields["XDR_ZJLX"] = "身份证"
        if self.implied_representative_id_type and fields.get("FR_ZJHM") and not fields.get("FR_ZJLX"):
            fields["FR_ZJLX"] = "身份证"
        original = {
            self.headers[i]: mask_id_number(value) if i in self.sensitive else value
            for i, value in enumerate(cells)
            if value
        }
        return fields, original


def layout_for_fields(kind: Kind | str, name: str = NATIONAL_2) -> Layout:
    """A layout with no file behind it (JSON rows keyed by canonical fields): error codes are the 2.0 codes."""
    return Layout(name=name, kind=as_kind(kind), headers=(), columns={}, unknown=[])


def guess_kind(headers: Iterable[str]) -> Kind | None:
    """License, penalty or evaluation from the headers (``XK_`` / ``CF_`` / ``PJ_`` codes, names only one kind
    has), else None."""
    score = dict.fromkeys(PREFIX, 0)
    for header in headers:
        key = normalise_header(header)
        hits = [kind for kind, prefix in PREFIX.items() if key.startswith(prefix)]
        if not hits:
            hits = [kind for kind in PREFIX if key in _TABLES[kind]]
        if len(hits) == 1:
            score[hits[0]] += 1
    best = max(score, key=score.__getitem__)
    return best if score[best] > min(score.values()) else None


def detect_layout(headers: Sequence[str], kind: Kind | str, *, strict: bool = True) -> Layout:
    """Recognise the headers of a ``kind`` file. ``InvalidInput`` (field "file") when nothing is recognised, two
    columns hold one field, or (``strict``) a column the layout requires is missing."""
    kind = as_kind(kind)
    table = _TABLES[kind]
    columns: dict[int, str] = {}
    codes: dict[str, str] = {}
    seen: dict[str, int] = {}
    unknown: list[str] = []
    sensitive: set[int] = set()
    counts = {"1.0": 0, "2.0": 0, "": 0}
    implied = implied_representative = False
    for index, header in enumerate(headers):
        key = normalise_header(header)
        match = table.get(key)
        if match is None:
            unknown.append(header)
            if is_id_header(header):
                sensitive.add(index)
            continue
        canonical, generation, code = match
        if canonical in seen and canonical not in _MERGED:
            first = headers[seen[canonical]]
            raise InvalidInput(
                f"columns {first!r} and {header!r} both hold {PREFIX[kind]}{canonical} "
                f"{LABELS[kind].get(canonical, '')} (两列对应同一字段)",
                field="file",
                details={"columns": [first, header], "field": PREFIX[kind] + canonical},
            )
        seen.setdefault(canonical, index)
        columns[index] = canonical
        codes.setdefault(canonical, code)
        counts[generation] += 1
        if canonical in _ID_NUMBER_FIELDS:
            sensitive.add(index)
            implied = implied or (canonical == "XDR_ZJHM" and generation == "1.0")
            implied_representative = implied_representative or (canonical == "FR_ZJHM" and generation == "1.0")
    name = NATIONAL_1 if counts["1.0"] > counts["2.0"] else NATIONAL_2
    other = guess_kind(headers)
    hint = ""
    if other is not None and other is not kind:
        hint = f"；表头看起来是{KIND_NAMES[other]}（{PREFIX[other]}）数据，而导入类型是{KIND_NAMES[kind]}"
    if not columns:
        raise InvalidInput(
            f"no column is a {KIND_NAMES[kind]} field (表头无法识别){hint}",
            field="file",
            details={"unknown": unknown[:20]},
        )
    required = REQUIRED_V1[kind] if name == NATIONAL_1 else REQUIRED[kind]
    missing = sorted(required - set(columns.values()))
    if missing and strict:
        listed = ", ".join(f"{PREFIX[kind]}{code} {LABELS[kind][code]}" for code in missing)
        raise InvalidInput(
            f"missing required columns (缺少必填列) for the {name} layout: {listed}{hint}",
            field="file",
            details={"layout": name, "missing": [PREFIX[kind] + code for code in missing]},
        )
    return Layout(
        name=name,
        kind=kind,
        headers=tuple(headers),
        columns=columns,
        unknown=unknown,
        codes=codes,
        sensitive=frozenset(sensitive),
        implied_id_type=implied,
        implied_representative_id_type=implied_representative,
    )
