"""Streaming readers for department files: CSV and Excel, as a header row and rows of text.

``open_table(data, filename, encoding=None)`` returns a :class:`Table` (use it as a context manager):
``headers``, ``encoding`` (detected or given), ``format`` and ``rows()``, which yields
``(row_number, cells)`` where ``row_number`` is the row a person sees in a spreadsheet (the header is row 1
when it is the first line) and ``cells`` is a list of stripped strings, one per header ("" = missing), or an
:class:`UnreadableRow` when the row itself could not be read (then the batch reports it, the file goes on).

CSV: the encoding is UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text"), UTF-8, or GB18030 (what Excel
and WPS save on a Chinese Windows); strict UTF-8 is tried on a sample, then GB18030; an explicit ``encoding``
overrides. The delimiter is a comma, or a tab or semicolon when the header clearly uses one. The file is
streamed through ``io.TextIOWrapper`` and never loaded whole. Cells may be up to ``MAX_CELL_CHARS`` long: the
reader raises ``csv.field_size_limit`` to that (a process-wide setting of the ``csv`` module); a longer cell
makes that one row an ``UnreadableRow``. Limits on what a *valid* cell may hold are validation's business.

Excel: .xlsx/.xlsm are streamed by :mod:`.xlsx` (zip members, declared dimension and used range checked before a
row is read); old .xls by python-calamine in a child process with bounded memory (:mod:`.excel`). First sheet;
real dates become ISO strings and whole-number floats lose their ".0" (``12.0`` -> ``"12"``).

Every reader is bounded by :class:`FileLimits` (``XINYONG_UPLOAD_*``): file size, rows, and for workbooks the used
range, cells, members, expansion and shared strings. A file beyond one is refused whole with :class:`FileRefused`
(413, ``file_refused``, ``details.reason`` in English, message in Chinese).

Whole-file problems raise ``InvalidInput`` with ``field="file"``: empty file, binary content, unsupported
extension, bad header row (empty, too long, control characters, duplicates, more than ``MAX_COLUMNS``),
unknown encoding, undecodable text. A header with no data rows is a valid table with no rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from typing import IO, Final

from xinyong.records.ingest.excel import XlsTable, cell_text
from xinyong.records.ingest.table import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_HEADER_CHARS,
    STRIP,
    Cells,
    FileLimits,
    FileRefused,
    Format,
    Source,
    Table,
    UnreadableRow,
    clean_headers,
    file_error,
    fit,
)
from xinyong.records.ingest.xlsx import XlsxTable

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_HEADER_CHARS",
    "Cells",
    "FileLimits",
    "FileRefused",
    "Format",
    "Source",
    "Table",
    "UnreadableRow",
    "cell_text",
    "open_table",
]

MAX_HEADER_LINE_CHARS: Final = 64 * 1024
MAX_LINE_CHARS: Final = 4 * MAX_CELL_CHARS  # one physical line; beyond this the row is unreadable
SAMPLE_BYTES: Final = 64 * 1024
ASCII_SCAN_BYTES: Final = 4 * 1024 * 1024  # how far to look for the first non-ASCII byte before assuming UTF-8

_CSV_EXTENSIONS: Final = frozenset({".csv", ".tsv"})
_EXCEL_EXTENSIONS: Final[dict[str, Format]] = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}
_NOT_TEXT: Final = "not a text CSV file (文件不是文本格式的 CSV)"
_MAGIC_HINTS: Final = (
    (b"PK\x03\x04", "它看起来是 Excel 工作簿（.xlsx），请以 .xlsx 上传"),
    (b"\xd0\xcf\x11\xe0", "它看起来是旧版 Excel 工作簿（.xls），请以 .xls 上传"),
    (b"%PDF", "它看起来是 PDF 文件"),
)
_BINARY_CONTROL: Final = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")
_NON_ASCII: Final = re.compile(rb"[\x80-\xff]")
_QUOTED: Final = re.compile(r'"[^"]*"')
_UNDECODED: Final = re.compile("[\udc80-\udcff]")  # bytes the codec could not decode (surrogateescape)
_UPGRADES: Final = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "euc_cn": "gb18030"}


def open_table(data: Source, filename: str, encoding: str | None = None, limits: FileLimits | None = None) -> Table:
    """Open a department file (bytes or a path); ``filename`` decides the format by its extension. ``limits``
    (default: the ``XINYONG_UPLOAD_*`` settings) bound what the file may be or declare; beyond them it is refused
    with :class:`FileRefused` before any row is read."""
    limits = limits or configured_limits()
    extension = os.path.splitext(filename.strip().lower())[1]
    size = len(data) if isinstance(data, bytes) else os.path.getsize(data)
    if extension not in _CSV_EXTENSIONS and extension not in _EXCEL_EXTENSIONS:
        shown = extension[:20] or "(none)"
        raise file_error(f"unsupported file type {shown}; upload .csv, .xlsx or .xls (不支持的文件类型)")
    if size == 0:
        raise file_error("the file is empty (文件为空)")
    if size > limits.max_bytes:
        raise too_large(size, limits)
    if _EXCEL_EXTENSIONS.get(extension) == "xlsx":
        return XlsxTable(data, limits)
    if extension in _EXCEL_EXTENSIONS:
        return XlsTable(data, limits)
    return _CsvTable(data, encoding, limits)


def too_large(size: int, limits: FileLimits) -> FileRefused:
    return FileRefused(
        f"文件超过 {limits.max_bytes / 2**20:,.0f} MiB，拒绝读取；请拆分为多个文件 "
        f"(files are limited to {limits.max_bytes / 2**20:,.0f} MiB)",
        "file_size",
        limit=limits.max_bytes,
        found=size,
    )


def configured_limits() -> FileLimits:
    """The limits from the platform's settings (``XINYONG_UPLOAD_*``)."""
    from xinyong.core.config import get_settings

    settings = get_settings()
    return FileLimits(
        max_bytes=settings.upload_max_bytes,
        max_rows=settings.upload_max_rows,
        max_columns=settings.upload_max_columns,
        max_cells=settings.upload_max_cells,
        max_uncompressed_bytes=settings.upload_max_uncompressed_bytes,
        max_ratio=settings.upload_max_ratio,
        max_members=settings.upload_max_zip_members,
        max_shared_strings=settings.upload_max_shared_strings,
        max_shared_strings_bytes=settings.upload_max_shared_strings_bytes,
        xls_memory_bytes=settings.upload_xls_memory_bytes,
    )


# ---------------------------------------------------------------- CSV


def _opener(data: Source) -> Callable[[], IO[bytes]]:
    if isinstance(data, bytes):
        return lambda: io.BytesIO(data)
    path = os.fspath(data)
    return lambda: open(path, "rb")


def _refuse_binary(chunk: bytes) -> None:
    if b"\x00" in chunk or len(_BINARY_CONTROL.findall(chunk)) > max(2, len(chunk) // 100):
        hint = next((text for magic, text in _MAGIC_HINTS if chunk.startswith(magic)), None)
        raise file_error(_NOT_TEXT + (f"；{hint}" if hint else ""))


def _decodes(sample: bytes, codec: str) -> bool:
    try:
        codecs.getincrementaldecoder(codec)("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(raw: IO[bytes]) -> str:
    head = raw.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        _refuse_binary(head)
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    _refuse_binary(head)
    chunk, scanned = head, len(head)
    match = _NON_ASCII.search(chunk)
    while match is None and scanned < ASCII_SCAN_BYTES:
        chunk = raw.read(SAMPLE_BYTES)
        if not chunk:
            return "utf-8"  # plain ASCII
        _refuse_binary(chunk)
        scanned += len(chunk)
        match = _NON_ASCII.search(chunk)
    if match is None:
        return "utf-8"
    sample = chunk[match.start() :] + raw.read(SAMPLE_BYTES)
    for codec in ("utf-8", "gb18030"):
        if _decodes(sample, codec):
            return codec
    raise file_error(_NOT_TEXT + "；无法按 UTF-8 或 GB18030 解码 (neither UTF-8 nor GB18030)")


def _check_encoding(name: str) -> str:
    try:
        codec = codecs.lookup(name.strip()).name
        "".encode(codec)  # refuses codecs that are not text encodings (rot13, base64...)
    except (LookupError, UnicodeError, TypeError):
        raise file_error(f"unknown text encoding {name[:40]!r} (不支持的字符编码)") from None
    return _UPGRADES.get(codec, codec)


def _delimiter(line: str) -> str:
    bare = _QUOTED.sub("", line)
    counts = {d: bare.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


class _LineTooLong(Exception):
    pass


class _Lines:
    """Lines for ``csv.reader``, read in bounded pieces; remembers whether the current record is inside quotes
    so that, after an unreadable row, the rest of that record can be skipped."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self.in_quotes = False
        self.undecodable = False

    def __iter__(self) -> _Lines:
        return self

    def _read(self) -> str:
        line = self._text.readline(MAX_LINE_CHARS)
        if line.count('"') % 2:
            self.in_quotes = not self.in_quotes
        return line

    def __next__(self) -> str:
        line = self._read()
        if not line:
            raise StopIteration
        if _UNDECODED.search(line):
            self.undecodable = True
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            while (rest := self._read()) and not rest.endswith(("\n", "\r")):
                pass
            raise _LineTooLong
        return line

    def skip_record(self) -> None:
        while self.in_quotes and (line := self._read()):
            while not line.endswith(("\n", "\r")) and (line := self._read()):
                pass
        self.in_quotes = False


class _CsvTable(Table):
    def __init__(self, data: Source, encoding: str | None, limits: FileLimits) -> None:
        self.format = "csv"
        self._max_rows = limits.max_rows
        self._open = _opener(data)
        with self._open() as raw:
            if encoding is None:
                self.encoding = _detect_encoding(raw)
            else:
                self.encoding = _check_encoding(encoding)
                if not self.encoding.startswith(("utf-16", "utf-32")):
                    _refuse_binary(raw.read(SAMPLE_BYTES))
            raw.seek(0)
            text = _text(raw, self.encoding)
            try:
                self.header_row, line = self._header_line(text)
            finally:
                text.detach()
        self.delimiter = _delimiter(line)
        csv.field_size_limit(MAX_CELL_CHARS)
        self.headers = clean_headers(next(csv.reader([line], delimiter=self.delimiter)))

    def _header_line(self, text: io.TextIOWrapper) -> tuple[int, str]:
        row = 1
        line = text.readline(MAX_HEADER_LINE_CHARS + 1)
        while line and not line.strip(STRIP):
            row += 1
            line = text.readline(MAX_HEADER_LINE_CHARS + 1)
        while (
            line.count('"') % 2
            and len(line) <= MAX_HEADER_LINE_CHARS
            and (more := text.readline(MAX_HEADER_LINE_CHARS + 1))
        ):
            line += more  # a quoted header spanning lines
        if _UNDECODED.search(line):
            raise file_error(f"{_NOT_TEXT}；表头无法按 {self.encoding} 解码，请另存为 UTF-8 或指定编码")
        if not line:
            raise file_error("the file has no header row (文件没有表头行)")
        if len(line) > MAX_HEADER_LINE_CHARS:
            raise file_error(f"the header row is longer than {MAX_HEADER_LINE_CHARS} characters (表头行过长)")
        return row, line

    def rows(self) -> Iterator[tuple[int, Cells]]:
        csv.field_size_limit(MAX_CELL_CHARS)
        width = len(self.headers)
        with self._open() as raw:
            text = _text(raw, self.encoding)
            try:
                row, _ = self._header_line(text)
                lines = _Lines(text)
                reader = csv.reader(lines, delimiter=self.delimiter or ",", strict=False)
                while True:
                    row += 1
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except (csv.Error, _LineTooLong):
                        lines.skip_record()
                        lines.undecodable = False
                        yield (
                            row,
                            UnreadableRow(
                                f"该行有单元格超过 {MAX_CELL_CHARS:,} 个字符，无法读取 "
                                f"(a cell is longer than {MAX_CELL_CHARS:,} characters)"
                            ),
                        )
                        continue
                    lines.in_quotes = False
                    if row - self.header_row > self._max_rows:
                        raise FileRefused(
                            f"文件超过 {self._max_rows:,} 行，拒绝读取；请拆分为多个文件 "
                            f"(more than {self._max_rows:,} rows)",
                            "file_rows",
                            limit=self._max_rows,
                        )
                    if lines.undecodable:
                        lines.undecodable = False
                        yield (
                            row,
                            UnreadableRow(
                                f"该行含有无法按 {self.encoding} 解码的字节，请另存为 UTF-8 或指定编码 "
                                f"(bytes that are not {self.encoding})"
                            ),
                        )
                        continue
                    fitted = fit(cells, width)
                    if isinstance(fitted, UnreadableRow) or any(fitted):
                        yield row, fitted
            finally:
                text.detach()


def _text(raw: IO[bytes], encoding: str) -> io.TextIOWrapper:
    # surrogateescape: undecodable bytes become lone surrogates, so one bad row is that row's error, not the file's.
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
