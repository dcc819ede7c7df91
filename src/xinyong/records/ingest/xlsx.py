"""XLSX workbooks read as a stream, with every bound checked before a row is stored (see :mod:`.files`).

An XLSX file is a zip of XML parts, and a small one can describe a huge sheet: cells at A1 and XFD1048576 are a
1.5 KB file whose used range is 17 billion cells (a reader that builds the range as a dense array asks for 512 GiB
and the process aborts), a zip member can expand a thousandfold, a shared-strings part can hold millions of strings.
So nothing here builds the sheet in memory:

1. the zip's directory is checked first: number of members, each member's uncompressed size and compression ratio,
   the total (``zipfile`` never expands a member past its declared size, and checks its CRC);
2. the first sheet is parsed with expat in bounded pieces twice: once for the declared ``<dimension>`` (refused at
   once when it is beyond the limits) and the used range of the cells that hold a value (rows, columns, cells,
   refused as soon as a bound is passed), then for the rows themselves, one at a time;
3. shared strings are loaded only after both checks, bounded in count and size.

Semantics follow the spreadsheet: rows keep their Excel numbers, columns start at the used range's first column,
dates (a date number format, built in or custom) become ISO strings, whole numbers lose their ".0" (``cell_text``).
No DTD is accepted (a workbook has none; entity expansion is refused outright).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import IO, Final
from xml.parsers import expat

from xinyong.records.ingest.excel import cell_text
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

CHUNK: Final = 64 * 1024
RATIO_FLOOR: Final = 1024 * 1024  # members smaller than this are not held to the ratio (tiny parts compress well)
MAX_PART_BYTES: Final = 16 * 1024 * 1024  # workbook.xml, its relationships, styles.xml
EXCEL_ROWS: Final = 1_048_576
EXCEL_COLUMNS: Final = 16_384
_REF: Final = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_TAG: Final = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*?)(/?)>")
_ANY_CELL: Final = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_REF_CELL: Final = re.compile(rb"""<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*["'][^"']*["']""")
_VALUED_CELL: Final = re.compile(
    rb"""<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*["']\$?([A-Z]{1,3})\$?([0-9]{1,7})["'][^>]*(?<!/)>"""
)
_DIMENSION: Final = re.compile(rb"""<(?:[\w.-]+:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']{0,40})["']""")
_R_ATTR: Final = re.compile(rb"""\sr\s*=\s*["']([^"']{0,40})["']""")
_ESCAPE: Final = re.compile(r"_x([0-9A-Fa-f]{4})_")
_BUILTIN_DATES: Final = frozenset({*range(14, 23), *range(27, 37), 45, 47, *range(50, 59)})
_BUILTIN_DURATIONS: Final = frozenset({46})
_FORMAT_NOISE: Final = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETS: Final = re.compile(r"\[([^\]]*)\]")
_UNREADABLE: Final = "not a readable Excel workbook (不是有效的 Excel 工作簿)"


def _mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB"


def _refuse_limit(message: str, reason: str, **details: object) -> FileRefused:
    return FileRefused(message, reason, **details)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


_MAIN: Final = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_LOCAL: Final = {f"{ns}}}{tag}": tag for ns in _MAIN for tag in ("c", "row", "v", "is", "t", "r", "f", "rPh")}


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _column(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def _ref(text: str) -> tuple[int, int]:
    """(row, column), both 1-based, of a cell reference such as ``B12``."""
    match = _REF.fullmatch(text.replace("$", ""))
    if match is None:
        raise file_error(f"{_UNREADABLE}：单元格引用 {text[:20]!r} 无效")
    row, column = int(match.group(2)), _column(match.group(1))
    if not (1 <= row <= EXCEL_ROWS and 1 <= column <= EXCEL_COLUMNS):
        raise file_error(f"{_UNREADABLE}：单元格引用 {text[:20]!r} 超出 Excel 的范围")
    return row, column


def _no_dtd(*_: object) -> None:
    raise file_error(f"{_UNREADABLE}：含有文档类型声明（DTD），拒绝读取")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.buffer_text = True
    return parser


def _feed(parser: expat.XMLParserType, stream: IO[bytes], after_chunk: Callable[[], None] | None = None) -> None:
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            if after_chunk is not None:
                after_chunk()
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise file_error(f"{_UNREADABLE}：XML 格式错误") from None
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError):
        raise file_error(f"{_UNREADABLE}：压缩数据损坏") from None


def _is_date_format(code: str) -> str | None:
    """ "date", "duration" or None for a custom number format code."""
    bare = _FORMAT_NOISE.sub("", code)
    for bracket in _BRACKETS.findall(bare):
        if bracket.lower() in {"h", "hh", "m", "mm", "s", "ss"}:
            return "duration"
    bare = _BRACKETS.sub("", bare).lower()
    if bare == "general":
        return None
    return "date" if any(char in bare for char in "dmyhs") else None


class _Bounds:
    """Pass 1: the declared dimension and the used range of the cells holding a value, checked as they come."""

    def __init__(self, limits: FileLimits) -> None:
        self.limits = limits
        self.top = self.left = 1 << 30
        self.bottom = self.right = 0

    def check(self, top: int, left: int, bottom: int, right: int, declared: bool) -> None:
        rows, columns = bottom - top + 1, right - left + 1
        what = "声明的范围" if declared else "已用范围"
        where = "declared dimension" if declared else "used range"
        limits = self.limits
        if rows > limits.max_rows + 1:
            raise _refuse_limit(
                f"工作表{what}有 {rows:,} 行，超过上限 {limits.max_rows:,} 行，拒绝读取 "
                f"(the sheet's {where} has {rows:,} rows; at most {limits.max_rows:,})",
                "sheet_rows",
                limit=limits.max_rows,
                found=rows,
            )
        if columns > limits.max_columns:
            raise _refuse_limit(
                f"工作表{what}有 {columns:,} 列，超过上限 {limits.max_columns:,} 列，拒绝读取 "
                f"(the sheet's {where} has {columns:,} columns; at most {limits.max_columns:,})",
                "sheet_columns",
                limit=limits.max_columns,
                found=columns,
            )
        if rows * columns > limits.max_cells:
            raise _refuse_limit(
                f"工作表{what}有 {rows * columns:,} 个单元格，超过上限 {limits.max_cells:,} 个，拒绝读取 "
                f"(the sheet's {where} spans {rows * columns:,} cells; at most {limits.max_cells:,})",
                "sheet_cells",
                limit=limits.max_cells,
                found=rows * columns,
            )

    def scan(self, stream: IO[bytes]) -> None:
        """The declared dimension and every cell holding a value, found by patterns over the raw XML (no parse:
        this pass only bounds the sheet; comments or CDATA that look like cells can only make it stricter).
        Cells without an ``r`` reference (allowed, rare) are placed by counting, tag by tag."""
        tail = b""
        counting = False
        row = column = 0
        try:
            while chunk := stream.read(CHUNK):
                buffer = tail + chunk
                cut = buffer.rfind(b">") + 1
                if cut == 0 and len(buffer) > CHUNK * 4:
                    raise file_error(f"{_UNREADABLE}：XML 格式错误")
                tail = buffer[cut:]
                for declared in _DIMENSION.findall(buffer, 0, cut):
                    self.dimension(declared.decode("ascii", "replace"))
                counting = counting or len(_ANY_CELL.findall(buffer, 0, cut)) != len(_REF_CELL.findall(buffer, 0, cut))
                if counting:
                    row, column = self.count(buffer[:cut], row, column)
                    continue
                found = _VALUED_CELL.findall(buffer, 0, cut)
                if not found:
                    continue
                numbers = [int(number) for _, number in found]
                for letters in {letters for letters, _ in found}:
                    self.cell(min(numbers), _column(letters.decode("ascii")))
                self.cell(max(numbers), self.left)
                last_letters, last_number = found[-1]
                row, column = int(last_number), _column(last_letters.decode("ascii"))
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError):
            raise file_error(f"{_UNREADABLE}：压缩数据损坏") from None

    def dimension(self, declared: str) -> None:
        first, _, last = declared.partition(":")
        if first:
            top, left = _ref(first)
            bottom, right = _ref(last) if last else (top, left)
            self.check(min(top, bottom), min(left, right), max(top, bottom), max(left, right), declared=True)

    def count(self, buffer: bytes, row: int, column: int) -> tuple[int, int]:
        for match in _TAG.finditer(buffer):
            name, attrs, empty = match.groups()
            found = _R_ATTR.search(attrs)
            if name == b"c":
                if found is not None:
                    row, column = _ref(found.group(1).decode("ascii", "replace"))
                else:
                    column += 1
                if not empty:
                    self.cell(row, column)
            elif name == b"row":
                number = found.group(1) if found is not None else b""
                row = int(number) if number.isdigit() else row + 1
                if not 1 <= row <= EXCEL_ROWS:
                    raise file_error(f"{_UNREADABLE}：行号超出 Excel 的范围")
                column = 0
        return row, column

    def cell(self, row: int, column: int) -> None:
        if row < self.top or row > self.bottom or column < self.left or column > self.right:
            self.top, self.bottom = min(self.top, row), max(self.bottom, row)
            self.left, self.right = min(self.left, column), max(self.right, column)
            self.check(self.top, self.left, self.bottom, self.right, declared=False)


class _Rows:
    """Pass 2: the cell values, one finished row at a time."""

    def __init__(self, strings: list[str], styles: list[str | None], date1904: bool) -> None:
        self.strings = strings
        self.styles = styles
        self.epoch = dt.datetime.combine(dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30), dt.time())
        self.date1904 = date1904
        self.done: list[tuple[int, dict[int, str], bool]] = []
        self._row = 0
        self._column = 0
        self._values: dict[int, str] = {}
        self._too_long = False
        self._type = "n"
        self._style = 0
        self._text: list[str] | None = None
        self._length = 0
        self._in_cell = False
        self._phonetic = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _LOCAL.get(name) or _local(name)
        if local == "c":
            reference = attrs.get("r")
            if reference is not None:
                self._row, self._column = _ref(reference)
            else:
                self._column += 1
            self._type = attrs.get("t", "n")
            style = attrs.get("s", "0")
            self._style = int(style) if style.isdigit() else 0
            self._in_cell = True
            self._text = None
        elif local == "row":
            reference = attrs.get("r")
            self._row = int(reference) if reference and reference.isdigit() else self._row + 1
            self._column = 0
            self._values = {}
            self._too_long = False
        elif self._in_cell and local in ("v", "is"):
            self._text, self._length = [], 0
        elif local == "rPh":
            self._phonetic += 1

    def end(self, name: str) -> None:
        local = _LOCAL.get(name) or _local(name)
        if local == "c":
            if self._text is not None:
                self._values[self._column] = self._value("".join(self._text))
            self._in_cell = False
            self._text = None
        elif local == "row":
            if self._values:
                self.done.append((self._row, self._values, self._too_long))
            self._values = {}
        elif local == "rPh":
            self._phonetic -= 1

    def text(self, data: str) -> None:
        if self._text is None or self._phonetic:
            return
        self._length += len(data)
        if self._length > MAX_CELL_CHARS:
            self._too_long = True
            return
        self._text.append(data)

    def _value(self, raw: str) -> str:
        kind = self._type
        if kind == "s":
            index = int(raw) if raw.strip().isdigit() else -1
            return self.strings[index] if 0 <= index < len(self.strings) else ""
        if kind in ("inlineStr", "str"):
            return _unescape(raw)
        if kind == "b":
            return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
        if kind == "e":
            return raw
        if kind == "d":
            try:
                return cell_text(dt.datetime.fromisoformat(raw.strip()))
            except ValueError:
                return raw
        try:
            number = float(raw)
        except ValueError:
            return raw.strip()
        style = self.styles[self._style] if 0 <= self._style < len(self.styles) else None
        if style is None or number != number or abs(number) > 2_958_465:  # NaN, or past 9999-12-31
            return cell_text(number)
        if style == "duration":
            return cell_text(dt.timedelta(milliseconds=round(number * 86_400_000)))
        if 0 <= number < 1:
            moment = dt.datetime.combine(dt.date(2000, 1, 1), dt.time()) + dt.timedelta(
                milliseconds=round(number * 86_400_000)
            )
            return cell_text(moment.time())
        if not self.date1904 and 0 < number < 60:
            number += 1  # Excel's 1900 leap year: serials before 1 March 1900 are one day off
        try:
            return cell_text(self.epoch + dt.timedelta(milliseconds=round(number * 86_400_000)))
        except OverflowError:
            return cell_text(number)


class XlsxTable(Table):
    def __init__(self, data: Source, limits: FileLimits) -> None:
        self.format = "xlsx"
        self.encoding = "utf-8"  # workbooks carry Unicode text; nothing to detect
        self.delimiter = None
        self._limits = limits
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else os.fspath(data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise file_error(f"{_UNREADABLE}（可能是受密码保护的工作簿）") from None
        try:
            self._check_members()
            self._sheet, self._strings_part, self._styles_part, self._date1904 = self._locate()
            bounds = _Bounds(limits)
            with self._open(self._sheet) as stream:
                bounds.scan(stream)
            if bounds.bottom == 0:
                raise file_error("the file is empty: its first sheet has no cells (文件为空：第一个工作表没有内容)")
            self._left, self._width = bounds.left, bounds.right - bounds.left + 1
            self._strings = self._shared_strings()
            self._styles = self._date_styles()
            for row, values, _ in self._iter():
                if any(values):
                    self.header_row = row
                    self.headers = clean_headers(values)
                    return
            raise file_error("the file is empty (文件为空)")
        except BaseException:
            self.close()
            raise

    # -- the zip

    def _check_members(self) -> None:
        limits = self._limits
        members = self._zip.infolist()
        if len(members) > limits.max_members:
            raise _refuse_limit(
                f"工作簿含有 {len(members):,} 个部件，超过上限 {limits.max_members:,} 个，拒绝读取 "
                f"(the workbook's zip holds {len(members):,} members; at most {limits.max_members:,})",
                "zip_members",
                limit=limits.max_members,
                found=len(members),
            )
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise file_error(f"{_UNREADABLE}（部件已加密）")
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
                raise _refuse_limit(
                    f"工作簿部件 {member.filename[:80]} 的压缩比为 {ratio:,.0f} 倍，超过上限 {limits.max_ratio} 倍，"
                    f"疑似压缩炸弹，拒绝读取 (member {member.filename[:80]!r} expands {ratio:,.0f} times; "
                    f"at most {limits.max_ratio})",
                    "zip_ratio",
                    limit=limits.max_ratio,
                    found=round(ratio),
                    member=member.filename[:80],
                )
            if total > limits.max_uncompressed_bytes:
                raise _refuse_limit(
                    f"工作簿解压后超过 {_mib(limits.max_uncompressed_bytes)}，拒绝读取 "
                    f"(the workbook expands to more than {_mib(limits.max_uncompressed_bytes)})",
                    "zip_size",
                    limit=limits.max_uncompressed_bytes,
                    found=total,
                )

    def _member(self, name: str) -> zipfile.ZipInfo | None:
        try:
            return self._zip.getinfo(name)
        except KeyError:
            return None

    def _open(self, name: str) -> IO[bytes]:
        try:
            return self._zip.open(name)
        except (KeyError, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
            raise file_error(f"{_UNREADABLE}：缺少或无法解压 {name[:80]}") from None

    def _part(self, name: str) -> list[tuple[str, dict[str, str]]]:
        """The start tags of a small XML part (workbook, relationships): name and attributes."""
        member = self._member(name)
        if member is None:
            return []
        if member.file_size > MAX_PART_BYTES:
            raise _refuse_limit(
                f"工作簿部件 {name} 超过 {_mib(MAX_PART_BYTES)}，拒绝读取 ({name} is too large)",
                "zip_part",
                limit=MAX_PART_BYTES,
                found=member.file_size,
            )
        tags: list[tuple[str, dict[str, str]]] = []
        parser = _parser()
        parser.StartElementHandler = lambda tag, attrs: tags.append((_local(tag), attrs))
        with self._open(name) as stream:
            _feed(parser, stream)
        return tags

    def _relations(self, part: str) -> dict[str, str]:
        folder = PurePosixPath(part).parent
        rels = str(folder / "_rels" / (PurePosixPath(part).name + ".rels"))
        targets: dict[str, str] = {}
        for tag, attrs in self._part(rels):
            if tag == "Relationship" and "Id" in attrs and "Target" in attrs:
                target = attrs["Target"]
                path = target.lstrip("/") if target.startswith("/") else os.path.normpath(str(folder / target))
                targets[attrs["Id"]] = path.replace("\\", "/")
        return targets

    def _locate(self) -> tuple[str, str | None, str | None, bool]:
        workbook = "xl/workbook.xml"
        for tag, attrs in self._part("_rels/.rels"):
            if tag == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
                workbook = attrs.get("Target", workbook).lstrip("/")
        tags = self._part(workbook)
        if not tags:
            raise file_error(_UNREADABLE)
        relations = self._relations(workbook)
        sheet = next((attrs for tag, attrs in tags if tag == "sheet"), None)
        if sheet is None:
            raise file_error("the workbook has no sheet (工作簿没有工作表)")
        rid = next((value for key, value in sheet.items() if _local(key) == "id"), "")
        path = relations.get(rid)
        if path is None or self._member(path) is None:
            raise file_error(f"{_UNREADABLE}：找不到第一个工作表")
        date1904 = any(
            tag == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true") for tag, attrs in tags
        )
        kinds = {target.rsplit("/", 1)[-1]: target for target in relations.values()}
        strings = next((t for n, t in kinds.items() if n.lower().startswith("sharedstrings")), None)
        styles = next((t for n, t in kinds.items() if n.lower().startswith("styles")), None)
        return path, strings, styles, date1904

    # -- shared strings and styles

    def _shared_strings(self) -> list[str]:
        if self._strings_part is None or (member := self._member(self._strings_part)) is None:
            return []
        limits = self._limits
        if member.file_size > limits.max_shared_strings_bytes:
            raise _refuse_limit(
                f"工作簿的共享字符串表解压后有 {_mib(member.file_size)}，超过上限 "
                f"{_mib(limits.max_shared_strings_bytes)}，拒绝读取 (the shared strings part is too large)",
                "shared_strings_size",
                limit=limits.max_shared_strings_bytes,
                found=member.file_size,
            )
        strings: list[str] = []
        parts: list[str] = []
        depth = {"si": 0, "t": 0, "rPh": 0}

        def too_many() -> FileRefused:
            return _refuse_limit(
                f"工作簿的共享字符串超过 {limits.max_shared_strings:,} 个，拒绝读取 "
                f"(more than {limits.max_shared_strings:,} shared strings)",
                "shared_strings_count",
                limit=limits.max_shared_strings,
            )

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "sst":
                declared = attrs.get("uniqueCount", "0")
                if declared.isdigit() and int(declared) > limits.max_shared_strings:
                    raise too_many()
            if local in depth:
                depth[local] += 1

        def end(name: str) -> None:
            local = _local(name)
            if local in depth:
                depth[local] -= 1
            if local == "si":
                if len(strings) >= limits.max_shared_strings:
                    raise too_many()
                strings.append(_unescape("".join(parts)))
                parts.clear()

        def text(data: str) -> None:
            if depth["t"] and not depth["rPh"]:
                parts.append(data)

        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
        with self._open(self._strings_part) as stream:
            _feed(parser, stream)
        return strings

    def _date_styles(self) -> list[str | None]:
        """For each cell style (``s``), "date", "duration" or None."""
        if self._styles_part is None:
            return []
        formats: dict[int, str] = {}
        styles: list[str | None] = []
        in_xfs = False
        for tag, attrs in self._part(self._styles_part):
            if tag == "numFmt" and attrs.get("numFmtId", "").isdigit():
                formats[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                in_xfs = True
            elif tag == "cellStyles":
                in_xfs = False
            elif tag == "xf" and in_xfs:
                number = attrs.get("numFmtId", "0")
                ident = int(number) if number.isdigit() else 0
                if ident in formats:
                    styles.append(_is_date_format(formats[ident]))
                elif ident in _BUILTIN_DURATIONS:
                    styles.append("duration")
                else:
                    styles.append("date" if ident in _BUILTIN_DATES else None)
        return styles

    # -- rows

    def _iter(self) -> Iterator[tuple[int, list[str], bool]]:
        rows = _Rows(self._strings, self._styles, self._date1904)
        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler = rows.start, rows.end
        parser.CharacterDataHandler = rows.text
        left, width = self._left, self._width
        with self._open(self._sheet) as stream:
            end = False
            while not end:
                try:
                    chunk = stream.read(CHUNK)
                    end = not chunk
                    parser.Parse(chunk, end)
                except expat.ExpatError:
                    raise file_error(f"{_UNREADABLE}：XML 格式错误") from None
                except (zipfile.BadZipFile, EOFError, OSError):
                    raise file_error(f"{_UNREADABLE}：压缩数据损坏") from None
                for row, values, too_long in rows.done:
                    cells = [""] * width
                    for column, value in values.items():
                        if left <= column < left + width:
                            cells[column - left] = value
                    yield row, cells, too_long
                rows.done.clear()

    def rows(self) -> Iterator[tuple[int, Cells]]:
        width = len(self.headers)
        for row, values, too_long in self._iter():
            if row <= self.header_row:
                continue
            if too_long:
                yield row, UnreadableRow(f"该行有单元格超过 {MAX_CELL_CHARS:,} 个字符 (a cell is too long)")
                continue
            fitted = fit(values, width)
            if isinstance(fitted, UnreadableRow) or any(fitted):
                yield row, fitted

    def close(self) -> None:
        zipped = getattr(self, "_zip", None)
        if zipped is not None:
            zipped.close()
