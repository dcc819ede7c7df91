"""Rows and files of the national 双公示 layout for ingestion tests: the sending department, the headers (codes and
Chinese), a firm's or a person's penalty row, and the row list as a GB18030 CSV or an XLSX file."""

from __future__ import annotations

import csv
import io

import xlsxwriter

from xinyong.core.actor import Actor, Role
from xinyong.core.ids import make_uscc

OPERATOR = Actor(role=Role.DEPT_OPERATOR, id="user:scjg", department_code="SCJGJ")
OFFICE_USCC = make_uscc("1", "1", "360482", "01234567")
HEADERS = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
]
CHINESE = [
    "相对人名称",
    "相对人类别",
    "统一社会信用代码",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
]


def firm(n: int) -> str:
    return make_uscc("9", "1", "360482", f"{50000000 + n * 13:08d}")


def row(n: int, **changes: str) -> list[str]:
    values = {
        "CF_XDR_MC": f"共青城第{n}羽绒服饰有限公司", "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": firm(n),
        "CF_XDR_ZJLX": "", "CF_XDR_ZJHM": "", "CF_WSH": f"共市监罚〔2024〕{n}号", "CF_WFXW": "虚假宣传",
        "CF_SY": "发布虚假广告", "CF_YJ": "《中华人民共和国广告法》第五十五条", "CF_CFLB": "警告；罚款",
        "CF_NR": "警告并处罚款", "CF_NR_FK": "0.5", "CF_JDRQ": "2024-03-01", "CF_YXQ": "2025-03-01",
        "CF_CFJG": "共青城市市场监督管理局", "CF_CFJGDM": OFFICE_USCC, "CF_SJLY": "共青城市市场监督管理局",
        "CF_SJLYDM": OFFICE_USCC,
    }  # fmt: skip
    values.update(changes)
    return [values[h] for h in HEADERS]


def person_row(n: int, number: str) -> list[str]:
    return row(n, CF_XDR_MC="张三", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=number)


def gb18030_csv(rows: list[list[str]], headers: list[str] = CHINESE) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("gb18030")


def xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("处罚")
    sheet.write_row(0, 0, CHINESE)
    for i, values in enumerate(rows, start=1):
        sheet.write_row(i, 0, values)
    book.close()
    return buffer.getvalue()
