"""Reading department files (issue 3): CSV in UTF-8 / BOM / GB18030, XLSX, and every way a file can be wrong."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from xinyong.core.errors import InvalidInput
from xinyong.records.ingest.files import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    Cells,
    Table,
    UnreadableRow,
    cell_text,
    open_table,
)

HEADER = "行政相对人名称,统一社会信用代码,行政处罚决定书文号,处罚决定日期,罚款金额（万元）"
ROW = "共青城市某某商贸有限公司,91360482MA35G3R202,共市监罚〔2024〕12号,2024/3/1,0.5"


def rows_of(table: Table) -> list[tuple[int, Cells]]:
    return list(table.rows())


def read(data: bytes, filename: str = "data.csv", encoding: str | None = None) -> tuple[Table, list[tuple[int, Cells]]]:
    with open_table(data, filename, encoding) as table:
        return table, rows_of(table)


def file_error(data: bytes, filename: str = "data.csv", encoding: str | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read(data, filename, encoding)
    assert caught.value.field == "file"
    return caught.value


# ---------------------------------------------------------------- encodings


def test_gb18030_csv_with_chinese_headers() -> None:
    data = f"{HEADER}\r\n{ROW}\r\n".encode("gb18030")
    table, rows = read(data)
    assert table.encoding == "gb18030"
    assert table.format == "csv"
    assert table.headers[0] == "行政相对人名称"
    assert table.headers[4] == "罚款金额（万元）"
    assert rows == [(2, ROW.split(","))]


def test_utf8_with_bom() -> None:
    data = f"{HEADER}\n{ROW}\n".encode("utf-8-sig")
    table, rows = read(data)
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "行政相对人名称"  # no BOM glued to the first header
    assert rows[0][1] == ROW.split(",")


def test_plain_utf8_and_utf16_excel_unicode_text() -> None:
    table, rows = read(f"{HEADER}\n{ROW}\n".encode())
    assert table.encoding == "utf-8"
    assert rows[0][1] == ROW.split(",")
    unicode_text = f"{HEADER}\r\n{ROW}\r\n".replace(",", "\t").encode("utf-16")
    table, rows = read(unicode_text, "export.tsv")
    assert table.encoding == "utf-16"
    assert table.delimiter == "\t"
    assert rows[0][1] == ROW.split(",")


def test_long_ascii_prefix_before_the_first_chinese_character() -> None:
    ascii_rows = "".join(f"a{i},b,c,d,e\n" for i in range(20_000))  # > the 64 KiB sample
    data = f"CF_XDR_MC,CF_XDR_SHXYM,CF_WSH,CF_JDRQ,CF_NR_FK\n{ascii_rows}{ROW}\n".encode("gb18030")
    table, rows = read(data)
    assert table.encoding == "gb18030"
    assert rows[-1] == (20_002, ROW.split(","))


def test_explicit_encoding_overrides_detection() -> None:
    data = f"{HEADER}\n{ROW}\n".encode("gb18030")
    table, rows = read(data, encoding="GBK")
    assert table.encoding == "gb18030"  # GBK files are read with its superset
    assert rows[0][1][0] == "共青城市某某商贸有限公司"


def test_unknown_encoding_name() -> None:
    data = f"{HEADER}\n".encode()
    assert "不支持的字符编码" in file_error(data, encoding="klingon-8").message
    assert "不支持的字符编码" in file_error(data, encoding="rot13").message  # a codec, but not a text encoding


def test_undecodable_text_is_not_a_text_csv() -> None:
    data = HEADER.encode() + b"\n\x80\x80\xff\xfe\x80abc\n"
    assert "not a text CSV file" in file_error(data).message


def test_undecodable_bytes_late_in_the_file_make_that_row_unreadable() -> None:
    utf8_rows = f"{ROW}\n" * 3000  # beyond the sample the encoding is detected on
    data = f"{HEADER}\n{utf8_rows}".encode() + "某公司,x,y,z,w\n".encode("gb18030") + f"{ROW}\n".encode()
    table, rows = read(data, "mixed.csv")
    assert table.encoding == "utf-8"
    assert len(rows) == 3002
    row, cells = rows[3000]
    assert row == 3002
    assert isinstance(cells, UnreadableRow)
    assert "无法按 utf-8 解码" in cells.reason
    assert rows[3001] == (3003, ROW.split(","))


def test_wrong_explicit_encoding_for_the_header() -> None:
    data = f"{HEADER}\n{ROW}\n".encode("gb18030")
    assert "表头无法按 utf-8 解码" in file_error(data, encoding="utf-8").message


# ---------------------------------------------------------------- structure


@pytest.mark.parametrize(("delimiter", "filename"), [("\t", "a.csv"), (";", "a.csv"), ("\t", "a.tsv")])
def test_tab_and_semicolon_delimiters(delimiter: str, filename: str) -> None:
    data = f"{HEADER}\n{ROW}\n".replace(",", delimiter).encode()
    table, rows = read(data, filename)
    assert table.delimiter == delimiter
    assert rows[0][1] == ROW.split(",")


def test_cells_are_stripped_and_rows_fitted_to_the_header() -> None:
    data = "a,b,c\n  x , 　y　 \n\n1,2,3,,\n,,\nq,w,e,extra\n".encode()
    _, rows = read(data)
    assert rows[0] == (2, ["x", "y", ""])  # padded, stripped (incl. the ideographic space)
    assert rows[1] == (4, ["1", "2", "3"])  # blank row 3 skipped, its number kept; empty trailing cells dropped
    # row 5 is all empty: skipped
    assert rows[2][0] == 6
    assert isinstance(rows[2][1], UnreadableRow)
    assert "表头之外" in rows[2][1].reason


def test_quoted_cells_with_line_breaks_count_as_one_row() -> None:
    data = b'a,b\n"line 1\r\nline 2",x\ny,"say ""hi"""\n'
    _, rows = read(data)
    assert rows == [(2, ["line 1\nline 2", "x"]), (3, ["y", 'say "hi"'])]


def test_blank_lines_before_the_header_move_row_numbers() -> None:
    table, rows = read(b"\n\n a , b \n1,2\n")
    assert table.header_row == 3
    assert table.headers == ["a", "b"]
    assert rows == [(4, ["1", "2"])]


def test_formula_looking_cells_are_read_as_text() -> None:
    data = "名称,备注\n=cmd|' /C calc'!A0,+1\n@SUM(A1),-2\n".encode()
    _, rows = read(data)
    assert rows == [(2, ["=cmd|' /C calc'!A0", "+1"]), (3, ["@SUM(A1)", "-2"])]


def test_a_100000_character_cell_is_read() -> None:
    big = "违" * 100_000
    _, rows = read(f"{HEADER}\n某公司,x,{big},2024-03-01,1\n".encode())
    cells = rows[0][1]
    assert isinstance(cells, list)
    assert len(cells[2]) == 100_000  # validation, not the reader, refuses it


@pytest.mark.parametrize("quoted", [False, True])
def test_a_cell_over_the_read_limit_is_an_unreadable_row_not_a_crash(quoted: bool) -> None:
    huge = "x" * (MAX_CELL_CHARS + 10)
    if quoted:
        huge = '"' + huge[:500] + "\nline two, still the same cell\n" + huge + '"'
    data = f"a,b\n1,2\n{huge},3\n4,5\n".encode()
    _, rows = read(data)
    assert rows[0] == (2, ["1", "2"])
    assert rows[1][0] == 3
    assert isinstance(rows[1][1], UnreadableRow)
    assert "1,000,000" in rows[1][1].reason
    assert rows[2] == (4, ["4", "5"])


def test_a_file_with_only_headers_has_no_rows() -> None:
    table, rows = read(f"{HEADER}\r\n".encode())
    assert len(table.headers) == 5
    assert rows == []
    table, rows = read(HEADER.encode("gb18030"))  # no final newline either
    assert rows == []


def test_rows_can_be_read_twice_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(f"{HEADER}\n{ROW}\n".encode("gb18030"))
    with open_table(path, path.name) as table:
        assert rows_of(table) == rows_of(table) == [(2, ROW.split(","))]


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("filename", ["empty.csv", "empty.xlsx"])
def test_empty_file(filename: str) -> None:
    assert "文件为空" in file_error(b"", filename).message


def test_whitespace_only_file_has_no_header() -> None:
    assert "没有表头" in file_error(b"\r\n  \n\n").message


@pytest.mark.parametrize("filename", ["data.pdf", "data.doc", "data", "data.csv.exe"])
def test_unsupported_extension(filename: str) -> None:
    assert "不支持的文件类型" in file_error(b"a,b\n", filename).message


def test_binary_file_renamed_csv() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    assert file_error(png).message.startswith("not a text CSV file (文件不是文本格式的 CSV)")
    workbook = io.BytesIO()
    with xlsxwriter.Workbook(workbook, {"in_memory": True}) as book:
        book.add_worksheet().write_row(0, 0, ["a", "b"])
    assert ".xlsx" in file_error(workbook.getvalue(), "renamed.csv").message


def test_garbage_named_xlsx() -> None:
    assert "Excel" in file_error(b"CF_WSH,CF_XDR_MC\n1,2\n", "fake.xlsx").message


def test_hostile_headers() -> None:
    assert "not a text CSV" in file_error(b"a,b\x00c\n1,2\n").message  # NUL
    assert "控制字符" in file_error(b"a,b\x01c\n1,2\n").message
    assert "表头过长" in file_error(("x" * 201 + ",b\n").encode()).message
    assert "表头行过长" in file_error(("x," * 40_000 + "\n").encode()).message
    error = file_error("名称,文号,名称\n1,2,3\n".encode())
    assert "表头重复" in error.message
    assert error.details == {"duplicated": ["名称"]}
    too_wide = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    assert "列数超过" in file_error(f"{too_wide}\n".encode()).message
    assert "表头为空" in file_error(b",,,\n1,2,3\n").message


def test_empty_header_cells_in_the_middle_get_a_name() -> None:
    table, rows = read(b"a,,c\n1,2,3\n")
    assert table.headers == ["a", "(第2列)", "c"]
    assert rows == [(2, ["1", "2", "3"])]


# ---------------------------------------------------------------- Excel


def _workbook(write: Callable[[Any, Any], None]) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        sheet = book.add_worksheet("处罚")
        write(book, sheet)
    return buffer.getvalue()


def test_xlsx_with_chinese_headers_dates_and_numbers() -> None:
    def write(book: Any, sheet: Any) -> None:
        date_format = book.add_format({"num_format": "yyyy年m月d日"})
        time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        sheet.write_row(
            0, 0, ["行政相对人名称", "行政处罚决定书文号", "处罚决定日期", "罚款金额（万元）", "备注", "时间"]
        )
        sheet.write_string(1, 0, "共青城市某某商贸有限公司")
        sheet.write_string(1, 1, "00123")
        sheet.write_datetime(1, 2, dt.datetime(2024, 3, 1), date_format)
        sheet.write_number(1, 3, 12.0)
        sheet.write_string(1, 4, "=cmd|' /C calc'!A0")
        sheet.write_datetime(1, 5, dt.datetime(2024, 3, 1, 9, 30), time_format)
        sheet.write_string(3, 0, "第二家")
        sheet.write_number(3, 1, 20240001)
        sheet.write_number(3, 3, 0.000125)
        sheet.write_number(3, 4, 1e-7)

    table, rows = read(_workbook(write), "处罚.xlsx")
    assert table.format == "xlsx"
    assert table.header_row == 1
    assert table.headers == ["行政相对人名称", "行政处罚决定书文号", "处罚决定日期", "罚款金额（万元）", "备注", "时间"]
    assert rows == [
        (2, ["共青城市某某商贸有限公司", "00123", "2024-03-01", "12", "=cmd|' /C calc'!A0", "2024-03-01T09:30:00"]),
        (4, ["第二家", "20240001", "", "0.000125", "0.0000001", ""]),  # row 3 is blank: skipped, numbering kept
    ]


def test_xlsx_header_below_blank_rows_and_extra_columns() -> None:
    def write(book: Any, sheet: Any) -> None:
        sheet.write_row(2, 1, ["CF_WSH", "CF_XDR_MC"])
        sheet.write_row(3, 1, ["文号1", "名称1"])
        sheet.write_row(4, 1, ["文号2", "名称2", "多出来的"])

    table, rows = read(_workbook(write), "x.XLSX")
    assert table.header_row == 3
    assert table.headers == ["CF_WSH", "CF_XDR_MC"]
    assert rows[0] == (4, ["文号1", "名称1"])
    assert rows[1][0] == 5
    assert isinstance(rows[1][1], UnreadableRow)


def test_xlsx_with_only_headers_and_without_cells() -> None:
    def headers_only(book: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["CF_WSH", "CF_XDR_MC"])

    table, rows = read(_workbook(headers_only), "x.xlsx")
    assert table.headers == ["CF_WSH", "CF_XDR_MC"]
    assert rows == []
    assert "文件为空" in file_error(_workbook(lambda book, sheet: None), "x.xlsx").message


def test_xlsx_duplicated_headers(tmp_path: Path) -> None:
    def write(book: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["文号", "文号"])

    path = tmp_path / "dup.xlsx"
    path.write_bytes(_workbook(write))
    with pytest.raises(InvalidInput, match="表头重复"):
        open_table(path, path.name)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (-3.0, "-3"),
        (0.5, "0.5"),
        (1e-7, "0.0000001"),
        (123456789012.0, "123456789012"),
        (7, "7"),
        (True, "TRUE"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 2, 29, 8, 0, 5), "2024-02-29T08:00:05"),
        (dt.time(8, 30), "08:30:00"),
    ],
)
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_cell_text_of_a_float_is_its_exact_decimal(value: float) -> None:
    text = cell_text(value)
    assert "e" not in text.lower()
    assert float(text) == value
    if value.is_integer():
        assert "." not in text
