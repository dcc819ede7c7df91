"""Excel workbooks (.xlsx, .xlsm, .xls) through python-calamine: first sheet, values as text (see :mod:`.files`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from collections.abc import Iterator
from decimal import Decimal

import python_calamine

from xinyong.core.errors import InvalidInput
from xinyong.records.ingest.table import (
    MAX_CELL_CHARS,
    Cells,
    Format,
    Source,
    Table,
    UnreadableRow,
    clean_headers,
    file_error,
    fit,
)

CellValue = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta


def cell_text(value: CellValue | None) -> str:
    """The text of a spreadsheet value: ISO dates, whole floats without ".0", decimals without exponent."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


class ExcelTable(Table):
    def __init__(self, data: Source, fmt: Format) -> None:
        self.format = fmt
        self.encoding = "utf-8"  # workbooks carry Unicode text; nothing to detect
        self.delimiter = None
        try:
            if isinstance(data, bytes):
                self._book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            else:
                self._book = python_calamine.CalamineWorkbook.from_path(os.fspath(data))
        except python_calamine.CalamineError as exc:
            hint = "（可能是受密码保护的工作簿）" if isinstance(exc, python_calamine.PasswordError) else ""
            raise file_error(f"not a readable Excel workbook (不是有效的 Excel 工作簿){hint}") from None
        if not self._book.sheet_names:
            self.close()
            raise file_error("the workbook has no sheet (工作簿没有工作表)")
        self._sheet = self._book.get_sheet_by_index(0)
        if self._sheet.start is None:
            self.close()
            raise file_error("the file is empty: its first sheet has no cells (文件为空：第一个工作表没有内容)")
        try:
            for row, values in self._iter():
                if any(values):
                    self.header_row = row
                    self.headers = clean_headers(values)
                    return
        except InvalidInput:
            self.close()
            raise
        self.close()
        raise file_error("the file is empty (文件为空)")

    def _iter(self) -> Iterator[tuple[int, list[str]]]:
        # iter_rows starts at the sheet's first row (0-based), whatever the used range: row i is Excel row i + 1.
        for index, values in enumerate(self._sheet.iter_rows()):
            yield index + 1, [cell_text(value) for value in values]

    def rows(self) -> Iterator[tuple[int, Cells]]:
        width = len(self.headers)
        for row, values in self._iter():
            if row <= self.header_row:
                continue
            if any(len(value) > MAX_CELL_CHARS for value in values):
                yield row, UnreadableRow(f"该行有单元格超过 {MAX_CELL_CHARS:,} 个字符 (a cell is too long)")
                continue
            fitted = fit(values, width)
            if isinstance(fitted, UnreadableRow) or any(fitted):
                yield row, fitted

    def close(self) -> None:
        with contextlib.suppress(python_calamine.CalamineError):  # already closed
            self._book.close()
