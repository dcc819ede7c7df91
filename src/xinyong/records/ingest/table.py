"""What every department file becomes: a header row and rows of stripped text cells (see :mod:`.files`)."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Final, Literal

from xinyong.core.errors import InvalidInput, TooLarge

Format = Literal["csv", "xlsx", "xls"]
Source = bytes | str | os.PathLike[str]

MAX_COLUMNS: Final = 200
MAX_HEADER_CHARS: Final = 200
MAX_CELL_CHARS: Final = 1_000_000
# Characters stripped around every cell: Unicode whitespace (incl. the ideographic space U+3000) plus the
# zero-width space and BOM that copy-paste leaves behind.
STRIP: Final = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\u200b\ufeff"
_HEADER_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class UnreadableRow:
    """A row that could not be read as cells; ``reason`` says why (Chinese, with the English gist)."""

    reason: str


Cells = list[str] | UnreadableRow


def file_error(message: str, **details: object) -> InvalidInput:
    return InvalidInput(message, field="file", details=details or None)


@dataclass(frozen=True, slots=True)
class FileLimits:
    """What a department file may declare or hold before it is read (``XINYONG_UPLOAD_*`` settings).

    A file beyond any of them is refused as a whole (:class:`FileRefused`) before a row is stored."""

    max_bytes: int = 512 * 1024 * 1024  # the file itself
    max_rows: int = 1_000_000  # data rows (CSV lines or sheet rows)
    max_columns: int = 1_000  # the sheet's used range, in columns
    max_cells: int = 20_000_000  # the sheet's used range, rows x columns
    max_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024  # all members of an XLSX (zip) together
    max_ratio: int = 200  # uncompressed / compressed, for each XLSX member above 1 MiB
    max_members: int = 1_000  # entries in the XLSX zip
    max_shared_strings: int = 2_000_000  # distinct strings of an XLSX (held in memory while reading)
    max_shared_strings_bytes: int = 128 * 1024 * 1024  # their XML, uncompressed
    xls_memory_bytes: int = 1024 * 1024 * 1024  # address space of the child process that reads an old .xls


class FileRefused(TooLarge):
    """413: a file beyond a limit (a spreadsheet bomb, an oversized upload); ``details.reason`` says which."""

    code = "file_refused"

    def __init__(self, message: str, reason: str, **details: object) -> None:
        super().__init__(message, field="file", details={"reason": reason, **details})


class Table:
    """A header row and a stream of data rows. ``rows()`` may be iterated more than once."""

    format: Format
    encoding: str
    headers: list[str]
    header_row: int  # the row number of the header (1 unless blank rows come first)
    delimiter: str | None

    def rows(self) -> Iterator[tuple[int, Cells]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file (a no-op for CSV, which opens the file anew on each ``rows()``)."""

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def clean_headers(cells: list[str]) -> list[str]:
    headers = [cell.strip(STRIP) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise file_error("the header row is empty (表头为空)")
    if len(headers) > MAX_COLUMNS:
        raise file_error(f"more than {MAX_COLUMNS} columns ({len(headers)}) (列数超过 {MAX_COLUMNS})")
    for index, header in enumerate(headers):
        if len(header) > MAX_HEADER_CHARS:
            raise file_error(
                f"header of column {index + 1} is longer than {MAX_HEADER_CHARS} characters "
                f"(第 {index + 1} 列表头过长)",
                column=index + 1,
            )
        if _HEADER_CONTROL.search(header):
            raise file_error(
                f"header of column {index + 1} contains control characters (第 {index + 1} 列表头含控制字符)",
                column=index + 1,
            )
        if not header:
            headers[index] = f"(第{index + 1}列)"
    duplicated = [header for header, count in Counter(headers).items() if count > 1]
    if duplicated:
        raise file_error(
            f"duplicated header names (表头重复): {', '.join(duplicated[:10])}", duplicated=duplicated[:10]
        )
    return headers


def fit(cells: list[str], width: int) -> Cells:
    """Stripped cells, exactly ``width`` of them; non-empty cells beyond the header make the row unreadable."""
    out = [(cell.replace("\r\n", "\n").replace("\r", "\n") if "\r" in cell else cell).strip(STRIP) for cell in cells]
    if len(out) > width:
        extra = sum(1 for cell in out[width:] if cell)
        if extra:
            return UnreadableRow(
                f"该行在表头之外还有 {extra} 个非空单元格，可能是未加引号的分隔符导致错列 "
                f"(more cells than header columns)"
            )
        del out[width:]
    elif len(out) < width:
        out.extend([""] * (width - len(out)))
    return out
