"""CSV and XLSX exports: formula injection neutralised, BOM for Excel, typed cells, the row cap and its note."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from xinyong.core import export
from xinyong.core.export import ExportStats, cell_text, csv_chunks, neutralise, write_xlsx

HOSTILE = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://evil","点我")']


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_get_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert cell_text(text) == "'" + text


@pytest.mark.parametrize("text", ["共青城鸿瑞", "91360482MA35", "a=b", "", " =x", "'already"])
def test_plain_text_is_kept(text: str) -> None:
    assert neutralise(text) == text


def test_cell_text_of_typed_values() -> None:
    assert cell_text(None) == ""
    assert cell_text(True) == "是" and cell_text(False) == "否"
    assert cell_text(dt.date(2024, 3, 1)) == "2024-03-01"
    assert cell_text(-1.5) == "-1.5"  # a number is no formula
    assert cell_text(Decimal("-2.50")) == "-2.50"
    assert cell_text(float("nan")) == ""


def _csv(titles: list[str], rows: list[list[export.Cell]], limit: int = 100) -> tuple[bytes, ExportStats]:
    stats = ExportStats()
    return b"".join(csv_chunks(titles, rows, limit=limit, stats=stats)), stats


def test_csv_has_a_bom_and_reads_back() -> None:
    data, stats = _csv(["名称", "金额"], [["共青城鸿瑞羽绒服饰有限公司", 1.5], ["=cmd", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["名称", "金额"], ["共青城鸿瑞羽绒服饰有限公司", "1.5"], ["'=cmd", ""]]
    assert stats.rows == 2 and not stats.truncated


def test_csv_quotes_separators_and_newlines() -> None:
    data, _ = _csv(["a"], [['含,逗号 "引号"\n换行']])
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1] == ['含,逗号 "引号"\n换行']


def test_csv_cap_adds_a_note() -> None:
    rows: list[list[export.Cell]] = [[i] for i in range(1200)]
    data, stats = _csv(["n"], rows, limit=1000)
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert stats.truncated and stats.rows == 1000
    assert len(lines) == 1 + 1000 + 1 and "仅包含前 1000 条" in lines[-1][0]
    exact, stats = _csv(["n"], rows[:1000], limit=1000)
    assert not stats.truncated and "仅包含" not in exact.decode("utf-8-sig")


def test_csv_streams_in_chunks() -> None:
    rows: list[list[export.Cell]] = [[i] for i in range(export.CSV_CHUNK_ROWS * 3)]
    chunks = list(csv_chunks(["n"], rows, stats=None))
    assert len(chunks) >= 4


def test_xlsx_writes_strings_not_formulas(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    rows: list[list[export.Cell]] = [[text, 1.5, dt.date(2024, 3, 1)] for text in HOSTILE] + [
        ["x" * 40_000, None, True]
    ]
    stats = write_xlsx(target, ["内容", "金额", "日期"], rows, sheet="行政处罚[公示]", notes=["数据来源：测试"])
    assert stats.rows == len(rows) and not stats.truncated
    workbook = CalamineWorkbook.from_path(str(target))
    assert workbook.sheet_names == ["行政处罚_公示_"]
    values = workbook.get_sheet_by_index(0).to_python()
    assert values[0] == ["内容", "金额", "日期"]
    assert [row[0] for row in values[1 : len(HOSTILE) + 1]] == ["'" + text for text in HOSTILE]
    assert values[1][1] == 1.5 and values[1][2] == dt.date(2024, 3, 1)
    assert len(values[len(HOSTILE) + 1][0]) == export.XLSX_MAX_TEXT
    assert values[-1][0] == "数据来源：测试"
    with target.open("rb") as raw:
        import zipfile

        sheet = zipfile.ZipFile(raw).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere


def test_xlsx_cap_adds_a_note(tmp_path: Path) -> None:
    target = tmp_path / "cut.xlsx"
    stats = write_xlsx(target, ["n"], ([i] for i in range(30)), limit=25)
    assert stats.truncated and stats.rows == 25
    values = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert "仅包含前 25 条" in str(values[-1][0])
    assert [row[0] for row in values[1:26]] == [float(i) for i in range(25)]


def test_disposition_names_the_file_in_both_forms() -> None:
    header = export._disposition("行政处罚公示.csv")
    assert 'filename="' in header and "filename*=UTF-8''%E8%A1%8C" in header
    assert export._disposition('a"b\r\n.csv').count('"') == 2
