"""Upload templates from the console: generated from the importer's layout definitions (Chinese headers, a sample
row, the field rules on a second sheet; CSV too); downloaded, filled and uploaded back they import with zero errors;
row errors of a filled template are in Chinese."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy.orm import Session

from tests.support.console_helpers import HTML, console_client, make_user, sign_in
from xinyong.console.upload_templates import template_columns
from xinyong.core import clock
from xinyong.core.actor import Role
from xinyong.records.ingest.layouts import LABELS, REQUIRED, detect_layout
from xinyong.records.models import Batch
from xinyong.records.rules import Kind

KINDS = ("penalty", "license", "evaluation")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def operator(db: Session) -> tuple[TestClient, str]:
    clock.freeze(dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC))
    client = console_client(db)
    make_user(db, "tpl-op", Role.DEPT_OPERATOR, "SCJGJ")
    return client, sign_in(client, "tpl-op")


def _sheets(content: bytes) -> list[list[list[str]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [[[str(c) for c in line] for line in book.get_sheet_by_index(i).to_python()] for i in range(2)]


def _filled_xlsx(rows: list[list[str]]) -> bytes:
    """The department's own file: the template's header and sample, plus a second row of its own data."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("数据")
    for r, line in enumerate(rows):
        for c, value in enumerate(line):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def _upload(client: TestClient, csrf: str, name: str, data: bytes, kind: str, media: str) -> Batch:
    form = {"csrf_token": csrf, "kind": kind, "encoding": ""}
    answer = client.post("/console/upload", data=form, files={"file": (name, data, media)}, headers=HTML)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/console/batches/(\d+)\?uploaded=1", answer.headers["location"])
    assert found
    return int(found.group(1))  # type: ignore[return-value]


def test_the_upload_page_offers_every_template(operator: tuple[TestClient, str]) -> None:
    client, _ = operator
    page = client.get("/console/upload", headers=HTML).text
    for kind in KINDS:
        assert f'href="/console/upload/template-{kind}.xlsx"' in page
        assert f'href="/console/upload/template-{kind}.csv"' in page


@pytest.mark.parametrize("kind", KINDS)
def test_the_template_is_the_importers_layout(operator: tuple[TestClient, str], kind: str) -> None:
    client, _ = operator
    answer = client.get(f"/console/upload/template-{kind}.xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    data, rules = _sheets(answer.content)
    codes = template_columns(Kind(kind))
    assert data[0] == [LABELS[Kind(kind)][code] for code in codes]  # Chinese headers, the layout's names
    layout = detect_layout(data[0], kind)
    assert layout.unknown == [] and sorted(layout.columns.values()) == sorted(codes)  # every column is read
    assert len(data) == 2 and any(data[1])  # one sample row
    assert rules[0] == ["字段名称", "字段代码", "是否必填", "填写要求"]
    by_name = {line[0]: line for line in rules[1:] if len(line) == 4 and line[1]}
    for code in codes:
        line = by_name[LABELS[Kind(kind)][code]]
        assert line[1].endswith(code)
        assert (line[2] == "必填") == (code in REQUIRED[Kind(kind)]) or line[2] == "按相对人类别"
    table = client.get(f"/console/upload/template-{kind}.csv")
    assert table.content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(table.content.decode("utf-8-sig")))) == data


@pytest.mark.parametrize("kind", KINDS)
def test_the_filled_template_imports_with_zero_errors(operator: tuple[TestClient, str], db: Session, kind: str) -> None:
    client, csrf = operator
    data, _ = _sheets(client.get(f"/console/upload/template-{kind}.xlsx").content)
    header, sample = data
    second = list(sample)
    doc = template_columns(Kind(kind)).index("WSH")
    second[doc] = sample[doc].replace("示例1号", "2号")
    batch_id = _upload(client, csrf, "模板.xlsx", _filled_xlsx([header, sample, second]), kind, XLSX)
    batch = db.get(Batch, batch_id)
    assert batch is not None and (batch.rows_total, batch.rejected, batch.accepted) == (2, 0, 2), batch.warnings
    table = client.get(f"/console/upload/template-{kind}.csv").content
    csv_batch = db.get(Batch, _upload(client, csrf, "模板.csv", table, kind, "text/csv"))
    assert csv_batch is not None and csv_batch.rejected == 0 and csv_batch.rows_total == 1


def test_row_errors_of_a_filled_template_are_in_chinese(operator: tuple[TestClient, str], db: Session) -> None:
    client, csrf = operator
    header, sample = _sheets(client.get("/console/upload/template-penalty.xlsx").content)[0]
    bad = list(sample)
    bad[header.index("处罚决定日期")] = "2026-02-30"
    bad[header.index("处罚类别")] = "罚站"
    batch_id = _upload(client, csrf, "错误.xlsx", _filled_xlsx([header, bad]), "penalty", XLSX)
    page = client.get(f"/console/batches/{batch_id}", headers=HTML).text
    table = page.split('id="row-errors"')[1].split("</table>")[0]
    reasons = re.findall(r"<td>([^<]*[\u4e00-\u9fff][^<]*)</td>", table)
    assert reasons, table
    assert "罚站" in table and "日期" in table
    assert not re.search(r"\((?:[A-Za-z][^()]*)\)", " ".join(reasons)), reasons  # no English gist on the screen


def test_templates_are_for_departments_and_known_kinds(operator: tuple[TestClient, str], db: Session) -> None:
    client, _ = operator
    assert client.get("/console/upload/template-nope.xlsx").status_code == 422
    assert client.get("/console/upload/template-penalty.xlsx?x=1").status_code in (400, 422)
    anonymous = console_client(db)
    assert anonymous.get("/console/upload/template-penalty.csv").status_code in (401, 303)
