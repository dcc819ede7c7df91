"""Old Excel workbooks (.xls) through python-calamine in a child process; ``cell_text`` for every reader."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal

import python_calamine

from xinyong.records.ingest.table import (
    MAX_CELL_CHARS,
    Cells,
    FileLimits,
    FileRefused,
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


class XlsTable(Table):
    """An old Excel workbook (.xls, BIFF): read by python-calamine in a child process with bounded memory.

    calamine builds the sheet's used range as a dense array, so a few cells far apart make it allocate without
    bound; in a child process under ``RLIMIT_AS`` (``FileLimits.xls_memory_bytes``) that is a refused file, not a
    dead server. The child writes the rows as JSON lines to a temporary file that ``rows()`` streams."""

    def __init__(self, data: Source, limits: FileLimits) -> None:
        self.format = "xls"
        self.encoding = "utf-8"
        self.delimiter = None
        self._rows_file = tempfile.NamedTemporaryFile(prefix="xinyong-xls-", suffix=".jsonl", delete=False)  # noqa: SIM115
        self._rows_file.close()
        source: tempfile._TemporaryFileWrapper[bytes] | None = None
        try:
            if isinstance(data, bytes):
                source = tempfile.NamedTemporaryFile(prefix="xinyong-xls-", suffix=".xls")  # noqa: SIM115
                source.write(data)
                source.flush()
                path = source.name
            else:
                path = os.fspath(data)
            self._convert(path, limits)
            for row, values in self._iter():
                if any(values):
                    self.header_row = row
                    self.headers = clean_headers(values)
                    return
            raise file_error("the file is empty (文件为空)")
        except BaseException:
            self.close()
            raise
        finally:
            if source is not None:
                source.close()

    def _convert(self, path: str, limits: FileLimits) -> None:
        command = [sys.executable, "-m", "xinyong.records.ingest.xls_child", path, self._rows_file.name]
        command += [str(limits.xls_memory_bytes), str(limits.max_rows + 1), str(limits.max_columns)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=600, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise FileRefused("读取工作簿超时，拒绝读取 (reading the workbook took too long)", "xls_timeout") from None
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        if done.returncode == 0:
            return
        if done.returncode == 3:  # the child's own refusal: the message is on stderr
            raise file_error(message[0][:300])
        if done.returncode == 4:
            reason, _, text = message[0].partition(" ")
            raise FileRefused(text[:300], reason)
        raise FileRefused(
            "工作簿过大或已损坏，读取时超出内存上限，拒绝读取 (the workbook needs more memory than allowed)",
            "xls_memory",
            limit=limits.xls_memory_bytes,
        )

    def _iter(self) -> Iterator[tuple[int, list[str]]]:
        with open(self._rows_file.name, encoding="utf-8") as lines:
            for line in lines:
                row, values = json.loads(line)
                yield int(row), [str(value) for value in values]

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
        with contextlib.suppress(OSError):
            os.unlink(self._rows_file.name)


def convert(source: str, target: str, max_rows: int, max_columns: int) -> int:
    """The child's work: the first sheet of ``source`` as JSON lines ``[row, [cells...]]`` in ``target``.

    Returns the exit code: 0 done, 3 an unreadable workbook (message on stderr), 4 a limit (reason, message)."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(source)
    except python_calamine.CalamineError as exc:
        hint = "（可能是受密码保护的工作簿）" if isinstance(exc, python_calamine.PasswordError) else ""
        print(f"not a readable Excel workbook (不是有效的 Excel 工作簿){hint}", file=sys.stderr)
        return 3
    if not book.sheet_names:
        print("the workbook has no sheet (工作簿没有工作表)", file=sys.stderr)
        return 3
    sheet = book.get_sheet_by_index(0)
    if sheet.start is None:
        print("the file is empty: its first sheet has no cells (文件为空：第一个工作表没有内容)", file=sys.stderr)
        return 3
    if sheet.height > max_rows or sheet.width > max_columns:
        print(
            f"sheet_range 工作表已用范围为 {sheet.height:,} 行 × {sheet.width:,} 列，超过上限 {max_rows - 1:,} 行或 "
            f"{max_columns:,} 列，拒绝读取 (the sheet's used range is too large)",
            file=sys.stderr,
        )
        return 4
    with open(target, "w", encoding="utf-8") as out:
        # iter_rows starts at the sheet's first row (0-based), whatever the used range: row i is Excel row i + 1.
        for index, values in enumerate(sheet.iter_rows()):
            if any(value not in (None, "") for value in values):
                out.write(json.dumps([index + 1, [cell_text(value) for value in values]], ensure_ascii=False))
                out.write("\n")
    book.close()
    return 0
