"""Validation of one 行政许可 / 行政处罚 row (req §3.3) into the fields of ``RecordIn``.

``validate_row(kind, fields, row=, today=, source_department=)`` takes the row as canonical field -> text (see
:mod:`.layouts`; ``Layout.split`` gives it for a file row) and returns a :class:`RowOutcome`: accepted with a
:class:`NormalisedRow`, or rejected with *every* :class:`RowError` found (row, field code as the department
knows it, reason in Chinese with the English gist). Rules:

- required fields (req §3.3 ``*``; the 1.0 layout has fewer) and text limits (``checks.LIMITS``; any value over
  ``MAX_CONTENT_VALUE`` = 20,000 characters is refused, naming the field); control characters other than tab
  and newline are refused; text that looks like a formula (``=``, ``+``, ``-``, ``@``) is data and kept as is;
- 相对人类别 and the subject: 法人及非法人组织 need a valid USCC (``core.ids.validate_uscc``, whose message names the
  rule) that is not a 个体工商户 code (92); 个体工商户 a 92 code or the operator's ID type and number; 自然人 an ID
  type and number (``core.ids.validate_person_id``). The 1.0 layout has no 相对人类别: it is inferred from the
  identifiers present (provenance ``inferred``);
- dates in any usual format (``values.parse_date``); a decision date in the future, before 1949 or after the end
  of validity is an error, as is 有效期自 after 有效期至;
- 许可类别, 处罚类别 (several allowed), 当前状态 and 严重程度 are enumerations; amounts (罚款, 没收金额) are
  non-negative 万元 with at most 6 decimals; in the 2.0 layout a 罚款 / 没收 / 暂扣·吊销 category needs its
  amount or licence field;
- the deciding authority's and the data source's USCCs must be valid.

Severity: the national ``CF_`` layout has no severity column. An optional local column ``CF_YZCD`` / 严重程度
(轻微/一般/严重) is read; when it is absent or empty the severity is 一般 and the provenance says
``severity_defaulted: true``. Licences carry no severity.

Personal ID numbers: the clear number goes only into ``subject.id_number`` and ``content.FR_ZJHM`` /
``content.XDR_ZJHM`` (the records service encrypts those at once); the provenance holds the masked form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from xinyong.core.masking import mask_id_number
from xinyong.records.ingest import values as v
from xinyong.records.ingest.checks import RowCheck, RowError
from xinyong.records.ingest.layouts import (
    NATIONAL_1,
    REQUIRED,
    REQUIRED_V1,
    Layout,
    as_kind,
    is_id_header,
    layout_for_fields,
)
from xinyong.records.ingest.subjects import Subject, check_subject
from xinyong.records.rules import Disclosure, Kind, Severity, Status

__all__ = ["NormalisedRow", "RowError", "RowOutcome", "SourceUnit", "Subject", "validate_row"]

PENALTY_TITLE: Final = "行政处罚决定书"
EARLIEST_DECISION_YEAR: Final = 1949
_ID_FIELDS: Final = frozenset({"FR_ZJHM", "XDR_ZJHM"})
_AUTHORITY_CODES: Final = {
    Kind.LICENSE: ("XKJGDM", "LYDWDM"),
    Kind.PENALTY: ("CFJGDM", "SJLYDM"),
    Kind.EVALUATION: ("PJJGDM", "SJLYDM"),
}
_SOURCE_FIELDS: Final = {
    Kind.LICENSE: ("LYDW", "LYDWDM"),
    Kind.PENALTY: ("SJLY", "SJLYDM"),
    Kind.EVALUATION: ("SJLY", "SJLYDM"),
}
_DATES: Final = {Kind.LICENSE: ("JDRQ", "YXQZ"), Kind.PENALTY: ("JDRQ", "GSJZQ"), Kind.EVALUATION: ("JDRQ",)}
_END_DATES: Final = {Kind.LICENSE: ("YXQZI",), Kind.PENALTY: ("YXQ",), Kind.EVALUATION: ("YXQZI",)}
# In the 2.0 layout these categories need the field that says how much / which licence.
_CATEGORY_NEEDS: Final = (
    ("罚款", "NR_FK"),
    ("没收违法所得", "NR_WFFF"),
    ("没收非法财物", "NR_WFFF"),
    ("暂扣许可证件", "NR_ZKDX"),
    ("吊销许可证件", "NR_ZKDX"),
)


class NormalisedRow(TypedDict):
    """The fields of ``RecordIn`` (``RecordIn.model_validate(row)``)."""

    source_department: str
    kind: str
    doc_no: str
    subject: Subject
    title: str
    decision_date: dt.date
    disclosure: str
    severity: str | None
    status: str
    content: dict[str, Any]
    provenance: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RowOutcome:
    row: int
    record: NormalisedRow | None = None
    errors: tuple[RowError, ...] = ()
    warnings: tuple[RowError, ...] = ()  # an accepted row's findings (法定代表人 missing for a 法人…)

    @property
    def accepted(self) -> bool:
        return self.record is not None


@dataclass(frozen=True, slots=True)
class SourceUnit:
    """The uploading department: fills 数据来源单位 and its USCC when a 1.0 file has no such columns."""

    name: str
    uscc: str


def validate_row(
    kind: Kind | str,
    fields: Mapping[str, object],
    *,
    row: int,
    today: dt.date,
    source_department: str,
    layout: Layout | None = None,
    original: Mapping[str, str] | None = None,
    source_unit: SourceUnit | None = None,
    require_legal_representative: bool = False,
) -> RowOutcome:
    """Check one row.

    ``fields``: canonical field -> text (JSON numbers, lists and null are taken too); ``layout``: how the file
    named its columns (error codes, required set; default: national 2.0); ``original``: header -> value as read,
    ID numbers masked (kept in the provenance; default: built from ``fields``); ``source_unit``: fills a 1.0
    file's data-source fields; ``require_legal_representative``: the department's setting that a 法人及非法人组织
    row without its 法定代表人 (name and certificate number, mandatory in the national standard) is refused —
    otherwise such a row is accepted with a warning (some departments' systems cannot send it)."""
    kind = as_kind(kind)
    layout = layout or layout_for_fields(kind)
    old = layout.name == NATIONAL_1
    r = RowCheck(kind, fields, layout, row)
    if original is not None:
        r.check_unknown(original)
    for name in sorted((REQUIRED_V1 if old else REQUIRED)[kind] - r.present):
        r.error(name, "必填项为空 (required field is empty)")
    if old:
        _defaults(r, source_unit)
    subject = check_subject(r, old)
    _legal_representative(r, require_legal_representative)
    dates = _dates(r, today)
    _enumerations(r, old)
    for name in _AUTHORITY_CODES[kind]:
        r.uscc(name)
    decision = dates.get("JDRQ")
    if r.errors or subject is None or decision is None:
        return RowOutcome(row, errors=tuple(r.errors), warnings=tuple(r.warnings))
    severity: Severity | None = None
    provenance: dict[str, Any] = {"layout": layout.name, "row": row}
    if kind is Kind.PENALTY:
        severity = r.severity or Severity.GENERAL
        r.content.pop("YZCD", None)
        if r.severity is None:
            provenance["severity_defaulted"] = True
    provenance["original"] = dict(original) if original is not None else _original(r, layout)
    if layout.unknown:
        provenance["unknown_columns"] = list(layout.unknown)
    provenance.update(r.notes)
    record = NormalisedRow(
        source_department=source_department,
        kind=kind.value,
        doc_no=r.get("WSH"),
        subject=subject,
        title=_title(kind, r),
        decision_date=decision,
        disclosure=Disclosure.PUBLIC.value,
        severity=severity.value if severity else None,
        status=_status(r, today).value,
        content=r.content,
        provenance=provenance,
    )
    return RowOutcome(row, record=record, warnings=tuple(r.warnings))


LEGAL_REPRESENTATIVE_FIELDS: Final = ("FRDB", "FR_ZJHM")


def _legal_representative(r: RowCheck, required: bool) -> None:
    """法定代表人 and its certificate number for a 法人及非法人组织: a warning, or an error when the department requires
    them."""
    if r.content.get("XDR_LB") != v.LEGAL:
        return
    for name in LEGAL_REPRESENTATIVE_FIELDS:
        if r.get(name):
            continue
        if required:
            r.error(name, "相对人为法人及非法人组织时必填（本部门要求） (required for 法人 by the department)")
        else:
            r.warn(name, "相对人为法人及非法人组织时应填写，已接收 (missing for a 法人; accepted)")


def _title(kind: Kind, r: RowCheck) -> str:
    if kind is Kind.LICENSE:
        return r.get("XKWS")
    if kind is Kind.EVALUATION:  # e.g. 2025年度纳税信用等级评价：A
        year = r.get("PJND")
        return f"{year + '年度' if year and year.isdigit() else year}{r.get('PJLX')}：{r.get('PJJG')}"[:300]
    return r.get("CFMC") or PENALTY_TITLE


def _original(r: RowCheck, layout: Layout) -> dict[str, str]:
    out = {
        layout.code(name): mask_id_number(value) if name in _ID_FIELDS else value for name, value in r.fields.items()
    }
    return out | {name: mask_id_number(value) if is_id_header(name) else value for name, value in r.extra.items()}


def _defaults(r: RowCheck, source_unit: SourceUnit | None) -> None:
    """The 1.0 layout lacks the data-source fields: the uploading department sent the file."""
    defaulted: dict[str, str] = {}
    if source_unit is not None:
        for name, value in zip(_SOURCE_FIELDS[r.kind], (source_unit.name, source_unit.uscc), strict=True):
            if name not in r.fields:
                r.fields[name] = r.content[name] = defaulted[name] = value
    if defaulted:
        r.notes["defaulted"] = defaulted


def _dates(r: RowCheck, today: dt.date) -> dict[str, dt.date | None]:
    dates: dict[str, dt.date | None] = {}
    for name in _DATES[r.kind]:
        dates[name] = r.parsed(name, v.parse_date)
    for name in _END_DATES[r.kind]:
        dates[name] = r.parsed(name, v.parse_end_date)
    for name, value in dates.items():
        if value is not None:
            r.content[name] = value.isoformat()
    decision = dates.get("JDRQ")
    if decision is None:
        return dates
    if decision > today:
        r.error("JDRQ", f"决定日期 {decision.isoformat()} 晚于今天 (decision date in the future)")
    if decision.year < EARLIEST_DECISION_YEAR:
        r.error("JDRQ", f"决定日期 {decision.isoformat()} 早于 {EARLIEST_DECISION_YEAR} 年 (implausibly early)")
    end_name = _END_DATES[r.kind][0]
    end = dates.get(end_name)
    if end is not None and decision > end:
        r.error("JDRQ", f"决定日期晚于{r.labels[end_name]} {end.isoformat()} (decision date after the end of validity)")
    start = dates.get("YXQZ")
    if r.kind is Kind.LICENSE and start is not None and end is not None and start > end:
        r.error("YXQZ", f"有效期自 {start.isoformat()} 晚于有效期至 {end.isoformat()} (validity starts after it ends)")
    if r.kind is Kind.LICENSE and start is None and "YXQZ" not in r.present and r.layout.name == NATIONAL_1:
        r.content["YXQZ"] = decision.isoformat()  # 1.0 has no 有效期自: valid from the decision
        r.notes.setdefault("defaulted", {})["YXQZ"] = decision.isoformat()
    publicity_end = dates.get("GSJZQ")
    if publicity_end is not None and publicity_end < decision:
        r.error("GSJZQ", f"公示截止期早于决定日期 {decision.isoformat()} (publicity ends before the decision)")
    return dates


def _enumerations(r: RowCheck, old: bool) -> None:
    if r.kind is Kind.LICENSE:
        category = r.parsed("XKLB", v.parse_license_category)
        if category is not None:
            r.content["XKLB"] = category
    elif r.kind is Kind.PENALTY:
        parsed = r.parsed("CFLB", v.parse_penalty_categories)
        if parsed is not None:
            categories, mapped = parsed
            r.content["CFLB"] = categories
            if mapped:
                r.notes["mapped"] = {"CFLB": mapped}
            for category, needed in () if old else _CATEGORY_NEEDS:
                if category in categories and needed not in r.present:
                    r.error(needed, f"处罚类别含“{category}”时必填 (required when the category is {category})")
        for name in ("NR_FK", "NR_WFFF"):
            amount = r.parsed(name, v.parse_amount)
            if amount is not None:
                r.content[name] = amount
        r.severity = r.parsed("YZCD", v.parse_severity)
    status = r.parsed("ZT", lambda text: v.parse_status(text, old_layout=old))
    if status is not None:
        r.content["ZT"] = status


def _status(r: RowCheck, today: dt.date) -> Status:
    """当前状态 as the record's status: 撤销 -> 已撤销; 无效 -> 已过期 once the validity has ended, else
    已撤销; anything else (有效, 异议, 其他, absent) -> 有效 (objections are the platform's own workflow)."""
    status = r.content.get("ZT")
    if status == "撤销":
        return Status.REVOKED
    if status == "无效":
        end = r.content.get(_END_DATES[r.kind][0])
        return Status.EXPIRED if end and end < today.isoformat() else Status.REVOKED
    return Status.VALID
