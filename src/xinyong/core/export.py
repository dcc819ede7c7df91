"""Exports of any list as CSV or XLSX: the same rows a page shows, safe to open in a spreadsheet.

- **Formula injection** (CSV/DDE injection): a text cell starting with ``= + - @`` or a tab or carriage return
  would run as a formula in Excel or WPS; such text gets a leading apostrophe, and XLSX cells are always written
  as strings, never formulas. Numbers and dates keep their types (they cannot be formulas).
- **CSV** is UTF-8 with a byte-order mark, so Excel on Chinese Windows reads it as UTF-8, not GBK; it is streamed
  in chunks.
- **XLSX** is written by XlsxWriter in ``constant_memory`` mode (rows go to disk as they come) to a temporary
  file that is deleted once sent (console exports); the portal's list exports stream instead
  (:mod:`xinyong.core.streaming`, :mod:`xinyong.core.xlsx_stream`), with the same cells.
- **A cap** (:data:`MAX_EXPORT_ROWS`) bounds every export; a cut export says so in its last row (and in the
  ``X-Export-Truncated`` header) instead of silently ending.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import xlsxwriter  # type: ignore[import-untyped]  # XlsxWriter ships no type information
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, StreamingResponse

Cell = str | int | float | Decimal | bool | dt.date | dt.datetime | None

MAX_EXPORT_ROWS = 50_000  # an export read whole before its first byte
MAX_STREAMED_ROWS = 1_000_000  # an export read batch by batch as it streams (Excel's sheet holds 1,048,576 rows)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_TEXT = 32_767  # Excel's limit for one cell
CSV_CHUNK_ROWS = 500
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def truncation_note(limit: int) -> str:
    return f"注：导出结果超过 {limit} 条，仅包含前 {limit} 条，请缩小筛选范围后分批导出。"


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as text: a leading apostrophe before a formula trigger."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell_text(value: Cell) -> str:
    """One cell as CSV text: dates in ISO form, booleans as 是/否, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return neutralise(str(value))


@dataclass(slots=True)
class ExportStats:
    rows: int = 0
    truncated: bool = False


def _capped(rows: Iterable[Sequence[Cell]], limit: int, stats: ExportStats) -> Iterator[Sequence[Cell]]:
    """At most ``limit`` rows; ``stats.truncated`` turns true when a further row existed."""
    for row in rows:
        if stats.rows >= limit:
            stats.truncated = True
            return
        stats.rows += 1
        yield row


def csv_chunks(
    titles: Sequence[str], rows: Iterable[Sequence[Cell]], *, limit: int = MAX_EXPORT_ROWS, stats: ExportStats | None
) -> Iterator[bytes]:
    """The CSV as UTF-8 chunks: a BOM and the header first, then rows, then the truncation note if cut."""
    stats = stats if stats is not None else ExportStats()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(t) for t in titles])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(_capped(rows, limit, stats), start=1):
        writer.writerow([cell_text(value) for value in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if stats.truncated:
        writer.writerow([truncation_note(limit)])
    yield buffer.getvalue().encode("utf-8")


def _sheet_name(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "数据"
    return cleaned[:31]


def write_xlsx(
    target: Path,
    titles: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str = "数据",
    limit: int = MAX_EXPORT_ROWS,
    notes: Sequence[str] = (),
) -> ExportStats:
    """Write one sheet of rows (strings never become formulas); ``notes`` and a truncation note follow the data."""
    stats = ExportStats()
    workbook = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    try:
        worksheet = workbook.add_worksheet(_sheet_name(sheet))
        header = workbook.add_format({"bold": True, "bg_color": "#EEF3F8", "border": 1})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, title in enumerate(titles):
            worksheet.write_string(0, col, neutralise(title)[:XLSX_MAX_TEXT], header)
            worksheet.set_column(col, col, min(max(10, len(title) * 2 + 2), 40))
        row_index = 0
        for row_index, row in enumerate(_capped(rows, limit, stats), start=1):
            for col, value in enumerate(row):
                _write_cell(worksheet, row_index, col, value, date_format, time_format)
        trailer = list(notes) + ([truncation_note(limit)] if stats.truncated else [])
        for offset, note in enumerate(trailer, start=2):
            worksheet.write_string(row_index + offset, 0, neutralise(note)[:XLSX_MAX_TEXT])
    finally:
        workbook.close()
    return stats


def _write_cell(
    worksheet: Any,
    row: int,
    col: int,
    value: Cell,
    date_format: Any,
    time_format: Any,
) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(row, col, value, time_format)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    elif isinstance(value, int | float | Decimal) and math.isfinite(float(value)) and abs(float(value)) < 1e15:
        worksheet.write_number(row, col, float(value))
    else:
        worksheet.write_string(row, col, cell_text(value)[:XLSX_MAX_TEXT])


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    ascii_name = "".join(ch for ch in ascii_name if ch.isalnum() or ch in "._-") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(
    filename: str, titles: Sequence[str], rows: Sequence[Sequence[Cell]], *, limit: int = MAX_EXPORT_ROWS
) -> StreamingResponse:
    """Stream rows as a CSV download. ``rows`` may hold one row past ``limit`` to signal a cut."""
    headers = {"Content-Disposition": _disposition(filename), "X-Export-Rows": str(min(len(rows), limit))}
    if len(rows) > limit:
        headers["X-Export-Truncated"] = str(limit)
    return StreamingResponse(csv_chunks(titles, rows, limit=limit, stats=None), media_type=CSV_TYPE, headers=headers)


def xlsx_response(
    filename: str,
    titles: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str = "数据",
    limit: int = MAX_EXPORT_ROWS,
    notes: Sequence[str] = (),
) -> FileResponse:
    """Write rows to a temporary XLSX file and send it; the file is removed after the response."""
    handle, name = tempfile.mkstemp(prefix="xinyong-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        stats = write_xlsx(path, titles, rows, sheet=sheet, limit=limit, notes=notes)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    headers = {"Content-Disposition": _disposition(filename), "X-Export-Rows": str(stats.rows)}
    if stats.truncated:
        headers["X-Export-Truncated"] = str(limit)
    return FileResponse(
        path, media_type=XLSX_TYPE, headers=headers, background=BackgroundTask(path.unlink, missing_ok=True)
    )
