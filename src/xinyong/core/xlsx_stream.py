"""A one-sheet XLSX written as it goes: the workbook is a ZIP whose parts are written to a sink that is emptied after
each batch of rows, so the first bytes leave before the last row is read and memory stays flat however long the
sheet. (XlsxWriter's ``constant_memory`` mode keeps memory flat too, but it assembles the ZIP only at ``close``: the
first byte would wait for the last row.)

The parts are the minimum Excel, WPS and LibreOffice read: content types, relationships, a workbook naming one
sheet, a style sheet (bold shaded header, date and date-time formats) and the sheet, with every text as an inline
string (never a formula, never a shared-string table to keep in memory). The ZIP goes to a sink that cannot seek, so
:mod:`zipfile` writes each entry's sizes after its data (a data descriptor) and the sheet is a ZIP64 entry (more
than 2 GiB of XML would otherwise be refused half-way).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO, cast

from xinyong.core.export import XLSX_MAX_TEXT, Cell, cell_text, neutralise

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
ROOT_RELS = (
    HEAD + f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    HEAD + f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/styles" Target="styles.xml"/></Relationships>'
)
_THIN = '<color auto="1"/>'
STYLES = (
    HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEF3F8"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f'<border><left style="thin">{_THIN}</left><right style="thin">{_THIN}</right><top style="thin">{_THIN}</top>'
    f'<bottom style="thin">{_THIN}</bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
HEADER_STYLE, DATE_STYLE, TIME_STYLE = 1, 2, 3
EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug, right for every date after March 1900)
# XML 1.0 refuses these control characters outright; a spreadsheet cell cannot hold them either.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


class _Sink:
    """Where the ZIP is written: bytes kept until :meth:`take`; no ``tell``/``seek``, so :mod:`zipfile` streams."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    """An escaped inline string (whitespace at either end kept, Excel's ``_xHHHH_`` escape itself escaped)."""
    value = _ILLEGAL.sub("", value[:XLSX_MAX_TEXT])
    if "_x" in value:
        value = value.replace("_x", "_x005F_x")
    escaped = value.translate(_ESCAPES)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<is><t xml:space="preserve">{escaped}</t></is>'
    return f"<is><t>{escaped}</t></is>"


def _cell(ref: str, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # the common case first
        return f'<c r="{ref}" t="inlineStr">{_text(neutralise(value))}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="inlineStr">{_text("是" if value else "否")}</c>'
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None)  # as XlsxWriter's remove_timezone did: the time as it reads
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
        serial = (moment.date() - EPOCH).days + seconds / 86400
        return f'<c r="{ref}" s="{TIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{(value - EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal) and math.isfinite(float(value)) and abs(float(value)) < 1e15:
        return f'<c r="{ref}"><v>{float(value)!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr">{_text(cell_text(value))}</c>'


class XlsxStream:
    """Write a sheet row by row; each method returns the bytes of the file produced so far (often none: the
    compressor keeps what it has not yet flushed)."""

    def __init__(self, titles: Sequence[str], *, sheet: str = "数据") -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(
            cast(IO[bytes], self._sink), mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        )
        self._letters = [column_letters(i) for i in range(max(len(titles), 1) + 1)]
        self._row = 0
        self._sheet: IO[bytes] | None = None
        self._titles = list(titles)
        self._name = sheet

    def start(self) -> bytes:
        from xinyong.core.export import _sheet_name

        for name, part in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS)):
            self._zip.writestr(name, part)
        workbook = (
            HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            f'<sheet name="{_sheet_name(self._name).translate(_ESCAPES)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        )
        self._zip.writestr("xl/workbook.xml", workbook)
        self._zip.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", STYLES)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", mode="w", force_zip64=True)
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{min(max(10, len(title) * 2 + 2), 40)}" customWidth="1"/>'
            for i, title in enumerate(self._titles, start=1)
        )
        head = (
            HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            + (f"<cols>{widths}</cols>" if widths else "")
            + "<sheetData>"
        )
        self._row = 1
        cells = "".join(
            f'<c r="{self._letters[i]}1" t="inlineStr" s="{HEADER_STYLE}">{_text(neutralise(title))}</c>'
            for i, title in enumerate(self._titles)
        )
        self._sheet.write((head + f'<row r="1">{cells}</row>').encode("utf-8"))
        return self._sink.take()

    def rows(self, rows: Iterator[Sequence[Cell]] | Sequence[Sequence[Cell]]) -> bytes:
        """Append rows; the bytes the compressor has let out so far."""
        assert self._sheet is not None, "start() first"
        letters, parts, number = self._letters, [], self._row
        for row in rows:
            number += 1
            at = str(number)
            cells = "".join(_cell(letters[i] + at, value) for i, value in enumerate(row) if value is not None)
            parts.append(f'<row r="{at}">{cells}</row>')
        self._row = number
        if parts:
            self._sheet.write("".join(parts).encode("utf-8"))
        return self._sink.take()

    def notes(self, notes: Sequence[str]) -> bytes:
        """Lines of text after the data, one empty row between (where the export says where it comes from)."""
        if not notes:
            return b""
        self._row += 1  # an empty row between the data and the notes
        return self.rows([(note,) for note in notes])

    def finish(self) -> bytes:
        """Close the sheet and the ZIP: the rest of the file."""
        assert self._sheet is not None, "start() first"
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()
        return self._sink.take()
