"""What the portal shows of a record: the columns of each list (the same for HTML, JSON, CSV and XLSX), the
labelled fields of a record page, and the public's last line of masking over free text.

Rows are built from :class:`~xinyong.records.schemas.RecordOut`, which the records service has already desensitised
for the reader (``records.service.to_view`` → ``records.privacy.public_texts``, the one desensitiser of every public
output): nothing here masks again. Raw content keys never reach a public page unlabelled: unknown fields are shown
only to those who see records in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xinyong.core.actor import Actor
from xinyong.core.departments import Department
from xinyong.core.export import Cell
from xinyong.core.masking import Audience, audience_for
from xinyong.core.pagination import key_text
from xinyong.records.rules import Kind, SubjectType
from xinyong.records.schemas import RecordOut


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    html: bool = True  # shown in the page's table (exports carry every column)


_COMMON_HEAD = (
    Column("record_id", "记录编号", html=False),
    Column("subject_name", "行政相对人名称"),
    Column("uscc", "统一社会信用代码"),
)
PENALTY_COLUMNS = (
    *_COMMON_HEAD,
    Column("doc_no", "行政处罚决定书文号"),
    Column("violation", "违法行为类型", html=False),
    Column("category", "处罚类别"),
    Column("content", "处罚内容", html=False),
    Column("fine", "罚款金额（万元）", html=False),
    Column("decision_date", "处罚决定日期"),
    Column("publicity_end", "公示截止日期", html=False),
    Column("authority", "处罚机关"),
    Column("department", "数据来源单位", html=False),
    Column("status", "状态", html=False),
    Column("url", "详情地址", html=False),
)
LICENSE_COLUMNS = (
    *_COMMON_HEAD,
    Column("doc_no", "行政许可决定文书号"),
    Column("title", "决定文书名称"),
    Column("category", "许可类别"),
    Column("certificate", "许可证书名称", html=False),
    Column("licence_no", "许可编号", html=False),
    Column("content", "许可内容", html=False),
    Column("decision_date", "许可决定日期"),
    Column("valid_to", "有效期至", html=False),
    Column("authority", "许可机关"),
    Column("department", "数据来源单位", html=False),
    Column("status", "状态", html=False),
    Column("url", "详情地址", html=False),
)
LIST_COLUMNS = (
    Column("record_id", "编号", html=False),
    Column("subject_name", "主体名称"),
    Column("uscc", "统一社会信用代码"),
    Column("reason", "列入事由"),
    Column("basis", "列入依据"),
    Column("department", "认定部门"),
    Column("doc_no", "认定决定文书号"),
    Column("decision_date", "认定日期"),
    Column("valid_from", "列入日期"),
    Column("valid_to", "公示截止日期"),
    Column("status", "状态", html=False),
    Column("url", "详情地址", html=False),
)
PERMANENT = "长期（永久禁入）"


def _first_text(content: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        text = text_of(content.get(key))
        if text:
            return text
    return ""


def list_record_row(record: RecordOut, actor: Actor, departments: Mapping[str, Department]) -> dict[str, Cell]:
    """A list entry reported as a credit record (严重失信, 经营异常): the entry written by the city's listing
    procedure (FACTS, BASIS, VALID_FROM/TO) or a department's report (列入原因 LRYY, 依据 LRYJ, 有效期 YXQZ/YXQZI).
    The content is already desensitised for the reader (``records.service.to_view``)."""
    content = record.content
    row = record_row(record, actor, departments)
    valid_to = _first_text(content, "VALID_TO", "YXQZI", "GSJZQ")
    row |= {
        "reason": _first_text(content, "FACTS", "LRYY", "SY") or record.title,
        "basis": _first_text(content, "BASIS", "LRYJ", "YJ"),
        "department": department_name(departments, record.source_department, full=True),
        "valid_from": _first_text(content, "VALID_FROM", "YXQZ", "LRRQ") or record.decision_date,
        "valid_to": PERMANENT if valid_to == "永久" else valid_to or row.get("publicity_end"),
    }
    return row


SEARCH_COLUMNS = (
    Column("name", "名称"),
    Column("uscc", "统一社会信用代码"),
    Column("type_name", "主体类型"),
    Column("legal_form", "组织形式"),
    Column("status", "登记状态"),
    Column("matched", "匹配项"),
    Column("url", "信用档案地址", html=False),
)
COLUMNS: dict[Kind, tuple[Column, ...]] = {Kind.PENALTY: PENALTY_COLUMNS, Kind.LICENSE: LICENSE_COLUMNS}

FIELD_LABELS: dict[str, str] = {
    "XDR_LB": "行政相对人类别",
    "XDR_SHXYM": "统一社会信用代码",
    "XDR_GSZC": "工商注册号",
    "XDR_ZZJG": "组织机构代码",
    "XDR_SWDJ": "税务登记号",
    "XDR_SYDW": "事业单位证书号",
    "XDR_SHZZ": "社会组织登记证号",
    "FRDB": "法定代表人",
    "FR_ZJLX": "法定代表人证件类型",
    "FR_ZJHM": "法定代表人证件号码",
    "XDR_ZJLX": "证件类型",
    "XDR_ZJHM": "证件号码",
    "XKWS": "行政许可决定文书名称",
    "WSH": "文书号",
    "XKLB": "许可类别",
    "XKZS": "许可证书名称",
    "XKBH": "许可编号",
    "WFXW": "违法行为类型",
    "SY": "违法事实",
    "YJ": "处罚依据",
    "CFLB": "处罚类别",
    "NR": "内容",
    "NR_FK": "罚款金额（万元）",
    "NR_WFFF": "没收违法所得、没收非法财物的金额（万元）",
    "NR_ZKDX": "暂扣或吊销证照名称及编号",
    "JDRQ": "决定日期",
    "YXQZ": "有效期自",
    "YXQZI": "有效期至",
    "YXQ": "处罚有效期",
    "GSJZQ": "公示截止期",
    "XKJG": "许可机关",
    "XKJGDM": "许可机关统一社会信用代码",
    "CFJG": "处罚机关",
    "CFJGDM": "处罚机关统一社会信用代码",
    "ZT": "当前状态",
    "LYDW": "数据来源单位",
    "LYDWDM": "数据来源单位统一社会信用代码",
    "SJLY": "数据来源单位",
    "SJLYDM": "数据来源单位统一社会信用代码",
    "XDR_DZ": "地址",
    "DZ": "地址",
    "LXDH": "联系电话",
    "XDR_LXDH": "联系电话",
    "YHZH": "银行账号",
    "DSR_MC": "其他当事人",
    "BZ": "备注",
}
CONTENT_LABEL = {Kind.PENALTY: "处罚内容", Kind.LICENSE: "许可内容"}
# the subject's name is shown from the (masked) subject, not the raw field; the record page's head already shows the
# category, the USCC, the document number and title, the decision date, the source and the status
SKIPPED_KEYS = frozenset({"XDR_MC", "XDR_LB", "XDR_SHXYM", "WSH", "XKWS", "JDRQ", "LYDW", "SJLY", "ZT"})


def is_public_reader(actor: Actor, record: RecordOut) -> bool:
    return audience_for(actor, record.subject.uscc) == Audience.PUBLIC


def text_of(value: Any) -> str:
    """A content value as display text: lists joined with 、, booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(text_of(item) for item in value)
    return str(value)


def department_name(departments: Mapping[str, Department], code: str, *, full: bool = False) -> str:
    found = departments.get(code)
    if found is None:
        return code
    return found.full_name if full else found.short_name


def record_row(record: RecordOut, actor: Actor, departments: Mapping[str, Department]) -> dict[str, Cell]:
    """Every column any list shows for this record (each list picks its own)."""
    content = record.content
    kind = Kind(record.kind)
    authority_key = "CFJG" if kind == Kind.PENALTY else "XKJG"
    source = record.source_department
    row: dict[str, Cell] = {
        "record_id": record.id,
        "subject_name": record.subject.name,
        "uscc": record.subject.uscc or "",
        "doc_no": record.doc_no,
        "title": text_of(content.get("XKWS")) or record.title,
        "violation": text_of(content.get("WFXW")),
        "category": text_of(content.get("CFLB" if kind == Kind.PENALTY else "XKLB")),
        "content": text_of(content.get("NR")),
        "fine": _number(content.get("NR_FK")),
        "certificate": text_of(content.get("XKZS")),
        "licence_no": text_of(content.get("XKBH")),
        "decision_date": record.decision_date,
        "valid_to": text_of(content.get("YXQZI")),
        "publicity_end": record.publicity_end.date if record.publicity_end is not None else None,
        "authority": text_of(content.get(authority_key)) or department_name(departments, source, full=True),
        "department": department_name(departments, source),
        "status": record.status.value,
        "url": f"/record/{record.id}",
        "keyset": key_text(record.decision_date, record.id),  # the list position (core.pagination.Cursor)
    }
    if kind not in (Kind.PENALTY, Kind.LICENSE):
        row["title"] = record.title
    return row


def _number(value: Any) -> Cell:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    return text_of(value)


def pick(row: Mapping[str, Cell], columns: Sequence[Column]) -> list[Cell]:
    return [row.get(column.key) for column in columns]


def json_row(row: Mapping[str, Cell], columns: Sequence[Column]) -> dict[str, Any]:
    return {
        c.key: (v.isoformat() if isinstance(v, dt.date) else v)
        for c, v in zip(columns, pick(row, columns), strict=True)
    }


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    value: str


def record_fields(record: RecordOut, actor: Actor, *, full: bool) -> list[Field]:
    """The labelled fields of a record page, in the national standard's order; unknown keys only for ``full``."""
    kind = Kind(record.kind)
    fields: list[Field] = []
    shown: set[str] = set()
    for key, label in FIELD_LABELS.items():
        if key in record.content and key not in SKIPPED_KEYS:
            text = text_of(record.content[key])
            label = CONTENT_LABEL.get(kind, label) if key == "NR" else label
            fields.append(Field(label, text))
            shown.add(key)
    if full:
        for key, value in sorted(record.content.items()):
            if key not in shown and key not in SKIPPED_KEYS:
                fields.append(Field(key, text_of(value)))
    return [f for f in fields if f.value]


def publicity_end(record: RecordOut) -> dt.date | None:
    """The last day a penalty stays published (its maximum period), for display: the record's own field."""
    return record.publicity_end.date if record.publicity_end is not None else None


def subject_label(record: RecordOut) -> str:
    return "自然人" if record.subject.type == SubjectType.PERSON else "法人及非法人组织"
