"""Old Excel workbooks (.xls: BIFF8 records in an OLE2 compound file) written by hand, so that every part of one
can be hostile: the declared dimensions, the cells' positions, the shared-strings count, the compound file's chains.
Only what the readers need: one sheet, text (LABEL) and number cells."""

from __future__ import annotations

import struct

END = 0xFFFFFFFE
FREE = 0xFFFFFFFF
FAT_SECTOR = 0xFFFFFFFD
SECTOR = 512


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(sheet: bool) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010 if sheet else 0x0005, 0x0DBB, 0x07CC, 0, 6))


def _text(value: str) -> bytes:
    return struct.pack("<HB", len(value), 1) + value.encode("utf-16-le")


def label(row: int, column: int, value: str) -> bytes:
    return _record(0x0204, struct.pack("<HHH", row, column, 0) + _text(value))


def number(row: int, column: int, value: float) -> bytes:
    return _record(0x0203, struct.pack("<HHHd", row, column, 0, value))


def biff(cells: list[bytes], *, dimensions: tuple[int, int] | None = None, globals_extra: bytes = b"") -> bytes:
    """The Workbook stream: globals (BOF, CODEPAGE, ``globals_extra``, BOUNDSHEET8, EOF) and one sheet."""
    sheet_name = "处罚"

    def globals_part(position: int) -> bytes:
        bound = struct.pack("<IBB", position, 0, 0) + struct.pack("<BB", len(sheet_name), 1)
        bound += sheet_name.encode("utf-16-le")
        return _bof(False) + _record(0x0042, struct.pack("<H", 1200)) + globals_extra + _record(0x0085, bound)

    head = globals_part(0) + _record(0x000A, b"")
    head = globals_part(len(head)) + _record(0x000A, b"")
    rows, columns = dimensions or (1, 1)
    sheet = _bof(True) + _record(0x0200, struct.pack("<IIHHH", 0, rows, 0, columns, 0))
    return head + sheet + b"".join(cells) + _record(0x000A, b"")


def compound(stream: bytes, *, cyclic: bool = False) -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding ``stream`` as "Workbook" (padded to 4096 bytes so
    it lives in regular sectors). ``cyclic``: the stream's sector chain loops back on itself."""
    stream = stream + b"\0" * max(0, 4096 - len(stream))
    count = -(-len(stream) // SECTOR)
    assert count <= 126, "one FAT sector only"
    fat = [FAT_SECTOR, END] + [2 + i + 1 for i in range(count - 1)] + [2 if cyclic else END]
    fat += [FREE] * (128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
    header += struct.pack("<I", 0)  # first DIFAT entry: the FAT is sector 0
    header += struct.pack("<I", FREE) * 108
    assert len(header) == SECTOR, len(header)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name.encode("utf-16-le") + b"\0\0") if name else b""
        body = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
        body += struct.pack("<III", FREE, FREE, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        return body + struct.pack("<IQ", start, size)

    directory = entry("Root Entry", 5, 1, END, 0) + entry("Workbook", 2, FREE, 2, len(stream))
    directory += entry("", 0, FREE, 0, 0) * 2
    padded = stream + b"\0" * (count * SECTOR - len(stream))
    return header + struct.pack("<128I", *fat) + directory + padded


def workbook(cells: list[bytes], **kwargs: object) -> bytes:
    return compound(biff(cells, **kwargs))  # type: ignore[arg-type]
