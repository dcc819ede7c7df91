"""Upload templates (数据上报模板) built from the importer's own layout definitions, so they can never drift from what
the importer reads: the columns are :data:`xinyong.records.ingest.layouts.SPECS` (subject fields first) under their
national Chinese names, required ones marked from :data:`~xinyong.records.ingest.layouts.REQUIRED`, and the
enumerations, date forms and text limits in the rules sheet are the values the validator checks
(:mod:`xinyong.records.ingest.values`, :data:`~xinyong.records.ingest.checks.LIMITS`).

``/console/upload/template-penalty.xlsx`` (and ``license``, ``evaluation``; ``.csv`` too): the XLSX has the header and
one sample row on its first sheet (the row the department replaces with its own; it imports as is) and the field
rules on a second sheet; the CSV (UTF-8 with BOM, for Excel) has the header and the sample row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Final, Literal
from urllib.parse import quote

import xlsxwriter  # type: ignore[import-untyped]  # XlsxWriter ships no type information
from fastapi import Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.console.pages import console_router
from xinyong.core import clock
from xinyong.core.auth.access import DEPARTMENT, require
from xinyong.core.departments import Department, get_department
from xinyong.core.export import CSV_TYPE, XLSX_TYPE
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.ids import make_uscc
from xinyong.records.ingest import values
from xinyong.records.ingest.checks import LIMITS
from xinyong.records.ingest.layouts import KIND_NAMES, LABELS, REQUIRED, SPECS
from xinyong.records.rules import Kind

router = console_router()
router.dependencies.append(Depends(reject_unknown_query))

TemplateKind = Annotated[Literal["penalty", "license", "evaluation"], Path()]
SAMPLE_USCC: Final = make_uscc("9", "1", "360482", "MA35DEM0")  # a valid code no real firm holds (示例)
SUBJECT_CODES: Final = ("XDR_MC", "XDR_LB", "XDR_SHXYM")  # the sample is a 法人; other subject columns stay empty

# What each field takes, beyond its limit and whether it is required (the validator's own constants where it has
# them). A field without an entry gets "文本" and its limit.
RULES: Final[dict[str, str]] = {
    "XDR_LB": "填写：" + "、".join(values.SUBJECT_TYPES),
    "XDR_SHXYM": "18位统一社会信用代码（GB 32100-2015，含校验位）；法人及非法人组织必填，个体工商户以92开头",
    "FR_ZJLX": "证件类型，如：身份证、护照、港澳居民来往内地通行证",
    "FR_ZJHM": "法定代表人证件号码；身份证号18位（含校验位）",
    "XDR_ZJLX": "自然人或个体工商户经营者的证件类型，如：身份证",
    "XDR_ZJHM": "自然人必填：证件号码；身份证号18位（含校验位）",
    "XKLB": "填写：" + "、".join(values.LICENSE_CATEGORIES),
    "CFLB": "填写：" + "、".join(values.PENALTY_CATEGORIES) + "；可填多个，以“、”或“；”分隔",
    "JDRQ": "日期，可写作 " + values.DATE_FORMATS + "；不得晚于报送当日",
    "YXQZ": "日期，可写作 " + values.DATE_FORMATS,
    "YXQZI": "日期；长期有效的填“长期”",
    "YXQ": "日期；长期有效的填“长期”",
    "GSJZQ": "日期",
    "NR_FK": "金额，单位万元，最多6位小数；处罚类别含罚款时必填",
    "NR_WFFF": "金额，单位万元，最多6位小数；处罚类别含没收违法所得、没收非法财物时必填",
    "NR_ZKDX": "处罚类别含暂扣、吊销许可证件时必填",
    "ZT": "填写：" + "、".join(values.STATUS_WORDS),
    "YZCD": "本市扩展字段，填写：轻微、一般、严重；不填按一般",
    "XKJGDM": "18位统一社会信用代码",
    "CFJGDM": "18位统一社会信用代码",
    "LYDWDM": "18位统一社会信用代码",
    "SJLYDM": "18位统一社会信用代码",
    "PJJGDM": "18位统一社会信用代码",
}


def _sample(kind: Kind, department: Department, today: dt.date) -> dict[str, str]:
    """A row that imports as is: a 法人 subject, the department as deciding authority and data source."""
    day = (today - dt.timedelta(days=1)).isoformat()
    year = today.year
    common = {
        "XDR_MC": "共青城示例服饰有限公司",
        "XDR_LB": values.LEGAL,
        "XDR_SHXYM": SAMPLE_USCC,
        "FRDB": "张三",
        "JDRQ": day,
        "ZT": "有效",
        "BZ": "示例行，请替换为实际数据",
    }
    if kind == Kind.PENALTY:
        return common | {
            "WSH": f"共{department.short_name}罚〔{year}〕示例1号",
            "WFXW": "未按规定公示年度报告",
            "SY": "当事人未按规定期限公示年度报告。",
            "YJ": "《企业信息公示暂行条例》第十八条",
            "CFLB": "警告、罚款",
            "NR": "警告，并处罚款人民币伍仟元整",
            "NR_FK": "0.5",
            "YXQ": (today + dt.timedelta(days=365)).isoformat(),
            "CFJG": department.full_name,
            "CFJGDM": department.uscc,
            "SJLY": department.full_name,
            "SJLYDM": department.uscc,
            "YZCD": "一般",
        }
    if kind == Kind.LICENSE:
        return common | {
            "XKWS": "食品经营许可决定书",
            "WSH": f"共{department.short_name}许〔{year}〕示例1号",
            "XKLB": "普通",
            "XKZS": "食品经营许可证",
            "XKBH": "JY13604820000001",
            "NR": "预包装食品销售",
            "YXQZ": day,
            "YXQZI": (today + dt.timedelta(days=5 * 365)).isoformat(),
            "XKJG": department.full_name,
            "XKJGDM": department.uscc,
            "LYDW": department.full_name,
            "LYDWDM": department.uscc,
        }
    return common | {
        "WSH": f"共{department.short_name}评〔{year}〕示例1号",
        "PJLX": "行业信用评价",
        "PJJG": "A",
        "PJND": str(year - 1),
        "PJJGMC": department.full_name,
        "PJJGDM": department.uscc,
        "SJLY": department.full_name,
        "SJLYDM": department.uscc,
    }


def template_columns(kind: Kind) -> list[str]:
    """The field codes of a kind's template, in the layout's order (subject fields first)."""
    subject = [code for code in LABELS[kind] if code not in {spec[0] for spec in SPECS[kind]}]
    return [c for c in subject if c not in ("DFBM", "SJC")] + [spec[0] for spec in SPECS[kind]]


def template_rows(kind: Kind, department: Department, today: dt.date) -> tuple[list[str], list[str]]:
    """(Chinese headers, the sample row) of a kind's template."""
    columns = template_columns(kind)
    sample = _sample(kind, department, today)
    return [LABELS[kind][code] for code in columns], [sample.get(code, "") for code in columns]


def rule_rows(kind: Kind) -> list[list[str]]:
    """One row per column: 字段名称, 字段代码 (national 2.0), 是否必填, 填写要求."""
    rows = []
    for code in template_columns(kind):
        prefix = {Kind.LICENSE: "XK_", Kind.PENALTY: "CF_", Kind.EVALUATION: "PJ_"}[kind]
        limit = LIMITS.get(code)
        rule = RULES.get(code, "文本")
        if limit is not None:
            rule += f"；不超过{limit}个字符"
        required = "必填" if code in REQUIRED[kind] else "选填"
        if code in ("XDR_SHXYM", "XDR_ZJLX", "XDR_ZJHM"):
            required = "按相对人类别"
        rows.append([LABELS[kind][code], prefix + code, required, rule])
    return rows


def _xlsx(kind: Kind, headers: list[str], sample: list[str]) -> bytes:
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    workbook = xlsxwriter.Workbook(buffer, options)
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF3F8", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FDECEA", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    data = workbook.add_worksheet(f"{KIND_NAMES[kind]}数据")
    codes = template_columns(kind)
    for col, (title, value, code) in enumerate(zip(headers, sample, codes, strict=True)):
        data.write_string(0, col, title, required if code in REQUIRED[kind] else bold)
        data.write_string(1, col, value, text)
        data.set_column(col, col, min(max(12, len(title) * 2 + 2), 40), text)
    data.freeze_panes(1, 0)
    rules = workbook.add_worksheet("填写说明")
    for col, title in enumerate(("字段名称", "字段代码", "是否必填", "填写要求")):
        rules.write_string(0, col, title, bold)
    for row, cells in enumerate(rule_rows(kind), start=1):
        for col, value in enumerate(cells):
            rules.write_string(row, col, value)
    rules.set_column(0, 0, 30)
    rules.set_column(1, 2, 16)
    rules.set_column(3, 3, 80)
    notes = (
        "第一个工作表的第一行是表头（红底为必填），第二行是示例，请替换为实际数据后上传；列的顺序可以调整，表头请勿改动。",
        "本模板由平台按导入程序读取的字段定义生成，与导入校验一致。",
    )
    for offset, note in enumerate(notes, start=len(rule_rows(kind)) + 2):
        rules.write_string(offset, 0, note)
    workbook.close()
    return buffer.getvalue()


def _csv(headers: list[str], sample: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerow(sample)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _department(session: Session, code: str | None) -> Department:
    return get_department(session, code or "")


def _answer(body: bytes, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename=\"template.{filename.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/upload/template-{kind}.xlsx", dependencies=[Depends(require(DEPARTMENT))])
def template_xlsx(kind: TemplateKind, session: DbSession, actor: CurrentActor) -> Response:
    chosen = Kind(kind)
    headers, sample = template_rows(chosen, _department(session, actor.department_code), clock.today())
    return _answer(_xlsx(chosen, headers, sample), f"{KIND_NAMES[chosen]}数据上报模板.xlsx", XLSX_TYPE)


@router.get("/upload/template-{kind}.csv", dependencies=[Depends(require(DEPARTMENT))])
def template_csv(kind: TemplateKind, session: DbSession, actor: CurrentActor) -> Response:
    chosen = Kind(kind)
    headers, sample = template_rows(chosen, _department(session, actor.department_code), clock.today())
    return _answer(_csv(headers, sample), f"{KIND_NAMES[chosen]}数据上报模板.csv", CSV_TYPE)
