"""Pure rules of complaints and reports (投诉举报, notice clause 18): the columns of the 12345 and 12315 exports, the
verification finding (核实结果) and what it means, and the scrubbing of complainants' personal data.

A complaint (工单) names a subject and what was complained of. Only a complaint found true (属实 / 基本属实 / 部分属实)
is credit information about its subject: it becomes a credit record of kind ``complaint`` and counts in the risk
rules and, as the scoring model says, in the grade. A complaint found untrue, or not verified, never hurts the
subject; it is kept as a work order only. The finding is taken from an explicit column (核实结果 / 是否属实); it is
never guessed from the free text of the handling result.

The complainant is not the platform's business: names, phone numbers, ID numbers and addresses of complainants are
never stored (their columns are dropped on intake, and identifiers inside the complaint text are removed).
No database, no web framework.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from xinyong.core.errors import InvalidInput
from xinyong.core.ids import validate_uscc
from xinyong.core.transitions import OFFICE, STAFF, Transition, TransitionTable, Who
from xinyong.privacy import rules as privacy
from xinyong.records.ingest.values import BadValue, parse_date


class Channel(StrEnum):
    HOTLINE_12345 = "12345"  # 12345政务服务便民热线
    MARKET_12315 = "12315"  # 全国12315平台
    MANUAL = "manual"  # 人工录入
    API = "api"  # 接口推送

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: Final[dict[Channel, str]] = {
    Channel.HOTLINE_12345: "12345政务服务便民热线",
    Channel.MARKET_12315: "全国12315平台",
    Channel.MANUAL: "人工录入",
    Channel.API: "接口推送",
}


class Finding(StrEnum):
    SUBSTANTIATED = "属实"
    PARTLY = "部分属实"
    UNSUBSTANTIATED = "不属实"
    UNVERIFIED = "未核实"


SUBSTANTIATED: Final = frozenset({Finding.SUBSTANTIATED, Finding.PARTLY})

_FINDINGS: Final[dict[str, Finding]] = {
    "属实": Finding.SUBSTANTIATED,
    "基本属实": Finding.SUBSTANTIATED,
    "情况属实": Finding.SUBSTANTIATED,
    "经核实属实": Finding.SUBSTANTIATED,
    "是": Finding.SUBSTANTIATED,
    "部分属实": Finding.PARTLY,
    "不属实": Finding.UNSUBSTANTIATED,
    "情况不属实": Finding.UNSUBSTANTIATED,
    "查无实据": Finding.UNSUBSTANTIATED,
    "否": Finding.UNSUBSTANTIATED,
    "未核实": Finding.UNVERIFIED,
    "无法核实": Finding.UNVERIFIED,
    "待核实": Finding.UNVERIFIED,
    "": Finding.UNVERIFIED,
}


def parse_finding(text: str) -> Finding:
    """The verification finding from its column; an empty cell is 未核实. Anything else is refused (ValueError)."""
    key = "".join(unicodedata.normalize("NFKC", text).split())
    if key in _FINDINGS:
        return _FINDINGS[key]
    raise ValueError(f"核实结果应为属实、部分属实、不属实或未核实（收到“{text[:20]}”）")


class Status(StrEnum):
    UNMATCHED = "待匹配"  # the subject could not be identified: held for a person to match, never guessed
    MATCHED = "已匹配"


# ---------------------------------------------------------------- the columns of the exports

#: field -> the headers real 12345 / 12315 exports use for it (the first is the one our template writes).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "ticket_no": ("工单号", "工单编号", "登记编号", "投诉编号", "举报编号", "受理编号", "编号"),
    "received": ("受理时间", "登记时间", "来电时间", "接收时间", "受理日期", "登记日期", "投诉时间"),
    "subject_name": ("被投诉对象", "被投诉单位", "被反映对象", "被投诉人", "被举报人", "被诉主体名称", "涉及企业"),
    "uscc": ("统一社会信用代码", "被投诉人统一社会信用代码", "被投诉单位统一社会信用代码", "信用代码"),
    "content": ("诉求内容", "投诉内容", "反映内容", "来电内容", "举报内容", "投诉问题", "诉求描述"),
    "result": ("办理结果", "处理结果", "答复内容", "办理情况", "处理情况"),
    "closed": ("办结时间", "办结日期", "结案时间", "完成时间"),
    "satisfaction": ("满意度", "回访满意度", "评价结果"),
    "finding": ("核实结果", "是否属实", "调查结果", "核查结果"),
    "handler": ("承办单位", "承办部门", "处理单位", "办理单位"),
}
REQUIRED: Final = ("ticket_no", "received", "subject_name", "content")
FIELD_LABELS: Final[dict[str, str]] = {name: headers[0] for name, headers in COLUMNS.items()}

#: Columns that hold the complainant's personal data: dropped on intake, never stored.
COMPLAINANT_COLUMNS: Final = frozenset(
    {
        "来电人", "投诉人", "举报人", "诉求人", "反映人", "联系人", "来电人姓名", "投诉人姓名", "姓名",
        "联系电话", "来电号码", "手机号码", "电话", "联系方式", "投诉人电话",
        "联系地址", "投诉人地址", "住址", "身份证号", "证件号码", "投诉人证件号码", "电子邮箱", "邮箱",
    }
)  # fmt: skip

MAX_TEXT: Final = 4000
MAX_TICKET: Final = 64


def _header_key(header: str) -> str:
    return "".join(unicodedata.normalize("NFKC", header).split())


_BY_HEADER: Final[dict[str, str]] = {_header_key(h): name for name, headers in COLUMNS.items() for h in headers}


@dataclass(frozen=True, slots=True)
class Mapping:
    """How a file's headers map to fields: the column index of each field, the dropped complainant columns and
    the columns nobody reads."""

    columns: dict[str, int]
    dropped: tuple[str, ...]
    unknown: tuple[str, ...]
    dropped_at: tuple[int, ...] = ()  # the complainant columns' indexes: their values are scrubbed from the text

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(FIELD_LABELS[f] for f in REQUIRED if f not in self.columns)


def map_headers(headers: list[str]) -> Mapping:
    columns: dict[str, int] = {}
    dropped: list[str] = []
    dropped_at: list[int] = []
    unknown: list[str] = []
    for index, header in enumerate(headers):
        key = _header_key(header)
        name = _BY_HEADER.get(key)
        if name is not None and name not in columns:
            columns[name] = index
        elif key in COMPLAINANT_COLUMNS:
            dropped.append(header)
            dropped_at.append(index)
        else:
            unknown.append(header)
    return Mapping(columns, tuple(dropped), tuple(unknown), tuple(dropped_at))


# ---------------------------------------------------------------- complainants' data out of the text

# Text is normalised by the one desensitiser's normaliser (full-width → ASCII, zero-width and other invisible
# characters removed) and its number patterns find IDs, phones, bank cards and e-mail (xinyong.privacy.rules); a
# complaint is stricter still: any other run of seven or more digits goes too.
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9][0-9 \-]{5,}[0-9Xx](?![0-9A-Za-z])")
# 来电人张某某 / 投诉人：李四 / 举报人王五（…）: the name after the marker, up to punctuation or a verb.
_COMPLAINANT = re.compile(
    r"(来电人|投诉人|举报人|诉求人|反映人|来电群众|市民)[:：]?\s*([\u4e00-\u9fff]{1,4}?)"
    r"(?=[，,。；;：:（(、\s]|反映|来电|致电|投诉|举报|称|说|表示|诉求|要求|请求|希望|$)"
)
REMOVED = "[已删除]"


def normalise(text: str) -> str:
    """The desensitiser's normaliser (:func:`xinyong.privacy.rules.normalise`), so a number cannot hide behind
    full-width digits or invisible characters; Chinese punctuation (，。：) is left as written."""
    return privacy.normalise(text)


def scrub(text: str, known: tuple[str, ...] = ()) -> str:
    """The complaint text without the complainant's identifiers: the values the file gave in its complainant
    columns (``known``: names, phones, addresses) wherever they appear become ``**``; IDs, phones, bank cards and
    e-mail addresses the desensitiser finds (:func:`xinyong.privacy.rules.find_numbers`), and any other run of
    seven or more digits, become ``[已删除]``; the name after 来电人/投诉人/… becomes ``**``. What the complaint
    says about the subject is left as it is."""
    clean = normalise(text)
    for value in sorted({normalise(k).strip() for k in known}, key=len, reverse=True):
        if len(value) >= 2:
            clean = clean.replace(value, "**")
    parts: list[str] = []
    at = 0
    for finding in privacy.find_numbers(clean):
        parts += [clean[at : finding.start], REMOVED]
        at = finding.end
    clean = "".join([*parts, clean[at:]])
    clean = _LONG_NUMBER.sub(REMOVED, clean)
    return _COMPLAINANT.sub(lambda m: f"{m.group(1)}**", clean)


# ---------------------------------------------------------------- one row


@dataclass(slots=True)
class ComplaintRow:
    ticket_no: str
    received_on: dt.date
    subject_name: str
    uscc: str | None
    content: str
    result: str | None
    closed_on: dt.date | None
    satisfaction: str | None
    finding: Finding
    handler: str | None
    errors: dict[str, str] = field(default_factory=dict)


def clean_cell(value: str, limit: int) -> str:
    text = normalise(value).strip()
    if "\x00" in text:
        raise ValueError("含有非法字符")
    if len(text) > limit:
        raise ValueError(f"不能超过 {limit} 个字")
    return text


def parse_row(cells: list[str], mapping: Mapping, today: dt.date) -> ComplaintRow:
    """One row of an export, checked field by field; ``errors`` names each bad field (by its Chinese header)."""
    errors: dict[str, str] = {}

    def cell(name: str, limit: int = MAX_TEXT) -> str:
        index = mapping.columns.get(name)
        if index is None or index >= len(cells):
            return ""
        try:
            return clean_cell(cells[index], limit)
        except ValueError as bad:
            errors[FIELD_LABELS[name]] = str(bad)
            return ""

    def day(name: str) -> dt.date | None:
        text = cell(name, 40)
        if not text:
            return None
        try:
            value = parse_date(text)
        except BadValue as bad:
            errors[FIELD_LABELS[name]] = str(bad).split(" (")[0]
            return None
        if value > today:
            errors[FIELD_LABELS[name]] = "日期不能晚于今天"
        return value

    ticket = cell("ticket_no", MAX_TICKET)
    subject = cell("subject_name", 200)
    content = cell("content")
    for name, value in (("ticket_no", ticket), ("subject_name", subject), ("content", content)):
        if not value and FIELD_LABELS[name] not in errors:
            errors[FIELD_LABELS[name]] = "必填"
    received = day("received")
    if received is None and FIELD_LABELS["received"] not in errors:
        errors[FIELD_LABELS["received"]] = "必填"
    closed = day("closed")
    if received is not None and closed is not None and closed < received:
        errors[FIELD_LABELS["closed"]] = "办结时间早于受理时间"
    uscc = cell("uscc", 40).upper() or None
    if uscc is not None:
        try:
            uscc = validate_uscc(uscc).code
        except InvalidInput:
            errors[FIELD_LABELS["uscc"]] = "统一社会信用代码校验不通过"
    finding = Finding.UNVERIFIED
    try:
        finding = parse_finding(cell("finding", 20))
    except ValueError as bad:
        errors[FIELD_LABELS["finding"]] = str(bad)
    known = tuple(cells[i] for i in mapping.dropped_at if i < len(cells))
    return ComplaintRow(
        ticket_no=ticket,
        received_on=received or today,
        subject_name=subject,
        uscc=uscc,
        content=scrub(content, known),
        result=scrub(cell("result"), known) or None,
        closed_on=closed,
        satisfaction=cell("satisfaction", 16) or None,
        finding=finding,
        handler=cell("handler", 100) or None,
        errors=errors,
    )


# ---------------------------------------------------------------- the procedure


class Step(StrEnum):
    RECEIVE = "receive"  # 接收: from a file, the hotline's API or by hand
    MATCH = "match"  # 匹配主体: a person names the subject of a complaint held as unmatched


_HANDLERS = Who(
    OFFICE,
    STAFF,
    refusal="only the department in charge or the credit office handles its complaints (仅承办部门或信用办可办理)",
)
TABLE: TransitionTable[Step, Status] = TransitionTable(
    name="complaints:complaint",
    subject_type="complaint",
    statuses=Status,
    transitions={
        Step.RECEIVE: Transition(
            frozenset({None}), None, _HANDLERS, outcomes=frozenset({Status.UNMATCHED, Status.MATCHED})
        ),
        Step.MATCH: Transition(frozenset({Status.UNMATCHED}), Status.MATCHED, _HANDLERS, event="matched"),
    },
    conflict="a complaint that is {status} cannot be matched again (该投诉已匹配主体)",
    conflict_field="complaint_id",
    labels={Step.RECEIVE: "接收", Step.MATCH: "匹配主体"},
)
